package plan

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// LedgerHeader is the column layout of the ledger table officials use.
var LedgerHeader = []string{"任务", "措施", "牵头单位", "配合单位", "时限", "进展", "状态"}

// Table renders the evaluation as the ledger table: one row per item, the
// header first. The .xlsx export and the screen both show exactly these
// strings.
func (e *Evaluation) Table() [][]string {
	p := e.Plan
	rows := [][]string{LedgerHeader}
	for _, ts := range e.Tasks {
		lead := deptNames(p, ts.Lead)
		if ts.SharedByRemit {
			lead += "（按职责分工负责）"
		}
		for _, it := range ts.Items {
			measure := it.Text
			if it.ID != "" {
				measure = it.ID + " " + it.Text
			}
			if it.Goal != "" {
				measure += "（目标：" + it.Goal + "）"
			}
			rows = append(rows, []string{
				fmt.Sprintf("%d. %s", ts.Number, ts.Title),
				measure,
				lead,
				deptNames(p, ts.Cooperate),
				deadlineText(it),
				progressText(p, it),
				statusText(it),
			})
		}
	}
	return rows
}

func deptNames(p *Plan, ids []string) string {
	names := make([]string, len(ids))
	for i, d := range ids {
		names[i] = p.DepartmentName(d)
	}
	return strings.Join(names, "、")
}

func deadlineText(it ItemStatus) string {
	s := it.DueText
	switch it.Recurrence {
	case Monthly:
		return s + "（本期截至" + it.Due.String() + "）"
	case Yearly:
		return s + "（本期截至" + it.Due.String() + "）"
	}
	if s == "" {
		return it.Due.String()
	}
	return s + "（" + it.Due.String() + "）"
}

func progressText(p *Plan, it ItemStatus) string {
	r := it.Latest
	if r == nil {
		return ""
	}
	var parts []string
	if r.Value != nil {
		unit := ""
		if it.Goal != "" {
			unit = " " + strings.TrimSpace(goalUnit(it.Goal))
		}
		parts = append(parts, "数值 "+r.Value.String()+unit)
	}
	if r.Progress != nil {
		parts = append(parts, fmt.Sprintf("进度 %d%%", *r.Progress))
	}
	if r.Done {
		parts = append(parts, "已完成")
	}
	if r.Narrative != "" {
		parts = append(parts, r.Narrative)
	}
	who := p.DepartmentName(r.Reporter)
	if a := p.AreaByCode(r.Reporter); a != nil {
		who = a.Name
	}
	return fmt.Sprintf("%s %s：%s", r.Date, who, strings.Join(parts, "；"))
}

// goalUnit returns the unit at the end of a goal text ("≥ 260 万千瓦").
func goalUnit(goal string) string {
	f := strings.Fields(goal)
	if len(f) < 3 {
		return ""
	}
	return f[len(f)-1]
}

func statusText(it ItemStatus) string {
	s := it.Status.Label()
	if it.Status == Overdue {
		for _, o := range it.Occurrences {
			if o.Status == Overdue {
				return fmt.Sprintf("%s（%s到期）", s, o.Due)
			}
		}
	}
	return s
}

// WriteCSV writes the ledger table as CSV (UTF-8 with a byte-order mark so
// that Excel opens it as Chinese text).
func (e *Evaluation) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(e.Table()); err != nil {
		return fmt.Errorf("ledger csv: %w", err)
	}
	return nil
}

// statusFill is the background colour of each status cell.
var statusFill = map[Status]string{
	Done: "C6EFCE", OnTrack: "DDEBF7", NotStarted: "EDEDED", AtRisk: "FFEB9C", Overdue: "FFC7CE",
}

// LedgerSheet is the name of the ledger sheet in the .xlsx export.
const LedgerSheet = "任务台账"

// WriteXLSX writes the ledger as an Excel workbook: a title row naming the
// plan and the as-of date, then the Table with a frozen header, wrapped
// text and coloured status cells.
func (e *Evaluation) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", LedgerSheet); err != nil {
		return fmt.Errorf("ledger xlsx: %w", err)
	}
	title := fmt.Sprintf("%s 任务台账（截至%s）", e.Plan.Title, e.AsOf)
	if e.Area != "" {
		title = fmt.Sprintf("%s %s任务台账（截至%s）", e.Plan.Title, e.Plan.AreaName(e.Area), e.AsOf)
	}
	if err := f.SetCellStr(LedgerSheet, "A1", title); err != nil {
		return fmt.Errorf("ledger xlsx: %w", err)
	}
	if err := f.MergeCell(LedgerSheet, "A1", "G1"); err != nil {
		return fmt.Errorf("ledger xlsx: %w", err)
	}
	wrap := &excelize.Alignment{WrapText: true, Vertical: "top"}
	border := []excelize.Border{{Type: "left", Color: "999999", Style: 1}, {Type: "right", Color: "999999", Style: 1},
		{Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1}}
	titleStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	headStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9D9D9"}}, Border: border})
	bodyStyle, _ := f.NewStyle(&excelize.Style{Alignment: wrap, Border: border})
	statusStyles := map[Status]int{}
	for s, c := range statusFill {
		statusStyles[s], _ = f.NewStyle(&excelize.Style{Alignment: wrap, Border: border,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}}})
	}
	_ = f.SetCellStyle(LedgerSheet, "A1", "A1", titleStyle)
	rows := e.Table()
	var statuses []Status
	for _, ts := range e.Tasks {
		for _, it := range ts.Items {
			statuses = append(statuses, it.Status)
		}
	}
	for i, row := range rows {
		r := i + 2
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, r)
			if err := f.SetCellStr(LedgerSheet, cell, v); err != nil {
				return fmt.Errorf("ledger xlsx: %w", err)
			}
		}
		first, _ := excelize.CoordinatesToCellName(1, r)
		last, _ := excelize.CoordinatesToCellName(len(row), r)
		style := bodyStyle
		if i == 0 {
			style = headStyle
		}
		_ = f.SetCellStyle(LedgerSheet, first, last, style)
		if i > 0 {
			_ = f.SetCellStyle(LedgerSheet, last, last, statusStyles[statuses[i-1]])
		}
	}
	for col, width := range map[string]float64{"A": 22, "B": 60, "C": 24, "D": 24, "E": 20, "F": 40, "G": 14} {
		_ = f.SetColWidth(LedgerSheet, col, col, width)
	}
	if err := f.SetPanes(LedgerSheet, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("ledger xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("ledger xlsx: %w", err)
	}
	return nil
}
