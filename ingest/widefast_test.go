package ingest

import (
	"bytes"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/lantian-aq/lantian/standard"
)

// TestPlainConc holds the value parser of the fast path to parseConc and
// checkConc on the forms it must take itself and on the ones it must leave
// to them, in the middle of a record (eight-byte loads) and at the end of
// the buffer (byte by byte).
func TestPlainConc(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want standard.Conc
		ok   bool // taken by the fast path
	}{
		{"integer", "35", 35000, true},
		{"zero", "0", 0, true},
		{"leading zeros", "0012", 12000, true},
		{"one decimal", "0.8", 800, true},
		{"two decimals", "1.25", 1250, true},
		{"three decimals", "0.075", 75, true},
		{"six digits", "999999", 999999000, true},
		{"six digits and decimals", "123456.789", 123456789, true},
		{"empty", "", standard.Missing, true},
		{"seven digits", "1234567", 0, false},
		{"four decimals", "1.2345", 0, false},
		{"trailing zero decimal", "1.2340", 0, false},
		{"point without decimals", "12.", 0, false},
		{"point without integer", ".5", 0, false},
		{"lone point", ".", 0, false},
		{"sign", "-5", 0, false},
		{"plus", "+5", 0, false},
		{"blank before", " 5", 0, false},
		{"blank after", "5 ", 0, false},
		{"exponent", "1e3", 0, false},
		{"word", "NA", 0, false},
	}
	for _, tc := range cases {
		for _, where := range []struct {
			name, after string
		}{{"mid-record", ",1,2,3,4,5,6,7,8,9\n"}, {"end of buffer", ""}} {
			t.Run(tc.name+" "+where.name, func(t *testing.T) {
				b := []byte(tc.in + where.after)
				v, end := plainConc(b, 0)
				if !tc.ok {
					if end >= 0 && end == len(tc.in) {
						t.Fatalf("plainConc(%q) = %v, took the field; the general path must judge it", tc.in, v)
					}
					return
				}
				if end != len(tc.in) || standard.Conc(v) != tc.want {
					t.Fatalf("plainConc(%q) = %v, end %d; want %v, end %d", tc.in, v, end, tc.want, len(tc.in))
				}
				if ref, ok := parseConc([]byte(tc.in)); !ok || ref != tc.want {
					t.Fatalf("parseConc(%q) = %v, %v: the case's expectation is wrong", tc.in, ref, ok)
				}
			})
		}
	}
}

// TestDigitsValue checks the eight-digits-at-once conversion against
// strconv for every length.
func TestDigitsValue(t *testing.T) {
	for _, s := range []string{"", "0", "7", "42", "905", "1234", "9999", "0909", "99999", "123456", "7654321", "98765432", "00000001"} {
		var w [8]byte
		copy(w[:], s)
		for i := len(s); i < 8; i++ {
			w[i] = ','
		}
		n, a := leadingDigits(uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56)
		if n != len(s) {
			t.Fatalf("leadingDigits(%q) = %d", s, n)
		}
		if s == "" {
			continue // no digits: callers do not convert
		}
		want, _ := strconv.ParseUint(s, 10, 64)
		if got := digitsValue(a, n); got != want {
			t.Fatalf("digitsValue(%q) = %d, want %d", s, got, want)
		}
		if n <= 4 {
			if got := digitsValue4(a, n); uint64(got) != want {
				t.Fatalf("digitsValue4(%q) = %d, want %d", s, got, want)
			}
		}
	}
}

// readAll reads in to the end with NextBatch, returning the observations
// as Next would, the row errors and the summary.
func readAllBatches(t testing.TB, in []byte, opt Options) result {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(in), opt)
	if err != nil {
		return result{fatal: err}
	}
	defer rd.Close()
	var res result
	for {
		b, err := rd.NextBatch()
		if err == io.EOF {
			break
		}
		if err != nil {
			res.fatal = err
			break
		}
		if len(b.Hours) == 0 && len(b.Errors) == 0 {
			t.Fatal("empty batch")
		}
		res.errs = append(res.errs, b.Errors...)
		for i := range b.Hours {
			res.obs = append(res.obs, b.Hours[i].Observation(rd.Stations()))
		}
	}
	res.sum = rd.Summary()
	return res
}

