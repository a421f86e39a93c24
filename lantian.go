// Package lantian (蓝天) is an air-quality deadline-compliance platform for
// Chinese city governments. This root package holds the domain: the types
// every part of the platform speaks (areas, stations, hourly observations)
// and the service interfaces the adapters implement. It documents the
// architecture; it does no I/O.
//
// The chain the platform implements, and where each link lives:
//
//	stations ──HJ 212 / CSV / API──▶ hourly observations ──standard engine──▶ statistics
//	        ──▶ targets & rankings ──▶ actions (task ledger, warnings, cases) ──▶ accountability
//
//	standard/   the pure standards engine (GB 3095, HJ 633, HJ 663, GB/T 8170,
//	            editions by date); imports nothing of ours and does no I/O.
//	ingest/     file formats (CNEMC china_sites, wide and long CSV, station
//	            lists): streaming parsers that name file, line and field on error.
//	hj212/      the HJ 212-2017 codec and the TCP gateway for field devices.
//	sqlstore/   SQLite (embedded default) and PostgreSQL behind the same
//	            interfaces, with embedded migrations.
//	plan/       plan-as-data: targets, tasks, departments, indicators, ledger.
//	web/        REST API (OpenAPI), dashboard templates and embedded assets.
//	cmd/lantian the one binary; wiring and flags only.
//
// Dependencies point inward: standard imports nothing of ours, adapters import
// this package, and only cmd/lantian knows every package.
package lantian

import (
	"time"

	"github.com/lantian-aq/lantian/standard"
)

// StationKind is the tier of a monitoring station in the network.
type StationKind string

// Station tiers (国控点 / 省控点 / 县控点 / 乡镇站 / 微站 / 对照点).
const (
	KindNational   StationKind = "national"
	KindProvincial StationKind = "provincial"
	KindCounty     StationKind = "county"
	KindTownship   StationKind = "township"
	KindMicro      StationKind = "micro"
	KindBackground StationKind = "background"
)

// Valid reports whether k is one of the known station kinds.
func (k StationKind) Valid() bool {
	switch k {
	case KindNational, KindProvincial, KindCounty, KindTownship, KindMicro, KindBackground:
		return true
	}
	return false
}

// AreaLevel is the administrative level of an area.
type AreaLevel string

// Area levels: a prefecture-level city, a county-level unit (county,
// district, county-level city or functional zone) and a township.
const (
	LevelProvince AreaLevel = "province"
	LevelCity     AreaLevel = "city"
	LevelCounty   AreaLevel = "county"
	LevelTownship AreaLevel = "township"
)

// Area is an administrative area that is assessed as a whole: a city, a
// county/district/zone, or a township. Codes are GB/T 2260 codes where one
// exists (Nanyang 411300); functional zones without a national code carry a
// local code.
type Area struct {
	Code   string    `json:"code"`
	Name   string    `json:"name"`
	Level  AreaLevel `json:"level"`
	Parent string    `json:"parent,omitempty"` // code of the enclosing area
}

// Station is a monitoring station. Evaluation stations (评价点位) are the
// ones whose mean makes the area's value; background and source stations
// are monitored but not averaged into the area.
type Station struct {
	Code       string      `json:"code"` // CNEMC code such as 2403A
	Name       string      `json:"name"`
	Kind       StationKind `json:"kind"`
	Area       string      `json:"area"` // code of the area the station assesses
	Lon        float64     `json:"lon"`
	Lat        float64     `json:"lat"`
	ActiveFrom time.Time   `json:"active_from,omitzero"`
	ActiveTo   time.Time   `json:"active_to,omitzero"` // zero while active
	Evaluation bool        `json:"evaluation"`
	MN         string      `json:"mn,omitempty"` // HJ 212 device number
	// Synthetic marks a simulated station (模拟数据); its data must never be
	// shown without that label.
	Synthetic bool `json:"synthetic,omitempty"`
}

// Flag is the HJ 212-2017 data flag of one value (N normal, F stopped,
// M maintenance, S manual, D fault, C calibration, T over range,
// B communication failure). The zero value means N.
type Flag byte

// HJ 212-2017 data flags (§6.6.4 table 5 of the spec).
const (
	FlagNormal      Flag = 'N'
	FlagStopped     Flag = 'F'
	FlagMaintenance Flag = 'M'
	FlagManual      Flag = 'S'
	FlagFault       Flag = 'D'
	FlagCalibration Flag = 'C'
	FlagOverRange   Flag = 'T'
	FlagCommFailure Flag = 'B'
)

// Usable reports whether a value carrying this flag may enter statistics:
// only normal (N) values do, and the zero value counts as N.
func (f Flag) Usable() bool { return f == 0 || f == FlagNormal }

// String returns the one-letter flag, "N" for the zero value.
func (f Flag) String() string {
	if f == 0 {
		return "N"
	}
	return string(rune(f))
}

// Observation is one station-hour: the six basic pollutants as 1-hour means,
// labelled by the hour's END in Beijing time (the value at 00:00 of day D is
// the last hour of day D−1). A Missing value was not measured or not
// reported.
type Observation struct {
	Station string                                `json:"station"`
	Time    time.Time                             `json:"time"`
	Values  [standard.NumPollutants]standard.Conc `json:"-"`
	Flags   [standard.NumPollutants]Flag          `json:"-"`
}
