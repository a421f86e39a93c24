package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/lantian-aq/lantian/standard"
)

func intOr(p *int, dash string) string {
	if p == nil {
		return dash
	}
	return strconv.Itoa(*p)
}

func (s *Server) pageOverview(w http.ResponseWriter, r *http.Request) {
	y, err := s.yearParam(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	at, ok, err := queryDate(r, "as_of")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ov, err := s.overview(r.Context(), y, s.asOfFor(y, at, ok))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	tr := translator(language(w, r))
	tb := &Table{ID: "targets", Title: fmt.Sprintf("%s %d（%s %s）", tr("overview.table"), y, tr("label.asof"), ov.AsOf),
		Columns: []string{tr("label.area"), tr("label.stations"), tr("card.validdays"), tr("card.goodratio") + " (%)", tr("card.target"),
			tr("card.nongoodleft"), tr("card.heavy"), tr("card.heavyleft"), "PM2.5 (μg/m³)", "PM2.5 " + tr("label.validity"), tr("card.pm25allowance") + " (μg/m³)",
			tr("card.projection") + " PM2.5", tr("card.composite"), tr("card.compliant")}}
	synthetic := false
	for _, c := range ov.Cards {
		synthetic = synthetic || c.Synthetic
		name := c.Area.Name
		if c.Synthetic {
			name += "（" + tr("label.synthetic") + "）"
		}
		row := []Cell{{Text: name, Href: "/areas/" + c.Area.Code + "?year=" + strconv.Itoa(y)}}
		if !c.HasData {
			row = append(row, cellsOf(strconv.Itoa(c.Stations), "0", "—", targetText(c.GoodTarget, tr), "—", "—", "—", "—", "—", "—", "—", "—", "—")...)
			tb.Rows = append(tb.Rows, row)
			continue
		}
		pm, pmValid := Cell{Text: "—"}, Cell{Text: "—"}
		for _, it := range c.Items {
			if it.Pollutant == "pm25" {
				pm.Text, pmValid.Text = pollutantText(it.Pollutant, it.Value), tr("label.valid")
				if !it.Valid {
					pm.Class, pm.Title = "insufficient", sprintf(tr("label.invalidvalue"), it.Coverage.Valid, it.Coverage.Expected)
					pmValid = Cell{Text: tr("label.insufficient"), Class: "insufficient", Title: pm.Title}
				}
			}
		}
		proj := "—"
		if c.PM25Projection != nil && !isNaN(c.PM25Projection.Value) {
			proj = fmt.Sprintf("%.1f [%.1f, %.1f]", c.PM25Projection.Value, c.PM25Projection.Low, c.PM25Projection.High)
		}
		comp := tr("label.no")
		if c.Compliant {
			comp = tr("label.yes")
		}
		row = append(row, cellsOf(strconv.Itoa(c.Stations), strconv.Itoa(c.ValidDays), c.GoodRatio, targetText(c.GoodTarget, tr),
			intOr(c.NonGoodLeft, "—"), strconv.Itoa(c.HeavyDays), intOr(c.HeavyLeft, "—"))...)
		row = append(row, pm, pmValid)
		row = append(row, cellsOf(c.PM25Allowance.String(), proj, c.Composite, comp)...)
		tb.Rows = append(tb.Rows, row)
	}
	tb.Note = tr("card.method")
	s.render(w, r, "overview", &page{Nav: "overview", Title: tr("overview.title"), Year: y, Years: s.yearChoices(y), AsOf: ov.AsOf,
		Tables: []*Table{tb}, Data: ov, Synthetic: synthetic})
}

func isNaN(f float64) bool { return f != f }

func targetText(t *TargetRef, tr func(string) string) string {
	if t == nil {
		return "—"
	}
	s := strings.Replace(t.Text, ">=", "≥", 1)
	s = strings.Replace(s, "<=", "≤", 1)
	if t.Reference {
		s += fmt.Sprintf("（%s %d）", tr("label.reference"), t.Year)
	}
	return s
}

func (s *Server) pageRealtime(w http.ResponseWriter, r *http.Request) {
	rt, err := s.realtime(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	tr := translator(language(w, r))
	cols := []string{tr("label.station"), tr("label.area"), tr("label.time"), tr("label.aqi"), tr("label.category"), tr("label.primary")}
	for _, p := range standard.Pollutants {
		cols = append(cols, p.String()+" ("+p.Unit()+")")
	}
	mk := func(id, title string, rows []StationAQI, link string) *Table {
		t := &Table{ID: id, Title: title, Columns: cols}
		for _, v := range rows {
			name := v.Name
			if v.Synthetic {
				name += "（" + tr("label.synthetic") + "）"
			}
			aqi := "NA"
			if v.AQI != nil {
				aqi = strconv.Itoa(*v.AQI)
			}
			cat := v.Category
			if v.Level > 0 && language(w, r) == langEN {
				cat = standard.Level(v.Level).CategoryEN()
			}
			row := []Cell{{Text: name, Href: link + v.Code}, {Text: v.AreaName}, {Text: v.Time}, {Text: aqi, Colour: v.Colour, Class: levelClass(v.Level)}, {Text: cat}, {Text: strings.Join(v.Primary, "、")}}
			for _, p := range standard.Pollutants {
				row = append(row, Cell{Text: v.Values[p.Code()].Text(p)})
			}
			t.Rows = append(t.Rows, row)
		}
		return t
	}
	areaCols := append([]string(nil), cols...)
	areaCols[1] = tr("label.stations")
	at := mk("areas", tr("realtime.areas"), rt.Areas, "/areas/")
	at.Columns = areaCols
	for i, v := range rt.Areas {
		at.Rows[i][1].Text = strconv.Itoa(v.Stations)
	}
	st := mk("stations", tr("realtime.stations"), rt.Stations, "/stations/")
	synthetic := false
	for _, v := range rt.Stations {
		synthetic = synthetic || v.Synthetic
	}
	s.render(w, r, "realtime", &page{Nav: "realtime", Title: tr("realtime.title"), Tables: []*Table{at, st}, Data: rt,
		Charts: chartJSON(map[string]any{"map": rt.Stations}), Synthetic: synthetic})
}

func levelClass(l int) string {
	if l == 0 {
		return ""
	}
	return "lv" + strconv.Itoa(l)
}

func (s *Server) pageCalendar(w http.ResponseWriter, r *http.Request) {
	y, err := s.yearParam(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	code := r.URL.Query().Get("area")
	if code == "" {
		code = s.root
	}
	cal, err := s.calendar(r.Context(), code, y)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	areas, err := s.dashboardAreas(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	lang := language(w, r)
	tr := translator(lang)
	t := &Table{ID: "calendar", Title: fmt.Sprintf("%s %s %d", cal.Area.Name, tr("calendar.table"), y),
		Columns: []string{tr("label.date"), tr("label.aqi"), tr("label.category"), tr("label.primary"), "PM2.5 (μg/m³)", tr("label.edition")}}
	for _, d := range cal.Days {
		aqi, cat := "—", "—"
		if d.AQI > 0 {
			aqi, cat = strconv.Itoa(d.AQI), d.Category
			if lang == langEN {
				cat = standard.Level(d.Level).CategoryEN()
			}
		}
		t.Rows = append(t.Rows, []Cell{{Text: d.Date}, {Text: aqi, Colour: d.Colour, Class: levelClass(d.Level)}, {Text: cat}, {Text: strings.Join(d.Primary, "、")}, {Text: d.PM25.String()}, {Text: d.Edition}})
	}
	s.render(w, r, "calendar", &page{Nav: "calendar", Title: tr("calendar.title"), Year: y, Years: s.yearChoices(y), Areas: areas, AreaCode: code,
		Tables: []*Table{t}, Data: cal, Charts: chartJSON(map[string]any{"calendar": cal.Days, "year": y})})
}

func (s *Server) rankingRequest(r *http.Request) (scope, kind string, y, m int, err error) {
	kind = r.URL.Query().Get("kind")
	if kind == "" {
		kind = "year"
	}
	if y, err = s.yearParam(r); err != nil {
		return
	}
	if m, err = queryInt(r, "month", 1, 1, 12); err != nil {
		return
	}
	scope = r.URL.Query().Get("scope")
	if scope == "" {
		scope = s.root
	}
	return
}

func (s *Server) pageRanking(w http.ResponseWriter, r *http.Request) {
	scope, kind, y, m, err := s.rankingRequest(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	at, ok, err := queryDate(r, "as_of")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	from, to, err := s.rankPeriod(kind, y, m, s.asOfFor(y, at, ok))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	rk, err := s.ranking(r.Context(), scope, kind, from, to)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	tr := translator(language(w, r))
	t := &Table{ID: "ranking", Title: fmt.Sprintf("%s %s … %s", tr("ranking.title"), rk.From, rk.To),
		Columns: []string{tr("ranking.rank"), tr("label.area"), tr("card.composite"), "PM2.5 (μg/m³)", tr("card.goodratio") + " (%)",
			tr("ranking.prev"), tr("ranking.changerate") + " (%)", tr("ranking.change")}, Note: tr("ranking.method")}
	rank := func(r int, tied bool) string {
		if r == 0 {
			return "—"
		}
		if tied {
			return strconv.Itoa(r) + "（" + tr("ranking.tie") + "）"
		}
		return strconv.Itoa(r)
	}
	for _, row := range rk.Rows {
		name := row.Area.Name
		if row.Synthetic {
			name += "（" + tr("label.synthetic") + "）"
		}
		t.Rows = append(t.Rows, []Cell{{Text: rank(row.Rank, row.Tied)}, {Text: name, Href: "/areas/" + row.Area.Code + "?year=" + strconv.Itoa(y)},
			{Text: row.Composite}, {Text: row.PM25.String()}, {Text: row.GoodRatio}, {Text: row.Previous}, {Text: row.ChangeRate}, {Text: rank(row.ChangeRank, row.ChangeTied)}})
	}
	scopes, err := s.rankingScopes(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, "ranking", &page{Nav: "ranking", Title: tr("ranking.title"), Year: y, Years: s.yearChoices(y), Tables: []*Table{t},
		Data:   map[string]any{"ranking": rk, "month": m, "kind": kind, "scopes": scopes, "scope": scope},
		Charts: chartJSON(map[string]any{"ranking": rk.Rows})})
}

func (s *Server) pageStation(w http.ResponseWriter, r *http.Request) { s.pageDetail(w, r, "station") }
func (s *Server) pageArea(w http.ResponseWriter, r *http.Request)    { s.pageDetail(w, r, "area") }

func (s *Server) pageDetail(w http.ResponseWriter, r *http.Request, kind string) {
	y, err := s.yearParam(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d, err := s.detail(r.Context(), kind, r.PathValue("code"), y)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	lang := language(w, r)
	tr := translator(lang)
	at := &Table{ID: "assessment", Title: fmt.Sprintf("%s %s %d", d.Name, tr("detail.assessment"), y),
		Columns: []string{tr("item.name"), tr("item.value"), tr("item.limit"), tr("label.unit"), tr("item.compliant"), tr("item.multiple"), tr("label.coverage"), tr("label.validity")}}
	for _, it := range d.Assessment {
		comp, mult := "—", "—"
		if it.Compliant != nil {
			comp = tr("label.no")
			if *it.Compliant {
				comp = tr("label.yes")
			}
		}
		if it.Multiple != nil {
			mult = *it.Multiple
		}
		cov := fmt.Sprintf("%d/%d", it.Coverage.Valid, it.Coverage.Expected)
		row := cellsOf(itemLabel(it, tr), pollutantText(it.Pollutant, it.Value), pollutantText(it.Pollutant, it.Limit), it.Unit, comp, mult, cov, tr("label.valid"))
		if !it.Valid {
			// Shown for information, marked, never judged; the export
			// says the same in the validity column.
			row[1].Class, row[1].Title = "insufficient", sprintf(tr("label.invalidvalue"), it.Coverage.Valid, it.Coverage.Expected)
			row[7] = Cell{Text: tr("label.insufficient"), Class: "insufficient", Title: row[1].Title}
		}
		at.Rows = append(at.Rows, row)
	}
	at.Note = fmt.Sprintf(tr("detail.provenance"), max(1, len(d.Stations)), d.ValidHours, editionText(d.Edition))
	cols := []string{tr("label.date"), tr("label.aqi"), tr("label.category"), tr("label.primary")}
	for _, p := range standard.Pollutants {
		n := p.String()
		if p == standard.O3 {
			n = "O3-8h"
		}
		cols = append(cols, n+" ("+p.Unit()+")")
	}
	cols = append(cols, tr("detail.hours"), tr("label.valid"))
	dt := &Table{ID: "daily", Title: fmt.Sprintf("%s %s %d", d.Name, tr("detail.daily"), y), Columns: cols}
	for _, row := range d.Daily {
		aqi, cat := "—", "—"
		if row.AQI > 0 {
			aqi, cat = strconv.Itoa(row.AQI), row.Category
			if lang == langEN {
				cat = standard.Level(row.Level).CategoryEN()
			}
		}
		cells := []Cell{{Text: row.Date}, {Text: aqi, Colour: row.Colour, Class: levelClass(row.Level)}, {Text: cat}, {Text: strings.Join(row.Primary, "、")}}
		allValid := true
		for _, p := range standard.Pollutants {
			c := Cell{Text: row.Values[p.Code()].Text(p)}
			if !row.Valid[p.Code()] {
				c.Class = "invalid"
				allValid = false
			}
			cells = append(cells, c)
		}
		v := tr("label.yes")
		if !allValid {
			v = tr("label.no")
		}
		cells = append(cells, Cell{Text: strconv.Itoa(row.Hours)}, Cell{Text: v})
		dt.Rows = append(dt.Rows, cells)
	}
	title := d.Name
	if d.Synthetic {
		title += "（" + tr("label.synthetic") + "）"
	}
	s.render(w, r, "detail", &page{Nav: "", Title: title, Year: y, Years: s.yearChoices(y), Tables: []*Table{at, dt}, Data: d, Synthetic: d.Synthetic,
		Charts: chartJSON(map[string]any{"daily": d.Daily, "diurnal": d.Diurnal, "weekly": d.Weekly})})
}

func editionText(e string) string {
	ed, err := standard.ParseEdition(e)
	if err != nil {
		return e
	}
	return ed.LimitStandard() + " / " + ed.AQIStandard() + " / " + ed.AssessmentStandard()
}

// rankingScopes are the areas whose children can be ranked: the root area
// (its counties and districts) and, when it has one, its parent (the
// province's cities).
func (s *Server) rankingScopes(r *http.Request) ([]areaChoice, error) {
	root, err := s.store.Area(r.Context(), s.root)
	if err != nil {
		return nil, err
	}
	out := []areaChoice{{root.Code, root.Name}}
	if root.Parent != "" {
		if p, err := s.store.Area(r.Context(), root.Parent); err == nil {
			out = append(out, areaChoice{p.Code, p.Name})
		}
	}
	return out, nil
}

type areaChoice struct{ Code, Name string }
