package standard

import (
	"fmt"
	"strings"
	"time"
)

// Edition is the set of national rules in force for a date (standards.md §0).
// The AQI rules (HJ 633) changed once, on 2026-03-01; the GB 3095 limits
// changed on 2026-03-01 (transitional phase) and change again on 2031-01-01
// (final phase), so three editions exist.
type Edition uint8

const (
	// Edition2012 is GB 3095-2012 (with the 2018 reference-state amendment),
	// HJ 633-2012 and HJ 663-2013: periods before 2026-03-01.
	Edition2012 Edition = iota
	// Edition2026 is GB 3095-2026 with its transitional limits
	// (过渡阶段浓度限值), HJ 633-2026 and HJ 663-2026: 2026-03-01 … 2030-12-31.
	Edition2026
	// Edition2031 is GB 3095-2026 with its final limits, HJ 633-2026 and
	// HJ 663-2026: from 2031-01-01 (GB 3095-2026 前言, §4.4).
	Edition2031
	numEditions
)

var editionCodes = [numEditions]string{"2012", "2026", "2031"}

var editionNames = [numEditions]string{
	"GB 3095-2012/HJ 633-2012/HJ 663-2013",
	"GB 3095-2026 (transitional limits)/HJ 633-2026/HJ 663-2026",
	"GB 3095-2026 (final limits)/HJ 633-2026/HJ 663-2026",
}

// String returns the short code used on the command line and in JSON:
// "2012", "2026" or "2031".
func (e Edition) String() string {
	if e < numEditions {
		return editionCodes[e]
	}
	return fmt.Sprintf("Edition(%d)", uint8(e))
}

// Name returns the full list of documents the edition stands for, for
// reports that must say which rules produced a number.
func (e Edition) Name() string {
	if e < numEditions {
		return editionNames[e]
	}
	return e.String()
}

// AQIStandard names the AQI document of the edition: "HJ 633-2012" or
// "HJ 633-2026".
func (e Edition) AQIStandard() string {
	if e == Edition2012 {
		return "HJ 633-2012"
	}
	return "HJ 633-2026"
}

// LimitStandard names the limit set of the edition: "GB 3095-2012",
// "GB 3095-2026 过渡阶段" or "GB 3095-2026".
func (e Edition) LimitStandard() string {
	switch e {
	case Edition2012:
		return "GB 3095-2012"
	case Edition2026:
		return "GB 3095-2026 过渡阶段"
	default:
		return "GB 3095-2026"
	}
}

// AssessmentStandard names the assessment document: "HJ 663-2013" or
// "HJ 663-2026".
func (e Edition) AssessmentStandard() string {
	if e == Edition2012 {
		return "HJ 663-2013"
	}
	return "HJ 663-2026"
}

// Is2026 reports whether the HJ 633-2026 AQI rules apply.
func (e Edition) Is2026() bool { return e != Edition2012 }

// MarshalText encodes the edition as its short code.
func (e Edition) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText accepts what ParseEdition accepts.
func (e *Edition) UnmarshalText(b []byte) error {
	v, err := ParseEdition(string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// ParseEdition accepts "2012", "2026" or "2031" (also "2026-final" for
// 2031 and the document names "HJ 633-2012", "HJ 633-2026").
func ParseEdition(s string) (Edition, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "2012", "2013", "hj 633-2012", "gb 3095-2012":
		return Edition2012, nil
	case "2026", "2026-transitional", "hj 633-2026":
		return Edition2026, nil
	case "2031", "2026-final", "final":
		return Edition2031, nil
	}
	return 0, fmt.Errorf("unknown edition %q (want 2012, 2026 or 2031)", s)
}

// StraddlePolicy says which edition governs a statistic over a period that
// spans a cut-over date (e.g. the calendar year 2026). The texts are silent
// on this (standards.md §0 ⚠️), so it is configuration. Daily values are
// never affected: each day always uses its own edition.
type StraddlePolicy uint8

const (
	// StraddleByEnd applies the edition in force on the last day of the
	// period: the limits in force when the period is assessed.
	StraddleByEnd StraddlePolicy = iota
	// StraddleByStart applies the edition in force on the first day.
	StraddleByStart
	// StraddleByMajority applies the edition that governs most days of the
	// period (ties go to the later edition).
	StraddleByMajority
)

// String names the policy as used in configuration files.
func (p StraddlePolicy) String() string {
	switch p {
	case StraddleByStart:
		return "start"
	case StraddleByMajority:
		return "majority"
	default:
		return "end"
	}
}

// EditionFor returns the edition in force on the calendar day containing t
// (in Beijing time).
// A nil *Rules means DefaultRules.
func (r *Rules) EditionFor(t time.Time) Edition {
	r = orDefault(r)
	return r.editionForDayNum(DayNumber(t))
}

func (r *Rules) editionForDayNum(d int32) Edition {
	switch {
	case d >= DayNumber(r.FinalLimitsFrom):
		return Edition2031
	case d >= DayNumber(r.Cutover2026):
		return Edition2026
	default:
		return Edition2012
	}
}

// EditionForPeriod returns the edition governing a period statistic over the
// days from … to (inclusive), per r.Straddle.
func (r *Rules) EditionForPeriod(from, to time.Time) Edition {
	r = orDefault(r)
	a, b := DayNumber(from), DayNumber(to)
	switch r.Straddle {
	case StraddleByStart:
		return r.editionForDayNum(a)
	case StraddleByMajority:
		var n [numEditions]int32
		c1, c2 := DayNumber(r.Cutover2026), DayNumber(r.FinalLimitsFrom)
		n[Edition2012] = clampCount(a, min(b, c1-1))
		n[Edition2026] = clampCount(max(a, c1), min(b, c2-1))
		n[Edition2031] = clampCount(max(a, c2), b)
		best := Edition2012
		for e := Edition2012; e < numEditions; e++ {
			if n[e] >= n[best] {
				best = e
			}
		}
		return best
	default:
		return r.editionForDayNum(b)
	}
}

func clampCount(a, b int32) int32 {
	if b < a {
		return 0
	}
	return b - a + 1
}

// DayNumber is the number of calendar days (Beijing time) between
// 1970-01-01 and the day containing t. It is the compact day key the
// kernels use instead of time.Time.
func DayNumber(t time.Time) int32 {
	u := t.Unix() + 8*3600
	if u >= 0 {
		return int32(u / 86400)
	}
	return int32((u - 86399) / 86400)
}

// DayFromNumber is the inverse of DayNumber: midnight starting day n, in
// Beijing time.
func DayFromNumber(n int32) time.Time {
	return time.Unix(int64(n)*86400-8*3600, 0).In(Beijing)
}
