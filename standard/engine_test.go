package standard

import (
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, Beijing) }

func TestSeriesLayout(t *testing.T) {
	s := NewSeries("2403A", day(2019, 1, 1).Add(13*time.Hour), 2) // any time of the first day
	if !s.First.Equal(day(2019, 1, 1)) || s.Hours() != 48 {
		t.Fatalf("First %v, hours %d", s.First, s.Hours())
	}
	for _, tc := range []struct {
		name string
		end  time.Time
		slot int
		ok   bool
	}{
		{"hour ending 01:00 of the first day is slot 0", day(2019, 1, 1).Add(time.Hour), 0, true},
		{"hour ending 24:00 (00:00 next day) is slot 23, the day's last", day(2019, 1, 2), 23, true},
		{"the china_sites hour-0 row of 2019-01-01 belongs to 2018-12-31", day(2019, 1, 1), 0, false},
		{"second day starts at slot 24", day(2019, 1, 2).Add(time.Hour), 24, true},
		{"last slot", day(2019, 1, 3), 47, true},
		{"beyond the series", day(2019, 1, 3).Add(time.Hour), 0, false},
		{"not on the hour", day(2019, 1, 1).Add(90 * time.Minute), 0, false},
		{"same instant in UTC (13:00 Beijing)", time.Date(2019, 1, 1, 5, 0, 0, 0, time.UTC), 12, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i, ok := s.Index(tc.end)
			if ok != tc.ok || (ok && i != tc.slot) {
				t.Fatalf("Index = %d, %v; want %d, %v", i, ok, tc.slot, tc.ok)
			}
			if ok && !s.HourEnd(i).Equal(tc.end) {
				t.Errorf("HourEnd(%d) = %v, want %v", i, s.HourEnd(i), tc.end)
			}
			if ok {
				if d := DayOfHour(tc.end); !d.Equal(s.Day(i / 24)) {
					t.Errorf("DayOfHour = %v, slot day %v", d, s.Day(i/24))
				}
			}
		})
	}
	if err := s.Set(day(2019, 1, 2), PM25, 35000); err != nil {
		t.Fatal(err)
	}
	if got := s.At(day(2019, 1, 2), PM25); got != 35000 {
		t.Errorf("At = %v", got)
	}
	if err := s.Set(day(2019, 1, 5), PM25, 1); err == nil || !strings.Contains(err.Error(), "2403A") {
		t.Errorf("Set outside: err = %v", err)
	}
	if err := s.Set(day(2019, 1, 2), SO2, -5000); err != nil || s.At(day(2019, 1, 2), SO2) != Missing {
		t.Errorf("negative value stored as %v (err %v), want Missing", s.At(day(2019, 1, 2), SO2), err)
	}
}

// fill sets every hour of every pollutant of s to the given values.
func fill(s *Series, vals [NumPollutants]Conc) {
	for p := range s.V {
		for i := range s.V[p] {
			s.V[p][i] = vals[p]
		}
	}
}

func TestDailyStatsEditionsAcrossCutover(t *testing.T) {
	s := NewSeries("x", day(2026, 2, 28), 2)
	fill(s, [NumPollutants]Conc{SO2: 10000, NO2: 20000, CO: 500, O3: 150000, PM10: 40000, PM25: 30000})
	// O3 peaks at 250 µg/m³ for one hour each day: the 2012 daily AQI sees
	// the 1-hour maximum, the 2026 one does not.
	s.V[O3][14] = 250000
	s.V[O3][24+14] = 250000
	days := DailyStats(nil, s)
	if days[0].Edition != Edition2012 || days[1].Edition != Edition2026 {
		t.Fatalf("editions %v %v", days[0].Edition, days[1].Edition)
	}
	if got := days[0].AQI; got.AQI != 125 || got.IAQI[O3].Item != O3_1H || got.Standard != "HJ 633-2012" {
		t.Errorf("2026-02-28: AQI %d via %v (%s), want 125 via O3_1H", got.AQI, got.IAQI[O3].Item, got.Standard)
	}
	// MDA8: the window containing the peak is (7·150 + 250)/8 = 162.5 → 162
	if got := days[1].Values[O3]; got.Rounded != 162000 || got.ExactString() != "162.5" {
		t.Errorf("MDA8 = %v (%s)", got.Rounded, got.ExactString())
	}
	if got := days[1].AQI; got.AQI != 102 || got.IAQI[O3].Item != O3_8H {
		t.Errorf("2026-03-01: AQI %d via %v, want 102 via O3_8H", got.AQI, got.IAQI[O3].Item)
	}
	if !days[1].Date.Equal(day(2026, 3, 1)) {
		t.Errorf("date %v", days[1].Date)
	}
}

