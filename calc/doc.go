// Package calc is the face of the standards engine: it turns hourly
// observations (from any ingest layout) into the three tables of
// `lantian calc` and writes them as CSV or JSON. The same tables serve the
// exports and the web API, so that every number the platform shows is the
// number `lantian calc` prints.
//
//   - Hourly: the real-time AQI (实时报) of every station-hour, HJ 633-2012
//     §5 / HJ 633-2026 §4.2 (PM IAQI from the 1-hour value on the 24-hour
//     breakpoints, as CNEMC publishes), with level, category, primary
//     pollutants and the six IAQIs.
//   - Daily: the daily statistics of HJ 663 日评价 (24-hour means of SO2,
//     NO2, CO, PM10, PM2.5 valid with 20 hours, GB 3095 表4; O3 daily
//     maximum 8-hour mean; O3 daily maximum 1-hour value) rounded as
//     published (GB/T 8170), and the daily AQI (日报).
//   - Period: the HJ 663 assessment of a period per station and per area
//     (mean of the area's evaluation stations): annual means and
//     percentiles with their valid-day counts, compliance per item and
//     overall, good and heavy-pollution days, composite index.
//
// The calculations themselves live in package standard; calc only
// collects series, chooses the edition and lays out the tables. The edition
// is chosen per day (hourly, daily) or per period by date unless fixed
// with RulesFor.
package calc
