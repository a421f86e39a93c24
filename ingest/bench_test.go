package ingest

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/lantian-aq/lantian/standard"
)

func drain(b *testing.B, in []byte, opt Options) {
	b.Helper()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(in), opt)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkChinaSitesNanyang(b *testing.B) {
	in, err := os.ReadFile(nanyangFile)
	if err != nil {
		b.Fatal(err)
	}
	drain(b, in, Options{})
}

// syntheticWide builds a deterministic wide file of stations × hours.
func syntheticWide(stations, hours int) []byte {
	var buf bytes.Buffer
	buf.WriteString("station,time,pm25,pm10,so2,no2,co,o3\n")
	start := time.Date(2019, 1, 1, 1, 0, 0, 0, standard.Beijing)
	x := uint32(1)
	next := func(n uint32) uint32 { x = x*1664525 + 1013904223; return x >> 8 % n }
	for s := 0; s < stations; s++ {
		code := strconv.Itoa(1000+s) + "A"
		for h := 0; h < hours; h++ {
			buf.WriteString(code)
			buf.WriteByte(',')
			buf.WriteString(start.Add(time.Duration(h) * time.Hour).Format(time.RFC3339))
			for p := 0; p < 6; p++ {
				buf.WriteByte(',')
				if p == 4 {
					buf.WriteString(strconv.Itoa(int(next(20))) + "." + strconv.Itoa(int(next(10))))
				} else {
					buf.WriteString(strconv.Itoa(int(next(300))))
				}
			}
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()
}

func BenchmarkWide(b *testing.B) {
	drain(b, syntheticWide(10, 8760), Options{})
}

func BenchmarkWideNoDuplicateCheck(b *testing.B) {
	drain(b, syntheticWide(10, 8760), Options{AllowDuplicates: true})
}

// drainBatches reads in with NextBatch, as lantian calc does.
func drainBatches(b *testing.B, in []byte, opt Options) {
	b.Helper()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	rows := 0
	cpu0 := cpuTime()
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(in), opt)
		if err != nil {
			b.Fatal(err)
		}
		for {
			batch, err := rd.NextBatch()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows += len(batch.Hours)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(rows), "cpu-ns/row")
}

// cpuTime is the user and system time of the process so far: on a shared
// machine the CPU time per row is steadier than the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkWideBatch(b *testing.B) {
	drainBatches(b, syntheticWide(10, 8760), Options{})
}

func BenchmarkWideBatchParallel(b *testing.B) {
	drainBatches(b, syntheticWide(10, 8760), Options{Workers: 2})
}

// BenchmarkWideChunk is the work of one parallel worker on one chunk: the
// per-row cost of parsing a wide file, without the reading and the
// in-order consumer.
func BenchmarkWideChunk(b *testing.B) {
	in := syntheticWide(10, 8760)
	rd, err := NewReader(bytes.NewReader(in), Options{})
	if err != nil {
		b.Fatal(err)
	}
	start := bytes.IndexByte(in, '\n') + 1
	chunk := in[start : start+recordCut(in[start:start+parallelChunk])]
	p := *rd.p.(*wide)
	w := &Reader{opt: rd.opt, limits: rd.limits, format: Wide, worker: true, csv: &csvReader{}}
	res := &chunkResult{}
	b.SetBytes(int64(len(chunk)))
	rows := 0
	cpu0 := cpuTime()
	for b.Loop() {
		res.done = make(chan struct{})
		w.parseChunk(&p, chunkJob{data: chunk, firstLine: 2, res: res})
		rows += len(res.hours)
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(rows), "cpu-ns/row")
	b.ReportMetric(float64(len(res.hours)), "rows/op")
}