func TestHourlyAQIFromSeries(t *testing.T) {
	r := DefaultRules()
	s := NewSeries("x", day(2019, 1, 1), 2)
	fill(s, [NumPollutants]Conc{SO2: 300000, NO2: 20000, CO: 500, O3: 100000, PM10: 40000, PM25: 30000})
	s.V[SO2][30] = 900000 // one hour above 800
	a := s.HourlyAQI(&r, 30)
	// fallback: SO2 24-hour moving mean (23·300 + 900)/24 = 325 → 100 + 50·175/325 = 126.9 → 127
	if a.IAQI[SO2].Status != IAQIFallback || a.IAQI[SO2].Value != 127 {
		t.Errorf("SO2 IAQI %d %v, want 127 fallback", a.IAQI[SO2].Value, a.IAQI[SO2].Status)
	}
	r.Realtime2012PM24H = true
	s.V[PM25][30] = 300000
	a = s.HourlyAQI(&r, 30)
	// PM2.5 24-hour moving mean (23·30 + 300)/24 = 41.25 → 41 → 58
	if a.IAQI[PM25].Item != PM25_24H || a.IAQI[PM25].Value != 58 {
		t.Errorf("PM2.5 IAQI %v %d, want PM25_24H 58", a.IAQI[PM25].Item, a.IAQI[PM25].Value)
	}
}

// dailyFixture builds daily values for n days from first with constant
// concentrations, marking every day valid.
func dailyFixture(first time.Time, n int, vals [NumPollutants]Conc) []Daily {
	s := NewSeries("st", first, n)
	fill(s, vals)
	return DailyStats(nil, s)
}

func TestAssessDustVariants(t *testing.T) {
	first := day(2019, 1, 1)
	days := dailyFixture(first, 365, [NumPollutants]Conc{SO2: 10000, NO2: 30000, CO: 800, O3: 120000, PM10: 60000, PM25: 34000})
	// Ten dust days with PM10 500, PM2.5 120, two in each of five months so
	// that the remaining days still meet the monthly counts.
	dust := DustMask{}
	for _, d := range []int{20, 21, 50, 51, 80, 81, 110, 111, 140, 141} {
		days[d].Values[PM10] = makeValue(PM10, Ratio{500000, 1}, Coverage{24, 24, true, ""})
		days[d].Values[PM25] = makeValue(PM25, Ratio{120000, 1}, Coverage{24, 24, true, ""})
		days[d].AQI = dayAQI(nil, &days[d])
		dust.Add(days[d].Date)
	}
	a := Assess(nil, days, first, day(2019, 12, 31), dust)
	if a.DustDays != 10 || a.Days != 365 {
		t.Fatalf("dust days %d, days %d", a.DustDays, a.Days)
	}
	w, dd, o := a.WithDust, a.DustDeducted, a.Official
	// with dust: PM2.5 mean (355·34 + 10·120)/365 = 36.36 → 36 > 35
	if got := w.Items[PM25].Mean.Rounded; got != 36000 || w.Items[PM25].Compliant {
		t.Errorf("with dust PM2.5 mean %v compliant %v", got, w.Items[PM25].Compliant)
	}
	if got := dd.Items[PM25].Mean.Rounded; got != 34000 || !dd.Items[PM25].Compliant || dd.Items[PM25].Mean.Coverage.Valid != 355 {
		t.Errorf("deducted PM2.5 mean %v compliant %v valid %d", got, dd.Items[PM25].Compliant, dd.Items[PM25].Mean.Coverage.Valid)
	}
	// SO2 is never deducted
	if dd.Items[SO2].Mean.Coverage.Valid != 365 {
		t.Errorf("SO2 valid days %d after dust deduction", dd.Items[SO2].Mean.Coverage.Valid)
	}
	// heavy days: PM10 500 → IAQI 400 on dust days
	if w.HeavyDays != 10 || dd.HeavyDays != 0 {
		t.Errorf("heavy days with/without dust %d/%d", w.HeavyDays, dd.HeavyDays)
	}
	// official: concentrations deducted, AQI days kept (CNEMC)
	if !o.Compliant || o.HeavyDays != 10 || o.Composite != dd.Composite || o.GoodDays != w.GoodDays {
		t.Errorf("official: compliant %v heavy %d composite %v/%v good %d/%d", o.Compliant, o.HeavyDays, o.Composite, dd.Composite, o.GoodDays, w.GoodDays)
	}
	if o.GoodRatio.String() != "97.3" { // 355/365
		t.Errorf("good ratio %s", o.GoodRatio)
	}
	// a duplicated day counts once
	dup := append(append([]Daily{}, days...), days[100])
	if x := Assess(nil, dup, first, day(2019, 12, 31), dust); x.WithDust.AQIDays.Valid != 365 || x.WithDust.Items[SO2].Mean.Coverage.Valid != 365 {
		t.Errorf("duplicate day counted: %d AQI days", x.WithDust.AQIDays.Valid)
	}
	// the same via Daily.Dust flags
	MarkDust(days, dust)
	b := Assess(nil, days, first, day(2019, 12, 31), nil)
	if b.DustDeducted.Items[PM25].Mean.Rounded != 34000 {
		t.Errorf("MarkDust: deducted mean %v", b.DustDeducted.Items[PM25].Mean.Rounded)
	}
	r := DefaultRules()
	r.DustDeductAQIDays = true
	c := Assess(&r, days, first, day(2019, 12, 31), nil)
	if c.Official.HeavyDays != 0 || c.Official.AQIDays.Valid != 355 {
		t.Errorf("DustDeductAQIDays: heavy %d valid %d", c.Official.HeavyDays, c.Official.AQIDays.Valid)
	}
}

