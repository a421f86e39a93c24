package calc

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Format is an output format of the tables.
type Format string

// Output formats: CSV with a header row, or JSON (an array of objects whose
// keys are the CSV columns; empty cells are null, numbers are numbers,
// primary pollutants a list).
const (
	CSV  Format = "csv"
	JSON Format = "json"
)

// ParseFormat accepts "csv" or "json".
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case CSV, JSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown output format %q (want csv or json)", s)
}

// cellKind says how a cell is encoded in JSON.
type cellKind uint8

const (
	kEmpty  cellKind = iota // CSV "", JSON null
	kNumber                 // text is a JSON number
	kString
	kBool
	kList // text is ';'-joined; JSON list of strings
)

// Cell is one value of a table row: its CSV text and its JSON kind.
type Cell struct {
	Text string
	kind cellKind
}

// Empty is a cell with no value.
var Empty = Cell{}

// Num is a number cell; an empty text is an empty cell.
func Num(text string) Cell {
	if text == "" {
		return Empty
	}
	return Cell{text, kNumber}
}

// Int is an integer cell.
func Int(v int) Cell {
	if v >= 0 && v < 1000 {
		return Cell{smallInts()[v], kNumber}
	}
	return Cell{strconv.Itoa(v), kNumber}
}

// smallInts is the text of 0 … 999, shared by the cells of large tables
// (AQI, levels, concentrations) instead of a string per cell.
var smallInts = sync.OnceValue(func() *[1000]string {
	var t [1000]string
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return &t
})

// Str is a string cell; an empty text is an empty cell.
func Str(text string) Cell {
	if text == "" {
		return Empty
	}
	return Cell{text, kString}
}

// Bool is a boolean cell.
func Bool(v bool) Cell { return Cell{strconv.FormatBool(v), kBool} }

// List is a list cell joined by ';' in CSV; empty when the list is empty.
func List(items ...string) Cell {
	if len(items) == 0 {
		return Empty
	}
	return Cell{strings.Join(items, ";"), kList}
}

// TableWriter writes rows as CSV or JSON.
type TableWriter struct {
	w      *bufio.Writer
	format Format
	cols   []string
	rows   int
	buf    []byte
}

// NewTableWriter starts a table with the given columns.
func NewTableWriter(w io.Writer, format Format, cols []string) *TableWriter {
	t := &TableWriter{w: bufio.NewWriterSize(w, 64<<10), format: format, cols: cols}
	if format == CSV {
		for i, c := range cols {
			if i > 0 {
				t.w.WriteByte(',')
			}
			t.w.WriteString(csvQuote(c))
		}
		t.w.WriteByte('\n')
	} else {
		t.w.WriteString("[")
	}
	return t
}

// Row writes one row; cells correspond to the columns.
func (t *TableWriter) Row(cells []Cell) error {
	if len(cells) != len(t.cols) {
		return fmt.Errorf("calc: row has %d cells for %d columns", len(cells), len(t.cols))
	}
	b := t.buf[:0]
	if t.format == CSV {
		for i, c := range cells {
			if i > 0 {
				b = append(b, ',')
			}
			if csvNeedsQuotes(c.Text) {
				b = append(b, csvQuote(c.Text)...)
			} else {
				b = append(b, c.Text...)
			}
		}
		b = append(b, '\n')
	} else {
		if t.rows > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n{"...)
		for i, c := range cells {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, t.cols[i])
			b = append(b, ':')
			switch c.kind {
			case kEmpty:
				b = append(b, "null"...)
			case kNumber, kBool:
				b = append(b, c.Text...)
			case kString:
				b = appendJSONString(b, c.Text)
			case kList:
				b = append(b, '[')
				for j, s := range strings.Split(c.Text, ";") {
					if j > 0 {
						b = append(b, ',')
					}
					b = appendJSONString(b, s)
				}
				b = append(b, ']')
			}
		}
		b = append(b, '}')
	}
	t.buf = b
	t.rows++
	_, err := t.w.Write(b)
	return err
}

// Close finishes the table and flushes it.
func (t *TableWriter) Close() error {
	if t.format == JSON {
		if t.rows > 0 {
			t.w.WriteString("\n")
		}
		t.w.WriteString("]\n")
	}
	return t.w.Flush()
}

// csvQuote quotes s when a CSV reader would otherwise misread it.
func csvQuote(s string) string {
	if !csvNeedsQuotes(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// csvNeedsQuotes reports whether s holds a separator, quote or line break,
// or starts or ends with a blank. A byte loop: cells are short, and a
// table has millions of them.
func csvNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\n', '\r':
			return true
		}
	}
	return false
}

// appendJSONString quotes s as a JSON string, keeping non-ASCII text (such
// as Chinese categories) readable.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, fmt.Sprintf(`\u%04x`, c)...)
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}
