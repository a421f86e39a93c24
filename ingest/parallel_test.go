package ingest

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// TestParallelMatchesSequential reads the same wide input with one and
// with several workers, with chunks small enough that duplicates, bad rows
// and quoted line breaks straddle chunk boundaries.
func TestParallelMatchesSequential(t *testing.T) {
	base := syntheticWide(3, 400)
	lines := strings.SplitAfter(string(base), "\n")
	var b strings.Builder
	for i, l := range lines {
		b.WriteString(l)
		switch {
		case i == 100:
			b.WriteString(lines[50]) // exact repeat far back
		case i == 200:
			b.WriteString(strings.Replace(lines[60], ",", ",", 1)[:len(lines[60])-3] + "9\n") // conflicting repeat
		case i == 300:
			b.WriteString("1000A,2019-01-01T01:30:00+08:00,1,2,3,4,0.5,6\n")
		case i == 400:
			b.WriteString("\"10\n00A\",2019-03-01T01:00:00+08:00,1,2,3,4,0.5,6\n")
		case i == 500:
			b.WriteString("1000A,2019-03-01T02:00:00+08:00,-1,2,3,4,0.5,6\n")
		}
	}
	in := b.String()
	old := parallelChunk
	defer func() { parallelChunk = old }()
	seq := readString(t, in, Options{File: "p.csv"})
	if len(seq.errs) != 3 || seq.sum.Repeats != 1 {
		t.Fatalf("sequential: %d errors %q, %d repeats; the test input should give 3 and 1", len(seq.errs), errStrings(seq.errs), seq.sum.Repeats)
	}
	for _, chunk := range []int{64, 1000, 1 << 20} {
		parallelChunk = chunk
		for _, workers := range []int{2, 3} {
			par := readFrom(t, bytes.NewReader([]byte(in)), Options{File: "p.csv", Workers: workers})
			if par.fatal != nil {
				t.Fatal(par.fatal)
			}
			if !reflect.DeepEqual(errStrings(par.errs), errStrings(seq.errs)) {
				t.Errorf("chunk %d workers %d: errors\n%q\nwant\n%q", chunk, workers, errStrings(par.errs), errStrings(seq.errs))
			}
			if len(par.obs) != len(seq.obs) {
				t.Fatalf("chunk %d workers %d: %d observations, want %d", chunk, workers, len(par.obs), len(seq.obs))
			}
			for i := range par.obs {
				p, s := par.obs[i], seq.obs[i]
				if p.Station != s.Station || !p.Time.Equal(s.Time) || p.Values != s.Values || p.Flags != s.Flags {
					t.Fatalf("chunk %d workers %d: observation %d = %v, want %v", chunk, workers, i, p, s)
				}
			}
			if par.sum != seq.sum {
				t.Errorf("chunk %d workers %d: summary %+v, want %+v", chunk, workers, par.sum, seq.sum)
			}
		}
	}
}

// TestParallelClose abandons a parallel reader early.
func TestParallelClose(t *testing.T) {
	old := parallelChunk
	defer func() { parallelChunk = old }()
	parallelChunk = 256
	rd, err := NewReader(bytes.NewReader(syntheticWide(2, 2000)), Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	rd.Close()
	rd.Close()
}

func BenchmarkWideParallel(b *testing.B) {
	drain(b, syntheticWide(10, 8760), Options{Workers: 2})
}