// TestDustDaysValidity: by default the validity counts apply to the days
// left after deduction (standards.md §5 ⚠️), so ten dust days in one month
// leave too few; Rules.DustDaysCountAsValid counts them.
func TestDustDaysValidity(t *testing.T) {
	first := day(2019, 1, 1)
	days := dailyFixture(first, 365, [NumPollutants]Conc{SO2: 10000, NO2: 30000, CO: 800, O3: 120000, PM10: 60000, PM25: 34000})
	dust := DustMask{}
	for d := 80; d < 90; d++ {
		dust.Add(days[d].Date)
	}
	a := Assess(nil, days, first, day(2019, 12, 31), dust)
	if a.DustDeducted.Items[PM25].Assessed || a.Official.Assessed {
		t.Errorf("March with 21 remaining days assessed")
	}
	if !strings.Contains(a.DustDeducted.Items[PM25].Mean.Coverage.Reason, "dust") {
		t.Errorf("reason %q", a.DustDeducted.Items[PM25].Mean.Coverage.Reason)
	}
	r := DefaultRules()
	r.DustDaysCountAsValid = true
	b := Assess(&r, days, first, day(2019, 12, 31), dust)
	if it := b.DustDeducted.Items[PM25]; !it.Assessed || it.Mean.Coverage.Valid != 355 || it.Mean.Rounded != 34000 {
		t.Errorf("DustDaysCountAsValid: assessed %v valid %d mean %v", it.Assessed, it.Mean.Coverage.Valid, it.Mean.Rounded)
	}
}

