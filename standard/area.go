package standard

import (
	"fmt"
	"math/big"
)

// AreaInfo describes how an area series was formed from its stations.
type AreaInfo struct {
	// Stations are the evaluation stations averaged.
	Stations []string `json:"stations"`
	// Required is the minimum number of stations with a valid value for an
	// hourly area value (Rules.AreaMinSharePercent of the stations, at
	// least one).
	Required int `json:"required"`
	// ValidStations[p][i] is the number of stations with a valid value of
	// pollutant p in hour slot i.
	ValidStations [NumPollutants][]uint16 `json:"-"`
}

// RequiredStations returns how many of n stations must have a valid value
// for an area value: ⌈n × AreaMinSharePercent / 100⌉, at least 1.
func (r *Rules) RequiredStations(n int) int {
	r = orDefault(r)
	need := (n*r.AreaMinSharePercent + 99) / 100
	return max(need, 1)
}

// AreaSeries forms the hourly series of an area (city, county) as the mean
// of its evaluation stations' valid hourly values (HJ 663 点位平均,
// standards.md §3.3); an hour is valid when at least
// Rules.RequiredStations stations are valid. The area mean is held to the
// Conc resolution (0.001 unit, GB/T 8170 at the third decimal), two orders
// of magnitude finer than anything published. All stations must cover the
// same days.
func AreaSeries(r *Rules, name string, stations []*Series) (*Series, *AreaInfo, error) {
	r = orDefault(r)
	if len(stations) == 0 {
		return nil, nil, fmt.Errorf("area %s: no stations", name)
	}
	s0 := stations[0]
	for _, s := range stations[1:] {
		if s.firstDay != s0.firstDay || s.Days != s0.Days {
			return nil, nil, fmt.Errorf("area %s: station %s covers %s + %d days, station %s %s + %d days",
				name, s0.Station, s0.First.Format("2006-01-02"), s0.Days, s.Station, s.First.Format("2006-01-02"), s.Days)
		}
	}
	out := NewSeries(name, s0.First, s0.Days)
	info := &AreaInfo{Required: r.RequiredStations(len(stations))}
	for _, s := range stations {
		info.Stations = append(info.Stations, s.Station)
	}
	n := out.Hours()
	counts := make([]uint16, NumPollutants*n)
	sums := make([]int64, n)
	for p := range Pollutant(NumPollutants) {
		cnt := counts[int(p)*n : int(p+1)*n]
		clear(sums)
		for _, s := range stations {
			for i, v := range s.V[p] {
				if v != Missing {
					sums[i] += int64(v)
					cnt[i]++
				}
			}
		}
		dst := out.V[p]
		need := uint16(info.Required)
		for i := range dst {
			if cnt[i] >= need && cnt[i] > 0 {
				dst[i] = Conc(Round8170(sums[i], int64(cnt[i]), 0))
			}
		}
		info.ValidStations[p] = cnt
	}
	return out, info, nil
}

// AreaDailyStats computes an area's daily statistics: from the area's
// hourly series (AreaSeries), except the O3 daily maximum 8-hour mean when
// Rules.AreaMDA8 is AreaMDA8MeanOfStations, which is then the mean of the
// stations' valid daily maxima (valid with Rules.RequiredStations
// stations). The daily AQI is computed from the area's concentrations,
// never by averaging station AQIs (standards.md §3.3).
func AreaDailyStats(r *Rules, name string, stations []*Series) ([]Daily, *AreaInfo, error) {
	r = orDefault(r)
	as, info, err := AreaSeries(r, name, stations)
	if err != nil {
		return nil, nil, err
	}
	days := DailyStats(r, as)
	if r.AreaMDA8 != AreaMDA8MeanOfStations {
		return days, info, nil
	}
	per := make([][]Daily, len(stations))
	for i, s := range stations {
		per[i] = DailyStats(r, s)
	}
	for d := range days {
		sum := new(big.Rat)
		k := 0
		for i := range stations {
			v := per[i][d].Values[O3]
			if !v.Valid() {
				continue
			}
			k++
			if r.PeriodFromRoundedDaily {
				sum.Add(sum, new(big.Rat).SetInt64(int64(v.Rounded)))
			} else {
				sum.Add(sum, new(big.Rat).SetFrac64(v.Exact.Num, v.Exact.Den))
			}
		}
		cov := Coverage{Valid: k, Expected: len(stations), OK: k >= info.Required}
		var q Ratio
		if k > 0 {
			sum.Quo(sum, new(big.Rat).SetInt64(int64(k)))
			q, _ = RatioFromRat(sum)
		}
		if !cov.OK {
			cov.Reason = reasonFewStations
		}
		days[d].Values[O3] = makeValue(O3, q, cov)
		days[d].AQI = dayAQI(r, &days[d])
	}
	return days, info, nil
}