// sameResult compares two readings of the same input.
func sameResult(t *testing.T, what string, got, want result) {
	t.Helper()
	if (got.fatal == nil) != (want.fatal == nil) || (got.fatal != nil && got.fatal.Error() != want.fatal.Error()) {
		t.Fatalf("%s: fatal %v, want %v", what, got.fatal, want.fatal)
	}
	if !reflect.DeepEqual(errStrings(got.errs), errStrings(want.errs)) {
		t.Fatalf("%s: errors\n%q\nwant\n%q", what, errStrings(got.errs), errStrings(want.errs))
	}
	if len(got.obs) != len(want.obs) {
		t.Fatalf("%s: %d observations, want %d", what, len(got.obs), len(want.obs))
	}
	for i := range got.obs {
		g, w := got.obs[i], want.obs[i]
		if g.Station != w.Station || !g.Time.Equal(w.Time) || g.Time.Location() != w.Time.Location() || g.Values != w.Values || g.Flags != w.Flags {
			t.Fatalf("%s: observation %d = %v, want %v", what, i, g, w)
		}
	}
	if got.sum != want.sum {
		t.Fatalf("%s: summary %+v, want %+v", what, got.sum, want.sum)
	}
}

// checkWideWays reads a wide input by the general path alone (the
// reference), with the fast path, by the batch, and in parallel with small
// chunks, and requires the same observations, errors and counts from all.
func checkWideWays(t *testing.T, in []byte) {
	t.Helper()
	old, oldChunk := wideFastPath, parallelChunk
	defer func() { wideFastPath, parallelChunk = old, oldChunk }()
	opt := Options{File: "w.csv", Format: Wide}
	wideFastPath = false
	want := readFrom(t, bytes.NewReader(in), opt)
	wideFastPath = true
	sameResult(t, "fast path", readFrom(t, bytes.NewReader(in), opt), want)
	sameResult(t, "batches", readAllBatches(t, in, opt), want)
	parallelChunk = 48
	popt := opt
	popt.Workers = 2
	sameResult(t, "parallel", readFrom(t, bytes.NewReader(in), popt), want)
	sameResult(t, "parallel batches", readAllBatches(t, in, popt), want)
	wideFastPath = false
	sameResult(t, "parallel, general path", readFrom(t, bytes.NewReader(in), popt), want)
}

// wideSeeds are inputs on the edges between the fast and the general path.
var wideSeeds = []string{
	"station,time,pm25,pm10,so2,no2,co,o3\nA,2019-01-01T01:00:00+08:00,1,2,3,4,0.5,6\nA,2019-01-01T02:00:00+08:00,1,2,3,4,0.5,6\n",
	"station,time,pm25,pm10,so2,no2,co,o3\r\nA,2019-01-01T01:00:00+08:00,1,2,3,4,0.5,6\r\nA,2019-01-01T02:00:00+08:00,1,2,3,4,0.5,6",
	"station,time,pm25,pm10,so2,no2,co,o3\nA,2019-01-01T01:00:00+08:00,1.25,2.5,0.075,1234567,1.2345,1.2340\n",
	"station,time,pm25,pm10,so2,no2,co,o3\nA,2019-01-01T01:00:00+08:00,-1,+2, 3,4 ,.5,6.\n",
	"station,time,pm25,pm10,so2,no2,co,o3\nA,2019-01-01T01:00:00+08:00,,,,,,\nA,2019-01-01T01:00:00+08:00,1,,,,,\n",
	"station,time,pm25,pm10,so2,no2,co,o3\nA,2019-01-01T01:00:00+08:00,1,2,3,4,0.5,6\nA,2019-01-01T01:00:00+08:00,1,2,3,4,0.5,6\nA,2019-01-01T01:00:00+08:00,1,2,3,4,0.5,7\n",
	"station,time,pm25,pm10,so2,no2,co,o3\n\"A,B\",2019-01-01T01:00:00+08:00,1,2,3,4,0.5,6\nA,B,2019-01-01T02:00:00+08:00,1,2,3,4,0.5,6\nA,2019-01-01T02:00:00+08:00,1,2,3,4,0.5\n",
	"station,time,pm25,pm10,so2,no2,co,o3\n A,2019-01-01T01:00:00+08:00,1,2,3,4,0.5,6\nA ,2019-01-01T02:00:00+08:00,1,2,3,4,0.5,6\n,2019-01-01T03:00:00+08:00,1,2,3,4,0.5,6\n\n",
	"station,time,pm25,pm10,so2,no2,co,o3\nA,2019-01-01T24:00:00+08:00,1,2,3,4,0.5,6\nA,2019-01-02 01:00,1,2,3,4,0.5,6\nA,2019-01-02T02:30:00+08:00,1,2,3,4,0.5,6\nA,2019-01-02T03:00:00Z,1,2,3,4,0.5,6\n",
	"time,station,co,co_flag,note\n2019-01-01 01:00,A,1,M,x\n2019-01-01 02:00,A,1,,\"y\"\n2019-01-01 03:00,A,1,n,z\r\n2019-01-01 04:00,A,1,Q,z\n",
	"station,time,pm25,pm10,so2,no2,co,o3\nA,2019-01-01T01:00:00+08:00,5001,20001,10001,5001,150.001,2000.001\nA,2019-01-01T02:00:00+08:00,5000,20000,10000,5000,150,2000\n",
	"station,time,pm25\nA,2019-01-01T01:00:00+08:00,1\rA,2019-01-01T02:00:00+08:00,2\r\r\nA,2019-01-01T03:00:00+08:00,3\r",
	"pm25,time,station\n1,2019-01-01T01:00:00+08:00,A\n2,2019-01-01T02:00:00+08:00,A\r\n3,2019-01-01T03:00:00+08:00,\"A\"\n",
}