func TestAssessCompositeAndCompliance(t *testing.T) {
	first := day(2019, 1, 1)
	days := dailyFixture(first, 365, [NumPollutants]Conc{SO2: 9000, NO2: 15000, CO: 700, O3: 192000, PM10: 39000, PM25: 21000})
	a := Assess(nil, days, first, day(2019, 12, 31), nil)
	o := a.Official
	if o.CompositeUnweighted.String() != "3.06" || o.Composite322.String() != "5.83" || o.Composite.String() != "3.06" {
		t.Errorf("composite %v / %v / %v", o.Composite, o.CompositeUnweighted, o.Composite322)
	}
	if o.Compliant || o.NonCompliant != PollutantSet(0).With(O3) {
		t.Errorf("compliant %v non-compliant %v, want O3 only", o.Compliant, o.NonCompliant)
	}
	if got := o.Items[O3].PercentileMultiple.String(); got != "0.20" {
		t.Errorf("O3 exceedance %s, want 0.20", got)
	}
	if got := o.Items[PM25].Index.String(); got != "0.60" {
		t.Errorf("PM2.5 index %s", got)
	}
	if a.Edition != Edition2012 || a.LimitStandard != "GB 3095-2012" || a.AssessmentStandard != "HJ 663-2013" {
		t.Errorf("edition %v %s %s", a.Edition, a.LimitStandard, a.AssessmentStandard)
	}
	// every day: O3 8h 192 → IAQI 130: no good day
	if o.GoodDays != 0 || o.LevelDays[3] != 365 || o.PrimaryDays[O3] != 365 {
		t.Errorf("good %d level3 %d primary O3 %d", o.GoodDays, o.LevelDays[3], o.PrimaryDays[O3])
	}
	// the weighted form as the headline
	r := DefaultRules()
	r.CompositeWeights = Weights322
	if b := Assess(&r, days, first, day(2019, 12, 31), nil); b.Official.Composite.String() != "5.83" {
		t.Errorf("weighted headline %v", b.Official.Composite)
	}
	// a gap: January with 26 valid days makes every item unassessable
	for d := range 5 {
		for p := range days[d].Values {
			days[d].Values[p].Coverage.OK = false
		}
	}
	c := Assess(nil, days, first, day(2019, 12, 31), nil)
	if c.Official.Assessed || c.Official.Compliant || c.Official.Composite.Valid() {
		t.Errorf("with a January gap: assessed %v compliant %v composite %v", c.Official.Assessed, c.Official.Compliant, c.Official.Composite)
	}
}

func TestAssessExactPath(t *testing.T) {
	r := DefaultRules()
	r.PeriodFromRoundedDaily = false
	r.CompareRounded = false
	first := day(2019, 1, 1)
	s := NewSeries("x", first, 365)
	fill(s, [NumPollutants]Conc{SO2: 9000, NO2: 15000, CO: 700, O3: 192000, PM10: 39000, PM25: 35400})
	a := Assess(&r, DailyStats(&r, s), first, day(2019, 12, 31), nil)
	// 全数值比较法: 35.4 > 35 → not compliant
	if it := a.Official.Items[PM25]; it.Compliant || it.MeanMultiple.String() != "0.01" {
		t.Errorf("exact comparison: compliant %v multiple %s", it.Compliant, it.MeanMultiple)
	}
	r.CompareRounded = true
	if it := Assess(&r, DailyStats(&r, s), first, day(2019, 12, 31), nil).Official.Items[PM25]; !it.Compliant {
		t.Errorf("rounded comparison: 35.4 → 35 should comply")
	}
}

func TestAreaSeries(t *testing.T) {
	first := day(2019, 1, 1)
	var st []*Series
	for i, v := range []Conc{10000, 20000, 30000, 40000} {
		s := NewSeries(string(rune('A'+i)), first, 1)
		fill(s, [NumPollutants]Conc{v, v, v, v, v, v})
		st = append(st, s)
	}
	// hour 0: one station missing → 3 of 4 = 75 % → valid, mean 30
	st[0].V[PM25][0] = Missing
	// hour 1: two missing → invalid
	st[0].V[PM25][1] = Missing
	st[1].V[PM25][1] = Missing
	// hour 2: mean of 10, 20, 30.001 is 20.000333… → held to 0.001: 20
	st[3].V[PM25][2] = Missing
	st[2].V[PM25][2] = 30001
	area, info, err := AreaSeries(nil, "411300", st)
	if err != nil {
		t.Fatal(err)
	}
	if info.Required != 3 || len(info.Stations) != 4 {
		t.Fatalf("required %d stations %v", info.Required, info.Stations)
	}
	if got := area.V[PM25][0]; got != 30000 {
		t.Errorf("hour 0 = %v, want 30", got)
	}
	if got := area.V[PM25][1]; got != Missing || info.ValidStations[PM25][1] != 2 {
		t.Errorf("hour 1 = %v with %d stations, want missing", got, info.ValidStations[PM25][1])
	}
	if got := area.V[PM25][2]; got != 20000 {
		t.Errorf("hour 2 = %v", got)
	}
	if got := area.V[SO2][5]; got != 25000 {
		t.Errorf("SO2 = %v, want 25", got)
	}
	r := DefaultRules()
	r.AreaMinSharePercent = 50
	if area2, _, _ := AreaSeries(&r, "x", st); area2.V[PM25][1] != 35000 {
		t.Errorf("with 50 %%: hour 1 = %v, want 35", area2.V[PM25][1])
	}
	bad := NewSeries("E", first, 2)
	if _, _, err := AreaSeries(nil, "x", append(st, bad)); err == nil {
		t.Error("stations of different extent accepted")
	}
	if _, _, err := AreaSeries(nil, "x", nil); err == nil {
		t.Error("empty area accepted")
	}
}

