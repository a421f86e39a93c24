package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// SimulateOptions choose what Simulate adds.
type SimulateOptions struct {
	// Root is the city whose counties get stations (411300).
	Root string
	// Years are the calendar years to simulate.
	Years []int
	// Counties are the county-level areas to equip; empty means every
	// child area of Root.
	Counties []string
	// Townships is the number of township stations per county (each with
	// its own township area); every county also gets one county station.
	Townships int
	// Seed makes the simulation repeatable.
	Seed uint64
}

// SimulateResult counts what Simulate wrote.
type SimulateResult struct {
	Areas    int
	Stations int
	Hours    int
}

// Simulate adds synthetic county and township stations with hourly data
// for the chosen years. Stations are marked Synthetic, codes start with
// "SIM", and every hour's source is "simulate", so the data are never
// mistaken for or mixed with real data: the store leaves synthetic
// stations out unless asked, and the dashboard labels them 模拟数据.
//
// The hours follow the shape of the root city's real data: each synthetic
// value is the mean of the city's evaluation stations at the same hour of
// the year (from the most recent year with real data), scaled by a factor
// per station (0.7–1.3) and multiplied by log-normal noise with
// day-to-day persistence. This gives plausible seasons, diurnal cycles and
// episodes; it is a demonstration and load-test device, not a model.
func Simulate(ctx context.Context, st lantian.Store, o SimulateOptions, log *slog.Logger) (SimulateResult, error) {
	var res SimulateResult
	if o.Root == "" {
		o.Root = "411300"
	}
	if len(o.Years) == 0 {
		return res, lantian.Errorf(lantian.EINVALID, "no years to simulate: give at least one, e.g. 2019")
	}
	root, err := st.Area(ctx, o.Root)
	if err != nil {
		return res, err
	}
	var counties []*lantian.Area
	if len(o.Counties) == 0 {
		counties, err = st.Areas(ctx, lantian.AreaFilter{Parent: o.Root})
	} else {
		for _, c := range o.Counties {
			a, err := st.Area(ctx, c)
			if err != nil {
				return res, err
			}
			if a.Parent != o.Root {
				return res, lantian.Errorf(lantian.EINVALID, "area %s (%s) is not a county of %s", a.Code, a.Name, o.Root)
			}
			counties = append(counties, a)
		}
	}
	if err != nil {
		return res, err
	}
	if len(counties) == 0 {
		return res, lantian.Errorf(lantian.EINVALID, "%s has no county-level areas to put stations in", o.Root)
	}
	base, baseYear, err := cityShape(ctx, st, o.Root)
	if err != nil {
		return res, err
	}
	log.Info("simulation: shape taken from real data", "area", root.Name, "year", baseYear)

	// Stations and township areas.
	ref, _ := st.Stations(ctx, lantian.StationFilter{Area: o.Root})
	lon, lat := 112.53, 33.0
	if len(ref) > 0 {
		lon, lat = ref[0].Lon, ref[0].Lat
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6c616e7469616e))
	var areas []*lantian.Area
	var stations []*lantian.Station
	for ci, c := range counties {
		// spread the counties around the city for the map
		ang := 2 * math.Pi * float64(ci) / float64(len(counties))
		clon, clat := lon+0.8*math.Cos(ang), lat+0.6*math.Sin(ang)
		stations = append(stations, &lantian.Station{Code: fmt.Sprintf("SIM%sC", c.Code), Name: c.Name + "县控站（模拟）",
			Kind: lantian.KindCounty, Area: c.Code, Lon: round4(clon), Lat: round4(clat), Evaluation: true, Synthetic: true})
		for k := 1; k <= o.Townships; k++ {
			ta := &lantian.Area{Code: fmt.Sprintf("%sT%02d", c.Code, k), Name: fmt.Sprintf("%s第%d乡镇（模拟）", c.Name, k),
				Level: lantian.LevelTownship, Parent: c.Code}
			areas = append(areas, ta)
			stations = append(stations, &lantian.Station{Code: fmt.Sprintf("SIM%sT%02d", c.Code, k), Name: ta.Name + "站",
				Kind: lantian.KindTownship, Area: ta.Code, Lon: round4(clon + 0.15*(rng.Float64()-0.5)), Lat: round4(clat + 0.15*(rng.Float64()-0.5)),
				Evaluation: true, Synthetic: true})
		}
	}
	im, err := st.BeginImport(ctx, "simulate:stations", "simulated")
	if err != nil {
		return res, err
	}
	ra, err := im.PutAreas(ctx, areas)
	if err != nil {
		im.Rollback()
		return res, err
	}
	rs, err := im.PutStations(ctx, stations)
	if err != nil {
		im.Rollback()
		return res, err
	}
	if n := len(ra.Rejected) + len(rs.Rejected); n > 0 {
		im.Rollback()
		return res, fmt.Errorf("simulation: the store refused %d areas or stations, first: %v", n, append(ra.Rejected, rs.Rejected...)[0])
	}
	if _, err := im.Commit(ctx, lantian.ImportSummary{Read: len(areas) + len(stations), Inserted: ra.Inserted + rs.Inserted,
		Revised: ra.Revised + rs.Revised, Unchanged: ra.Unchanged + rs.Unchanged}); err != nil {
		return res, err
	}
	res.Areas, res.Stations = len(areas), len(stations)
	log.Info("simulation: stations ready", "counties", len(counties), "stations", len(stations), "township_areas", len(areas))

	// Hours, one import per station and year.
	for _, y := range o.Years {
		for i, s := range stations {
			n, err := simulateStationYear(ctx, st, s, y, base, rng)
			if err != nil {
				return res, err
			}
			res.Hours += n
			if (i+1)%25 == 0 || i+1 == len(stations) {
				log.Info("simulation: hours written", "year", y, "stations", fmt.Sprintf("%d/%d", i+1, len(stations)), "hours", res.Hours)
			}
		}
	}
	if _, err := st.RefreshStats(ctx); err != nil {
		return res, fmt.Errorf("statistics: %w", err)
	}
	return res, nil
}

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

