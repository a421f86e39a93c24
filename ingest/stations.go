package ingest

import (
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// StationList is the content of a station or area file.
type StationList struct {
	Stations []lantian.Station
	Areas    []lantian.Area
}

// AreaOf maps station codes to the code of the area they assess.
func (l *StationList) AreaOf() map[string]string {
	m := make(map[string]string, len(l.Stations))
	for _, s := range l.Stations {
		m[s.Code] = s.Area
	}
	return m
}

// henanCities are the GB/T 2260 codes of Henan's prefecture-level cities
// (and the province-administered Jiyuan), keyed by the short names the
// CNEMC station list uses. Cities not listed keep their name as code.
var henanCities = map[string]string{
	"郑州": "410100", "开封": "410200", "洛阳": "410300", "平顶山": "410400",
	"安阳": "410500", "鹤壁": "410600", "新乡": "410700", "焦作": "410800",
	"濮阳": "410900", "许昌": "411000", "漯河": "411100", "三门峡": "411200",
	"南阳": "411300", "商丘": "411400", "信阳": "411500", "周口": "411600",
	"驻马店": "411700", "济源": "419001",
}

const henanProvince = "410000"

// ReadStations reads a station list in the CNEMC layout
// (监测点编码,监测点名称,城市,经度,纬度,对照点), lantian's station layout
// (code,name,kind,area,lon,lat,evaluation,mn,active_from,active_to) or
// lantian's area layout (code,name,level,parent). Bad rows are returned as
// row errors and left out; a wrong layout is a *LayoutError.
//
// In the CNEMC list, notes in the name are interpreted: (对照点) marks a
// background station, (停运171207) or (20190322停运) the day the station
// stopped (ActiveTo, 00:00 Beijing time). Stations with 对照点 = Y are
// background stations and not evaluation stations; the others are
// national evaluation stations. Each city becomes an area of level city,
// coded by GB/T 2260 where the city is known (Henan), else by its name.
func ReadStations(r io.Reader, opt Options) (*StationList, []*RowError, error) {
	c := newCSVReader(r)
	fields, err := c.read()
	if err != nil {
		if err == io.EOF {
			return nil, nil, &LayoutError{File: opt.File, Msg: "empty file: want a header row"}
		}
		return nil, nil, &LayoutError{File: opt.File, Line: 1, Msg: "unreadable header", Err: err}
	}
	header := make([]string, len(fields))
	for i, f := range fields {
		header[i] = strings.TrimSpace(string(f))
	}
	f, derr := Detect(header)
	if opt.Format != "" {
		if derr == nil && f != opt.Format {
			return nil, nil, layoutErrorf(opt.File, 1, "header is in the %s layout, not %s as requested", f, opt.Format)
		}
		f = opt.Format
	} else if derr != nil {
		return nil, nil, &LayoutError{File: opt.File, Line: 1, Msg: derr.Error()}
	}
	sr := &stationReader{file: opt.File, list: &StationList{}, seen: map[string]int{}, areaSeen: map[string]int{}}
	var row func(f [][]byte, line int)
	switch f {
	case CNEMCStations:
		if len(header) < 6 {
			return nil, nil, layoutErrorf(opt.File, 1, "CNEMC station list needs 6 columns 监测点编码,监测点名称,城市,经度,纬度,对照点")
		}
		row = sr.cnemc
	case Stations:
		if err := sr.columns(header, stationColumns, 6); err != nil {
			return nil, nil, err
		}
		row = sr.lantianStation
	case Areas:
		if err := sr.columns(header, areaColumns, 3); err != nil {
			return nil, nil, err
		}
		row = sr.area
	default:
		return nil, nil, layoutErrorf(opt.File, 1, "%s holds hourly observations, not stations or areas", f)
	}
	sr.nf = len(header)
	for {
		fields, err := c.read()
		if err == io.EOF {
			break
		}
		var se *csvSyntax
		if errors.As(err, &se) {
			sr.errf(se.line, "", se.text, "well-formed CSV ("+se.msg+")")
			continue
		}
		if err != nil {
			return sr.list, sr.errs, &LayoutError{File: opt.File, Line: c.line, Msg: "read error", Err: err}
		}
		if len(fields) != sr.nf {
			sr.errf(c.recLine, "", joinFields(fields), strconv.Itoa(sr.nf)+" fields as in the header, got "+strconv.Itoa(len(fields)))
			continue
		}
		row(fields, c.recLine)
	}
	if f == CNEMCStations && sr.henan {
		sr.list.Areas = append([]lantian.Area{{Code: henanProvince, Name: "河南省", Level: lantian.LevelProvince}}, sr.list.Areas...)
	}
	return sr.list, sr.errs, nil
}

var (
	stationColumns = []string{"code", "name", "kind", "area", "lon", "lat", "evaluation", "mn", "active_from", "active_to", "synthetic"}
	areaColumns    = []string{"code", "name", "level", "parent"}
)

type stationReader struct {
	file     string
	nf       int
	col      map[string]int
	list     *StationList
	errs     []*RowError
	seen     map[string]int // station code → line
	areaSeen map[string]int
	henan    bool
}

func (sr *stationReader) errf(line int, field, value, want string) {
	sr.errs = append(sr.errs, &RowError{File: sr.file, Line: line, Field: field, Value: shorten(value), Want: want, Skipped: "row"})
}

func (sr *stationReader) columns(header, known []string, required int) error {
	sr.col = map[string]int{}
	for i, h := range header {
		k := strings.ToLower(h)
		ok := false
		for _, n := range known {
			if k == n {
				ok = true
			}
		}
		if !ok {
			return layoutErrorf(sr.file, 1, "unknown column %q (want %s)", h, strings.Join(known, ","))
		}
		if _, dup := sr.col[k]; dup {
			return layoutErrorf(sr.file, 1, "column %q appears twice in the header", h)
		}
		sr.col[k] = i
	}
	for _, n := range known[:required] {
		if _, ok := sr.col[n]; !ok {
			return layoutErrorf(sr.file, 1, "missing column %q (want %s)", n, strings.Join(known, ","))
		}
	}
	return nil
}

func (sr *stationReader) cell(f [][]byte, name string) string {
	i, ok := sr.col[name]
	if !ok {
		return ""
	}
	return strings.TrimSpace(string(f[i]))
}

var (
	noteRE    = regexp.MustCompile(`[(（]([^)）]*)[)）]`)
	stoppedRE = regexp.MustCompile(`^(?:停运(\d{6}|\d{8})|(\d{6}|\d{8})停运)$`)
)

// parseNoteDate reads YYMMDD (20YY) or YYYYMMDD as 00:00 Beijing time.
func parseNoteDate(s string) (time.Time, bool) {
	if len(s) == 6 {
		s = "20" + s
	}
	t, err := time.ParseInLocation("20060102", s, standard.Beijing)
	return t, err == nil
}

func (sr *stationReader) addStation(st lantian.Station, line int) {
	if prev, dup := sr.seen[st.Code]; dup {
		sr.errf(line, "code", st.Code, "each station once: line "+strconv.Itoa(prev)+" already defines it")
		return
	}
	sr.seen[st.Code] = line
	sr.list.Stations = append(sr.list.Stations, st)
}

func (sr *stationReader) addArea(a lantian.Area, line int) bool {
	if prev, dup := sr.areaSeen[a.Code]; dup {
		if line > 0 {
			sr.errf(line, "code", a.Code, "each area once: line "+strconv.Itoa(prev)+" already defines it")
		}
		return false
	}
	sr.areaSeen[a.Code] = line
	sr.list.Areas = append(sr.list.Areas, a)
	return true
}

func parseCoord(s string, max float64) (float64, bool) {
	if s == "" {
		return 0, true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < -max || v > max {
		return 0, false
	}
	return v, true
}

func (sr *stationReader) cnemc(f [][]byte, line int) {
	code := strings.TrimSpace(string(f[0]))
	name := strings.TrimSpace(string(f[1]))
	city := strings.TrimSpace(string(f[2]))
	if code == "" {
		sr.errf(line, "监测点编码", "", "a station code")
		return
	}
	st := lantian.Station{Code: code, Kind: lantian.KindNational, Evaluation: true}
	var ok bool
	if st.Lon, ok = parseCoord(strings.TrimSpace(string(f[3])), 180); !ok {
		sr.errf(line, "经度", string(f[3]), "a longitude in degrees (-180…180)")
		return
	}
	if st.Lat, ok = parseCoord(strings.TrimSpace(string(f[4])), 90); !ok {
		sr.errf(line, "纬度", string(f[4]), "a latitude in degrees (-90…90)")
		return
	}
	switch strings.ToUpper(strings.TrimSpace(string(f[5]))) {
	case "Y", "是":
		st.Kind, st.Evaluation = lantian.KindBackground, false
	case "N", "否", "":
	default:
		sr.errf(line, "对照点", string(f[5]), "Y or N")
		return
	}
	// Interpret the notes in the name.
	for _, m := range noteRE.FindAllStringSubmatch(name, -1) {
		note := strings.TrimSpace(m[1])
		switch {
		case note == "对照点":
			st.Kind, st.Evaluation = lantian.KindBackground, false
		case stoppedRE.MatchString(note):
			sm := stoppedRE.FindStringSubmatch(note)
			d := sm[1] + sm[2]
			t, ok := parseNoteDate(d)
			if !ok {
				sr.errf(line, "监测点名称", name, "a stop date as (停运YYMMDD) or (YYYYMMDD停运)")
				return
			}
			st.ActiveTo = t
		default:
			continue
		}
		name = strings.TrimSpace(strings.Replace(name, m[0], "", 1))
	}
	st.Name = name
	if city != "" {
		ac, known := henanCities[city]
		if !known {
			ac = city
		}
		st.Area = ac
		parent := ""
		if known {
			parent = henanProvince
			sr.henan = true
		}
		sr.addArea(lantian.Area{Code: ac, Name: city + "市", Level: lantian.LevelCity, Parent: parent}, 0)
	}
	sr.addStation(st, line)
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1", "是":
		return true, true
	case "false", "no", "n", "0", "否", "":
		return false, true
	}
	return false, false
}

func parseDay(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation("2006-01-02", s, standard.Beijing)
	return t, err == nil
}

func (sr *stationReader) lantianStation(f [][]byte, line int) {
	st := lantian.Station{
		Code: sr.cell(f, "code"), Name: sr.cell(f, "name"),
		Kind: lantian.StationKind(strings.ToLower(sr.cell(f, "kind"))), Area: sr.cell(f, "area"), MN: sr.cell(f, "mn"),
	}
	if st.Code == "" {
		sr.errf(line, "code", "", "a station code")
		return
	}
	if !st.Kind.Valid() {
		sr.errf(line, "kind", string(st.Kind), "one of national, provincial, county, township, micro, background")
		return
	}
	var ok bool
	if st.Lon, ok = parseCoord(sr.cell(f, "lon"), 180); !ok {
		sr.errf(line, "lon", sr.cell(f, "lon"), "a longitude in degrees (-180…180)")
		return
	}
	if st.Lat, ok = parseCoord(sr.cell(f, "lat"), 90); !ok {
		sr.errf(line, "lat", sr.cell(f, "lat"), "a latitude in degrees (-90…90)")
		return
	}
	if st.Evaluation, ok = parseBool(sr.cell(f, "evaluation")); !ok {
		sr.errf(line, "evaluation", sr.cell(f, "evaluation"), "true or false")
		return
	}
	if st.Synthetic, ok = parseBool(sr.cell(f, "synthetic")); !ok {
		sr.errf(line, "synthetic", sr.cell(f, "synthetic"), "true or false")
		return
	}
	if st.ActiveFrom, ok = parseDay(sr.cell(f, "active_from")); !ok {
		sr.errf(line, "active_from", sr.cell(f, "active_from"), "a date YYYY-MM-DD or empty")
		return
	}
	if st.ActiveTo, ok = parseDay(sr.cell(f, "active_to")); !ok {
		sr.errf(line, "active_to", sr.cell(f, "active_to"), "a date YYYY-MM-DD or empty")
		return
	}
	if !st.ActiveFrom.IsZero() && !st.ActiveTo.IsZero() && st.ActiveTo.Before(st.ActiveFrom) {
		sr.errf(line, "active_to", sr.cell(f, "active_to"), "a date not before active_from "+sr.cell(f, "active_from"))
		return
	}
	sr.addStation(st, line)
}

func (sr *stationReader) area(f [][]byte, line int) {
	a := lantian.Area{Code: sr.cell(f, "code"), Name: sr.cell(f, "name"), Level: lantian.AreaLevel(strings.ToLower(sr.cell(f, "level"))), Parent: sr.cell(f, "parent")}
	if a.Code == "" {
		sr.errf(line, "code", "", "an area code")
		return
	}
	switch a.Level {
	case lantian.LevelProvince, lantian.LevelCity, lantian.LevelCounty, lantian.LevelTownship:
	default:
		sr.errf(line, "level", string(a.Level), "one of province, city, county, township")
		return
	}
	sr.addArea(a, line)
}
