package ingest

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMappedFile reads files through os.File with several workers, where
// a wide file is mapped and cut in place (small chunks, so that records
// and quoted line breaks straddle them, and a record longer than a chunk),
// and compares with a sequential read of the same bytes; a file in another
// layout is read as a stream again from its start.
func TestMappedFile(t *testing.T) {
	oldMin, oldChunk := minMapped, parallelChunk
	defer func() { minMapped, parallelChunk = oldMin, oldChunk }()
	minMapped, parallelChunk = 1, 256
	dir := t.TempDir()
	lines := strings.SplitAfter(string(syntheticWide(3, 200)), "\n")
	lines[50] = "\"10\n00A\",2019-03-01T01:00:00+08:00,1,2,3,4,0.5,6\n"
	lines[90] = lines[40]                                                      // exact repeat
	lines[120] = "1000A,2019-01-01T05:00:00+08:00,9,9,9,9,0.9,9\n"             // conflicts with line 6
	lines[150] = "1001A,2019-01-01T05:00:00+08:00," + strings.Repeat("1", 600) // longer than a chunk
	lines[150] += ",2,3,4,0.5,6\n"
	wide := strings.Join(lines, "")
	chinaSites, err := os.ReadFile("../testdata/calc/nanyang_2019-01-01_07.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, text string }{{"wide", wide}, {"china_sites", string(chinaSites)}} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".csv")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			want := readString(t, tc.text, Options{File: "f.csv"})
			if tc.name == "wide" && (len(want.errs) != 3 || want.sum.Repeats != 1) {
				t.Fatalf("the wide input gives %q and %d repeats; want 3 errors and 1 repeat", errStrings(want.errs), want.sum.Repeats)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rd, err := NewReader(f, Options{File: "f.csv", Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if mapped := rd.unmap != nil; mapped != (tc.name == "wide") {
				t.Fatalf("mapped = %v", mapped)
			}
			var got result
			for {
				b, err := rd.NextBatch()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got.errs = append(got.errs, b.Errors...)
				for i := range b.Hours {
					got.obs = append(got.obs, b.Hours[i].Observation(rd.Stations()))
				}
			}
			got.sum = rd.Summary()
			if rd.unmap != nil {
				t.Error("the mapping outlives io.EOF")
			}
			sameResult(t, "mapped", got, want)
			rd.Close()
		})
	}
}

// TestMappedFileTruncated shrinks a mapped file under a reader: the reader
// stops with a *LayoutError instead of crashing.
func TestMappedFileTruncated(t *testing.T) {
	oldMin, oldChunk := minMapped, parallelChunk
	defer func() { minMapped, parallelChunk = oldMin, oldChunk }()
	minMapped, parallelChunk = 1, 4096
	path := filepath.Join(t.TempDir(), "w.csv")
	if err := os.WriteFile(path, syntheticWide(4, 8760), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := NewReader(f, Options{File: "w.csv", Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if err := os.Truncate(path, 100); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := rd.NextBatch()
		if err == io.EOF {
			t.Fatal("read to the end of a file truncated under the reader")
		}
		if err != nil {
			var le *LayoutError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), "changed while it was read") {
				t.Fatalf("error %T %v, want a *LayoutError saying the file changed", err, err)
			}
			return
		}
	}
}