// wideTail is a few plain rows appended to fuzzed inputs, so that their own
// rows are not all near the end of the buffer (where the unrolled path
// leaves them to the per-field one).
const wideTail = "A,2019-01-01T05:00:00+08:00,1,2,3,4,0.5,6\nA,2019-01-01T06:00:00+08:00,1,2,3,4,0.5,6\n" +
	"A,2019-01-01T07:00:00+08:00,1,2,3,4,0.5,6\nA,2019-01-01T08:00:00+08:00,1,2,3,4,0.5,6\n"

func TestWideFastPathMatchesGeneralPath(t *testing.T) {
	for i, s := range wideSeeds {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			checkWideWays(t, []byte(s))
			checkWideWays(t, []byte(s+wideTail))
		})
	}
	t.Run("synthetic", func(t *testing.T) { checkWideWays(t, syntheticWide(3, 300)) })
	// Odd fields in the middle of a long plain file, where the unrolled
	// path meets them.
	base := strings.SplitAfter(string(syntheticWide(1, 60)), "\n")
	odd := []string{"", "0", "1.", ".5", "1.2345", "1.2340", "0.075", "1234567", "999999", "-1", "+1", " 1", "1 ", "1e3",
		"\"1\"", "5001", "150.001", "2000.0001", "1\r", "NA", "1,2", "12.5.5", "0.0", "00000.1"}
	for _, v := range odd {
		for col := 2; col < 8; col++ {
			lines := append([]string(nil), base...)
			f := strings.Split(strings.TrimSuffix(lines[30], "\n"), ",")
			f[col] = v
			lines[30] = strings.Join(f, ",") + "\n"
			f = strings.Split(strings.TrimSuffix(lines[31], "\n"), ",")
			f[1] = strings.Replace(f[1], "T", " ", 1)
			lines[31] = strings.Join(f, ",") + "\r\n"
			t.Run(strconv.Quote(v)+" in column "+strconv.Itoa(col), func(t *testing.T) {
				checkWideWays(t, []byte(strings.Join(lines, "")))
			})
		}
	}
}

// FuzzWideFastPath holds the fast path, the batch interface and the
// parallel reader to the general path on arbitrary wide input.
func FuzzWideFastPath(f *testing.F) {
	for _, s := range wideSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if !strings.Contains(in, "\n") {
			return
		}
		checkWideWays(t, []byte(in+wideTail))
	})
}

// TestNextRecordsTrackLine pins what importers rely on: after Next returns
// an observation of a one-row-per-observation layout, Summary().Records is
// the number of the record it came from (the fast path reads ahead no
// further than Next hands out).
func TestNextRecordsTrackLine(t *testing.T) {
	in := syntheticWide(2, 50)
	rd, err := NewReader(bytes.NewReader(in), Options{File: "w.csv"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		o, err := rd.Next()
		if err == io.EOF {
			if i != 100 {
				t.Fatalf("%d observations, want 100", i)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := rd.Summary().Records; got != i+1 {
			t.Fatalf("observation %d (%s %v): Summary().Records = %d, want %d", i, o.Station, o.Time, got, i+1)
		}
	}
}
