package standard

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchSeries builds a plausible station-year: diurnal O3, winter PM,
// integer µg/m³ and CO to 0.1 mg/m³, about 2 % of hours missing.
func benchSeries(seed uint64) *Series {
	rng := rand.New(rand.NewPCG(seed, 1))
	first := time.Date(2019, 1, 1, 0, 0, 0, 0, Beijing)
	s := NewSeries("bench", first, 365)
	for i := range s.Hours() {
		h := i % 24
		d := i / 24
		winter := 1.0
		if d > 60 && d < 300 {
			winter = 0.5
		}
		set := func(p Pollutant, v float64, unit int) {
			if rng.IntN(50) == 0 {
				return
			}
			if v < 0 {
				v = 0
			}
			s.V[p][i] = Conc(int(v) * unit)
		}
		set(PM25, winter*(40+rng.Float64()*80), 1000)
		set(PM10, winter*(70+rng.Float64()*120), 1000)
		set(SO2, 5+rng.Float64()*20, 1000)
		set(NO2, 20+rng.Float64()*40, 1000)
		set(CO, 5+rng.Float64()*15, 100)
		set(O3, 20+float64(h*h)/3+rng.Float64()*40, 1000)
	}
	return s
}

// measure runs the benchmark loop body and reports station-years per
// wall-clock second and per CPU-second (per core: the loops are serial).
func measure(b *testing.B, n int, body func()) {
	// The set-up's garbage is collected before the clock starts: the CPU
	// figures count the whole process, background GC included.
	runtime.GC()
	b.ResetTimer()
	c0 := cpuSeconds()
	for b.Loop() {
		body()
	}
	cpu := cpuSeconds() - c0
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "station-years/s")
	if cpu > 0 {
		b.ReportMetric(float64(n*b.N)/cpu, "station-years/cpu-s")
	}
}

// BenchmarkStationYear is the whole per-station chain: daily statistics
// (5 daily means, MDA8, max 1-hour, daily AQI) and the annual HJ 663
// assessment.
func BenchmarkStationYear(b *testing.B) {
	r := DefaultRules()
	s := benchSeries(1)
	from, to := s.First, s.First.AddDate(0, 0, 364)
	days := make([]Daily, 0, s.Days)
	b.ReportAllocs()
	measure(b, 1, func() {
		days = DailyStatsInto(&r, s, days)
		_ = Assess(&r, days, from, to, nil)
	})
}

// BenchmarkAssessSeries is the same assessment by the compact route
// `lantian calc period` takes (AssessSeries): each day reduced straight
// from its hours to its published values and AQI.
func BenchmarkAssessSeries(b *testing.B) {
	r := DefaultRules()
	s := benchSeries(1)
	from, to := s.First, s.First.AddDate(0, 0, 364)
	b.ReportAllocs()
	measure(b, 1, func() {
		_ = AssessSeries(&r, s, from, to, nil)
	})
}

// BenchmarkDailyStats: the daily statistics and daily AQI of a
// station-year (DailyStatsInto, everything but the annual assessment).
func BenchmarkDailyStats(b *testing.B) {
	r := DefaultRules()
	s := benchSeries(1)
	days := make([]Daily, 0, s.Days)
	b.ReportAllocs()
	measure(b, 1, func() { days = DailyStatsInto(&r, s, days) })
}

// BenchmarkDailyAQI: 365 daily AQIs.
func BenchmarkDailyAQI(b *testing.B) {
	r := DefaultRules()
	days := DailyStats(&r, benchSeries(4))
	measure(b, 1, func() {
		for d := range days {
			days[d].AQI = dayAQI(&r, &days[d])
		}
	})
}

// BenchmarkAnnualAssessment: HJ 663 annual assessment of 365 daily values.
func BenchmarkAnnualAssessment(b *testing.B) {
	r := DefaultRules()
	s := benchSeries(5)
	days := DailyStats(&r, s)
	from, to := s.First, s.First.AddDate(0, 0, 364)
	b.ReportAllocs()
	measure(b, 1, func() { _ = Assess(&r, days, from, to, nil) })
}

// BenchmarkHourlyAQI: the real-time AQI of every hour of a station-year.
func BenchmarkHourlyAQI(b *testing.B) {
	r := DefaultRules()
	s := benchSeries(6)
	b.ReportAllocs()
	measure(b, 1, func() {
		for i := range s.Hours() {
			_ = s.HourlyAQI(&r, i)
		}
	})
}

// BenchmarkProvince: a province of 3,000 station-years assessed for the
// year (AssessSeries, the route of lantian calc period) on one core.
func BenchmarkProvince(b *testing.B) {
	r := DefaultRules()
	const n = 3000
	base := [8]*Series{}
	for i := range base {
		base[i] = benchSeries(uint64(10 + i))
	}
	from, to := base[0].First, base[0].First.AddDate(0, 0, 364)
	measure(b, n, func() {
		for i := range n {
			_ = AssessSeries(&r, base[i%len(base)], from, to, nil)
		}
	})
}

// cpuSeconds is the process's user+system CPU time; benchmarks report
// station-years per CPU-second as well, since the wall clock of a shared
// machine says little about the engine.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

var sinkSum int64

// BenchmarkBaselineSum is the floor the kernels are measured against: one
// plain pass summing the 52,560 hourly values of a station-year (6
// pollutants × 8,760 hours). On a shared machine the ratio of
// BenchmarkStationYear to this baseline is the stable figure.
func BenchmarkBaselineSum(b *testing.B) {
	s := benchSeries(7)
	measure(b, 1, func() {
		var t int64
		for p := range s.V {
			for _, v := range s.V[p] {
				t += int64(v)
			}
		}
		sinkSum = t
	})
}

// BenchmarkProvinceParallel: the same 3,000 station-years spread over all
// cores (GOMAXPROCS workers), the wall time a province takes.
func BenchmarkProvinceParallel(b *testing.B) {
	r := DefaultRules()
	const n = 3000
	base := [8]*Series{}
	for i := range base {
		base[i] = benchSeries(uint64(10 + i))
	}
	from, to := base[0].First, base[0].First.AddDate(0, 0, 364)
	workers := runtime.GOMAXPROCS(0)
	measure(b, n, func() {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < n; i += workers {
					_ = AssessSeries(&r, base[i%len(base)], from, to, nil)
				}
			}()
		}
		wg.Wait()
	})
}

// benchKernel is one contender of benchAgainst.
type benchKernel struct {
	name string
	f    func()
}

// benchAgainst runs each kernel as a sub-benchmark, reporting the
// process's CPU nanoseconds per run (cpu-ns/station-year: the machine is
// shared) and, for every kernel after the first, how many times faster it
// is than the first, the per-day loop it replaces, measured in the same
// run (x-<first>, CPU time, mean of the first's runs).
func benchAgainst(b *testing.B, kernels []benchKernel) {
	var baseNs float64
	var baseRuns int
	for i, k := range kernels {
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			c0 := cpuSeconds()
			for b.Loop() {
				k.f()
			}
			cpuNs := (cpuSeconds() - c0) * 1e9 / float64(b.N)
			b.ReportMetric(cpuNs, "cpu-ns/station-year")
			if i == 0 {
				baseNs = (baseNs*float64(baseRuns) + cpuNs) / float64(baseRuns+1)
				baseRuns++
			} else if baseRuns > 0 && cpuNs > 0 {
				b.ReportMetric(baseNs/cpuNs, "x-"+kernels[0].name)
			}
		})
	}
}
