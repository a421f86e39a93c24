package lantian

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lantian-aq/lantian/standard"
)

// This file declares the services the persistent store offers. The web
// server, the importers and the HJ 212 gateway code against these
// interfaces; package sqlstore implements them on SQLite (the embedded
// default) and on PostgreSQL. Statistics are derived data: the store
// recomputes them with the standard engine whenever the hours beneath them
// change, and offers no way to edit them by hand.

// Error codes of the domain. Adapters translate them (for example into
// HTTP statuses); callers test them with ErrorCode.
const (
	ENOTFOUND = "not_found" // the named thing does not exist
	EINVALID  = "invalid"   // the input breaks a rule; the message says which
	ECONFLICT = "conflict"  // the input contradicts what is stored
	EINTERNAL = "internal"  // a fault of the platform, not of the input
)

// Error is a domain error: a code for programs and a message a person can
// act on. Internal faults are wrapped errors, not *Error values.
type Error struct {
	Code    string
	Message string
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic text for internal faults, whose details belong in the log and not
// in front of a user.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return "internal error"
}

// ---- areas and stations ----

// AreaFilter selects areas. Zero fields do not filter.
type AreaFilter struct {
	Parent string    // only the direct children of this area
	Within string    // this area and every area below it, at any depth
	Level  AreaLevel // only areas of this level
	Codes  []string  // only these codes
}

// AreaService manages the administrative areas: city → county, district or
// functional zone → township.
type AreaService interface {
	// Area returns the area with the code, or ENOTFOUND.
	Area(ctx context.Context, code string) (*Area, error)
	// Areas returns the areas the filter selects, ordered by code.
	Areas(ctx context.Context, f AreaFilter) ([]*Area, error)
	// PutArea creates or replaces an area. Its parent must exist, the level
	// must be known, and an area cannot become its own ancestor (EINVALID).
	PutArea(ctx context.Context, a *Area) error
}

// StationFilter selects stations. Zero fields do not filter, except that
// synthetic (simulated) stations are left out unless asked for, so that
// simulated data are never mixed into real data silently.
type StationFilter struct {
	Area       string        // stations assessing this area…
	Within     bool          // …or any area below it
	Kinds      []StationKind // only these tiers
	Evaluation *bool         // only evaluation (or only non-evaluation) stations
	ActiveAt   time.Time     // only stations active at this instant
	Codes      []string      // only these codes
	Synthetic  bool          // include synthetic stations
}

// StationService manages monitoring stations.
type StationService interface {
	// Station returns the station with the code, or ENOTFOUND.
	Station(ctx context.Context, code string) (*Station, error)
	// StationByMN returns the station whose HJ 212 device number is mn, or
	// ENOTFOUND.
	StationByMN(ctx context.Context, mn string) (*Station, error)
	// Stations returns the stations the filter selects, ordered by code.
	Stations(ctx context.Context, f StationFilter) ([]*Station, error)
	// PutStation creates or replaces a station; its area must exist and its
	// kind must be known (EINVALID). A station's hours are kept when it is
	// replaced; moving it to another area marks the statistics of both
	// areas for recomputation.
	PutStation(ctx context.Context, s *Station) error
}

// ---- hourly observations ----

// AuditState says how far an hourly record has come through data audit
// (数据审核): real-time values arrive raw, the monthly review (次月上旬复核)
// confirms or invalidates them.
type AuditState string

// Audit states of an hourly record.
const (
	AuditRaw         AuditState = "raw"         // as received, not yet reviewed (实时数据)
	AuditReviewed    AuditState = "reviewed"    // confirmed by review (审核数据)
	AuditInvalidated AuditState = "invalidated" // rejected by review; kept, never used in statistics
)

// Valid reports whether a is a known audit state; the empty state counts as
// raw.
func (a AuditState) Valid() bool {
	switch a {
	case "", AuditRaw, AuditReviewed, AuditInvalidated:
		return true
	}
	return false
}