func TestAreaDailyMDA8Methods(t *testing.T) {
	first := day(2019, 7, 1)
	a := NewSeries("A", first, 1)
	b := NewSeries("B", first, 1)
	fill(a, [NumPollutants]Conc{5000, 20000, 500, 0, 50000, 30000})
	fill(b, [NumPollutants]Conc{5000, 20000, 500, 0, 50000, 30000})
	// A peaks in the morning, B in the evening: the mean of the station
	// maxima (200) exceeds the maximum of the mean series (100).
	for h := 0; h < 8; h++ {
		a.V[O3][h+4] = 200000
		b.V[O3][h+16] = 200000
	}
	days, _, err := AreaDailyStats(nil, "area", []*Series{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if got := days[0].Values[O3].Rounded; got != 100000 {
		t.Errorf("MDA8 from area hours = %v, want 100", got)
	}
	r := DefaultRules()
	r.AreaMDA8 = AreaMDA8MeanOfStations
	days, _, _ = AreaDailyStats(&r, "area", []*Series{a, b})
	if got := days[0].Values[O3].Rounded; got != 200000 || days[0].AQI.IAQI[O3].Value != 137 {
		t.Errorf("mean of station MDA8 = %v (IAQI %d), want 200 (137)", got, days[0].AQI.IAQI[O3].Value)
	}
}

func TestRank(t *testing.T) {
	got := Rank([]int64{306, 250, 306, 400, 100}, []bool{true, true, true, true, false})
	want := []Ranked{{1, 1, false}, {0, 2, true}, {2, 2, true}, {3, 4, false}, {4, 0, false}}
	if !slices.Equal(got, want) {
		t.Errorf("Rank = %v, want %v", got, want)
	}
}

func TestChangeRateAbsent(t *testing.T) {
	if d := ChangeRate(Decimal{}, Decimal{Ratio{3, 1}, 2}, 1, true); d.Valid() {
		t.Error("change rate from an absent index")
	}
	if d := ChangeRate(Decimal{Ratio{3, 1}, 2}, Decimal{Ratio{0, 1}, 2}, 1, true); d.Valid() {
		t.Error("change rate against zero")
	}
}

func TestJSON(t *testing.T) {
	first := day(2019, 1, 1)
	days := dailyFixture(first, 31, [NumPollutants]Conc{SO2: 9000, NO2: 15000, CO: 700, O3: 192000, PM10: 39000, PM25: 21000})
	b, err := json.Marshal(days[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["date"] != "2019-01-01" || m["edition"] != "2012" || m["pm25"].(map[string]any)["value"] != 21.0 {
		t.Errorf("daily JSON: %s", b)
	}
	aqi := m["aqi"].(map[string]any)
	if aqi["standard"] != "HJ 633-2012" || aqi["category"] != "轻度污染" || aqi["primary"].([]any)[0] != "O3" {
		t.Errorf("AQI JSON: %v", aqi)
	}
	a := Assess(nil, days, first, day(2019, 1, 31), nil)
	b, err = json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"composite":3.06`, `"items":{`, `"pm25":{"mean":{"value":21`, `"coverage":{"valid":31,"expected":31,"ok":true}`, `"edition_name":"GB 3095-2012/HJ 633-2012/HJ 663-2013"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("assessment JSON lacks %s", want)
		}
	}
}

// TestRound8170AgainstBig cross-checks the fast paths with math/big.
func TestRound8170AgainstBig(t *testing.T) {
	for _, tc := range [][3]int64{{1, 3, 2}, {-2, 3, 0}, {5, 2, 0}, {7, 2, 0}, {-5, 2, 0}, {1 << 62, 3, 0},
		{9223372036854775807, 2, 0}, {123456789, 1000, 5}, {25, 10, -1}, {35, 10, -1}, {-35, -10, 0}} {
		got := Round8170(tc[0], tc[1], int(tc[2]))
		if want := refRound(tc[0], tc[1], int(tc[2])); got != want {
			t.Errorf("Round8170(%d, %d, %d) = %d, want %d", tc[0], tc[1], tc[2], got, want)
		}
	}
}

// refRound is GB/T 8170 half-even rounding computed with math/big.
func refRound(num, den int64, decimals int) int64 {
	x := new(big.Rat).SetFrac64(num, den)
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(decimals))), nil))
	if decimals >= 0 {
		x.Mul(x, scale)
	} else {
		x.Quo(x, scale)
	}
	neg := x.Sign() < 0
	x.Abs(x)
	q, r := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	r2 := new(big.Int).Lsh(r, 1)
	if c := r2.Cmp(x.Denom()); c > 0 || (c == 0 && q.Bit(0) == 1) {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	if decimals < 0 {
		q.Mul(q, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-decimals)), nil))
	}
	return q.Int64()
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestCompletenessGateExemption(t *testing.T) {
	vals := [NumPollutants]Conc{SO2: 10000, NO2: 20000, CO: Missing, O3: 60000, PM10: 40000, PM25: 30000}
	a := HourlyAQIWith(nil, Edition2026, vals, NoHourlyExtra)
	if a.Available || a.PartialAQI != 43 {
		t.Fatalf("gate: available %v partial %d", a.Available, a.PartialAQI)
	}
	b := a
	b.ExemptNotMonitored(PollutantSet(0).With(SO2))
	if b.Available {
		t.Error("exempting SO2 should not publish when CO is missing")
	}
	a.ExemptNotMonitored(PollutantSet(0).With(CO))
	if !a.Available || a.AQI != 43 || a.Missing != PollutantSet(0).With(CO) || a.Level != 1 {
		t.Errorf("§5.3.2 exemption: available %v AQI %d missing %v level %d", a.Available, a.AQI, a.Missing, a.Level)
	}
	z := HourlyAQIWith(nil, Edition2026, [NumPollutants]Conc{}, NoHourlyExtra)
	if !z.Available || z.AQI != 0 || !z.BelowRange || z.Level != 1 {
		t.Errorf("all-zero hour: AQI %d below-range %v level %d", z.AQI, z.BelowRange, z.Level)
	}
}

