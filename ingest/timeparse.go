package ingest

import (
	"time"

	"github.com/lantian-aq/lantian/standard"
)

const beijingOffset = 8 * 3600

// daysFromCivil returns the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (H. Hinnant's algorithm), avoiding time.Date
// in the hot path.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// timeError says why a timestamp was rejected.
type timeError string

const (
	errTimeSyntax  timeError = "an hour-ending time such as 2019-01-01T01:00:00+08:00 or 2019-01-01 01:00 (Beijing time)"
	errTimeNotHour timeError = "a time on the hour (hourly values are labelled by the hour's end, minutes and seconds 00)"
)

// num reads 1..max digits starting at b[i].
func num(b []byte, i, min, max int) (v, next int, ok bool) {
	j := i
	for j < len(b) && j-i < max && b[j] >= '0' && b[j] <= '9' {
		v = v*10 + int(b[j]-'0')
		j++
	}
	return v, j, j-i >= min
}

// hourParser parses hour-ending timestamps, remembering the last date seen
// so that the common layouts cost a few comparisons per row.
type hourParser struct {
	date [10]byte
	days int64
	ok   bool
}

func digit2(b []byte, i int) (int, bool) {
	a, c := b[i]-'0', b[i+1]-'0'
	return int(a)*10 + int(c), a <= 9 && c <= 9
}

// parse is parseHourEnd with a fast path for YYYY-MM-DDTHH:MM:SS+08:00,
// YYYY-MM-DDTHH:MM+08:00 and YYYY-MM-DD HH:MM (Beijing); anything else
// goes through parseHourEnd.
func (hp *hourParser) parse(b []byte) (int64, timeError) {
	var h, mi, sec int
	var ok1, ok2, ok3 bool
	if len(b) < 16 || b[4] != '-' || b[7] != '-' {
		return parseHourEnd(b)
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9} {
		if b[i] < '0' || b[i] > '9' {
			return parseHourEnd(b)
		}
	}
	switch {
	case len(b) == 25 && b[10] == 'T' && b[13] == ':' && b[16] == ':' && string(b[19:]) == "+08:00":
		h, ok1 = digit2(b, 11)
		mi, ok2 = digit2(b, 14)
		sec, ok3 = digit2(b, 17)
	case len(b) == 22 && b[10] == 'T' && b[13] == ':' && string(b[16:]) == "+08:00",
		len(b) == 16 && b[10] == ' ' && b[13] == ':':
		h, ok1 = digit2(b, 11)
		mi, ok2 = digit2(b, 14)
		ok3 = true
	default:
		return parseHourEnd(b)
	}
	if !ok1 || !ok2 || !ok3 || h > 23 || mi != 0 || sec != 0 {
		return parseHourEnd(b) // 24:00, errors and their messages
	}
	if !hp.ok || string(b[:10]) != string(hp.date[:]) {
		var buf [16]byte
		t, err := parseHourEnd(append(append(buf[:0], b[:10]...), " 00:00"...))
		if err != "" {
			return parseHourEnd(b)
		}
		copy(hp.date[:], b[:10])
		hp.days, hp.ok = t+beijingOffset, true
	}
	return hp.days + int64(h)*3600 - beijingOffset, ""
}

// parseHourEnd parses an hour-ending timestamp and returns it as Unix
// seconds. Accepted: ISO 8601 date and time separated by 'T' or a blank,
// with an optional offset (Z, ±HH:MM, ±HHMM, ±HH); without an offset the
// time is Beijing time. The date may use '/' and one-digit month and day
// (as spreadsheets write it). 24:00 is accepted as the end of the day.
// Minutes and seconds must be zero.
func parseHourEnd(b []byte) (int64, timeError) {
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	y, i, ok := num(b, 0, 4, 4)
	if !ok || i >= len(b) || (b[i] != '-' && b[i] != '/') {
		return 0, errTimeSyntax
	}
	sep := b[i]
	m, i, ok := num(b, i+1, 1, 2)
	if !ok || i >= len(b) || b[i] != sep {
		return 0, errTimeSyntax
	}
	d, i, ok := num(b, i+1, 1, 2)
	if !ok || i >= len(b) || (b[i] != 'T' && b[i] != ' ') {
		return 0, errTimeSyntax
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, errTimeSyntax
	}
	i++
	for i < len(b) && b[i] == ' ' {
		i++
	}
	h, i, ok := num(b, i, 1, 2)
	if !ok || i >= len(b) || b[i] != ':' {
		return 0, errTimeSyntax
	}
	mi, i, ok := num(b, i+1, 2, 2)
	if !ok {
		return 0, errTimeSyntax
	}
	sec := 0
	frac := false
	if i < len(b) && b[i] == ':' {
		if sec, i, ok = num(b, i+1, 2, 2); !ok {
			return 0, errTimeSyntax
		}
		if i < len(b) && (b[i] == '.' || b[i] == ',') {
			i++
			j := i
			for i < len(b) && b[i] >= '0' && b[i] <= '9' {
				if b[i] != '0' {
					frac = true
				}
				i++
			}
			if i == j {
				return 0, errTimeSyntax
			}
		}
	}
	off := beijingOffset
	if i < len(b) {
		switch b[i] {
		case 'Z', 'z':
			off = 0
			i++
		case '+', '-':
			sign := 1
			if b[i] == '-' {
				sign = -1
			}
			oh, j, ok := num(b, i+1, 2, 2)
			if !ok {
				return 0, errTimeSyntax
			}
			om := 0
			if j < len(b) && b[j] == ':' {
				j++
			}
			if j < len(b) {
				if om, j, ok = num(b, j, 2, 2); !ok {
					return 0, errTimeSyntax
				}
			}
			if oh > 14 || om > 59 {
				return 0, errTimeSyntax
			}
			off = sign * (oh*3600 + om*60)
			i = j
		default:
			return 0, errTimeSyntax
		}
	}
	if i != len(b) || h > 24 || mi > 59 || sec > 59 || (h == 24 && (mi != 0 || sec != 0 || frac)) {
		return 0, errTimeSyntax
	}
	if mi != 0 || sec != 0 || frac {
		return 0, errTimeNotHour
	}
	t := daysFromCivil(y, m, d)*86400 + int64(h)*3600 - int64(off)
	if off%3600 != 0 {
		return 0, errTimeNotHour
	}
	return t, ""
}

// hourTime converts Unix seconds to a time.Time in Beijing time.
func hourTime(sec int64) time.Time { return time.Unix(sec, 0).In(standard.Beijing) }
