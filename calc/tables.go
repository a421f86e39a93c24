package calc

import (
	"io"
	"math/big"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lantian-aq/lantian/standard"
)

// forEach runs fn(i) for i in [0, n) on up to workers goroutines.
func forEach(n, workers int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// hasHour reports whether slot i of s holds any value.
func hasHour(s *standard.Series, i int) bool {
	for p := range s.V {
		if s.V[p][i] != standard.Missing {
			return true
		}
	}
	return false
}

// hasDay reports whether day d of s holds any hourly value.
func hasDay(s *standard.Series, d int) bool {
	for p := range s.V {
		for _, v := range s.V[p][24*d : 24*d+24] {
			if v != standard.Missing {
				return true
			}
		}
	}
	return false
}

// concCell formats a rounded concentration with the decimals the standard
// publishes (CO 0.1 mg/m³ as "1.0", others whole µg/m³).
func concCell(p standard.Pollutant, c standard.Conc) Cell {
	if c == standard.Missing {
		return Empty
	}
	return Num(formatConc(int64(c), p.PublishedDecimals()))
}

// formatConc formats v thousandths with exactly decimals (0…3) decimals,
// truncating (callers round first); it is standard.FormatScaled without
// fmt, as the daily table formats millions of values.
func formatConc(v int64, decimals int) string {
	switch {
	case decimals == 0 && v >= 0 && v/standard.ConcScale < 1000:
		return smallInts()[v/standard.ConcScale]
	case decimals == 1 && v >= 0 && v/(standard.ConcScale/10) < 1000:
		return tenths()[v/(standard.ConcScale/10)]
	}
	var buf [24]byte
	b := buf[:0]
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/standard.ConcScale, 10)
	if decimals > 0 {
		frac := v % standard.ConcScale
		b = append(b, '.')
		for div := int64(standard.ConcScale / 10); decimals > 0; decimals-- {
			b = append(b, byte('0'+frac/div%10))
			div /= 10
		}
	}
	return string(b)
}

// tenths is the text of 0.0 … 99.9 (CO in mg/m³ as published).
var tenths = sync.OnceValue(func() *[1000]string {
	var t [1000]string
	for i := range t {
		t[i] = strconv.Itoa(i/10) + "." + strconv.Itoa(i%10)
	}
	return &t
})

// valueCell formats an aggregate: rounded as published, or exact when raw.
// An invalid aggregate is empty.
func valueCell(p standard.Pollutant, v standard.Value, raw bool) Cell {
	if !v.Valid() {
		return Empty
	}
	if raw {
		return Num(exactDecimal(v.Exact))
	}
	return concCell(p, v.Rounded)
}

// rawDecimals is the precision of --raw values that do not terminate
// (means over 24 hours, 8-hour windows): 12 decimals, far below any
// published precision.
const rawDecimals = 12

// exactDecimal prints an exact Conc-scaled ratio in the unit: in full when
// the decimal terminates within rawDecimals places, else rounded (GB/T
// 8170) to rawDecimals places.
func exactDecimal(q standard.Ratio) string {
	x := new(big.Rat).SetFrac64(q.Num, q.Den*standard.ConcScale)
	s := x.FloatString(rawDecimals)
	if exact, ok := new(big.Rat).SetString(s); ok && exact.Cmp(x) == 0 {
		s = strings.TrimRight(s, "0")
		return strings.TrimSuffix(s, ".")
	}
	return standard.Ratio{Num: q.Num, Den: q.Den * standard.ConcScale}.Format(rawDecimals)
}

func primaryCell(s standard.PollutantSet) Cell {
	if s.Len() == 0 {
		return Empty
	}
	return Cell{primaryTexts()[s], kList}
}

// primaryTexts is the ';'-joined list of every set of pollutants, so that
// a table of days does not join one per row.
var primaryTexts = sync.OnceValue(func() *[1 << standard.NumPollutants]string {
	var t [1 << standard.NumPollutants]string
	for s := range t {
		t[s] = standard.PollutantSet(s).Join(";")
	}
	return &t
})

// aqiCells returns the aqi, level, category and primary cells of a result.
func aqiCells(a *standard.AQIResult, dst []Cell) []Cell {
	if !a.Available {
		return append(dst, Empty, Empty, Empty, Empty)
	}
	return append(dst, Int(a.AQI), Int(int(a.Level)), Str(a.Category), primaryCell(a.Primary))
}

// HourlyColumns are the columns of the hourly table.
var HourlyColumns = []string{"station", "time", "aqi", "level", "category", "primary",
	"iaqi_so2", "iaqi_no2", "iaqi_co", "iaqi_o3", "iaqi_pm10", "iaqi_pm25"}

// HourlyRow is one station-hour of the hourly table: the real-time AQI of
// the hour ending at Time.
type HourlyRow struct {
	Station string
	Time    time.Time
	AQI     standard.AQIResult
}

// Cells lays the row out as HourlyColumns: time is ISO 8601 with +08:00,
// naming the hour's end; the AQI, level, category and primary pollutants
// are empty when no AQI can be published (no value at all, or the HJ
// 633-2026 §5.3 completeness gate); an IAQI is empty when its pollutant
// has no valid value.
func (h *HourlyRow) Cells(dst []Cell) []Cell {
	dst = append(dst[:0], Str(h.Station), Str(h.Time.In(standard.Beijing).Format(time.RFC3339)))
	dst = aqiCells(&h.AQI, dst)
	for _, p := range standard.Pollutants {
		if si := h.AQI.IAQI[p]; si.Has() {
			dst = append(dst, Int(si.Value))
		} else {
			dst = append(dst, Empty)
		}
	}
	return dst
}

