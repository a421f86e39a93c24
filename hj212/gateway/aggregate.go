package gateway

import (
	"sort"
	"sync"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/standard"
)

// MinCoverage is the sampling time an hour needs for a valid 1-hour mean:
// "每小时至少有 45 分钟的采样时间" (GB 3095-2012 Table 4 data validity;
// kept in GB 3095-2026).
const MinCoverage = 45 * time.Minute

// aggregator folds stored minute (2051) and real-time (2011) samples into
// hourly values, per device, in memory.
//
// How an hour is computed, per pollutant:
//   - Minute samples are used when the hour has any for that pollutant,
//     real-time samples otherwise (a device normally sends both; the
//     minute values are already averaged by the logger).
//   - The sampling interval is the smallest gap between the hour's sample
//     times (the configured MinInterval or RtdInterval shows up as that
//     gap); each usable (flag N) value covers one interval, cut at the
//     hour's end. A single sample covers one minute.
//   - The hour is valid when the usable values cover ≥ 45 minutes; its
//     value is then the mean of the usable values, rounded half to even at
//     the thousandth (the Conc resolution), flag N. Otherwise the value is
//     Missing and the flag is the most frequent non-N flag of the hour's
//     samples (M, C, D …: why it is missing), or unset when values were
//     merely too few.
//
// When an hour is computed: once the device has sent data for a time at
// least HourGrace after the hour's end, or the wall clock is past that and
// no sample arrived for a minute. A sample arriving after its hour was
// computed, within LateWindow, recomputes the hour and emits a revision
// (the sink upserts). Later samples are stored but not aggregated (counted
// in hj212_samples_not_aggregated_total).
//
// Restarts: samples are fed in only after the sink stored them, and on
// Start the gateway reloads the whole hours of the last RecoverWindow of
// samples from a sink implementing SampleSource, so an hour cut by a restart is computed from
// all of its stored minutes. Hours already emitted before the restart are
// emitted again with the same value (idempotent).
type aggregator struct {
	mu            sync.Mutex
	devices       map[string]*devAcc
	grace         time.Duration
	late          time.Duration
	recoverWindow time.Duration
}

// horizon is the start of the oldest hour the aggregator still takes
// samples for: the recovery window, rounded down to a whole hour. Older
// hours may have been aggregated before a restart from samples no longer
// in memory; a straggler must not replace such an hour.
func (a *aggregator) horizon(now time.Time) time.Time {
	return now.Add(-a.recoverWindow).Truncate(time.Hour)
}

type devAcc struct {
	station string
	latest  time.Time // latest DataTime the device sent
	hours   map[int64]*hourAcc
	// retired holds hours aggregated and forgotten, newest maxOpenHours.
	retired map[int64]struct{}
}

type hourAcc struct {
	start      time.Time
	minute     map[int64]*sampleVal // by sample time (Unix ns); resends replace
	rtd        map[int64]*sampleVal
	lastUpdate time.Time
	dirty      bool
	emitted    bool
	emittedAt  time.Time
}

type sampleVal struct {
	values [standard.NumPollutants]standard.Conc
	flags  [standard.NumPollutants]lantian.Flag
}

// maxOpenHours bounds the hours held per device.
const maxOpenHours = 96

func newAggregator(grace, late, recoverWindow time.Duration) *aggregator {
	return &aggregator{devices: make(map[string]*devAcc), grace: grace, late: late, recoverWindow: recoverWindow}
}

// add folds stored samples in. It returns how many were not aggregated.
func (a *aggregator) add(samples []Sample, now time.Time) (skipped int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range samples {
		s := &samples[i]
		if s.Time.After(now.Add(time.Hour)) {
			skipped++ // a device clock in the future would pin hours forever
			continue
		}
		d := a.devices[s.MN]
		if d == nil {
			d = &devAcc{hours: make(map[int64]*hourAcc), retired: make(map[int64]struct{})}
			a.devices[s.MN] = d
		}
		d.station = s.Station
		start := s.Time.Truncate(time.Hour) // Beijing is UTC+8: hours align
		key := start.Unix()
		h := d.hours[key]
		if h == nil {
			if _, gone := d.retired[key]; gone || start.Before(a.horizon(now)) {
				// The hour was aggregated and forgotten: one straggler must
				// not replace the full hour with a one-sample revision.
				skipped++
				continue
			}
			if len(d.hours) >= maxOpenHours {
				a.evictOldest(d)
			}
			h = &hourAcc{start: start, minute: make(map[int64]*sampleVal), rtd: make(map[int64]*sampleVal)}
			d.hours[key] = h
		}
		m := h.rtd
		if s.CN == hj212.CNMinute {
			m = h.minute
		}
		t := s.Time.UnixNano()
		v := m[t]
		if v == nil {
			v = &sampleVal{}
			for p := range v.values {
				v.values[p] = standard.Missing
			}
			m[t] = v
		}
		for p := range s.Values {
			if s.Values[p] != standard.Missing {
				v.values[p] = s.Values[p]
				v.flags[p] = s.Flags[p]
			}
		}
		h.dirty = true
		h.lastUpdate = now
		if s.Time.After(d.latest) {
			d.latest = s.Time
		}
	}
	return skipped
}