// HourRecord is an observation as the store keeps it: the values and flags
// plus where they came from. Every change of a station-hour is a new
// revision; the old one is kept.
type HourRecord struct {
	Observation
	Audit      AuditState `json:"audit"`
	Source     string     `json:"source"`      // e.g. "import:china_sites_20190102.csv", "hj212:MN…"
	ReceivedAt time.Time  `json:"received_at"` // when the store accepted this revision
	Revision   int        `json:"revision"`    // 1 for the first version of the station-hour
	// Line is the line of the source file the record came from, 0 when it
	// did not come from a file.
	Line int `json:"line,omitempty"`
}

// ObservationFilter selects hourly records. Times are hour-ending instants;
// the range is [From, To). Results are ordered by station, then time.
type ObservationFilter struct {
	Stations []string  // these stations…
	Area     string    // …or the stations assessing this area or any area below it
	From, To time.Time // required, at most a few years apart
	// After is a paging cursor: only records after this station-hour (in
	// result order). Zero starts at the beginning.
	AfterStation string
	AfterTime    time.Time
	Limit        int  // at most this many records; 0 means no limit
	Synthetic    bool // include synthetic stations when selecting by area
}

// WriteResult counts what a write did with each record.
type WriteResult struct {
	Inserted  int           // station-hours that did not exist
	Revised   int           // station-hours whose values, flags or audit state changed (old revision kept)
	Unchanged int           // station-hours identical to what was stored
	Rejected  []RecordError // records refused, each with why
}

// Add accumulates r into w.
func (w *WriteResult) Add(r WriteResult) {
	w.Inserted += r.Inserted
	w.Revised += r.Revised
	w.Unchanged += r.Unchanged
	w.Rejected = append(w.Rejected, r.Rejected...)
}

// RecordError says why the store refused one record of a write: Index is
// its position in the slice passed to the write.
type RecordError struct {
	Index   int
	Station string
	Time    time.Time
	Code    string // ENOTFOUND for an unknown station, EINVALID, ECONFLICT
	Message string
}

// Error implements error.
func (e RecordError) Error() string { return e.Message }

// ObservationService stores and reads hourly observations.
type ObservationService interface {
	// Observations returns the current revision of each selected
	// station-hour.
	Observations(ctx context.Context, f ObservationFilter) ([]*HourRecord, error)
	// LatestHours returns, for each selected station that has data, its most
	// recent station-hour.
	LatestHours(ctx context.Context, f StationFilter) ([]*HourRecord, error)
	// Revisions returns every revision of one station-hour, oldest first.
	Revisions(ctx context.Context, station string, hour time.Time) ([]*HourRecord, error)
	// WriteHours writes records in one transaction (the path of the HJ 212
	// gateway and the API). Records are refused one by one (unknown
	// station, time not on the hour, impossible value), never the batch.
	WriteHours(ctx context.Context, recs []HourRecord) (WriteResult, error)
	// BeginImport starts the import of one file: everything written through
	// the returned Import becomes visible at once on Commit, or not at all.
	BeginImport(ctx context.Context, file, format string) (Import, error)
}

// Import is one file being imported in one transaction. Writes are
// idempotent: writing a station-hour again with the same values changes
// nothing; with different values it becomes a new revision. Two rows of the
// same file for the same station-hour with different values are a conflict
// (the second is refused).
type Import interface {
	// PutAreas and PutStations create or replace areas and stations (a
	// station list file).
	PutAreas(ctx context.Context, as []*Area) (WriteResult, error)
	PutStations(ctx context.Context, ss []*Station) (WriteResult, error)
	// WriteHours checks and writes a batch of hourly records; see
	// ObservationService. Refused records are returned at once; the counts
	// of inserted, revised and unchanged station-hours may be known only at
	// Commit, whose ImportRun carries the totals.
	WriteHours(ctx context.Context, recs []HourRecord) (WriteResult, error)
	// Commit records the run and makes the file's data visible. sum carries
	// what only the caller knows (rows read, rows the parser rejected, their
	// messages); the store adds its own counts and refusals, and the
	// returned run holds the totals. Statistics of the touched days are recomputed
	// after the commit; a crash before that leaves them marked for
	// recomputation, never stale without a mark.
	Commit(ctx context.Context, sum ImportSummary) (*ImportRun, error)
	// Rollback discards everything written; it is a no-op after Commit.
	Rollback() error
}

