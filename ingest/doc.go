// Package ingest reads hourly air-quality data and station lists from the
// file layouts a city bureau meets in practice, and turns them into
// lantian.Observation and lantian.Station values:
//
//   - china_sites: the CNEMC daily files archived by quotsoft
//     (date,hour,type,<station codes…>), one row per hour and type. The six
//     1-hour rows of an hour are merged into one Observation per station;
//     the AQI, X_24h and O3_8h* rows are published derived figures, exposed
//     separately (Options.OnPublished) and never treated as observations.
//   - wide: station,time,pm25,pm10,so2,no2,co,o3 (any column order), one row
//     per station-hour.
//   - long: station,time,pollutant,value[,unit][,flag], one row per value.
//   - stations: the CNEMC station list (监测点编码,监测点名称,城市,经度,纬度,对照点)
//     and lantian's own station layout; areas: lantian's area layout.
//
// Hour labels follow the CNEMC convention: a value is labelled by the END of
// its hour in Beijing time, so hour=0 of the china_sites file of day D is
// 00:00 of D, the last hour of D−1.
//
// Readers stream: they hold one record (one hour block for china_sites) at a
// time, plus a compact index of the station-hours already seen so that a
// duplicate with conflicting values is reported (8 bytes per station-hour,
// or per station-hour-pollutant for the long layout; see
// Options.AllowDuplicates). A bad row yields a *RowError naming file, line,
// field, the offending value and what was expected, and reading continues
// with the next row; a file in the wrong layout or with an unreadable header
// yields a *LayoutError and reading stops.
//
// Observations come one at a time (Reader.Next, as lantian.Observation) or
// by the batch (Reader.NextBatch, as compact Hour records naming stations
// by index): the same observations, errors and counts either way. A wide
// file read with Options.Workers above 1 is parsed in chunks by that many
// goroutines (a large regular file is mapped rather than read); results
// are those of a sequential read.
package ingest