// Hourly computes the real-time AQI of every hour of s that holds at least
// one value, in time order.
func Hourly(r *standard.Rules, s *standard.Series) []HourlyRow {
	var rows []HourlyRow
	for i := 0; i < s.Hours(); i++ {
		if !hasHour(s, i) {
			continue
		}
		rows = append(rows, HourlyRow{Station: s.Station, Time: s.HourEnd(i), AQI: s.HourlyAQI(r, i)})
	}
	return rows
}

// WriteHourly writes the hourly table of all series.
func WriteHourly(w io.Writer, f Format, r *standard.Rules, series []*standard.Series, workers int) error {
	tw := NewTableWriter(w, f, HourlyColumns)
	var cells []Cell
	err := ordered(len(series), workers, func(i int) []HourlyRow { return Hourly(r, series[i]) }, func(rows []HourlyRow) error {
		for k := range rows {
			cells = rows[k].Cells(cells)
			if err := tw.Row(cells); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	return err
}

// ordered computes work(i) concurrently and hands the results to emit in
// index order, holding at most a few results in memory.
func ordered[T any](n, workers int, work func(i int) T, emit func(T) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers <= 1 || n <= 1 {
		for i := 0; i < n; i++ {
			if err := emit(work(i)); err != nil {
				return err
			}
		}
		return nil
	}
	type slot struct{ ch chan T }
	slots := make(chan slot, 2*workers)
	jobs := make(chan func(), 2*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j()
			}
		}()
	}
	go func() {
		defer close(slots)
		defer close(jobs)
		for i := 0; i < n; i++ {
			s := slot{make(chan T, 1)}
			select {
			case slots <- s:
			case <-stop:
				return
			}
			jobs <- func() { s.ch <- work(i) }
		}
	}()
	var err error
	for s := range slots {
		v := <-s.ch
		if err == nil {
			if err = emit(v); err != nil {
				close(stop)
			}
		}
	}
	wg.Wait()
	return err
}

// DailyColumns are the columns of the daily table.
var DailyColumns = []string{"station", "date", "so2", "no2", "co", "pm10", "pm25", "o3_8h", "o3_1h",
	"aqi", "level", "category", "primary"}

// DailyCells lays a day out as DailyColumns: the 24-hour means, the O3
// daily maximum 8-hour mean and maximum 1-hour value rounded as published
// (or exact when raw), empty where invalid, and the daily AQI (日报).
func DailyCells(d *standard.Daily, raw bool, dst []Cell) []Cell {
	return dailyCells(d, raw, dst, nil)
}

// dailyCells is DailyCells taking the date texts from dates (when not nil).
func dailyCells(d *standard.Daily, raw bool, dst []Cell, dates *dateTexts) []Cell {
	dst = append(dst[:0], Str(d.Station), Str(dates.text(d.Date)))
	for _, p := range []standard.Pollutant{standard.SO2, standard.NO2, standard.CO, standard.PM10, standard.PM25, standard.O3} {
		dst = append(dst, valueCell(p, d.Values[p], raw))
	}
	dst = append(dst, valueCell(standard.O3, d.O3Max1H, raw))
	return aqiCells(&d.AQI, dst)
}

// dateTexts keeps the text of the dates of a table (one per day rather
// than one per station-day); the zero value is ready, a nil one formats
// every time.
type dateTexts struct {
	first int64 // day of texts[0], in days since 1970-01-01 (Beijing)
	texts []string
}

func (c *dateTexts) text(t time.Time) string {
	if c == nil {
		return dateText(t)
	}
	day := (t.Unix() + 8*3600) / 86400 // dates are Beijing midnights
	if len(c.texts) == 0 {
		c.first = day
	}
	i := day - c.first
	if i < 0 || i > 1<<16 {
		return dateText(t)
	}
	if i >= int64(len(c.texts)) {
		c.texts = append(c.texts, make([]string, i+1-int64(len(c.texts)))...)
	}
	if c.texts[i] == "" {
		c.texts[i] = dateText(t)
	}
	return c.texts[i]
}

// dateText is t.Format("2006-01-02") without the layout interpreter.
func dateText(t time.Time) string {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.Format("2006-01-02")
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}

// Daily returns the days of s that hold at least one hourly value, with
// their statistics.
func Daily(r *standard.Rules, s *standard.Series) []standard.Daily {
	return dailyInto(r, s, nil)
}

// dailyInto is Daily reusing dst.
func dailyInto(r *standard.Rules, s *standard.Series, dst []standard.Daily) []standard.Daily {
	all := standard.DailyStatsInto(r, s, dst)
	out := all[:0]
	for d := range all {
		if hasDay(s, d) {
			out = append(out, all[d])
		}
	}
	return out
}

// WriteDaily writes the daily table of all series.
func WriteDaily(w io.Writer, f Format, r *standard.Rules, series []*standard.Series, raw bool, workers int) error {
	tw := NewTableWriter(w, f, DailyColumns)
	var cells []Cell
	var dates dateTexts
	err := ordered(len(series), workers, func(i int) []standard.Daily {
		return dailyInto(r, series[i], getDays())
	}, func(days []standard.Daily) error {
		defer putDays(days)
		for k := range days {
			cells = dailyCells(&days[k], raw, cells, &dates)
			if err := tw.Row(cells); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	return err
}

// dayBufs recycles the daily statistics of a station once they are written
// or assessed: a table of many station-years then needs a few of them, not
// one per station.
var dayBufs sync.Pool

func getDays() []standard.Daily {
	if p, ok := dayBufs.Get().(*[]standard.Daily); ok {
		return (*p)[:0]
	}
	return nil
}

func putDays(d []standard.Daily) {
	if cap(d) > 0 {
		dayBufs.Put(&d)
	}
}
