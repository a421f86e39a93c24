package standard

import (
	"fmt"
	"time"
)

// Series is the hourly record of one station (or area) over whole calendar
// days, laid out for the kernels: one contiguous []Conc per pollutant, index
// 0 is the hour ending 01:00 of the first day, so day d holds the indices
// 24d … 24d+23 (hours ending 01:00 … 24:00, standards.md §3.4). Absent
// values are Missing. The six slices share one allocation.
type Series struct {
	// Station identifies the station or area the values belong to.
	Station string
	// First is midnight (Beijing time) starting the first day.
	First time.Time
	// Days is the number of calendar days covered.
	Days int
	// V holds the hourly values, V[p][i] for pollutant p and hour index i.
	V        [NumPollutants][]Conc
	firstDay int32
	firstSec int64
}

// NewSeries allocates a series of ndays whole days starting with the day
// containing firstDay (Beijing time), every value Missing.
func NewSeries(station string, firstDay time.Time, ndays int) *Series {
	if ndays < 0 {
		ndays = 0
	}
	d := DayNumber(firstDay)
	s := &Series{Station: station, Days: ndays, firstDay: d}
	s.First = DayFromNumber(d)
	s.firstSec = s.First.Unix()
	n := 24 * ndays
	buf := make([]Conc, NumPollutants*n)
	for i := range buf {
		buf[i] = Missing
	}
	for p := range s.V {
		s.V[p] = buf[p*n : (p+1)*n : (p+1)*n]
	}
	return s
}

// Hours returns the number of hourly slots (24 × Days).
func (s *Series) Hours() int { return 24 * s.Days }

// FirstDayNumber returns the DayNumber of the first day.
func (s *Series) FirstDayNumber() int32 { return s.firstDay }

// Index returns the slot of the hour ending at hourEnd; ok is false when the
// time is not on a whole hour or lies outside the series.
func (s *Series) Index(hourEnd time.Time) (i int, ok bool) {
	sec := hourEnd.Unix() - s.firstSec
	if sec%3600 != 0 || hourEnd.Nanosecond() != 0 {
		return 0, false
	}
	i = int(sec/3600) - 1
	if i < 0 || i >= 24*s.Days {
		return 0, false
	}
	return i, true
}

// HourEnd returns the end time (Beijing) of the hour in slot i.
func (s *Series) HourEnd(i int) time.Time {
	return time.Unix(s.firstSec+int64(i+1)*3600, 0).In(Beijing)
}

// Day returns midnight starting day d of the series.
func (s *Series) Day(d int) time.Time { return DayFromNumber(s.firstDay + int32(d)) }

// Set stores the value of pollutant p for the hour ending at hourEnd. It
// reports an error when the hour is outside the series or not on the hour.
// Negative values are stored as Missing (HJ 633: invalid).
func (s *Series) Set(hourEnd time.Time, p Pollutant, c Conc) error {
	i, ok := s.Index(hourEnd)
	if !ok || p >= NumPollutants {
		return fmt.Errorf("series %s: hour ending %s (%v) is outside %s + %d days or not on the hour",
			s.Station, hourEnd.In(Beijing).Format(time.RFC3339), p, s.First.Format(time.DateOnly), s.Days)
	}
	if c < 0 {
		c = Missing
	}
	s.V[p][i] = c
	return nil
}

// At returns the value of pollutant p for the hour ending at hourEnd
// (Missing when absent or outside the series).
func (s *Series) At(hourEnd time.Time, p Pollutant) Conc {
	i, ok := s.Index(hourEnd)
	if !ok || p >= NumPollutants {
		return Missing
	}
	return s.V[p][i]
}

// Moving returns the exact moving mean of pollutant p over the n hours
// ending with slot i (crossing days when needed) and its coverage; the
// mean is valid when at least minValid hours are valid. Hours before the
// start of the series count as missing.
func (s *Series) Moving(p Pollutant, i, n, minValid int) (Ratio, Coverage) {
	var sum int64
	cnt := 0
	for j := i - n + 1; j <= i; j++ {
		if j < 0 || j >= len(s.V[p]) {
			continue
		}
		if v := s.V[p][j]; v != Missing {
			sum += int64(v)
			cnt++
		}
	}
	cov := Coverage{Valid: cnt, Expected: n, OK: cnt >= minValid && cnt > 0}
	if !cov.OK {
		cov.Reason = reasonFewHours
		return Ratio{}, cov
	}
	return Ratio{sum, int64(cnt)}, cov
}

// HourlyAQI computes the real-time AQI of slot i with the edition of its
// day, supplying the moving averages the 2012 options need: SO2 and PM
// 24-hour moving means (valid with Rules.MinHoursDaily hours) and the O3
// 8-hour moving mean (Rules.MinHours8H hours).
func (s *Series) HourlyAQI(r *Rules, i int) AQIResult {
	r = orDefault(r)
	e := r.editionForDayNum(s.firstDay + int32(i/24))
	var vals [NumPollutants]Conc
	for p := range vals {
		vals[p] = s.V[p][i]
	}
	x := NoHourlyExtra
	if !e.Is2026() {
		if vals[SO2] != Missing && vals[SO2] > 800*ConcScale && r.SO2Above800Fallback2012 {
			x.SO2_24H, _ = s.Moving(SO2, i, 24, r.MinHoursDaily)
		}
		if r.Realtime2012O3_8H {
			x.O3_8H, _ = s.Moving(O3, i, 8, r.MinHours8H)
		}
		if r.Realtime2012PM24H {
			x.PM10_24H, _ = s.Moving(PM10, i, 24, r.MinHoursDaily)
			x.PM25_24H, _ = s.Moving(PM25, i, 24, r.MinHoursDaily)
		}
	}
	return HourlyAQIWith(r, e, vals, x)
}