func (a *aggregator) evictOldest(d *devAcc) {
	var oldest int64
	first := true
	for k := range d.hours {
		if first || k < oldest {
			oldest, first = k, false
		}
	}
	delete(d.hours, oldest)
}

func (d *devAcc) retire(key int64) {
	if len(d.retired) >= maxOpenHours {
		var oldest int64
		first := true
		for k := range d.retired {
			if first || k < oldest {
				oldest, first = k, false
			}
		}
		delete(d.retired, oldest)
	}
	d.retired[key] = struct{}{}
}

// flush returns the hours that are due (new or revised) and forgets hours
// past their late window.
func (a *aggregator) flush(now time.Time) []HourlyAggregate {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []HourlyAggregate
	for mn, d := range a.devices {
		for k, h := range d.hours {
			end := h.start.Add(time.Hour)
			due := !d.latest.Before(end.Add(a.grace)) ||
				(!now.Before(end.Add(a.grace)) && now.Sub(h.lastUpdate) >= min(a.grace, time.Minute))
			if due && h.dirty {
				out = append(out, h.compute(mn, d.station))
				h.dirty, h.emitted, h.emittedAt = false, true, now
			}
			if h.emitted && !h.dirty && now.Sub(h.emittedAt) > a.late {
				delete(d.hours, k)
				d.retire(k)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Station != out[j].Station {
			return out[i].Station < out[j].Station
		}
		return out[i].Time.Before(out[j].Time)
	})
	return out
}

// markDirty re-arms hours whose aggregate failed to store.
func (a *aggregator) markDirty(aggs []HourlyAggregate) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, g := range aggs {
		if d := a.devices[g.MN]; d != nil {
			if h := d.hours[g.Time.Add(-time.Hour).Unix()]; h != nil {
				h.dirty = true
			}
		}
	}
}

func (h *hourAcc) compute(mn, station string) HourlyAggregate {
	g := HourlyAggregate{MN: mn}
	g.Station = station
	g.Time = h.start.Add(time.Hour) // labelled by the hour's end
	end := h.start.Add(time.Hour)
	usedMinute, usedRtd := false, false
	for p := range standard.NumPollutants {
		set := h.minute
		if !hasPollutant(set, p) {
			set = h.rtd
			if hasPollutant(set, p) {
				usedRtd = true
			}
		} else {
			usedMinute = true
		}
		g.Values[p], g.Flags[p], g.Coverage[p], g.Count[p] = aggregateOne(set, p, end)
	}
	switch {
	case usedMinute:
		g.Source = hj212.CNMinute
	case usedRtd:
		g.Source = hj212.CNRealTime
	}
	return g
}

func hasPollutant(set map[int64]*sampleVal, p int) bool {
	for _, v := range set {
		if v.values[p] != standard.Missing {
			return true
		}
	}
	return false
}

func aggregateOne(set map[int64]*sampleVal, p int, end time.Time) (standard.Conc, lantian.Flag, time.Duration, int) {
	times := make([]int64, 0, len(set))
	for t, v := range set {
		if v.values[p] != standard.Missing {
			times = append(times, t)
		}
	}
	if len(times) == 0 {
		return standard.Missing, 0, 0, 0
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	interval := time.Minute
	if len(times) > 1 {
		interval = time.Hour
		for i := 1; i < len(times); i++ {
			if gap := time.Duration(times[i] - times[i-1]); gap > 0 && gap < interval {
				interval = gap
			}
		}
	}
	var sum int64
	var n int
	var cover time.Duration
	bad := map[lantian.Flag]int{}
	for _, t := range times {
		v := set[t]
		if !v.flags[p].Usable() {
			bad[v.flags[p]]++
			continue
		}
		sum += int64(v.values[p])
		n++
		cover += min(interval, end.Sub(time.Unix(0, t)))
	}
	if n == 0 || cover < MinCoverage {
		var worst lantian.Flag
		best := 0
		for f, c := range bad {
			if c > best || c == best && f < worst {
				worst, best = f, c
			}
		}
		return standard.Missing, worst, cover, n
	}
	return standard.Conc(divRoundHalfEven(sum, int64(n))), lantian.FlagNormal, cover, n
}

// divRoundHalfEven returns a/b rounded half to even (b > 0).
func divRoundHalfEven(a, b int64) int64 {
	q, r := a/b, a%b
	if r < 0 {
		r = -r
	}
	if 2*r > b || 2*r == b && q%2 != 0 {
		if a < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}
