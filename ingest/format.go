package ingest

import (
	"fmt"
	"strings"
)

// Format names an input layout.
type Format string

// The layouts ingest reads.
const (
	// ChinaSites is the CNEMC/quotsoft daily-file layout
	// date,hour,type,<station codes…>.
	ChinaSites Format = "china_sites"
	// Wide is one row per station-hour: station,time,<pollutant columns>.
	Wide Format = "wide"
	// Long is one row per value: station,time,pollutant,value[,unit][,flag].
	Long Format = "long"
	// CNEMCStations is the CNEMC station list
	// 监测点编码,监测点名称,城市,经度,纬度,对照点.
	CNEMCStations Format = "cnemc_stations"
	// Stations is lantian's station layout
	// code,name,kind,area,lon,lat,evaluation,mn,active_from,active_to.
	Stations Format = "stations"
	// Areas is lantian's area layout code,name,level,parent.
	Areas Format = "areas"
)

// Formats lists every layout, observation layouts first.
var Formats = []Format{ChinaSites, Wide, Long, CNEMCStations, Stations, Areas}

// ParseFormat accepts a layout name as written on the command line.
func ParseFormat(s string) (Format, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.ReplaceAll(k, "-", "_")
	switch k {
	case "china_sites", "chinasites", "cnemc", "quotsoft":
		return ChinaSites, nil
	case "wide":
		return Wide, nil
	case "long":
		return Long, nil
	case "cnemc_stations", "station_list":
		return CNEMCStations, nil
	case "stations":
		return Stations, nil
	case "areas":
		return Areas, nil
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown input format %q (want one of %s)", s, strings.Join(names, ", "))
}

// IsObservations reports whether the layout holds hourly observations
// (as opposed to stations or areas).
func (f Format) IsObservations() bool { return f == ChinaSites || f == Wide || f == Long }

// normHeader lower-cases a header cell and drops blanks, dots, dashes and
// underscores, so that "PM2.5", "pm25" and "PM_2.5" compare equal.
func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "", ".", "", "_", "", "-", "").Replace(s)
}

var (
	stationAliases   = []string{"station", "stationcode", "code", "site", "sitecode", "监测点编码", "站点编码", "站点", "mn"}
	timeAliases      = []string{"time", "datetime", "hourend", "timestamp", "时间", "监测时间"}
	pollutantAliases = []string{"pollutant", "item", "parameter", "污染物", "监测项目"}
	valueAliases     = []string{"value", "conc", "concentration", "浓度", "数值"}
	unitAliases      = []string{"unit", "单位"}
	flagAliases      = []string{"flag", "mark", "标记", "数据标记"}
)

func isAlias(h string, aliases []string) bool {
	n := normHeader(h)
	for _, a := range aliases {
		if n == a {
			return true
		}
	}
	return false
}

// Detect names the layout of a file from its header row. It returns an
// error describing the header when no layout matches.
func Detect(header []string) (Format, error) {
	if len(header) > 0 {
		header = append([]string(nil), header...)
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	n := make([]string, len(header))
	for i, h := range header {
		n[i] = normHeader(h)
	}
	has := func(aliases []string) bool {
		for _, h := range header {
			if isAlias(h, aliases) {
				return true
			}
		}
		return false
	}
	switch {
	case len(n) >= 3 && n[0] == "date" && n[1] == "hour" && n[2] == "type":
		return ChinaSites, nil
	case len(n) >= 2 && n[0] == "监测点编码" && n[1] == "监测点名称":
		return CNEMCStations, nil
	case len(n) >= 4 && n[0] == "code" && n[1] == "name" && n[2] == "kind":
		return Stations, nil
	case len(n) >= 3 && n[0] == "code" && n[1] == "name" && n[2] == "level":
		return Areas, nil
	case has(stationAliases) && has(timeAliases) && has(pollutantAliases) && has(valueAliases):
		return Long, nil
	case has(stationAliases) && has(timeAliases):
		for _, h := range header {
			if _, ok := pollutantColumn(h); ok {
				return Wide, nil
			}
		}
	}
	return "", fmt.Errorf("unrecognised header %q: want china_sites (date,hour,type,<stations…>), wide (station,time,pm25,pm10,so2,no2,co,o3), long (station,time,pollutant,value[,unit][,flag]), a CNEMC station list (监测点编码,监测点名称,城市,经度,纬度,对照点), stations (code,name,kind,area,…) or areas (code,name,level,parent)", shortenHeader(header))
}

func shortenHeader(h []string) string {
	s := strings.Join(h, ",")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
