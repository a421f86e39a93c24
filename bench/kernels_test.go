// Package bench holds the benchmarks of lantian; kernels_test.go measures
// the in-memory calculation kernels behind `lantian calc` (see calc.sh for
// the end-to-end benchmark against pandas).
package bench

import (
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lantian-aq/lantian/bench/synth"
	"github.com/lantian-aq/lantian/calc"
	"github.com/lantian-aq/lantian/standard"
)

const kernelStations = 200

// kernelSeries builds 200 station-years of synthetic hourly series.
func kernelSeries(tb testing.TB) []*standard.Series {
	tb.Helper()
	// The set-up's garbage is collected before the clock starts: the CPU
	// figures count the whole process, background GC included.
	defer runtime.GC()
	from := time.Date(2019, 1, 1, 0, 0, 0, 0, standard.Beijing)
	col := calc.NewCollector()
	synth.Generate(synth.Config{Stations: kernelStations, From: from, Days: 365, Seed: 2019, GapPercent: 3},
		func(st string, end time.Time, v *[standard.NumPollutants]standard.Conc) {
			o := observation(st, end, v)
			col.Add(&o)
		})
	return col.Series()
}

// kernel runs what `lantian calc period` computes per station
// (standard.AssessSeries): every day's published daily values and daily
// AQI, then the HJ 663 assessment of the year.
func kernel(r *standard.Rules, s *standard.Series) {
	standard.AssessSeries(r, s, s.First, s.Day(s.Days-1), nil)
}

// kernelDaily is the same through every day's full Daily, as `lantian calc
// daily` and the store's statistics compute them: DailyStats, then Assess.
func kernelDaily(r *standard.Rules, s *standard.Series, days []standard.Daily) []standard.Daily {
	days = standard.DailyStatsInto(r, s, days)
	standard.Assess(r, days, s.First, s.Day(s.Days-1), nil)
	return days
}

// BenchmarkKernels measures station-years per second on one core.
func BenchmarkKernels(b *testing.B) {
	series := kernelSeries(b)
	r := standard.DefaultRules()
	b.ResetTimer()
	c0 := cpuSeconds()
	for b.Loop() {
		for _, s := range series {
			kernel(&r, s)
		}
	}
	// Wall time suffers when the machine is shared; CPU time does not.
	b.ReportMetric(float64(len(series)*b.N)/b.Elapsed().Seconds(), "station-years/s/core")
	if cpu := cpuSeconds() - c0; cpu > 0 {
		b.ReportMetric(float64(len(series)*b.N)/cpu, "station-years/cpu-s")
	}
}

// BenchmarkKernelsDaily measures the Daily route (kernelDaily) on one
// core.
func BenchmarkKernelsDaily(b *testing.B) {
	series := kernelSeries(b)
	r := standard.DefaultRules()
	var days []standard.Daily
	b.ResetTimer()
	c0 := cpuSeconds()
	for b.Loop() {
		for _, s := range series {
			days = kernelDaily(&r, s, days)
		}
	}
	// Wall time suffers when the machine is shared; CPU time does not.
	b.ReportMetric(float64(len(series)*b.N)/b.Elapsed().Seconds(), "station-years/s/core")
	if cpu := cpuSeconds() - c0; cpu > 0 {
		b.ReportMetric(float64(len(series)*b.N)/cpu, "station-years/cpu-s")
	}
}

var sinkSum int64

// BenchmarkKernelsBaseline is the floor the kernels are measured against on
// the same data: one plain pass summing every hourly value of the 200
// station-years (6 pollutants × 8,760 hours each). On a shared machine the
// ratio of BenchmarkKernels to it is the stable figure.
func BenchmarkKernelsBaseline(b *testing.B) {
	series := kernelSeries(b)
	b.ResetTimer()
	c0 := cpuSeconds()
	for b.Loop() {
		var t int64
		for _, s := range series {
			for p := range s.V {
				for _, v := range s.V[p] {
					t += int64(v)
				}
			}
		}
		sinkSum = t
	}
	b.ReportMetric(float64(len(series)*b.N)/b.Elapsed().Seconds(), "station-years/s/core")
	if cpu := cpuSeconds() - c0; cpu > 0 {
		b.ReportMetric(float64(len(series)*b.N)/cpu, "station-years/cpu-s")
	}
}

// cpuSeconds is the CPU time (user + system) of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkKernelsParallel measures station-years per second on all cores.
func BenchmarkKernelsParallel(b *testing.B) {
	series := kernelSeries(b)
	r := standard.DefaultRules()
	workers := runtime.GOMAXPROCS(0)
	b.ResetTimer()
	c0 := cpuSeconds()
	for b.Loop() {
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(series); i += workers {
					kernel(&r, series[i])
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(len(series)*b.N)/b.Elapsed().Seconds(), "station-years/s")
	if cpu := cpuSeconds() - c0; cpu > 0 {
		b.ReportMetric(float64(len(series)*b.N)/cpu, "station-years/cpu-s")
	}
}
