package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/sqlstore"
	"github.com/lantian-aq/lantian/standard"
)

func init() {
	register(command{name: "export", summary: "export hourly, daily or period data of a station or area to CSV or .xlsx", run: runExport})
}

const exportUsage = `hourly|daily|period (--station CODE | --area CODE) --from DATE --to DATE [--period month|year|whole] [-o FILE.csv|FILE.xlsx]

hourly: the current revision of every station-hour (of the station, or of
every station in the area), values as stored, with flags, audit state and
revision. daily: daily means, O3 daily maximum 8-h and 1-h values, with
coverage (valid/expected hours or windows) and the daily AQI. period: the
HJ 663 assessment per month, year or the whole range (--period), dust days
deducted from the PM items as officially reported. Every table states units
in its header and the edition of the rules each value was computed with.
DATEs are Beijing calendar days, both inclusive. Without -o, CSV goes to
standard output.`

// table is an export: a header and rows of text cells.
type table struct {
	name   string
	header []string
	rows   [][]string
}

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr, exportUsage)
	var sf storeFlags
	sf.register(fs)
	station := fs.String("station", "", "station code")
	area := fs.String("area", "", "area code")
	fromS := fs.String("from", "", "first day, YYYY-MM-DD")
	toS := fs.String("to", "", "last day, YYYY-MM-DD (inclusive)")
	period := fs.String("period", "whole", "for period: month, year or whole")
	out := fs.String("o", "", "output file (.csv or .xlsx); default CSV on standard output")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "lantian export: "+format+"\n", a...)
		fs.Usage()
		return errUsage
	}
	if len(pos) != 1 {
		return usageErr("want one of hourly, daily, period")
	}
	if (*station == "") == (*area == "") {
		return usageErr("give exactly one of --station and --area")
	}
	from, err1 := time.ParseInLocation(time.DateOnly, *fromS, standard.Beijing)
	to, err2 := time.ParseInLocation(time.DateOnly, *toS, standard.Beijing)
	if err1 != nil || err2 != nil || to.Before(from) {
		return usageErr("--from and --to: want two dates YYYY-MM-DD, from not after to")
	}
	if *out != "" && !strings.HasSuffix(*out, ".csv") && !strings.HasSuffix(*out, ".xlsx") {
		return usageErr("-o %s: want a file ending in .csv or .xlsx", *out)
	}
	subj := lantian.Subject{Kind: lantian.SubjectStation, Code: *station}
	if *area != "" {
		subj = lantian.Subject{Kind: lantian.SubjectArea, Code: *area}
	}
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, sf.db, sf.data)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	var t *table
	switch pos[0] {
	case "hourly":
		t, err = hourlyTable(ctx, st, subj, from, to)
	case "daily":
		t, err = dailyTable(ctx, st, subj, from, to)
	case "period":
		kind := lantian.PeriodKind(*period)
		if *period == "whole" {
			kind = lantian.PeriodWhole
		}
		t, err = periodTable(ctx, st, subj, from, to, kind)
	default:
		return usageErr("unknown table %q: want hourly, daily or period", pos[0])
	}
	if err != nil {
		return err
	}
	if *out == "" {
		return writeCSV(stdout, t)
	}
	if strings.HasSuffix(*out, ".xlsx") {
		return writeXLSX(*out, t)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := writeCSV(f, t); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// unitHeader names a concentration column with its unit.
func unitHeader(name string, p standard.Pollutant) string {
	return fmt.Sprintf("%s (%s)", name, p.Unit())
}

func hourlyTable(ctx context.Context, st lantian.Store, subj lantian.Subject, from, to time.Time) (*table, error) {
	f := lantian.ObservationFilter{From: from.Add(time.Hour), To: to.AddDate(0, 0, 1).Add(time.Hour)}
	if subj.Kind == lantian.SubjectStation {
		if _, err := st.Station(ctx, subj.Code); err != nil {
			return nil, err
		}
		f.Stations = []string{subj.Code}
	} else {
		if _, err := st.Area(ctx, subj.Code); err != nil {
			return nil, err
		}
		f.Area = subj.Code
	}
	recs, err := st.Observations(ctx, f)
	if err != nil {
		return nil, err
	}
	t := &table{name: "hourly", header: []string{"station", "time (hour ending, +08:00)"}}
	for _, p := range standard.Pollutants {
		t.header = append(t.header, unitHeader(p.Code(), p))
	}
	t.header = append(t.header, "flags (so2,no2,co,o3,pm10,pm25)", "audit", "revision", "source")
	for _, r := range recs {
		row := []string{r.Station, r.Time.In(standard.Beijing).Format(time.RFC3339)}
		var flags []string
		for _, p := range standard.Pollutants {
			row = append(row, r.Values[p].String())
			flags = append(flags, r.Flags[p].String())
		}
		row = append(row, strings.Join(flags, ""), string(r.Audit), strconv.Itoa(r.Revision), r.Source)
		t.rows = append(t.rows, row)
	}
	return t, nil
}

// dailyItems are the daily statistics in column order.
var dailyItems = []struct {
	name string
	p    standard.Pollutant
	o31h bool
}{
	{"so2", standard.SO2, false}, {"no2", standard.NO2, false}, {"co", standard.CO, false},
	{"pm10", standard.PM10, false}, {"pm25", standard.PM25, false},
	{"o3_8h", standard.O3, false}, {"o3_1h", standard.O3, true},
}

func coverage(c lantian.Coverage) string {
	s := fmt.Sprintf("%d/%d", c.Valid, c.Expected)
	if !c.OK {
		s += " invalid"
	}
	return s
}

func dailyTable(ctx context.Context, st lantian.Store, subj lantian.Subject, from, to time.Time) (*table, error) {
	days, err := st.DailyStats(ctx, lantian.StatFilter{Subject: subj, From: from, To: to})
	if err != nil {
		return nil, err
	}
	t := &table{name: "daily", header: []string{string(subj.Kind), "date", "edition"}}
	for _, it := range dailyItems {
		t.header = append(t.header, unitHeader(it.name, it.p), it.name+" coverage")
	}
	t.header = append(t.header, "aqi", "level", "category", "primary", "dust", "stations")
	for _, d := range days {
		row := []string{subj.Code, d.Date.Format(time.DateOnly), d.Edition}
		for _, it := range dailyItems {
			v := d.Means[it.p]
			if it.o31h {
				v = d.O3Max1h
			}
			row = append(row, v.Value.String(), coverage(v.Coverage))
		}
		aqi, level, cat := "", "", ""
		if d.AQI > 0 && d.Detail != nil {
			aqi, level, cat = strconv.Itoa(d.AQI), strconv.Itoa(int(d.Detail.AQI.Level)), d.Detail.AQI.Category
		}
		var prim []string
		for _, p := range d.Primary {
			prim = append(prim, p.String())
		}
		dust := ""
		if d.Dust {
			dust = "yes"
		}
		row = append(row, aqi, level, cat, strings.Join(prim, ";"), dust, strconv.Itoa(d.Stations))
		t.rows = append(t.rows, row)
	}
	return t, nil
}

func periodTable(ctx context.Context, st lantian.Store, subj lantian.Subject, from, to time.Time, kind lantian.PeriodKind) (*table, error) {
	ps, err := st.PeriodStats(ctx, lantian.StatFilter{Subject: subj, From: from, To: to}, kind)
	if err != nil {
		return nil, err
	}
	t := &table{name: "period", header: []string{string(subj.Kind), "from", "to", "edition", "assessment standard"}}
	for _, p := range standard.Pollutants {
		t.header = append(t.header, unitHeader(p.Code()+" mean", p), p.Code()+" mean coverage",
			unitHeader(p.Code()+" percentile", p), p.Code()+" percentile coverage", p.Code()+" compliant")
	}
	t.header = append(t.header, "valid AQI days", "good days", "good ratio (%)", "heavy days", "dust days", "composite index", "grade II compliant")
	for _, s := range ps {
		a := s.Assessment
		o := &a.Official
		row := []string{subj.Code, s.From.Format(time.DateOnly), s.To.Format(time.DateOnly), s.Edition, a.AssessmentStandard}
		for _, p := range standard.Pollutants {
			it := o.Items[p]
			row = append(row, it.Mean.Rounded.String(), coverage(it.Mean.Coverage),
				it.Percentile.Rounded.String(), coverage(it.Percentile.Coverage), yesNo(it.Assessed, it.Compliant))
		}
		good := ""
		if o.GoodRatio.Valid() {
			good = o.GoodRatio.Exact.Format(o.GoodRatio.Decimals)
		}
		comp := ""
		if o.Composite.Valid() {
			comp = o.Composite.Exact.Format(o.Composite.Decimals)
		}
		row = append(row, fmt.Sprintf("%d/%d", o.AQIDays.Valid, o.AQIDays.Expected), strconv.Itoa(o.GoodDays), good,
			strconv.Itoa(o.HeavyDays), strconv.Itoa(a.DustDays), comp, yesNo(o.Assessed, o.Compliant))
		t.rows = append(t.rows, row)
	}
	return t, nil
}

func yesNo(assessed, ok bool) string {
	switch {
	case !assessed:
		return "not assessed"
	case ok:
		return "yes"
	}
	return "no"
}

func writeCSV(w io.Writer, t *table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.header); err != nil {
		return err
	}
	if err := cw.WriteAll(t.rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// writeXLSX writes the table as a spreadsheet with a bold, frozen header.
// Cells that are numbers are written as numbers so that Excel can compute
// with them. (The platform has no shared table writer yet; the web
// dashboard's exports have their own.)
func writeXLSX(path string, t *table) error {
	x := excelize.NewFile()
	defer x.Close()
	sheet := t.name
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head := make([]any, len(t.header))
	for i, h := range t.header {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{Height: 18}); err != nil {
		return err
	}
	for i, r := range t.rows {
		cells := make([]any, len(r))
		for j, c := range r {
			// A number becomes a number cell only when Excel will show it
			// exactly as the CSV has it ("0.0" stays text).
			if f, err := strconv.ParseFloat(c, 64); err == nil && j > 0 && strconv.FormatFloat(f, 'f', -1, 64) == c {
				cells[j] = f
			} else {
				cells[j] = c
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if err := x.SaveAs(path); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
