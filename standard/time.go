package standard

import "time"

// Beijing is China Standard Time (UTC+8, no daylight saving), the zone in
// which CNEMC labels hours and in which calendar days are cut. A fixed zone
// avoids depending on the host's tzdata.
var Beijing = time.FixedZone("CST", 8*3600)

// DayOfHour returns the calendar day an hourly value belongs to. Hours are
// labelled by their END, so the value labelled 00:00 of day D is the last
// hour (the 24th) of day D−1, and a day holds the hours ending 01:00…24:00.
func DayOfHour(end time.Time) time.Time {
	t := end.In(Beijing).Add(-time.Hour)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Beijing)
}

// HourOfDay returns the hour label 1…24 of an hour-ending time within the
// day returned by DayOfHour.
func HourOfDay(end time.Time) int {
	h := end.In(Beijing).Hour()
	if h == 0 {
		return 24
	}
	return h
}
