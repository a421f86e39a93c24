package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/lantian-aq/lantian/calc"
	"github.com/lantian-aq/lantian/ingest"
	"github.com/lantian-aq/lantian/standard"
)

func init() {
	register(command{name: "calc", summary: "compute hourly AQI, daily statistics or a period assessment from files, without a database", run: runCalc})
}

const calcUsage = `hourly|daily|period [flags] FILE...

Computes, from hourly data files and without a database:
  hourly   the real-time AQI of every station-hour (HJ 633):
           station,time,aqi,level,category,primary,iaqi_so2,iaqi_no2,iaqi_co,iaqi_o3,iaqi_pm10,iaqi_pm25
  daily    the daily statistics (GB 3095 表4, HJ 663) and daily AQI:
           station,date,so2,no2,co,pm10,pm25,o3_8h,o3_1h,aqi,level,category,primary
  period   the HJ 663 assessment of --from … --to per station, and per area
           with --stations (annual means and percentiles, valid days,
           compliance, good and heavy days, composite index, edition)

Input files are china_sites (CNEMC/quotsoft daily files), wide
(station,time,pm25,pm10,so2,no2,co,o3) or long
(station,time,pollutant,value[,unit][,flag]) CSV, detected from the header
unless --input-format is given; "-" reads standard input. Times name the
hour's END; without an offset they are Beijing time. Concentrations are
µg/m³, CO mg/m³.

Bad rows are reported on standard error with file, line, field and what was
expected; the valid rows are still computed and printed, and the exit
status is 1.`

// calcOptions are the flags of lantian calc.
type calcOptions struct {
	inputFormat string
	format      string
	edition     string
	raw         bool
	from, to    string
	stations    string
	workers     int
	maxErrors   int
}

