package standard

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readVectors reads a CSV file of testdata/vectors as header-keyed rows.
func readVectors(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "vectors", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{"_line": ""}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no rows", name)
	}
	return rows
}

func mustConc(t *testing.T, s string) Conc {
	t.Helper()
	c, err := ParseConc(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func editionOf(t *testing.T, std string) Edition {
	t.Helper()
	e, err := ParseEdition(std)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestIAQIVectorsAQIHub checks every row of the two aqi-hub files. Where the
// peer contradicts the standard (agrees_with_standard = NO) the test
// follows the standard: the reference_iaqi column, or for the rows above
// the top breakpoint (undefined by both editions) 500 with the over-range
// flag. The 2012 PM 1-hour rows ("n/a": HJ 633-2012 has no such column)
// follow CNEMC practice, the 1-hour value on the 24-hour breakpoints.
func TestIAQIVectorsAQIHub(t *testing.T) {
	for _, file := range []string{"aqi_hub_2012_iaqi_tests.csv", "aqi_hub_2026_iaqi_tests.csv"} {
		for i, row := range readVectors(t, file) {
			e := editionOf(t, row["standard"])
			it, err := ParseItem(row["item"])
			if err != nil {
				t.Fatal(err)
			}
			c := mustConc(t, row["concentration"])
			name := file + "/" + strconv.Itoa(i+2) + "/" + row["item"] + "=" + row["concentration"]
			agrees := row["agrees_with_standard"]
			if agrees != "yes" {
				name += "/peer-disagrees"
			}
			t.Run(name, func(t *testing.T) {
				got := IAQI(e, it, c, true)
				switch {
				case strings.Contains(row["reference_note"], "not computed"):
					// HJ 633-2012 notes 2/3: no IAQI from this column above 800.
					if got.Status != IAQIAbove800 || got.Has() {
						t.Errorf("IAQI = %d (%v), want not computed (above_800)", got.Value, got.Status)
					}
				case row["reference_iaqi"] != "":
					want, _ := strconv.Atoi(row["reference_iaqi"])
					if got.Value != want || (got.Status != IAQIOK && got.Status != IAQIFixed) {
						t.Errorf("IAQI = %d (%v), standard gives %d (peer %s)", got.Value, got.Status, want, row["peer_expected_iaqi"])
					}
				case strings.Contains(row["reference_note"], "above top breakpoint") ||
					strings.Contains(row["agrees_with_standard"], "gives undefined"):
					// Undefined by the standard: 500 flagged, never extrapolated.
					if got.Value != 500 || got.Status != IAQIOverRange {
						t.Errorf("IAQI = %d (%v), want 500 over_range", got.Value, got.Status)
					}
				case strings.HasPrefix(agrees, "n/a"):
					// "equals CNEMC practice (1h value on 24h table) = N"
					_, num, ok := strings.Cut(agrees, "= ")
					if !ok {
						t.Fatalf("unexpected note %q", agrees)
					}
					want, _ := strconv.Atoi(num)
					if got.Value != want {
						t.Errorf("IAQI = %d, CNEMC practice gives %d", got.Value, want)
					}
				default:
					t.Fatalf("row without reference: %v", row)
				}
			})
		}
	}
}

// TestPeerGrid checks the reference columns of every grid point for both
// editions (the peer columns are documentation of their disagreements).
func TestPeerGrid(t *testing.T) {
	for i, row := range readVectors(t, "peer_comparison_grid.csv") {
		it, err := ParseItem(row["item"])
		if err != nil {
			t.Fatal(err)
		}
		c := mustConc(t, row["concentration"])
		for _, col := range []struct {
			e          Edition
			round      bool
			ref, note  string
			refColName string
		}{
			// The 2012 reference column interpolates the unrounded
			// concentration (HJ 633-2012 says nothing on rounding,
			// standards.md §1.3), i.e. Rules.RoundConc2012 = false.
			{Edition2012, false, row["ref_hj633_2012"], row["ref_note_2012"], "ref_hj633_2012"},
			// HJ 633-2026 §4.2.2 rounds first; the reference's "exact" note
			// is unrounded but its ceiling agrees on every grid point.
			{Edition2026, true, row["ref_hj633_2026"], row["ref_note_2026"], "ref_hj633_2026"},
		} {
			t.Run(strconv.Itoa(i+2)+"/"+row["item"]+"="+row["concentration"]+"/"+col.e.String(), func(t *testing.T) {
				got := IAQI(col.e, it, c, col.round)
				if col.ref == "" {
					switch {
					case strings.Contains(col.note, "not computed"):
						if got.Status != IAQIAbove800 {
							t.Errorf("status %v, want above_800 (%s)", got.Status, col.note)
						}
					case strings.Contains(col.note, "undefined"):
						if got.Status != IAQIOverRange || got.Value != 500 {
							t.Errorf("got %d %v, want 500 over_range", got.Value, got.Status)
						}
					default:
						t.Fatalf("empty reference with note %q", col.note)
					}
					return
				}
				want, _ := strconv.Atoi(col.ref)
				if got.Value != want {
					t.Errorf("IAQI = %d, %s = %d (%s)", got.Value, col.refColName, want, col.note)
				}
			})
		}
	}
}

func parseInputs(t *testing.T, s string) [NumPollutants]Conc {
	t.Helper()
	var v [NumPollutants]Conc
	for i := range v {
		v[i] = Missing
	}
	for _, f := range strings.Fields(s) {
		k, val, _ := strings.Cut(f, "=")
		p, err := ParsePollutant(k)
		if err != nil {
			t.Fatal(err)
		}
		if val == "None" {
			continue
		}
		v[p] = mustConc(t, val)
	}
	return v
}

func parsePrimary(t *testing.T, s string) PollutantSet {
	t.Helper()
	var set PollutantSet
	if strings.HasPrefix(s, "(none") {
		return 0
	}
	for _, f := range strings.Split(s, "+") {
		p, err := ParsePollutant(f)
		if err != nil {
			t.Fatal(err)
		}
		set = set.With(p)
	}
	return set
}

// TestAQILevelCases checks the multi-pollutant cases against the reference
// columns. Two aqi-hub expectations (agrees = NO) encode its SO2 24-hour
// table bug; the standard's answer (reference_aqi) is asserted instead.
func TestAQILevelCases(t *testing.T) {
	for _, row := range readVectors(t, "aqi_level_cases.csv") {
		name := row["case"]
		if row["agrees"] == "NO" {
			name += " (peer contradicts HJ 633 SO2 24-h table; following the standard)"
		}
		t.Run(name, func(t *testing.T) {
			e := editionOf(t, row["standard"])
			vals := parseInputs(t, row["inputs"])
			var a AQIResult
			if row["report"] == "hourly" {
				a = HourlyAQIWith(nil, e, vals, NoHourlyExtra)
			} else {
				// The daily cases give O3 as the daily max 8-hour mean only.
				a = DailyAQI(nil, e, vals, Missing)
			}
			want, _ := strconv.Atoi(row["reference_aqi"])
			if a.PartialAQI != want {
				t.Errorf("AQI = %d, want %d", a.PartialAQI, want)
			}
			if gotP, wantP := a.Primary, parsePrimary(t, row["reference_primary"]); a.Available && gotP != wantP {
				t.Errorf("primary = %v, want %v", gotP, wantP)
			}
			for _, f := range strings.Fields(row["reference_iaqis"]) {
				k, v, _ := strings.Cut(f, "=")
				p, _ := ParsePollutant(k)
				w, _ := strconv.Atoi(v)
				if a.IAQI[p].Value != w {
					t.Errorf("IAQI %v = %d, want %d", p, a.IAQI[p].Value, w)
				}
			}
		})
	}
}

func TestHourlyAQIUsesEditionByDate(t *testing.T) {
	vals := [NumPollutants]Conc{SO2: 3000, NO2: 11000, CO: 200, O3: 75000, PM10: 88000, PM25: 16000}
	before := HourlyAQI(nil, time.Date(2026, 3, 1, 0, 0, 0, 0, Beijing), vals) // last hour of Feb 28
	after := HourlyAQI(nil, time.Date(2026, 3, 1, 1, 0, 0, 0, Beijing), vals)
	if before.Edition != Edition2012 || before.AQI != 69 || before.Standard != "HJ 633-2012" {
		t.Errorf("hour ending 2026-03-01 00:00: %v AQI %d, want 2012 69", before.Edition, before.AQI)
	}
	if after.Edition != Edition2026 || after.AQI != 78 {
		t.Errorf("hour ending 2026-03-01 01:00: %v AQI %d, want 2026 78", after.Edition, after.AQI)
	}
}

// TestPeerGrid2012RoundingDefault documents the two grid points where the
// default rule (GB/T 8170 rounding of the concentration before the IAQI,
// Rules.RoundConc2012, as HJ 633-2026 §4.2.2 requires and CNEMC practised)
// gives a different 2012 IAQI from the vector's unrounded reference.
func TestPeerGrid2012RoundingDefault(t *testing.T) {
	r := DefaultRules()
	for _, tc := range []struct {
		name        string
		c           Conc
		vector, std int
	}{
		{"PM2.5 75.5 rounds half-even to 76 (vector 101 is unrounded)", 75500, 101, 102},
		{"PM2.5 114.5 rounds half-even to 114 (vector 150 is unrounded)", 114500, 150, 149},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.IAQI(Edition2012, PM25_24H, tc.c); got.Value != tc.std {
				t.Errorf("rounded IAQI = %d, want %d", got.Value, tc.std)
			}
			if got := IAQI(Edition2012, PM25_24H, tc.c, false); got.Value != tc.vector {
				t.Errorf("unrounded IAQI = %d, want %d", got.Value, tc.vector)
			}
		})
	}
}

func TestGBT8170Vectors(t *testing.T) {
	for _, row := range readVectors(t, "gbt8170_rounding.csv") {
		t.Run(row["value"]+"/"+row["keep_decimals"], func(t *testing.T) {
			q, err := ParseDecimalRatio(row["value"])
			if err != nil {
				t.Fatal(err)
			}
			d, _ := strconv.Atoi(row["keep_decimals"])
			v := Round8170(q.Num, q.Den, d)
			got := strconv.FormatInt(v, 10)
			if d > 0 {
				got = FormatScaled(v, d, d)
			}
			if got != row["gbt8170_result"] {
				t.Errorf("Round8170(%s, %d) = %s, want %s (naive half-up gives %s)", row["value"], d, got, row["gbt8170_result"], row["naive_half_up"])
			}
		})
	}
}

func TestPercentileVectors(t *testing.T) {
	for _, row := range readVectors(t, "hj663_percentile.csv") {
		t.Run(row["case"], func(t *testing.T) {
			p, _ := strconv.Atoi(row["p"])
			n, _ := strconv.Atoi(row["n"])
			var vals []Conc
			if lo, hi, ok := strings.Cut(row["values"], ".."); ok {
				a, _ := strconv.Atoi(lo)
				b, _ := strconv.Atoi(hi)
				for i := a; i <= b; i++ {
					vals = append(vals, Conc(i*ConcScale))
				}
			} else {
				for _, f := range strings.Fields(row["values"]) {
					vals = append(vals, mustConc(t, f))
				}
			}
			if len(vals) != n {
				t.Fatalf("n = %d, have %d values", n, len(vals))
			}
			got := Percentile(vals, p)
			want, err := ParseDecimalRatio(row["percentile_exact"])
			if err != nil {
				t.Fatal(err)
			}
			// got is in thousandths.
			if got.Num*want.Den != want.Num*got.Den*ConcScale {
				t.Errorf("percentile = %s, want %s", Ratio{got.Num, got.Den * ConcScale}, row["percentile_exact"])
			}
			// The exact path agrees.
			ex := make([]Ratio, len(vals))
			for i, v := range vals {
				ex[i] = RatioOf(v)
			}
			if g2 := PercentileExact(ex, p); g2.Num*got.Den != got.Num*g2.Den {
				t.Errorf("PercentileExact = %v, Percentile = %v", g2, got)
			}
		})
	}
}

func TestMDA8Vectors(t *testing.T) {
	for _, row := range readVectors(t, "o3_mda8.csv") {
		t.Run(row["case"], func(t *testing.T) {
			var h [24]Conc
			f := strings.Fields(row["hourly_labels_1_to_24"])
			for i := range h {
				if f[i] == "NA" {
					h[i] = Missing
				} else {
					h[i] = mustConc(t, f[i])
				}
			}
			v, n := MDA8(nil, h)
			wantN, _ := strconv.Atoi(row["valid_8h_values"])
			if n != wantN {
				t.Errorf("valid windows = %d, want %d", n, wantN)
			}
			if row["mda8_exact"] == "" {
				if v.Valid() {
					t.Errorf("MDA8 valid (%s), want invalid: %s", v.ExactString(), row["status"])
				}
				return
			}
			if !v.Valid() {
				t.Fatalf("MDA8 invalid (%s), want %s", v.Coverage.Reason, row["mda8_exact"])
			}
			if v.ExactString() != row["mda8_exact"] {
				t.Errorf("exact = %s, want %s", v.ExactString(), row["mda8_exact"])
			}
			if v.Rounded.String() != row["mda8_rounded_int"] {
				t.Errorf("rounded = %s, want %s", v.Rounded, row["mda8_rounded_int"])
			}
			want, _ := strconv.Atoi(row["iaqi_2012_2026"])
			for _, e := range []Edition{Edition2012, Edition2026} {
				if got := IAQIExact(e, O3_8H, v.Exact, true); got.Value != want {
					t.Errorf("%v IAQI = %d, want %d", e, got.Value, want)
				}
			}
		})
	}
}

func TestCompositeVectors(t *testing.T) {
	// The published example month: PM2.5 21, PM10 39, SO2 9, NO2 15,
	// O3-8h-p90 192, CO-p95 0.7.
	ci := [NumPollutants]Conc{PM25: 21000, PM10: 39000, SO2: 9000, NO2: 15000, O3: 192000, CO: 700}
	for _, row := range readVectors(t, "composite_index.csv") {
		t.Run(row["limits"]+"/"+row["weights"], func(t *testing.T) {
			e := Edition2012
			if strings.Contains(row["limits"], "2026") {
				e = Edition2026
			}
			w := Unweighted
			if strings.HasPrefix(row["weights"], "weighted") {
				w = Weights322
			}
			d := CompositeIndex(e, ci, w, 2)
			if d.String() != row["composite_2dp"] {
				t.Errorf("composite = %s, want %s", d, row["composite_2dp"])
			}
			if f, _ := strconv.ParseFloat(row["composite_exact"], 64); d.Float64() != f {
				t.Errorf("exact = %v, want %s", d.Float64(), row["composite_exact"])
			}
		})
	}
}

func TestWarningVectors(t *testing.T) {
	for _, row := range readVectors(t, "warning_levels_2024.csv") {
		t.Run(row["predicted_daily_AQI_by_24h_period"], func(t *testing.T) {
			var seq []int
			for _, f := range strings.Fields(row["predicted_daily_AQI_by_24h_period"]) {
				n, _ := strconv.Atoi(f)
				seq = append(seq, n)
			}
			w := PredictWarning(nil, seq)
			want := row["level"]
			if strings.HasPrefix(want, "below-warning") {
				want = "below-warning"
			}
			if w.Level.String() != want {
				t.Errorf("level = %v, want %s", w.Level, row["level"])
			}
			for k, got := range map[string]int{"hours_gt200": w.HoursGT200, "hours_gt150": w.HoursGT150, "hours_gt300": w.HoursGT300} {
				if strconv.Itoa(got) != row[k] {
					t.Errorf("%s = %d, want %s", k, got, row[k])
				}
			}
		})
	}
}