// cityShape returns the mean of the root area's evaluation stations for
// every hour of the most recent year with real data, indexed by hour of
// the year (0 = the hour ending 01:00 on 1 January); NaN where missing.
func cityShape(ctx context.Context, st lantian.Store, root string) ([][standard.NumPollutants]float64, int, error) {
	latest, err := st.LatestHours(ctx, lantian.StationFilter{Area: root})
	if err != nil {
		return nil, 0, err
	}
	var last time.Time
	for _, h := range latest {
		if h.Time.After(last) {
			last = h.Time
		}
	}
	if last.IsZero() {
		return nil, 0, lantian.Errorf(lantian.EINVALID, "area %s has no real hourly data to shape the simulation on; load the demo data first", root)
	}
	y := standard.DayOfHour(last).Year()
	from := time.Date(y, 1, 1, 1, 0, 0, 0, standard.Beijing)
	to := time.Date(y+1, 1, 1, 1, 0, 0, 0, standard.Beijing)
	recs, err := st.Observations(ctx, lantian.ObservationFilter{Area: root, From: from, To: to})
	if err != nil {
		return nil, 0, err
	}
	n := int(to.Sub(from).Hours())
	sum := make([][standard.NumPollutants]float64, n)
	cnt := make([][standard.NumPollutants]int, n)
	for _, r := range recs {
		i := int(r.Time.Sub(from).Hours())
		if i < 0 || i >= n {
			continue
		}
		for p, c := range r.Values {
			if c != standard.Missing && r.Flags[p].Usable() {
				sum[i][p] += c.Float()
				cnt[i][p]++
			}
		}
	}
	for i := range sum {
		for p := range sum[i] {
			if cnt[i][p] == 0 {
				sum[i][p] = math.NaN()
			} else {
				sum[i][p] /= float64(cnt[i][p])
			}
		}
	}
	return sum, y, nil
}

func simulateStationYear(ctx context.Context, st lantian.Store, s *lantian.Station, y int, base [][standard.NumPollutants]float64, rng *rand.Rand) (int, error) {
	from := time.Date(y, 1, 1, 1, 0, 0, 0, standard.Beijing)
	hours := int(time.Date(y+1, 1, 1, 1, 0, 0, 0, standard.Beijing).Sub(from).Hours())
	factor := 0.7 + 0.6*rng.Float64()
	recs := make([]lantian.HourRecord, 0, hours)
	noise := 0.0
	for i := 0; i < hours; i++ {
		if i%24 == 0 {
			noise = 0.7*noise + 0.3*rng.NormFloat64() // persistent day-to-day anomaly
		}
		b := base[min(i, len(base)-1)]
		var obs lantian.Observation
		obs.Station, obs.Time = s.Code, from.Add(time.Duration(i)*time.Hour)
		any := false
		for p := range obs.Values {
			obs.Values[p] = standard.Missing
			if math.IsNaN(b[p]) || rng.Float64() < 0.01 { // ~1 % of values lost, as in real networks
				continue
			}
			v := b[p] * factor * math.Exp(0.25*noise+0.1*rng.NormFloat64())
			obs.Values[p] = standard.RoundConc(standard.Pollutant(p), standard.ConcFromFloat(v))
			any = true
		}
		if any {
			recs = append(recs, lantian.HourRecord{Observation: obs, Audit: lantian.AuditRaw, Source: "simulate"})
		}
	}
	im, err := st.BeginImport(ctx, fmt.Sprintf("simulate:%s:%d", s.Code, y), "simulated")
	if err != nil {
		return 0, err
	}
	defer im.Rollback()
	w, err := im.WriteHours(ctx, recs)
	if err != nil {
		return 0, err
	}
	if len(w.Rejected) > 0 {
		return 0, fmt.Errorf("simulation of %s %d: the store refused %d hours, first: %s", s.Code, y, len(w.Rejected), w.Rejected[0].Message)
	}
	if _, err := im.Commit(ctx, lantian.ImportSummary{Read: len(recs), Inserted: w.Inserted, Revised: w.Revised, Unchanged: w.Unchanged}); err != nil {
		return 0, err
	}
	return len(recs), nil
}
