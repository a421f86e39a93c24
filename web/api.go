package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/plan"
	"github.com/lantian-aq/lantian/standard"
)

// list is the envelope of a paged list: the items and, when more follow,
// the cursor of the next page.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
	// Units states the units of the items' concentrations, where they
	// have any.
	Units map[string]any `json:"units,omitempty"`
}

// pageByCode pages items ordered by code: limit items after the cursor.
func pageByCode[T any](r *http.Request, items []T, code func(T) string) (list[T], error) {
	limit, err := queryInt(r, "limit", 100, 1, 1000)
	if err != nil {
		return list[T]{}, err
	}
	start := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		parts, err := decodeCursor(c, 1)
		if err != nil {
			return list[T]{}, err
		}
		for start < len(items) && code(items[start]) <= parts[0] {
			start++
		}
	}
	end := min(start+limit, len(items))
	out := list[T]{Items: items[start:end]}
	if out.Items == nil {
		out.Items = []T{}
	}
	if end < len(items) {
		out.NextCursor = encodeCursor(code(items[end-1]))
	}
	return out, nil
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(s.openapi)
}

func (s *Server) apiAreas(w http.ResponseWriter, r *http.Request) {
	f := lantian.AreaFilter{Parent: r.URL.Query().Get("parent"), Within: r.URL.Query().Get("within"), Level: lantian.AreaLevel(r.URL.Query().Get("level"))}
	as, err := s.store.Areas(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := pageByCode(r, as, func(a *lantian.Area) string { return a.Code })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) apiArea(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.Area(r.Context(), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) apiStations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := lantian.StationFilter{Area: q.Get("area"), Within: q.Get("within") == "true", Synthetic: q.Get("synthetic") != "false"}
	if k := q.Get("kind"); k != "" {
		if !lantian.StationKind(k).Valid() {
			s.fail(w, r, badRequest("query parameter kind=%q: want national, provincial, county, township, micro or background", k))
			return
		}
		f.Kinds = []lantian.StationKind{lantian.StationKind(k)}
	}
	sts, err := s.store.Stations(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := pageByCode(r, sts, func(s *lantian.Station) string { return s.Code })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) apiStation(w http.ResponseWriter, r *http.Request) {
	st, err := s.store.Station(r.Context(), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// ObservationView is one station-hour in the API: values by pollutant code
// (µg/m³, CO mg/m³), flags, audit state and the real-time AQI.
type ObservationView struct {
	Station  string            `json:"station"`
	Time     string            `json:"time"` // hour end, ISO 8601 +08:00
	Values   map[string]Conc   `json:"values"`
	Flags    map[string]string `json:"flags"`
	Audit    string            `json:"audit"`
	Source   string            `json:"source"`
	Revision int               `json:"revision"`
	AQI      *int              `json:"aqi"`
	Primary  []string          `json:"primary"`
}

func (s *Server) apiStationObservations(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if _, err := s.store.Station(r.Context(), code); err != nil {
		s.fail(w, r, err)
		return
	}
	from, okF, err := queryTime(r, "from")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	to, okT, err := queryTime(r, "to")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !okF || !okT {
		s.fail(w, r, badRequest("query parameters from and to are required, e.g. from=2019-01-01T01:00:00+08:00&to=2019-01-02T01:00:00+08:00 (hour-ending times, to excluded)"))
		return
	}
	if !to.After(from) || to.Sub(from) > 366*24*time.Hour {
		s.fail(w, r, badRequest("from=%s to=%s: to must be after from, at most a year apart", from.Format(time.RFC3339), to.Format(time.RFC3339)))
		return
	}
	limit, err := queryInt(r, "limit", 1000, 1, 10000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := lantian.ObservationFilter{Stations: []string{code}, From: from, To: to, Limit: limit + 1}
	if c := r.URL.Query().Get("cursor"); c != "" {
		parts, err := decodeCursor(c, 2)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t, err := time.Parse(time.RFC3339, parts[1])
		if err != nil {
			s.fail(w, r, badRequest("query parameter cursor=%q is not a cursor this server issued; start again without it", c))
			return
		}
		f.AfterStation, f.AfterTime = parts[0], t
	}
	recs, err := s.store.Observations(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := list[ObservationView]{Items: []ObservationView{}, Units: units()}
	if len(recs) > limit {
		recs = recs[:limit]
		last := recs[len(recs)-1]
		out.NextCursor = encodeCursor(last.Station, last.Time.Format(time.RFC3339))
	}
	for _, h := range recs {
		v := ObservationView{Station: h.Station, Time: h.Time.In(standard.Beijing).Format(time.RFC3339), Values: map[string]Conc{},
			Flags: map[string]string{}, Audit: string(h.Audit), Source: h.Source, Revision: h.Revision, Primary: []string{}}
		for _, p := range standard.Pollutants {
			v.Values[p.Code()] = Conc(h.Values[p])
			v.Flags[p.Code()] = h.Flags[p].String()
		}
		a := standard.HourlyAQI(s.rules, h.Time, h.Values)
		if a.Available {
			n := a.AQI
			v.AQI = &n
			for _, p := range a.Primary.List() {
				v.Primary = append(v.Primary, p.String())
			}
		}
		out.Items = append(out.Items, v)
	}
	writeJSON(w, http.StatusOK, out)
}

// statRange reads from/to (dates) or year into an inclusive day range.
func (s *Server) statRange(r *http.Request) (from, to time.Time, err error) {
	f, okF, err := queryDate(r, "from")
	if err != nil {
		return from, to, err
	}
	t, okT, err := queryDate(r, "to")
	if err != nil {
		return from, to, err
	}
	if okF && okT {
		if t.Before(f) || t.Sub(f) > 5*366*24*time.Hour {
			return from, to, badRequest("from=%s to=%s: to must not be before from, and at most five years apart", beijingDay(f), beijingDay(t))
		}
		return f, t, nil
	}
	if okF || okT {
		return from, to, badRequest("give both from and to (dates such as 2019-01-01), or year")
	}
	y, err := s.yearParam(r)
	if err != nil {
		return from, to, err
	}
	return yearStart(y), yearStart(y+1).AddDate(0, 0, -1), nil
}

func (s *Server) apiStatistics(w http.ResponseWriter, r *http.Request, kind lantian.SubjectKind) {
	code := r.PathValue("code")
	var err error
	if kind == lantian.SubjectStation {
		_, err = s.store.Station(r.Context(), code)
	} else {
		_, err = s.store.Area(r.Context(), code)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	from, to, err := s.statRange(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := lantian.StatFilter{Subject: lantian.Subject{Kind: kind, Code: code}, From: from, To: to}
	switch p := r.PathValue("period"); p {
	case "daily":
		ds, err := s.store.DailyStats(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"units": units(), "items": nonNil(ds)})
	case "monthly", "annual", "period":
		k := map[string]lantian.PeriodKind{"monthly": lantian.PeriodMonth, "annual": lantian.PeriodYear, "period": lantian.PeriodWhole}[p]
		ps, err := s.store.PeriodStats(r.Context(), f, k)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"units": units(), "items": nonNil(ps)})
	default:
		s.fail(w, r, badRequest("statistics period %q: want daily, monthly, annual or period", p))
	}
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// units states the units of every concentration in a response. Means,
// percentiles and values are indexed by pollutant in the order of the
// pollutants list.
func units() map[string]any {
	u := map[string]string{}
	var order []string
	for _, p := range standard.Pollutants {
		u[p.Code()] = p.Unit()
		order = append(order, p.Code())
	}
	return map[string]any{"pollutants": order, "unit": u, "composite_index": "hundredths (306 = 3.06)"}
}

func (s *Server) apiAreaStatistics(w http.ResponseWriter, r *http.Request) {
	s.apiStatistics(w, r, lantian.SubjectArea)
}

func (s *Server) apiStationStatistics(w http.ResponseWriter, r *http.Request) {
	s.apiStatistics(w, r, lantian.SubjectStation)
}

// Assessment is the HJ 663 assessment of an area or station over a period.
type Assessment struct {
	Subject    lantian.Subject `json:"subject"`
	From       string          `json:"from"`
	To         string          `json:"to"`
	Edition    string          `json:"edition"`
	Items      []ItemView      `json:"items"`
	Compliant  bool            `json:"grade2_compliant"`
	Composite  string          `json:"composite_index"`
	ValidDays  int             `json:"valid_days"`
	GoodDays   int             `json:"good_days"`
	HeavyDays  int             `json:"heavy_days"`
	DustDays   int             `json:"dust_days"`
	GoodRatio  string          `json:"good_days_ratio"`
	HeavyRatio string          `json:"heavy_days_ratio"`
}

func (s *Server) apiAssessment(w http.ResponseWriter, r *http.Request, kind lantian.SubjectKind) {
	from, to, err := s.statRange(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	subj := lantian.Subject{Kind: kind, Code: r.PathValue("code")}
	if kind == lantian.SubjectStation {
		_, err = s.store.Station(r.Context(), subj.Code)
	} else {
		_, err = s.store.Area(r.Context(), subj.Code)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ps, err := s.store.PeriodStats(r.Context(), lantian.StatFilter{Subject: subj, From: from, To: to}, lantian.PeriodWhole)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(ps) == 0 {
		s.fail(w, r, lantian.Errorf(lantian.ENOTFOUND, "%s %s has no data from %s to %s", kind, subj.Code, beijingDay(from), beijingDay(to)))
		return
	}
	p := ps[0]
	writeJSON(w, http.StatusOK, Assessment{Subject: subj, From: beijingDay(p.From), To: beijingDay(p.To), Edition: p.Edition,
		Items: s.periodItems(p), Compliant: p.Compliant[standard.NumPollutants], Composite: formatHundredths(p.CompositeIndex),
		ValidDays: p.ValidDays, GoodDays: p.GoodDays, HeavyDays: p.HeavyDays, DustDays: p.DustDays,
		GoodRatio: ratioPercent(p.GoodDays, p.ValidDays), HeavyRatio: ratioPercent(p.HeavyDays, p.ValidDays)})
}

func (s *Server) apiAreaAssessment(w http.ResponseWriter, r *http.Request) {
	s.apiAssessment(w, r, lantian.SubjectArea)
}

func (s *Server) apiStationAssessment(w http.ResponseWriter, r *http.Request) {
	s.apiAssessment(w, r, lantian.SubjectStation)
}

func (s *Server) apiAreaCalendar(w http.ResponseWriter, r *http.Request) {
	y, err := s.yearParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.calendar(r.Context(), r.PathValue("code"), y)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiDetail(w http.ResponseWriter, r *http.Request, kind string) {
	y, err := s.yearParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	code := r.PathValue("code")
	s.serveCachedJSON(w, r, "detail|"+kind+"|"+code+"|"+strconv.Itoa(y), func() (any, error) {
		return s.detail(r.Context(), kind, code, y)
	})
}

func (s *Server) apiAreaDetail(w http.ResponseWriter, r *http.Request) { s.apiDetail(w, r, "area") }
func (s *Server) apiStationDetail(w http.ResponseWriter, r *http.Request) {
	s.apiDetail(w, r, "station")
}

func (s *Server) apiRealtime(w http.ResponseWriter, r *http.Request) {
	s.serveCachedJSON(w, r, "realtime", func() (any, error) { return s.realtime(r.Context()) })
}

func (s *Server) apiOverview(w http.ResponseWriter, r *http.Request) {
	y, err := s.yearParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	at, ok, err := queryDate(r, "as_of")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	asOf := s.asOfFor(y, at, ok)
	s.serveCachedJSON(w, r, "overview|"+strconv.Itoa(y)+"|"+beijingDay(asOf), func() (any, error) {
		return s.overview(r.Context(), y, asOf)
	})
}

func (s *Server) apiTargets(w http.ResponseWriter, r *http.Request) {
	y, err := s.yearParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ov, err := s.overview(r.Context(), y, s.asOfFor(y, time.Time{}, false))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []TargetStatus{}
	seen := map[string]bool{}
	for _, c := range ov.Cards {
		out = append(out, c.PlanTargets...)
		seen[c.Area.Code] = true
	}
	// Targets of areas without a card (other levels) and of other years
	// are listed with the status of what can be said without data.
	for _, p := range s.plans {
		for _, t := range p.Targets {
			if t.Year == y && seen[t.Area] {
				continue
			}
			if t.Year != y && r.URL.Query().Get("year") != "" {
				continue
			}
			ts := TargetStatus{Plan: p.ID, ID: t.ID, Text: t.Text, Area: t.Area, AreaName: p.AreaName(t.Area), Metric: t.Metric,
				Comparator: t.Comparator, Unit: t.Unit, Year: t.Year, Firmness: t.Firmness.Label()}
			if t.Value != nil {
				ts.Value = t.Value.String()
			}
			evaluateTarget(&ts, nil)
			out = append(out, ts)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"year": y, "items": out})
}

func (s *Server) apiRankings(w http.ResponseWriter, r *http.Request) {
	scope, kind, y, m, err := s.rankingRequest(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	at, ok, err := queryDate(r, "as_of")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	from, to, err := s.rankPeriod(kind, y, m, s.asOfFor(y, at, ok))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.store.Area(r.Context(), scope); err != nil {
		s.fail(w, r, err)
		return
	}
	rk, err := s.ranking(r.Context(), scope, kind, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rk)
}

// PlanSummary lists a plan without its tasks.
type PlanSummary struct {
	ID             string `json:"id"`
	Title          string `json:"title"`
	Issuer         string `json:"issuer"`
	DocumentNumber string `json:"document_number"`
	Area           string `json:"area"`
	Start          string `json:"start"`
	End            string `json:"end"`
	Targets        int    `json:"targets"`
	Tasks          int    `json:"tasks"`
}

func (s *Server) apiPlans(w http.ResponseWriter, r *http.Request) {
	out := []PlanSummary{}
	for _, p := range s.plans {
		out = append(out, PlanSummary{ID: p.ID, Title: p.Title, Issuer: p.Issuer, DocumentNumber: p.DocumentNumber, Area: p.Area,
			Start: p.Start.String(), End: p.End.String(), Targets: len(p.Targets), Tasks: len(p.Tasks)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) findPlan(w http.ResponseWriter, r *http.Request) *plan.Plan {
	id := r.PathValue("id")
	i := slices.IndexFunc(s.plans, func(p *plan.Plan) bool { return p.ID == id })
	if i < 0 {
		s.fail(w, r, lantian.Errorf(lantian.ENOTFOUND, "no plan with id %q; GET /api/v1/plans lists the plans", id))
		return nil
	}
	return s.plans[i]
}

func (s *Server) apiPlan(w http.ResponseWriter, r *http.Request) {
	if p := s.findPlan(w, r); p != nil {
		writeJSON(w, http.StatusOK, p)
	}
}

func (s *Server) apiPlanTasks(w http.ResponseWriter, r *http.Request) {
	p := s.findPlan(w, r)
	if p == nil {
		return
	}
	tasks := p.Tasks
	if sec := r.URL.Query().Get("section"); sec != "" {
		n, err := strconv.Atoi(sec)
		if err != nil {
			s.fail(w, r, badRequest("query parameter section=%q: want a section number", sec))
			return
		}
		tasks = nil
		for _, t := range p.Tasks {
			if t.Section == n {
				tasks = append(tasks, t)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"plan": p.ID, "items": nonNil(tasks)})
}
