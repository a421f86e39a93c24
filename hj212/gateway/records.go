package gateway

import (
	"fmt"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/standard"
)

// records turns an accepted upload into the records to store.
//
//   - ST=22 ambient air: 2061 → Hourly (labelled by the hour's end),
//     2051/2011 → Samples, 2031 → Daily; the six basic pollutants are read
//     from their 2017 or 2005 codes, other factor codes (meteorology, TSP …)
//     are counted and skipped.
//   - Pollution sources (ST 30-49, 51, 52, CEMS): 2011/2051/2061/2031 →
//     CEMS records, verbatim.
//   - Everything else (2081, 2021, 3020, other systems) → Events, verbatim.
func (g *Gateway) records(p *hj212.Packet, dev *Device, recv time.Time) (Batch, error) {
	var b Batch
	isData := p.CN == hj212.CNHourly || p.CN == hj212.CNMinute || p.CN == hj212.CNRealTime || p.CN == hj212.CNDaily
	switch {
	case isData && p.ST == hj212.STAmbientAir:
		dt, err := p.DataTime()
		if err != nil {
			return b, err
		}
		vals, flags, err := g.ambientValues(p, dev)
		if err != nil {
			return b, err
		}
		switch p.CN {
		case hj212.CNHourly:
			o := lantian.Observation{Station: dev.Station, Time: dt.Truncate(time.Hour).Add(time.Hour), Values: vals, Flags: flags}
			b.Hourly = []lantian.Observation{o}
		case hj212.CNDaily:
			d := dt.In(standard.Beijing)
			day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, standard.Beijing)
			b.Daily = []DailyRecord{{MN: p.MN, Station: dev.Station, Day: day, Values: vals, Flags: flags}}
		default:
			b.Samples = []Sample{{MN: p.MN, Station: dev.Station, CN: p.CN, Time: dt, Values: vals, Flags: flags}}
		}
	case isData && isSourceST(p.ST):
		dt, err := p.DataTime()
		if err != nil {
			return b, err
		}
		r := CEMSRecord{MN: p.MN, Station: dev.Station, ST: p.ST, CN: p.CN, QN: p.QN, DataTime: dt,
			Values: make([]CEMSValue, 0, len(p.CP))}
		for _, f := range p.CP {
			if f.Key == "DataTime" {
				continue
			}
			code, field, _ := hj212.SplitKey(f.Key)
			if isNumericField(field) && !hj212.ValidNumber(f.Value) {
				return b, fmt.Errorf("%s=%q: want a decimal number", f.Key, f.Value)
			}
			r.Values = append(r.Values, CEMSValue{Code: code, Field: field, Value: f.Value})
		}
		b.CEMS = []CEMSRecord{r}
	default:
		e := Event{MN: p.MN, Station: dev.Station, ST: p.ST, CN: p.CN, QN: p.QN, PNO: p.PNO, Received: recv, CP: p.CP}
		if v, ok := p.Get("DataTime"); ok {
			dt, err := hj212.ParseTime(v)
			if err != nil {
				return b, err
			}
			e.DataTime = dt
		}
		b.Events = []Event{e}
	}
	return b, nil
}

// isSourceST reports the pollution-source system codes (HJ 212-2017
// Table 5: 30-49 sources, 51-52 process monitoring).
func isSourceST(st string) bool {
	if len(st) != 2 || st[0] < '0' || st[0] > '9' || st[1] < '0' || st[1] > '9' {
		return false
	}
	n := int(st[0]-'0')*10 + int(st[1]-'0')
	return n >= 30 && n <= 49 || n == 51 || n == 52
}

func isNumericField(f string) bool {
	switch f {
	case "Rtd", "Min", "Avg", "Max", "Cou", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax":
		return true
	}
	return false
}

// ambientValues reads the six basic pollutants of an ambient upload: the
// interval mean (-Avg) for minute, hourly and daily data and the
// instantaneous value (-Rtd) for real-time data, falling back to the other
// when a device writes the "wrong" one (a known interop quirk), converted
// from the device's unit, with their data flags.
func (g *Gateway) ambientValues(p *hj212.Packet, dev *Device) (vals [standard.NumPollutants]standard.Conc, flags [standard.NumPollutants]lantian.Flag, err error) {
	primary, fallback := "Avg", "Rtd"
	if p.CN == hj212.CNRealTime {
		primary, fallback = "Rtd", "Avg"
	}
	var have, haveFallback [standard.NumPollutants]bool
	var fb [standard.NumPollutants]standard.Conc
	for i := range vals {
		vals[i] = standard.Missing
	}
	version := p.Version()
	for _, f := range p.CP {
		code, field, ok := hj212.SplitKey(f.Key)
		if !ok {
			continue
		}
		pol, known := hj212.AmbientPollutant(code)
		if !known {
			if (field == primary || field == fallback) && !hj212.IsAmbientAuxiliary(code) {
				g.m.unknownFactor.Inc()
			}
			continue
		}
		switch field {
		case "Flag":
			fl, ok := hj212.ParseDataFlag(f.Value, version)
			if !ok {
				g.m.unknownFlag.Inc()
			}
			flags[pol] = fl
		case primary, fallback:
			if f.Value == "" {
				continue
			}
			unit := dev.Units[pol]
			v, err := hj212.AmbientConc(f.Value, pol, unit)
			if err != nil {
				return vals, flags, fmt.Errorf("%s: %w", f.Key, err)
			}
			if field == primary {
				vals[pol], have[pol] = v, true
			} else {
				fb[pol], haveFallback[pol] = v, true
			}
		}
	}
	for i := range vals {
		if !have[i] && haveFallback[i] {
			vals[i], have[i] = fb[i], true
		}
		if !have[i] {
			flags[i] = 0
		} else if flags[i] == 0 {
			flags[i] = lantian.FlagNormal
		}
	}
	return vals, flags, nil
}
