package ingest

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lantian-aq/lantian"
)

// result is everything a Reader produced.
type result struct {
	obs   []lantian.Observation
	errs  []*RowError
	fatal error
	sum   Summary
	rd    *Reader
}

func readString(t testing.TB, in string, opt Options) result {
	t.Helper()
	return readFrom(t, strings.NewReader(in), opt)
}

func readFile(t testing.TB, path string, opt Options) result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if opt.File == "" {
		opt.File = filepath.Base(path)
	}
	return readFrom(t, f, opt)
}

func readFrom(t testing.TB, in io.Reader, opt Options) result {
	t.Helper()
	rd, err := NewReader(in, opt)
	if err != nil {
		return result{fatal: err}
	}
	var res result
	res.rd = rd
	for {
		o, err := rd.Next()
		if err == io.EOF {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			res.errs = append(res.errs, re)
			continue
		}
		if err != nil {
			res.fatal = err
			break
		}
		res.obs = append(res.obs, o)
	}
	res.sum = rd.Summary()
	return res
}

func errStrings(errs []*RowError) []string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return s
}