func TestRankChangeRates(t *testing.T) {
	d := func(s string) Decimal {
		q, _ := ParseDecimalRatio(s)
		return Decimal{q, 1}
	}
	rates := []Decimal{d("-10.0"), d("5.2"), d("12.4"), d("5.2"), d("3.0"), {}}
	compliant := []bool{false, false, false, false, true, false}
	imp, det := RankChangeRates(rates, compliant)
	if imp[0].Index != 0 || imp[0].Rank != 1 || imp[4].Index != 2 || imp[5].Rank != 0 {
		t.Errorf("improvement %v", imp)
	}
	want := []Ranked{{2, 1, false}, {1, 2, true}, {3, 2, true}}
	if !slices.Equal(det, want) {
		t.Errorf("deterioration %v, want %v (the compliant city 4 and the improving city 0 excluded)", det, want)
	}
}

func TestDailyFromValues(t *testing.T) {
	d := DailyFromValues(nil, "2403A", day(2019, 1, 1).Add(15*time.Hour),
		[NumPollutants]Conc{SO2: 8000, NO2: 59000, CO: 1500, O3: 40000, PM10: 155000, PM25: 135000}, 49000)
	if !d.Date.Equal(day(2019, 1, 1)) || d.Edition != Edition2012 {
		t.Fatalf("date %v edition %v", d.Date, d.Edition)
	}
	// PM2.5 135 → 150 + 50·20/35 = 178.6 → 179
	if d.AQI.AQI != 179 || d.AQI.Primary != PollutantSet(0).With(PM25) || !d.Values[PM10].Valid() {
		t.Errorf("AQI %d primary %v", d.AQI.AQI, d.AQI.Primary)
	}
	e := DailyFromValues(nil, "x", day(2027, 1, 1), [NumPollutants]Conc{Missing, Missing, Missing, Missing, Missing, 90000}, Missing)
	if e.Edition != Edition2026 || e.AQI.AQI != 128 || e.Values[SO2].Valid() {
		t.Errorf("2027: edition %v AQI %d", e.Edition, e.AQI.AQI)
	}
}

