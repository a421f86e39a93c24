package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Table is a table as the dashboard shows it. Pages build their tables
// once; the same value is rendered to HTML and exported to CSV and .xlsx,
// so an export is exactly what is on screen.
type Table struct {
	ID      string   // stable identifier, used in ?export=
	Title   string   // caption
	Columns []string // header texts
	Rows    [][]Cell
	Note    string // shown under the table and exported as its last line
}

// Cell is one table cell: the text shown, and optionally a background
// colour (AQI category), a link and a CSS class.
type Cell struct {
	Text   string
	Colour string // background, e.g. "#FFFF00"
	Href   string
	Class  string
	Title  string // tooltip on screen (not exported: say it in a column too)
}

// cellsOf makes plain cells from texts.
func cellsOf(texts ...string) []Cell {
	out := make([]Cell, len(texts))
	for i, t := range texts {
		out[i] = Cell{Text: t}
	}
	return out
}

// ExportURL returns the page URL with the export parameters for this
// table.
func (t *Table) exportURL(r *http.Request, format string) string {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		q[k] = v
	}
	q.Set("export", t.ID)
	q.Set("format", format)
	return r.URL.Path + "?" + q.Encode()
}

// writeExport writes t as CSV (UTF-8 with BOM, so Excel shows Chinese
// correctly) or .xlsx.
func writeExport(w http.ResponseWriter, t *Table, format, filename string) error {
	switch format {
	case "csv":
		var buf bytes.Buffer
		buf.WriteString("\ufeff")
		cw := csv.NewWriter(&buf)
		_ = cw.Write([]string{t.Title})
		_ = cw.Write(t.Columns)
		for _, row := range t.Rows {
			rec := make([]string, len(row))
			for i, c := range row {
				rec[i] = c.Text
			}
			_ = cw.Write(rec)
		}
		if t.Note != "" {
			_ = cw.Write([]string{t.Note})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", contentDisposition(filename+".csv"))
		_, err := w.Write(buf.Bytes())
		return err
	case "xlsx":
		f := excelize.NewFile()
		defer f.Close()
		sheet := "Sheet1"
		set := func(col, row int, text string) error {
			ref, err := excelize.CoordinatesToCellName(col, row)
			if err != nil {
				return err
			}
			// Numbers whose shortest form is the text itself are stored
			// as numbers, so Excel can sum them and shows the same digits.
			if v, err := strconv.ParseFloat(text, 64); err == nil && strconv.FormatFloat(v, 'f', -1, 64) == text {
				return f.SetCellValue(sheet, ref, v)
			}
			return f.SetCellStr(sheet, ref, text)
		}
		if err := set(1, 1, t.Title); err != nil {
			return err
		}
		for i, h := range t.Columns {
			if err := set(i+1, 2, h); err != nil {
				return err
			}
		}
		for r, row := range t.Rows {
			for c, cell := range row {
				if err := set(c+1, r+3, cell.Text); err != nil {
					return err
				}
			}
		}
		if t.Note != "" {
			if err := set(1, len(t.Rows)+3, t.Note); err != nil {
				return err
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			return fmt.Errorf("writing xlsx: %w", err)
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", contentDisposition(filename+".xlsx"))
		_, err := w.Write(buf.Bytes())
		return err
	}
	return badRequest("query parameter format=%q: want csv or xlsx", format)
}

// contentDisposition names a download; the ASCII fallback keeps old
// clients working, filename* carries the Chinese name.
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}
