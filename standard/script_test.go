package standard

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The calculation tests in testdata/standard/*.test are plain-text scripts
// that read like the standard (in the manner of Prometheus' promqltest):
//
//	# comment
//	iaqi 2026 PM25_24H 75 => 114
//	hourly 2026 PM25=75 PM10=150 SO2=500 NO2=200 CO=10 O3=200 => aqi=114 primary=PM2.5
//
// Each line is a command with arguments, "=>", and expectations: a bare
// token is compared with the command's main result, key=value with the
// named result. Only the results named are checked. Values with spaces are
// written in double quotes (standard="HJ 633-2026").

type scriptCmd func(t *testing.T, args []string) map[string]string

var scriptCmds = map[string]scriptCmd{
	"round":      cmdRound,
	"iaqi":       cmdIAQI,
	"hourly":     cmdAQI(ReportHourly),
	"daily":      cmdAQI(ReportDaily),
	"level":      cmdLevel,
	"mda8":       cmdMDA8,
	"dailymean":  cmdDailyMean,
	"percentile": cmdPercentile,
	"composite":  cmdComposite,
	"warning":    cmdWarning,
	"rank":       cmdRank,
	"change":     cmdChange,
	"limit":      cmdLimit,
	"edition":    cmdEdition,
	"period":     cmdPeriod,
}

func TestScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "standard", "*.test"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runScript(t, f) })
	}
}

func runScript(t *testing.T, path string) {
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	line := 0
	cases := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		lhs, rhs, ok := strings.Cut(text, "=>")
		if !ok {
			t.Fatalf("%s:%d: missing =>", path, line)
		}
		fields := strings.Fields(lhs)
		cmd, ok := scriptCmds[fields[0]]
		if !ok {
			t.Fatalf("%s:%d: unknown command %q", path, line, fields[0])
		}
		cases++
		t.Run(fmt.Sprintf("line%d:%s", line, strings.Join(fields, "_")), func(t *testing.T) {
			got := cmd(t, fields[1:])
			for _, exp := range splitQuoted(rhs) {
				k, v, kv := strings.Cut(exp, "=")
				if !kv {
					k, v = "value", exp
				}
				v = strings.Trim(v, `"`)
				g, present := got[k]
				if !present {
					t.Errorf("%s:%d: no result %q (have %v)", path, line, k, got)
					continue
				}
				if g != v {
					t.Errorf("%s:%d: %s = %q, want %q", path, line, k, g, v)
				}
			}
		})
	}
	if cases == 0 {
		t.Fatalf("%s: no cases", path)
	}
}

// splitQuoted splits on blanks outside double quotes.
func splitQuoted(s string) []string {
	var out []string
	var b strings.Builder
	inq := false
	for _, r := range s {
		switch {
		case r == '"':
			inq = !inq
			b.WriteRune(r)
		case (r == ' ' || r == '\t') && !inq:
			if b.Len() > 0 {
				out = append(out, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

func scriptConc(t *testing.T, s string) Conc {
	t.Helper()
	if s == "NA" {
		return Missing
	}
	c, err := ParseConc(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func scriptEdition(t *testing.T, s string) Edition {
	t.Helper()
	e, err := ParseEdition(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func cmdRound(t *testing.T, args []string) map[string]string {
	q, err := ParseDecimalRatio(args[0])
	if err != nil {
		t.Fatal(err)
	}
	d, _ := strconv.Atoi(args[1])
	v := Round8170(q.Num, q.Den, d)
	if d < 0 {
		return map[string]string{"value": strconv.FormatInt(v, 10)}
	}
	return map[string]string{"value": FormatScaled(v, d, d)}
}

func cmdIAQI(t *testing.T, args []string) map[string]string {
	e := scriptEdition(t, args[0])
	it, err := ParseItem(args[1])
	if err != nil {
		t.Fatal(err)
	}
	round := !(len(args) > 3 && args[3] == "raw")
	s := IAQI(e, it, scriptConc(t, args[2]), round)
	v := "NA"
	if s.Has() {
		v = strconv.Itoa(s.Value)
	}
	return map[string]string{"value": v, "status": s.Status.String(), "conc": s.Conc.String()}
}

func setName(s PollutantSet) string {
	if s == 0 {
		return "-"
	}
	return s.String()
}

func aqiOutputs(a AQIResult) map[string]string {
	m := map[string]string{
		"aqi":       "NA",
		"partial":   strconv.Itoa(a.PartialAQI),
		"complete":  strconv.FormatBool(a.Complete),
		"primary":   setName(a.Primary),
		"exceeding": setName(a.Exceeding),
		"missing":   setName(a.Missing),
		"level":     strconv.Itoa(int(a.Level)),
		"category":  a.Category,
		"colour":    a.Colour,
		"over":      strconv.FormatBool(a.OverRange),
		"standard":  a.Standard,
		"o3item":    a.IAQI[O3].Item.String(),
	}
	if a.Available {
		m["aqi"] = strconv.Itoa(a.AQI)
	}
	m["value"] = m["aqi"]
	for p := range Pollutant(NumPollutants) {
		s := a.IAQI[p]
		v := "NA"
		if s.Has() {
			v = strconv.Itoa(s.Value)
		}
		m["iaqi_"+p.Code()] = v
		m["status_"+p.Code()] = s.Status.String()
	}
	return m
}

// cmdAQI: hourly|daily EDITION KEY=VALUE… where KEY is a pollutant, or for
// daily O3_8H / O3_1H, or for hourly SO2_24H / O3_8H / PM10_24H / PM25_24H
// (moving averages), and options opt=o3_8h|pm24h|nofallback|raw.
func cmdAQI(kind Report) scriptCmd {
	return func(t *testing.T, args []string) map[string]string {
		e := scriptEdition(t, args[0])
		r := DefaultRules()
		var vals [NumPollutants]Conc
		for i := range vals {
			vals[i] = Missing
		}
		o3max := Missing
		x := NoHourlyExtra
		for _, a := range args[1:] {
			k, v, _ := strings.Cut(a, "=")
			switch strings.ToUpper(k) {
			case "OPT":
				switch v {
				case "o3_8h":
					r.Realtime2012O3_8H = true
				case "pm24h":
					r.Realtime2012PM24H = true
				case "nofallback":
					r.SO2Above800Fallback2012 = false
				case "raw":
					r.RoundConc2012 = false
				default:
					t.Fatalf("unknown option %q", v)
				}
				continue
			case "O3_1H":
				if kind == ReportDaily {
					o3max = scriptConc(t, v)
					continue
				}
			case "O3_8H":
				if kind == ReportDaily {
					vals[O3] = scriptConc(t, v)
				} else {
					x.O3_8H = RatioOf(scriptConc(t, v))
				}
				continue
			case "SO2_24H":
				x.SO2_24H = RatioOf(scriptConc(t, v))
				continue
			case "PM10_24H":
				x.PM10_24H = RatioOf(scriptConc(t, v))
				continue
			case "PM25_24H":
				x.PM25_24H = RatioOf(scriptConc(t, v))
				continue
			}
			p, err := ParsePollutant(k)
			if err != nil {
				t.Fatal(err)
			}
			vals[p] = scriptConc(t, v)
		}
		if kind == ReportDaily {
			return aqiOutputs(DailyAQI(&r, e, vals, o3max))
		}
		return aqiOutputs(HourlyAQIWith(&r, e, vals, x))
	}
}

func cmdLevel(t *testing.T, args []string) map[string]string {
	e := scriptEdition(t, args[0])
	n, _ := strconv.Atoi(args[1])
	l := LevelOf(n)
	c := l.RGB()
	return map[string]string{
		"value": strconv.Itoa(int(l)), "name": l.Name(), "category": l.Category(),
		"en": l.CategoryEN(), "colour": l.Hex(), "colour_name": l.ColourName(),
		"rgb":    fmt.Sprintf("%d,%d,%d", c.R, c.G, c.B),
		"health": l.Health(e), "advice": l.Advice(e),
	}
}

func hours24(t *testing.T, args []string) [24]Conc {
	if len(args) != 24 {
		t.Fatalf("want 24 hourly values, got %d", len(args))
	}
	var h [24]Conc
	for i, a := range args {
		h[i] = scriptConc(t, a)
	}
	return h
}

func cmdMDA8(t *testing.T, args []string) map[string]string {
	h := hours24(t, args)
	v, n := MDA8(nil, h)
	m := map[string]string{"value": "NA", "windows": strconv.Itoa(n), "valid": strconv.FormatBool(v.Valid()), "exact": v.ExactString()}
	if v.Valid() {
		m["value"] = v.Rounded.String()
	}
	return m
}

func cmdDailyMean(t *testing.T, args []string) map[string]string {
	p, err := ParsePollutant(args[0])
	if err != nil {
		t.Fatal(err)
	}
	h := hours24(t, args[1:])
	s := NewSeries("x", time.Date(2025, 1, 1, 0, 0, 0, 0, Beijing), 1)
	copy(s.V[p], h[:])
	d := DailyStats(nil, s)[0]
	v := d.Values[p]
	m := map[string]string{"value": "NA", "hours": strconv.Itoa(v.Coverage.Valid), "valid": strconv.FormatBool(v.Valid()), "exact": v.ExactString()}
	if v.Valid() {
		m["value"] = v.Rounded.String()
	}
	return m
}

func cmdPercentile(t *testing.T, args []string) map[string]string {
	p, _ := strconv.Atoi(args[0])
	var vals []Conc
	for _, a := range args[1:] {
		if lo, hi, ok := strings.Cut(a, ".."); ok {
			a, _ := strconv.Atoi(lo)
			b, _ := strconv.Atoi(hi)
			for i := a; i <= b; i++ {
				vals = append(vals, Conc(i*ConcScale))
			}
			continue
		}
		vals = append(vals, scriptConc(t, a))
	}
	q := Percentile(vals, p)
	return map[string]string{"value": Ratio{q.Num, q.Den * ConcScale}.String()}
}

func cmdComposite(t *testing.T, args []string) map[string]string {
	e := scriptEdition(t, args[0])
	w := Unweighted
	var ci [NumPollutants]Conc
	for i := range ci {
		ci[i] = Missing
	}
	for _, a := range args[1:] {
		k, v, _ := strings.Cut(a, "=")
		if k == "weights" {
			if v == "322" {
				w = Weights322
			}
			continue
		}
		p, err := ParsePollutant(k)
		if err != nil {
			t.Fatal(err)
		}
		ci[p] = scriptConc(t, v)
	}
	d := CompositeIndex(e, ci, w, 2)
	return map[string]string{"value": d.String(), "exact": d.Exact.String()}
}

func cmdWarning(t *testing.T, args []string) map[string]string {
	var aqi []int
	for _, a := range args {
		n, _ := strconv.Atoi(a)
		aqi = append(aqi, n)
	}
	w := PredictWarning(nil, aqi)
	return map[string]string{
		"value": w.Level.String(), "gt200": strconv.Itoa(w.HoursGT200), "gt150": strconv.Itoa(w.HoursGT150),
		"gt300": strconv.Itoa(w.HoursGT300), "reduction": strconv.Itoa(w.ReductionPercent),
	}
}

func cmdRank(t *testing.T, args []string) map[string]string {
	ds := make([]Decimal, len(args))
	for i, a := range args {
		if a == "NA" {
			continue
		}
		q, err := ParseDecimalRatio(a)
		if err != nil {
			t.Fatal(err)
		}
		ds[i] = Decimal{q, 2}
	}
	ranks := make([]string, len(args))
	tied := make([]string, len(args))
	for _, r := range RankDecimals(ds) {
		ranks[r.Index] = strconv.Itoa(r.Rank)
		if r.Rank == 0 {
			ranks[r.Index] = "-"
		}
		tied[r.Index] = "n"
		if r.Tied {
			tied[r.Index] = "T"
		}
	}
	return map[string]string{"value": strings.Join(ranks, ","), "tied": strings.Join(tied, ",")}
}

func cmdChange(t *testing.T, args []string) map[string]string {
	a, err := ParseDecimalRatio(args[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseDecimalRatio(args[1])
	if err != nil {
		t.Fatal(err)
	}
	d := ChangeRate(Decimal{a, 2}, Decimal{b, 2}, 1, true)
	return map[string]string{"value": d.String()}
}

func cmdLimit(t *testing.T, args []string) map[string]string {
	e := scriptEdition(t, args[0])
	g := GradeII
	if args[1] == "I" {
		g = GradeI
	}
	p, err := ParsePollutant(args[2])
	if err != nil {
		t.Fatal(err)
	}
	var a Averaging
	switch args[3] {
	case "annual":
		a = AvgAnnual
	case "daily":
		a = AvgDaily
	case "1h":
		a = AvgHourly
	case "max8h":
		a = AvgMax8H
	default:
		t.Fatalf("unknown averaging %q", args[3])
	}
	c, ok := Limit(e, g, p, a)
	if !ok {
		return map[string]string{"value": "none"}
	}
	return map[string]string{"value": c.String()}
}

func cmdEdition(t *testing.T, args []string) map[string]string {
	d, err := time.ParseInLocation(time.DateOnly, args[0], Beijing)
	if err != nil {
		t.Fatal(err)
	}
	r := DefaultRules()
	if len(args) > 1 {
		to, err := time.ParseInLocation(time.DateOnly, args[1], Beijing)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, p := range []StraddlePolicy{StraddleByEnd, StraddleByStart, StraddleByMajority} {
			r.Straddle = p
			out[p.String()] = r.EditionForPeriod(d, to).String()
		}
		out["value"] = out["end"]
		return out
	}
	e := r.EditionFor(d)
	return map[string]string{"value": e.String(), "aqi": e.AQIStandard(), "limits": e.LimitStandard()}
}

// cmdPeriod: period FROM TO POLLUTANT SPEC… assesses one pollutant over a
// period from daily values given as runs "N*V" (N days of value V, NA for
// invalid days), e.g. "period 2019-01-01 2019-12-31 PM25 300*30 65*60".
func cmdPeriod(t *testing.T, args []string) map[string]string {
	from, err := time.ParseInLocation(time.DateOnly, args[0], Beijing)
	if err != nil {
		t.Fatal(err)
	}
	to, err := time.ParseInLocation(time.DateOnly, args[1], Beijing)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePollutant(args[2])
	if err != nil {
		t.Fatal(err)
	}
	r := DefaultRules()
	var days []Daily
	dn := DayNumber(from)
	for _, spec := range args[3:] {
		if k, v, ok := strings.Cut(spec, "="); ok && k == "partial" {
			switch v {
			case "strict":
				r.Partial = PartialStrict
			case "any":
				r.Partial = PartialAnyData
			}
			continue
		}
		ns, vs, ok := strings.Cut(spec, "*")
		if !ok {
			ns, vs = "1", spec
		}
		n, _ := strconv.Atoi(ns)
		c := scriptConc(t, vs)
		for range n {
			d := Daily{Day: dn, Date: DayFromNumber(dn), Edition: r.editionForDayNum(dn)}
			for q := range d.Values {
				d.Values[q] = Value{Rounded: Missing}
			}
			if c != Missing {
				d.Values[p] = makeValue(p, RatioOf(c), Coverage{Valid: 24, Expected: 24, OK: true})
			}
			days = append(days, d)
			dn++
		}
	}
	a := Assess(&r, days, from, to, nil)
	it := a.WithDust.Items[p]
	return map[string]string{
		"valid":      strconv.FormatBool(it.Assessed),
		"days":       strconv.Itoa(it.Mean.Coverage.Valid),
		"mean":       it.Mean.Rounded.String(),
		"pct":        it.Percentile.Rounded.String(),
		"compliant":  strconv.FormatBool(it.Compliant),
		"mean_x":     it.MeanMultiple.String(),
		"pct_x":      it.PercentileMultiple.String(),
		"index":      it.Index.String(),
		"exceed":     strconv.Itoa(it.ExceedDays),
		"edition":    a.Edition.String(),
		"reason":     it.Mean.Coverage.Reason,
		"value":      strconv.FormatBool(it.Compliant),
		"mean_exact": it.Mean.ExactString(),
	}
}
