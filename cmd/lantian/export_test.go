package main

import (
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestExport imports three real Henan days and exports them: hourly, daily
// and period tables with units, coverage and edition, and the .xlsx holds
// exactly what the CSV holds.
func TestExport(t *testing.T) {
	tgt := storeTarget{data: t.TempDir()}
	files := []string{stationList}
	for _, d := range []string{"01", "02", "03", "04"} {
		files = append(files, filepath.Join(henanDir, "china_sites_201901"+d+".csv"))
	}
	if code, _, stderr := lantianCmd(tgt.args("import", files...)...); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	tests := []struct {
		name    string
		args    []string
		rows    int
		columns []string
	}{
		{"hourly station", []string{"hourly", "--station", "2403A", "--from", "2019-01-01", "--to", "2019-01-03"}, 72,
			[]string{"station", "time (hour ending, +08:00)", "pm25 (μg/m³)", "co (mg/m³)", "audit", "revision", "source"}},
		{"daily area", []string{"daily", "--area", "411300", "--from", "2019-01-01", "--to", "2019-01-03"}, 3,
			[]string{"area", "date", "edition", "pm25 (μg/m³)", "pm25 coverage", "o3_8h (μg/m³)", "aqi", "category", "stations"}},
		{"period month", []string{"period", "--period", "month", "--station", "2403A", "--from", "2019-01-01", "--to", "2019-01-03"}, 1,
			[]string{"station", "from", "to", "edition", "pm25 mean (μg/m³)", "pm25 mean coverage", "good days", "composite index"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := lantianCmd(tgt.args("export", tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != tc.rows+1 {
				t.Fatalf("%d rows, want %d and a header", len(recs)-1, tc.rows)
			}
			head := strings.Join(recs[0], "|")
			for _, c := range tc.columns {
				if !strings.Contains("|"+head+"|", "|"+c+"|") {
					t.Errorf("header lacks %q: %s", c, head)
				}
			}
			xlsx := filepath.Join(t.TempDir(), "t.xlsx")
			if code, _, stderr := lantianCmd(tgt.args("export", append(tc.args, "-o", xlsx)...)...); code != 0 {
				t.Fatalf("xlsx: exit %d: %s", code, stderr)
			}
			f, err := excelize.OpenFile(xlsx)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := f.GetRows(f.GetSheetName(0))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(recs) {
				t.Fatalf("xlsx has %d rows, CSV %d", len(rows), len(recs))
			}
			for i := range rows {
				for j := range recs[i] {
					x := ""
					if j < len(rows[i]) {
						x = rows[i][j]
					}
					if x != recs[i][j] {
						t.Errorf("row %d column %q: xlsx %q, CSV %q", i, recs[0][j], x, recs[i][j])
					}
				}
			}
		})
	}
	for _, bad := range [][]string{
		{"daily", "--from", "2019-01-01", "--to", "2019-01-02"},
		{"daily", "--station", "2403A", "--from", "2019-01-05", "--to", "2019-01-02"},
		{"weekly", "--station", "2403A", "--from", "2019-01-01", "--to", "2019-01-02"},
	} {
		if code, _, _ := lantianCmd(tgt.args("export", bad...)...); code != 2 {
			t.Errorf("export %v: exit %d, want 2", bad, code)
		}
	}
}
