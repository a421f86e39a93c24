package standard

import (
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// assessBoth runs the two routes to a period assessment, AssessSeries and
// Assess over DailyStats, and reports any difference.
func assessBoth(t *testing.T, name string, r *Rules, s *Series, from, to time.Time, dust DustMask) {
	t.Helper()
	want := Assess(r, DailyStats(r, s), from, to, dust)
	got := AssessSeries(r, s, from, to, dust)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s %s %s…%s: AssessSeries differs from Assess(DailyStats):\n got %+v\nwant %+v",
			name, s.Station, from.Format(time.DateOnly), to.Format(time.DateOnly), got.Official, want.Official)
	}
}

// rowsBoth compares, day by day, the rows seriesRows computes from the
// hours with the rows Assess takes from DailyStats: the published values
// and the daily AQI (value, level, primary pollutants, whether it counts).
// The assessment compares only what survives into the period statistics;
// this catches a difference on any single day.
func rowsBoth(t *testing.T, name string, r *Rules, s *Series) {
	t.Helper()
	if needExact(r) || !r.RoundConc2012 {
		return // AssessSeries takes the Daily route
	}
	days := DailyStats(r, s)
	a0, b0 := s.firstDay, s.firstDay+int32(s.Days)-1
	want := new(scratch)
	*want = *getScratch(s.Days, int32(s.Days))
	wr := want.reset(s.Days, false)
	for i := range days {
		wr.addDaily(r, &days[i], 0, false)
	}
	got := new(scratch)
	*got = *getScratch(s.Days, int32(s.Days))
	gr := got.reset(s.Days, false)
	seriesRows(r, s, a0, a0, b0, gr, nil, new(columns))
	for k := range s.Days {
		for p := range Pollutant(NumPollutants) {
			if g, w := gr.val[p][k], wr.val[p][k]; g != w {
				t.Errorf("%s %s %s %v: published %d, DailyStats %d", name, s.Station,
					days[k].Date.Format(time.DateOnly), p, g, w)
			}
		}
		if g, w := gr.aqi[k], wr.aqi[k]; g.ok != w.ok || (w.ok && g != w) {
			t.Errorf("%s %s %s: AQI row %+v, DailyStats %+v (%+v)", name, s.Station,
				days[k].Date.Format(time.DateOnly), g, w, days[k].AQI)
		}
	}
}

// ruleVariants are the configurations the two routes must agree under:
// the default, and every rule the compact route reads or declines.
func ruleVariants() map[string]Rules {
	v := map[string]Rules{}
	add := func(name string, f func(r *Rules)) {
		r := DefaultRules()
		f(&r)
		v[name] = r
	}
	add("default", func(*Rules) {})
	// The real 2019 data cross all three editions: 2012 until May, the
	// 2026 rules from June and the 2031 final limits from October.
	add("editions", func(r *Rules) {
		r.Cutover2026 = time.Date(2019, 6, 1, 0, 0, 0, 0, Beijing)
		r.FinalLimitsFrom = time.Date(2019, 10, 1, 0, 0, 0, 0, Beijing)
	})
	add("good days without completeness", func(r *Rules) { r.GoodDaysRequireComplete2012 = false })
	add("strict hours", func(r *Rules) { r.MinHoursDaily, r.MinHoursO3Max1H = 24, 24 })
	add("loose hours", func(r *Rules) { r.MinHoursDaily, r.MinHours8H, r.MinWindowsMDA8 = 1, 1, 1 })
	add("MDA8 above limit", func(r *Rules) { r.MinWindowsMDA8, r.MDA8ValidityLimit = 17, 100*ConcScale })
	add("dust valid", func(r *Rules) { r.DustDaysCountAsValid, r.DustDeductAQIDays = true, true })
	add("exact period", func(r *Rules) { r.PeriodFromRoundedDaily = false })
	add("exact comparison", func(r *Rules) { r.CompareRounded = false })
	add("unrounded 2012", func(r *Rules) { r.RoundConc2012 = false })
	return v
}