func runCalc(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(stderr, "Usage: lantian calc %s\n\nRun 'lantian calc hourly -h' for the flags.\n", calcUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	table := args[0]
	switch table {
	case "hourly", "daily", "period":
	default:
		fmt.Fprintf(stderr, "lantian calc: unknown table %q (want hourly, daily or period)\n", table)
		return errUsage
	}
	var o calcOptions
	fs := newFlagSet("calc "+table, stderr, calcUsage)
	fs.StringVar(&o.inputFormat, "input-format", "", "layout of the input files: china_sites, wide or long (default: detected from each file's header)")
	fs.StringVar(&o.format, "format", "csv", "output format: csv, or json (an array of objects keyed by the CSV columns)")
	fs.StringVar(&o.edition, "edition", "auto", "rules: auto (each edition on its dates: 2012 rules before 2026-03-01), 2012, 2026 (transitional limits) or 2031 (final limits)")
	fs.BoolVar(&o.raw, "raw", false, "daily: print the exact unrounded means instead of the values rounded as published")
	fs.StringVar(&o.from, "from", "", "period: first day YYYY-MM-DD (required for period)")
	fs.StringVar(&o.to, "to", "", "period: last day YYYY-MM-DD, inclusive (required for period)")
	fs.StringVar(&o.stations, "stations", "", "period: station list CSV(s), comma-separated: the CNEMC list (监测点编码,监测点名称,城市,…) or lantian's station layout (code,name,kind,area,…) plus optionally its area layout (code,name,level,parent); names the stations and adds one row per area, the mean of its evaluation stations")
	fs.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "parallel workers for parsing and computing")
	fs.IntVar(&o.maxErrors, "max-errors", 100, "report at most this many bad rows per file on standard error (all are counted)")
	files, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "lantian calc: no input files")
		fs.Usage()
		return errUsage
	}
	outFormat, err := calc.ParseFormat(o.format)
	if err != nil {
		fmt.Fprintln(stderr, "lantian calc:", err)
		return errUsage
	}
	var inFormat ingest.Format
	if o.inputFormat != "" {
		if inFormat, err = ingest.ParseFormat(o.inputFormat); err != nil || !inFormat.IsObservations() {
			fmt.Fprintf(stderr, "lantian calc: --input-format %q: want china_sites, wide or long\n", o.inputFormat)
			return errUsage
		}
	}
	rules, err := calc.RulesFor(o.edition)
	if err != nil {
		fmt.Fprintln(stderr, "lantian calc: --edition:", err)
		return errUsage
	}
	var from, to time.Time
	if table == "period" {
		if o.from == "" || o.to == "" {
			fmt.Fprintln(stderr, "lantian calc period: --from and --to are required")
			return errUsage
		}
		if from, err = time.ParseInLocation("2006-01-02", o.from, standard.Beijing); err != nil {
			fmt.Fprintf(stderr, "lantian calc period: --from %q: want a date YYYY-MM-DD\n", o.from)
			return errUsage
		}
		if to, err = time.ParseInLocation("2006-01-02", o.to, standard.Beijing); err != nil {
			fmt.Fprintf(stderr, "lantian calc period: --to %q: want a date YYYY-MM-DD\n", o.to)
			return errUsage
		}
		if to.Before(from) {
			fmt.Fprintf(stderr, "lantian calc period: --to %s is before --from %s\n", o.to, o.from)
			return errUsage
		}
	}

	// The command holds the whole input as compact series and produces
	// little garbage; a lazier collector saves a third of the CPU time on
	// large inputs at the cost of a larger peak heap.
	defer debug.SetGCPercent(debug.SetGCPercent(400))

	bad := 0 // rejected rows and unreadable files
	in := calc.PeriodInput{From: from, To: to, Names: map[string]string{}}
	if o.stations != "" {
		if table != "period" {
			fmt.Fprintln(stderr, "lantian calc: --stations applies to the period table only")
			return errUsage
		}
		var all ingest.StationList
		for _, path := range splitList(o.stations) {
			list, n, err := readStationList(path, stderr, o.maxErrors)
			if err != nil {
				return err
			}
			bad += n
			all.Stations = append(all.Stations, list.Stations...)
			all.Areas = append(all.Areas, list.Areas...)
		}
		for _, s := range all.Stations {
			in.Names[s.Code] = s.Name
		}
		in.Groups = calc.Groups(all.Stations, all.Areas)
	}

	col := calc.NewCollector()
	for _, path := range files {
		bad += readObservations(path, inFormat, o.workers, o.maxErrors, col, stderr)
	}
	series := col.Series()

	switch table {
	case "hourly":
		err = calc.WriteHourly(stdout, outFormat, &rules, series, o.workers)
	case "daily":
		err = calc.WriteDaily(stdout, outFormat, &rules, series, o.raw, o.workers)
	case "period":
		in.Series = series
		var rowErrs []error
		rowErrs, err = calc.WritePeriod(stdout, outFormat, calc.Period(&rules, in, o.workers))
		for _, e := range rowErrs {
			fmt.Fprintln(stderr, "lantian calc period:", e)
		}
	}
	if err != nil {
		return fmt.Errorf("writing the %s table: %w", table, err)
	}
	if bad > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d bad rows or files in the input (reported above); the results cover the valid rows", bad)}
	}
	return nil
}

// readObservations reads one file into col, reporting problems on stderr.
// It returns the number of rejected rows (1 for an unreadable file).
func readObservations(path string, format ingest.Format, workers, maxErrors int, col *calc.Collector, stderr io.Writer) int {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = os.Stdin, "standard input"
	} else {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "lantian calc: %v\n", err)
			return 1
		}
		defer f.Close()
		r = f
	}
	rd, err := ingest.NewReader(r, ingest.Options{File: name, Format: format, Workers: workers})
	if err != nil {
		fmt.Fprintf(stderr, "lantian calc: %v\n", err)
		return 1
	}
	defer rd.Close()
	if ign := rd.IgnoredColumns(); len(ign) > 0 {
		fmt.Fprintf(stderr, "lantian calc: %s: ignoring columns %s\n", name, strings.Join(ign, ", "))
	}
	bad := 0
	err = col.Collect(rd, func(re *ingest.RowError) {
		bad++
		if bad <= maxErrors {
			fmt.Fprintln(stderr, re)
		}
	})
	if err != nil {
		fmt.Fprintf(stderr, "lantian calc: %v\n", err)
		bad++
	}
	if bad > maxErrors {
		fmt.Fprintf(stderr, "%s: %d more bad rows not shown (--max-errors)\n", name, bad-maxErrors)
	}
	return bad
}

func readStationList(path string, stderr io.Writer, maxErrors int) (*ingest.StationList, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	list, errs, err := ingest.ReadStations(f, ingest.Options{File: filepath.Clean(path)})
	if err != nil {
		return nil, 0, err
	}
	for i, e := range errs {
		if i < maxErrors {
			fmt.Fprintln(stderr, e)
		}
	}
	return list, len(errs), nil
}
