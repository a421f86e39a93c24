package ingest

import (
	"fmt"
	"strconv"
)

// RowError is a problem with one row (or one cell) of an input file. The
// reader that returned it has skipped the row (or the cell, where the rest
// of the row is usable, see Skipped) and continues with the next one.
type RowError struct {
	File  string // file name as given in Options.File
	Line  int    // 1-based line number of the record's first line
	Field string // column or cell named as the user knows it, e.g. "PM2.5 (2403A)"
	Value string // the offending text, possibly shortened
	Want  string // what was expected, e.g. "a non-negative concentration in µg/m³"
	// Skipped tells what was dropped: "row" when the whole row was
	// discarded, "value" when only this cell was discarded.
	Skipped string
}

// Error formats the error as
//
//	nanyang.csv line 1234 field PM2.5 (2403A): "-5": want a non-negative concentration in µg/m³
func (e *RowError) Error() string {
	s := e.File
	if s == "" {
		s = "input"
	}
	s += " line " + strconv.Itoa(e.Line)
	if e.Field != "" {
		s += " field " + e.Field
	}
	s += ": " + strconv.Quote(e.Value) + ": want " + e.Want
	return s
}

// LayoutError is a fatal problem with a file as a whole: an unreadable or
// unknown header, a file in another layout than the one requested, or an
// I/O error. Nothing after it is read.
type LayoutError struct {
	File string
	Line int // 0 when the problem is not tied to a line
	Msg  string
	Err  error // underlying error, if any
}

func (e *LayoutError) Error() string {
	s := e.File
	if s == "" {
		s = "input"
	}
	if e.Line > 0 {
		s += " line " + strconv.Itoa(e.Line)
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *LayoutError) Unwrap() error { return e.Err }

// shorten keeps error values readable when a cell holds garbage.
func shorten[T string | []byte](b T) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

func layoutErrorf(file string, line int, format string, args ...any) *LayoutError {
	return &LayoutError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}