// TestAssessSeriesNanyang: on every station of the real Nanyang 2019 year,
// under every rule variant, over the year, a part of it and a period
// reaching past the data, with and without dust days, the compact route
// gives exactly the assessment of the Daily route.
func TestAssessSeriesNanyang(t *testing.T) {
	cs := nanyang(t)
	y0 := time.Date(2019, 1, 1, 0, 0, 0, 0, Beijing)
	periods := [][2]time.Time{
		{y0, y0.AddDate(0, 0, 364)},
		{time.Date(2019, 2, 10, 0, 0, 0, 0, Beijing), time.Date(2019, 7, 3, 0, 0, 0, 0, Beijing)},
		{time.Date(2018, 12, 1, 0, 0, 0, 0, Beijing), time.Date(2020, 2, 29, 0, 0, 0, 0, Beijing)},
		{time.Date(2021, 1, 1, 0, 0, 0, 0, Beijing), time.Date(2021, 12, 31, 0, 0, 0, 0, Beijing)},
	}
	dust := NewDustMask(time.Date(2019, 3, 5, 0, 0, 0, 0, Beijing), time.Date(2019, 3, 6, 0, 0, 0, 0, Beijing),
		time.Date(2019, 5, 12, 0, 0, 0, 0, Beijing))
	for name, r := range ruleVariants() {
		for _, st := range cs.stations {
			rowsBoth(t, name, &r, cs.series[st])
			for _, p := range periods {
				assessBoth(t, name, &r, cs.series[st], p[0], p[1], nil)
				assessBoth(t, name, &r, cs.series[st], p[0], p[1], dust)
			}
		}
	}
}

// TestAssessSeriesEdges: synthetic series with what real data rarely
// hold — absurd magnitudes (the exact-sum fallback), O3 above 800 (the
// 2012 and 2026 rules), values above every breakpoint, negative values
// that are not Missing, whole days missing and days of a few hours —
// across both cut-overs.
func TestAssessSeriesEdges(t *testing.T) {
	cases := []struct {
		name  string
		first time.Time
		days  int
		fill  func(rng *rand.Rand, s *Series)
	}{
		{"plain year", time.Date(2019, 1, 1, 0, 0, 0, 0, Beijing), 365, func(rng *rand.Rand, s *Series) {
			fillTypical(rng, s, 30)
		}},
		{"across 2026", time.Date(2025, 11, 15, 0, 0, 0, 0, Beijing), 200, func(rng *rand.Rand, s *Series) {
			fillTypical(rng, s, 10)
		}},
		{"across 2031", time.Date(2030, 10, 1, 0, 0, 0, 0, Beijing), 150, func(rng *rand.Rand, s *Series) {
			fillTypical(rng, s, 5)
		}},
		{"extremes", time.Date(2025, 12, 20, 0, 0, 0, 0, Beijing), 120, func(rng *rand.Rand, s *Series) {
			fillTypical(rng, s, 8)
			for p := range s.V {
				for i := range s.V[p] {
					switch rng.IntN(40) {
					case 0:
						s.V[p][i] = Conc(rng.Uint32() >> 1) // beyond any breakpoint, up to 2^31
					case 1:
						s.V[p][i] = Conc(800_000 + rng.IntN(400_000)) // around 800 µg/m³
					case 2:
						s.V[p][i] = -Conc(1 + rng.IntN(5000)) // negative: invalid
					case 3:
						s.V[p][i] = Conc(rng.IntN(3)) // a few thousandths
					}
				}
			}
			for d := 0; d < s.Days; d += 9 { // whole days missing, one pollutant at a time
				p := Pollutant(d / 9 % NumPollutants)
				for i := 24 * d; i < 24*d+24; i++ {
					s.V[p][i] = Missing
				}
			}
		}},
		{"sparse", time.Date(2026, 1, 1, 0, 0, 0, 0, Beijing), 90, func(rng *rand.Rand, s *Series) {
			fillTypical(rng, s, 60)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(len(tc.name)), 7))
			s := NewSeries("edge", tc.first, tc.days)
			tc.fill(rng, s)
			last := tc.first.AddDate(0, 0, tc.days-1)
			dust := NewDustMask(tc.first.AddDate(0, 0, 3), tc.first.AddDate(0, 0, 40))
			for name, r := range ruleVariants() {
				if name == "editions" {
					continue // the real-data test's calendar
				}
				rowsBoth(t, name, &r, s)
				assessBoth(t, name, &r, s, tc.first, last, nil)
				assessBoth(t, name, &r, s, tc.first.AddDate(0, 0, 17), last.AddDate(0, 0, -5), dust)
			}
		})
	}
}

