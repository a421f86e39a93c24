package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/demo"
	"github.com/lantian-aq/lantian/sqlstore"
)

// testServer is a server on a SQLite store loaded with the demo data (the
// real 2019 data the repository carries), shared by the tests of this
// package because loading takes seconds.
var (
	testStore lantian.Store
	testSrv   *Server
	testHTTP  *httptest.Server
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "lantian-web-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "", dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer st.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := demo.Load(ctx, st, lantian.DemoFS, quiet); err != nil {
		fmt.Fprintln(os.Stderr, "loading demo data:", err)
		return 1
	}
	plans, err := demo.Plans(lantian.DemoFS)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	testStore = st
	testSrv, err = New(Options{Store: st, Plans: plans, RootArea: "411300", Logger: quiet,
		Now: func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	testHTTP = httptest.NewServer(testSrv)
	defer testHTTP.Close()
	return m.Run()
}

// get fetches a path from the test server.
func get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(testHTTP.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}
