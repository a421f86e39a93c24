package web

import (
	"net/http"
	"net/http/httptest"
)

func newRequest(path string) (*http.Request, error) { return http.NewRequest("GET", path, nil) }

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