// fillTypical gives s plausible hourly values with gapPct % of hours
// missing.
func fillTypical(rng *rand.Rand, s *Series, gapPct int) {
	for i := range s.Hours() {
		h := i % 24
		for p := range s.V {
			if rng.IntN(100) < gapPct {
				continue
			}
			var v int
			switch Pollutant(p) {
			case CO:
				v = (3 + rng.IntN(30)) * 100
			case O3:
				v = (10 + h*h/2 + rng.IntN(120)) * 1000
			default:
				v = (5 + rng.IntN(180)) * 1000
			}
			s.V[p][i] = Conc(v)
		}
	}
}

// FuzzAssessSeries: any hourly values over 40 days that straddle a month
// end and the 2026 cut-over give the same assessment by both routes.
func FuzzAssessSeries(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 255, 255, 255, 255})
	f.Add(make([]byte, 4*24*NumPollutants*3))
	f.Fuzz(func(t *testing.T, data []byte) {
		first := time.Date(2026, 2, 10, 0, 0, 0, 0, Beijing)
		s := NewSeries("fuzz", first, 40)
		k := 0
		for p := range s.V {
			for i := range s.V[p] {
				if k+4 > len(data) {
					break
				}
				v := Conc(binary.LittleEndian.Uint32(data[k:]))
				k += 4
				// Most values in the range of real data, the rest as given.
				if v >= 0 && v&0x7000_0000 == 0 {
					v %= 1_200_000
				}
				s.V[p][i] = v
			}
		}
		r := DefaultRules()
		rowsBoth(t, "fuzz", &r, s)
		assessBoth(t, "fuzz", &r, s, first, first.AddDate(0, 0, 39), nil)
		assessBoth(t, "fuzz", &r, s, first.AddDate(0, 0, 5), first.AddDate(0, 0, 30), NewDustMask(first.AddDate(0, 0, 20)))
	})
}

// TestLUTEndsAt800: subColumn looks O3 8-hour values up without testing
// the above-800 rule (HJ 633 表 notes: not computed in 2012, fixed at 300
// in 2026), relying on the lookup row ending at 800 µg/m³; this holds
// every edition's table to that.
func TestLUTEndsAt800(t *testing.T) {
	for _, e := range []Edition{Edition2012, Edition2026, Edition2031} {
		if n := len(iaqiLUT[tableIndex(e)][O3_8H]); n > 801 {
			t.Errorf("%v: O3 8-hour lookup row has %d entries, beyond 800 µg/m³", e, n)
		}
	}
}

// TestAssessAnyOrder: Assess takes its days in any order, with repeats
// (the first counts) and days outside the period, and the month spans it
// gathers by are then many and short: a shuffled year with a repeated
// day assesses as the year in calendar order does.
func TestAssessAnyOrder(t *testing.T) {
	cs := nanyang(t)
	r := DefaultRules()
	y0 := time.Date(2019, 1, 1, 0, 0, 0, 0, Beijing)
	from, to := y0, y0.AddDate(0, 0, 364)
	rng := rand.New(rand.NewPCG(663, 2013))
	dust := NewDustMask(time.Date(2019, 3, 5, 0, 0, 0, 0, Beijing))
	for _, st := range cs.stations {
		days := DailyStats(&r, cs.series[st])
		want := Assess(&r, days, from, to, dust)
		shuffled := append([]Daily(nil), days...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		// A repeat of some day, with other values, after its first
		// occurrence: it must not count.
		k := slices.IndexFunc(shuffled, func(d Daily) bool { return d.Day == DayNumber(y0.AddDate(0, 0, 40)) })
		extra := shuffled[k]
		extra.Values[PM25] = Value{Exact: Ratio{999000, 1}, Rounded: 999000, Coverage: Coverage{Valid: 24, Expected: 24, OK: true}}
		shuffled = append(shuffled, extra)
		if got := Assess(&r, shuffled, from, to, dust); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: shuffled days assess differently:\n got %+v\nwant %+v", st, got.Official, want.Official)
		}
	}
}
