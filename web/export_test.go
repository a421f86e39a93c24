package web

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"
)

// htmlTable returns the header and body texts of the table section with
// the id, as a browser shows them.
func htmlTable(t *testing.T, page []byte, id string) [][]string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var sec *html.Node
	var find func(n *html.Node)
	find = func(n *html.Node) {
		for _, a := range n.Attr {
			if a.Key == "id" && a.Val == "table-"+id {
				sec = n
			}
		}
		for c := n.FirstChild; c != nil && sec == nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if sec == nil {
		t.Fatalf("page has no table %q", id)
	}
	var rows [][]string
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		if n.Type == html.TextNode {
			return n.Data
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
		}
		return b.String()
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			var row []string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
					row = append(row, text(c))
				}
			}
			rows = append(rows, row)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(sec)
	return rows
}

// TestExportsMatchScreen downloads tables of every page as CSV and .xlsx
// and checks that header and rows are exactly what the page shows.
func TestExportsMatchScreen(t *testing.T) {
	tests := []struct{ name, page, table string }{
		{"overview targets", "/?year=2019&as_of=2019-06-30", "targets"},
		{"realtime stations", "/realtime", "stations"},
		{"realtime areas", "/realtime", "areas"},
		{"calendar", "/calendar?area=411300&year=2019", "calendar"},
		{"ranking", "/ranking?scope=410000&kind=month&year=2019&month=1", "ranking"},
		{"station assessment", "/stations/2403A?year=2019", "assessment"},
		{"area daily", "/areas/411300?year=2019", "daily"},
		{"english overview", "/?year=2019&lang=en", "targets"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, page := get(t, tc.page)
			if res.StatusCode != 200 {
				t.Fatalf("page status %d", res.StatusCode)
			}
			screen := htmlTable(t, page, tc.table)
			if len(screen) < 2 {
				t.Fatalf("table %s shows %d rows", tc.table, len(screen))
			}
			sep := "?"
			if strings.Contains(tc.page, "?") {
				sep = "&"
			}
			res, b := get(t, tc.page+sep+"export="+tc.table+"&format=csv")
			if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("csv: status %d, %s", res.StatusCode, res.Header.Get("Content-Type"))
			}
			if !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("csv is not offered as a download")
			}
			cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
			cr.FieldsPerRecord = -1 // title and note lines are single fields
			recs, err := cr.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			// line 1 is the title, then header and rows, then maybe a note
			if len(recs) < len(screen)+1 {
				t.Fatalf("csv has %d lines, screen %d rows", len(recs), len(screen))
			}
			for i, row := range screen {
				if strings.Join(recs[i+1], "|") != strings.Join(row, "|") {
					t.Fatalf("csv line %d = %q, screen shows %q", i+2, recs[i+1], row)
				}
			}
			res, b = get(t, tc.page+sep+"export="+tc.table+"&format=xlsx")
			if res.StatusCode != 200 {
				t.Fatalf("xlsx: status %d", res.StatusCode)
			}
			f, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("xlsx does not open: %v", err)
			}
			defer f.Close()
			xrows, err := f.GetRows("Sheet1")
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range screen {
				got := xrows[i+1]
				for len(got) < len(row) {
					got = append(got, "")
				}
				if strings.Join(got, "|") != strings.Join(row, "|") {
					t.Fatalf("xlsx row %d = %q, screen shows %q", i+2, got, row)
				}
			}
		})
	}
	res, b := get(t, "/?export=nosuch&format=csv")
	if res.StatusCode != 400 || !strings.Contains(string(b), "nosuch") {
		t.Errorf("unknown table: %d %s", res.StatusCode, b)
	}
}