func TestReferenceStateAndOtherItems(t *testing.T) {
	// 100 µg/m³ at 273.15 K is 91.615… at 298.15 K
	if got := StandardToReference(SO2, 100000); got != 91615 {
		t.Errorf("SO2 100 → %v", got)
	}
	if got := StandardToReference(PM25, 100000); got != 100000 {
		t.Errorf("PM2.5 changed to %v", got)
	}
	for _, tc := range []struct {
		e    Edition
		g    Grade
		item string
		a    Averaging
		want string
	}{
		{Edition2012, GradeII, "TSP", AvgDaily, "300"},
		{Edition2026, GradeI, "TSP", AvgAnnual, "80"},
		{Edition2026, GradeII, "NOx", AvgAnnual, "50"},
		{Edition2031, GradeII, "NOx", AvgAnnual, "40"},
		{Edition2031, GradeII, "NOx", AvgDaily, "70"},
		{Edition2031, GradeII, "NOx", AvgHourly, "250"},
		{Edition2026, GradeII, "Pb", AvgAnnual, "0.5"},
		{Edition2026, GradeII, "BaP", AvgDaily, "0.0025"},
		{Edition2026, GradeII, "BaP", AvgAnnual, "0.001"},
	} {
		q, ok := OtherLimit(tc.e, tc.g, tc.item, tc.a)
		if !ok || q.String() != tc.want {
			t.Errorf("%v %v %s %v = %s (%v), want %s", tc.e, tc.g, tc.item, tc.a, q, ok, tc.want)
		}
	}
	if _, ok := OtherLimit(Edition2026, GradeII, "Hg", AvgAnnual); ok {
		t.Error("unknown item has a limit")
	}
}

func TestHourlyEvaluation(t *testing.T) {
	s := NewSeries("x", day(2019, 7, 1), 2)
	fill(s, [NumPollutants]Conc{SO2: 20000, NO2: 40000, CO: 1000, O3: 150000, PM10: 80000, PM25: 50000})
	s.V[O3][15] = 200400 // rounds to 200: not above the 200 limit
	s.V[O3][16] = 200500 // rounds (half even) to 200
	s.V[O3][17] = 201000
	s.V[NO2][30] = Missing
	ev := HourlyEvaluation(nil, s, day(2019, 7, 1), day(2019, 7, 2))
	if o := ev[O3]; o.ExceedHours != 1 || o.Max != 201000 || o.Limit != 200000 || o.Coverage.Valid != 48 {
		t.Errorf("O3: %+v", o)
	}
	if n := ev[NO2]; n.Coverage.Valid != 47 || n.Coverage.Expected != 48 || n.ExceedHours != 0 {
		t.Errorf("NO2: %+v", n)
	}
	if pm := ev[PM25]; pm.Limit != Missing || pm.Coverage.Expected != 0 {
		t.Errorf("PM2.5 has a 1-hour evaluation: %+v", pm)
	}
	if only := HourlyEvaluation(nil, s, day(2019, 7, 2), day(2019, 7, 2)); only[O3].Coverage.Expected != 24 || only[O3].ExceedHours != 0 {
		t.Errorf("second day only: %+v", only[O3])
	}
}

func TestForcedEditionByCutovers(t *testing.T) {
	r := DefaultRules()
	r.Cutover2026 = time.Date(1, 1, 1, 0, 0, 0, 0, Beijing)
	r.FinalLimitsFrom = time.Date(9999, 1, 1, 0, 0, 0, 0, Beijing)
	if e := r.EditionFor(day(2019, 6, 1)); e != Edition2026 {
		t.Errorf("forced 2026: %v", e)
	}
	days := DailyStats(&r, NewSeries("x", day(2019, 6, 1), 1))
	if days[0].Edition != Edition2026 || days[0].AQI.Standard != "HJ 633-2026" {
		t.Errorf("daily edition %v", days[0].Edition)
	}
	r = DefaultRules()
	r.Cutover2026 = time.Date(9999, 1, 1, 0, 0, 0, 0, Beijing)
	r.FinalLimitsFrom = r.Cutover2026
	if e := r.EditionForPeriod(day(2027, 1, 1), day(2027, 12, 31)); e != Edition2012 {
		t.Errorf("forced 2012: %v", e)
	}
	for _, d := range []time.Time{time.Date(1, 1, 1, 0, 0, 0, 0, Beijing), day(1970, 1, 1), day(1969, 12, 31), day(2024, 2, 29), time.Date(9999, 12, 31, 0, 0, 0, 0, Beijing)} {
		n := DayNumber(d)
		if !DayFromNumber(n).Equal(d) {
			t.Errorf("DayFromNumber(DayNumber(%v)) = %v", d, DayFromNumber(n))
		}
		if y, m, dd := civil(n); y != d.Year() || m != int(d.Month()) || dd != d.Day() || dayNum(y, m, dd) != n {
			t.Errorf("civil(%d) = %d-%d-%d, want %v", n, y, m, dd, d)
		}
	}
}