// ImportSummary counts one file's rows. Values are hourly values (one
// pollutant of one station-hour) where the format has them, rows for
// station lists.
type ImportSummary struct {
	Read      int      `json:"read"`      // data rows read from the file
	Inserted  int      `json:"inserted"`  // station-hours (or stations, areas) new to the store
	Revised   int      `json:"revised"`   // station-hours (or stations, areas) changed, old revision kept
	Unchanged int      `json:"unchanged"` // station-hours identical to the store
	Rejected  int      `json:"rejected"`  // rows or records refused
	Messages  []string `json:"messages,omitempty"`
}

// ImportRun is the record of one committed import.
type ImportRun struct {
	ID         int64     `json:"id"`
	File       string    `json:"file"`
	Format     string    `json:"format"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	ImportSummary
}

// ImportRunService lists past imports.
type ImportRunService interface {
	// ImportRuns returns the most recent runs first; limit 0 means all.
	ImportRuns(ctx context.Context, limit int) ([]*ImportRun, error)
}

// ---- dust days ----

// DustDay marks a calendar day on which an area's PM data were affected by
// dust or sand weather (环办监测〔2016〕120号). Statistics offer a variant
// with those days' PM values deducted.
type DustDay struct {
	Area string    `json:"area"`
	Date time.Time `json:"date"` // midnight, Beijing time
	Note string    `json:"note,omitempty"`
}

// DustService keeps dust flags. Daily statistics do not depend on them;
// period statistics apply the flags of the subject's area and of every area
// above it when they are read, so a change takes effect at once.
type DustService interface {
	DustDays(ctx context.Context, area string, from, to time.Time) ([]*DustDay, error)
	SetDustDay(ctx context.Context, d *DustDay) error
	ClearDustDay(ctx context.Context, area string, date time.Time) error
}

// ---- statistics ----

// SubjectKind says whether a statistic is of a station or of an area.
type SubjectKind string

// Subject kinds.
const (
	SubjectStation SubjectKind = "station"
	SubjectArea    SubjectKind = "area"
)

// Subject names what a statistic describes.
type Subject struct {
	Kind SubjectKind `json:"kind"`
	Code string      `json:"code"`
}

// Coverage says how complete the data beneath a value were and whether the
// value is valid under GB 3095 table 4: the engine's type.
type Coverage = standard.Coverage

// Value is one statistic with its coverage. Value is the concentration
// rounded by GB/T 8170 as the standard publishes it (µg/m³ to integers, CO
// mg/m³ to 0.1); Missing when not computable.
type Value struct {
	Value    standard.Conc `json:"value"`
	Coverage Coverage      `json:"coverage"`
}

// DailyStat is the daily statistic of a station or an area: 24-h means,
// the O3 daily maximum 8-h and 1-h values, and the daily AQI, as the
// standard engine computed them from the stored hours.
type DailyStat struct {
	Subject Subject   `json:"subject"`
	Date    time.Time `json:"date"`    // midnight, Beijing time; the day holds hours ending 01:00…24:00
	Edition string    `json:"edition"` // the rules used: "2012", "2026" or "2031"
	// Means holds the 24-h means indexed by standard.Pollutant; the O3 slot
	// holds the daily maximum 8-h mean.
	Means   [standard.NumPollutants]Value `json:"means"`
	O3Max1h Value                         `json:"o3_1h"`
	AQI     int                           `json:"aqi"` // 0 when not computable
	Primary []standard.Pollutant          `json:"primary,omitempty"`
	Dust    bool                          `json:"dust,omitempty"` // a dust day of the area
	// Stations is the number of stations the value is made from (1 for a
	// station).
	Stations int `json:"stations"`
	// Detail is the engine's full result for the day: exact values,
	// IAQIs, level, category and colour.
	Detail *standard.Daily `json:"detail,omitempty"`
}

// PeriodKind is the granularity of period statistics.
type PeriodKind string

// Period kinds: calendar months, calendar years, or the whole requested
// range as one period.
const (
	PeriodMonth PeriodKind = "month"
	PeriodYear  PeriodKind = "year"
	PeriodWhole PeriodKind = "period"
)

// PeriodStat is the HJ 663 assessment of a station or area over a period,
// computed from its daily statistics.
type PeriodStat struct {
	Subject Subject    `json:"subject"`
	Kind    PeriodKind `json:"kind"`
	From    time.Time  `json:"from"` // first day
	To      time.Time  `json:"to"`   // last day, inclusive
	Edition string     `json:"edition"`
	// Means holds the period means of SO2, NO2, PM10 and PM2.5 (the CO and
	// O3 slots are Missing: they are assessed by percentile only).
	Means [standard.NumPollutants]Value `json:"means"`
	// Percentiles holds the HJ 663 short-term items: SO2 and NO2 98th, PM10
	// and PM2.5 95th, CO 95th percentile of daily means, O3 90th of the
	// daily maximum 8-h means.
	Percentiles [standard.NumPollutants]Value `json:"percentiles"`
	// DustDeducted holds Means and Percentiles of PM10 and PM2.5 with the
	// area's dust days removed (the other slots repeat Means/Percentiles).
	DustDeductedMeans       [standard.NumPollutants]Value `json:"dust_deducted_means"`
	DustDeductedPercentiles [standard.NumPollutants]Value `json:"dust_deducted_percentiles"`
	ValidDays               int                           `json:"valid_days"` // days with a valid daily AQI
	GoodDays                int                           `json:"good_days"`  // AQI ≤ 100
	HeavyDays               int                           `json:"heavy_days"` // AQI > 200
	DustDays                int                           `json:"dust_days"`
	// CompositeIndex is ΣCi/Si in hundredths (306 = 3.06), dust deducted;
	// 0 when not computable.
	CompositeIndex int64 `json:"composite_index"`
	// Compliant is per item and overall (index NumPollutants).
	Compliant [standard.NumPollutants + 1]bool `json:"compliant"`
	// Assessment is the engine's full HJ 663 result (both dust variants,
	// exceedance multiples, ratios, indices) the fields above summarise.
	Assessment *standard.Assessment `json:"assessment,omitempty"`
}

// StatFilter selects statistics of one subject over a range of days
// (inclusive, Beijing calendar days).
type StatFilter struct {
	Subject  Subject
	From, To time.Time
}

// StatisticService reads derived statistics. Reads see every committed
// hour: days whose hours changed are recomputed before they are returned.
type StatisticService interface {
	// DailyStats returns one DailyStat per day that has data, in date order.
	DailyStats(ctx context.Context, f StatFilter) ([]*DailyStat, error)
	// PeriodStats returns the statistics per month, per year or for the
	// whole range, in time order.
	PeriodStats(ctx context.Context, f StatFilter, kind PeriodKind) ([]*PeriodStat, error)
	// RefreshStats recomputes every day marked as changed and returns how
	// many station- and area-days it recomputed.
	RefreshStats(ctx context.Context) (int, error)
}

// Store is the whole persistent core.
type Store interface {
	AreaService
	StationService
	ObservationService
	DustService
	StatisticService
	ImportRunService
	// Close releases the store's connections.
	Close() error
}