// TestRealtimeO3MovingCrossesDays: the optional 2012 real-time O3 8-hour
// moving mean at an early hour uses the previous day's hours (standards.md
// §3.4 ⚠️), unlike the daily maximum, whose windows stay inside the day.
func TestRealtimeO3MovingCrossesDays(t *testing.T) {
	r := DefaultRules()
	r.Realtime2012O3_8H = true
	s := NewSeries("x", day(2019, 7, 1), 2)
	fill(s, [NumPollutants]Conc{SO2: 5000, NO2: 10000, CO: 300, O3: 20000, PM10: 20000, PM25: 10000})
	for i := 17; i < 24; i++ { // hours ending 18:00…24:00 of the first day
		s.V[O3][i] = 240000
	}
	a := s.HourlyAQI(&r, 24) // hour ending 01:00 of the second day
	// window: 7 hours at 240 and one at 20 → 212.5 → 212 → IAQI 148
	if a.IAQI[O3].Item != O3_8H || a.IAQI[O3].Value != 148 {
		t.Errorf("O3 %v %d, want O3_8H 148", a.IAQI[O3].Item, a.IAQI[O3].Value)
	}
	days := DailyStats(&r, s)
	if got := days[1].Values[O3].Rounded; got != 20000 {
		t.Errorf("second day's MDA8 %v, want 20 (no previous-day hours)", got)
	}
}

func TestIAQIAtConcLimits(t *testing.T) {
	for _, c := range []Conc{MaxConc, MaxConc - 500, MaxConc - 1000, MaxConc - 1500} {
		for _, it := range []Item{PM25_24H, CO_1H, SO2_1H, O3_8H} {
			for _, e := range []Edition{Edition2012, Edition2026} {
				s := IAQI(e, it, c, true)
				if s.Conc < 0 || (s.Status != IAQIOverRange && s.Status != IAQIFixed && s.Status != IAQIAbove800) {
					t.Errorf("%v %v %v: %+v", e, it, c, s)
				}
			}
		}
	}
}

// TestValidSumPaths walks the three paths of the day sum (no gaps, gaps,
// magnitudes beyond the lane limit) against the plain loop.
func TestValidSumPaths(t *testing.T) {
	full := func(c Conc) (h [24]Conc) {
		for i := range h {
			h[i] = c + Conc(i)
		}
		return h
	}
	tests := []struct {
		name string
		day  [24]Conc
	}{
		{"every hour valid", full(35_000)},
		{"all zero", [24]Conc{}},
		{"one hour missing", func() [24]Conc { h := full(80_000); h[7] = Missing; return h }()},
		{"every hour missing", func() (h [24]Conc) {
			for i := range h {
				h[i] = Missing
			}
			return h
		}()},
		{"negative value other than Missing", func() [24]Conc { h := full(12_000); h[0], h[23] = -1, -500_000; return h }()},
		{"value at the lane limit 2^27", func() [24]Conc { h := full(1); h[3] = 1 << 27; return h }()},
		{"values near the int32 limit", func() [24]Conc { h := full(1<<31 - 100); h[2] = Missing; return h }()},
		{"lane limit and a gap", func() [24]Conc { h := full(1 << 27); h[11] = Missing; return h }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, n := validSum(&tt.day)
			ws, wn := refValidSum(&tt.day)
			if sum != ws || n != wn {
				t.Errorf("validSum = %d, %d; want %d, %d", sum, n, ws, wn)
			}
		})
	}
}
