// Package demo sets up a fresh lantian installation with the data the
// repository carries, so that `lantian serve` shows a working platform on
// first start: Nanyang's areas (the city, its counties and districts and
// the plan's functional zones), the Henan station list (Nanyang's five
// national stations 2403A–2407A assess 411300), the real hourly data of
// 2019 (Nanyang's stations all year, every Henan station in January), and
// the Nanyang plan. Everything goes through the store's import pipeline
// (one atomic, repeatable import per file).
//
// Simulate adds synthetic county and township stations (simulate.go); their
// data are stored as synthetic and labelled 模拟数据 wherever shown.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/ingest"
	"github.com/lantian-aq/lantian/plan"
)

// PlanFile is the path of the Nanyang plan inside lantian.DemoFS.
const PlanFile = "plans/nanyang-2024-2025.yaml"

// Plans loads every plan file of fsys (plans/*.yaml).
func Plans(fsys fs.FS) ([]*plan.Plan, error) {
	names, err := fs.Glob(fsys, "plans/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*plan.Plan
	for _, n := range names {
		f, err := fsys.Open(n)
		if err != nil {
			return nil, err
		}
		p, err := plan.Load(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Loaded reports whether the store already holds data (any import run),
// in which case first-start loading is skipped.
func Loaded(ctx context.Context, st lantian.Store) (bool, error) {
	runs, err := st.ImportRuns(ctx, 1)
	if err != nil {
		return false, err
	}
	return len(runs) > 0, nil
}

// levelOf maps a plan's area kinds to the store's levels: districts,
// counties, county-level cities and functional zones are all county-level
// units that are assessed as a whole.
func levelOf(k plan.AreaKind) lantian.AreaLevel {
	switch k {
	case plan.AreaCity:
		return lantian.LevelCity
	case plan.AreaTownship:
		return lantian.LevelTownship
	}
	return lantian.LevelCounty
}

// Load loads the demo data from fsys (lantian.DemoFS) into st, logging its
// progress. It is meant for an empty store; run on a loaded one it changes
// nothing, because every import is idempotent.
func Load(ctx context.Context, st lantian.Store, fsys fs.FS, log *slog.Logger) error {
	start := time.Now()
	plans, err := Plans(fsys)
	if err != nil {
		return err
	}
	// 1. Station list: the province, its cities and the stations.
	if err := importStations(ctx, st, fsys, "testdata/henan_stations.csv", log); err != nil {
		return err
	}
	// 2. The plan's areas below the city (counties, districts, zones).
	for _, p := range plans {
		if p.Fictional {
			// Example plans of fictional places show that a second plan
			// loads; their areas are not part of the demo city.
			log.Info("demo data: plan is fictional, its areas are not loaded", "plan", p.ID)
			continue
		}
		if err := importPlanAreas(ctx, st, p, log); err != nil {
			return err
		}
	}
	// 3. Hourly data.
	files, err := fs.Glob(fsys, "testdata/cnemc/henan-2019-01/*.csv")
	if err != nil {
		return err
	}
	sort.Strings(files)
	files = append([]string{"testdata/cnemc/nanyang_2019_china_sites.csv"}, files...)
	for i, name := range files {
		sum, err := importHours(ctx, st, fsys, name)
		if err != nil {
			return err
		}
		log.Info("demo data: imported", "file", name, "n", fmt.Sprintf("%d/%d", i+1, len(files)),
			"rows", sum.Read, "inserted", sum.Inserted, "unchanged", sum.Unchanged, "rejected", sum.Rejected)
	}
	n, err := st.RefreshStats(ctx)
	if err != nil {
		return fmt.Errorf("statistics: %w", err)
	}
	log.Info("demo data loaded", "files", len(files)+1, "statistics_days", n, "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

func importStations(ctx context.Context, st lantian.Store, fsys fs.FS, name string, log *slog.Logger) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	list, rowErrs, err := ingest.ReadStations(f, ingest.Options{File: path.Base(name)})
	if err != nil {
		return err
	}
	for _, re := range rowErrs {
		log.Warn("demo data: station list row rejected", "err", re.Error())
	}
	im, err := st.BeginImport(ctx, path.Base(name), "stations")
	if err != nil {
		return err
	}
	defer im.Rollback()
	areas := make([]*lantian.Area, len(list.Areas))
	for i := range list.Areas {
		areas[i] = &list.Areas[i]
	}
	// parents first
	sort.SliceStable(areas, func(i, j int) bool { return areas[i].Parent == "" && areas[j].Parent != "" })
	ra, err := im.PutAreas(ctx, areas)
	if err != nil {
		return err
	}
	stations := make([]*lantian.Station, len(list.Stations))
	for i := range list.Stations {
		stations[i] = &list.Stations[i]
	}
	rs, err := im.PutStations(ctx, stations)
	if err != nil {
		return err
	}
	sum := lantian.ImportSummary{Read: len(list.Stations) + len(rowErrs), Inserted: ra.Inserted + rs.Inserted,
		Revised: ra.Revised + rs.Revised, Unchanged: ra.Unchanged + rs.Unchanged, Rejected: len(rowErrs) + len(ra.Rejected) + len(rs.Rejected)}
	for _, r := range append(ra.Rejected, rs.Rejected...) {
		sum.Messages = append(sum.Messages, r.Message)
	}
	if _, err := im.Commit(ctx, sum); err != nil {
		return err
	}
	log.Info("demo data: imported station list", "file", name, "areas", len(areas), "stations", len(stations), "rejected", sum.Rejected)
	return nil
}

func importPlanAreas(ctx context.Context, st lantian.Store, p *plan.Plan, log *slog.Logger) error {
	var areas []*lantian.Area
	for _, a := range p.Areas {
		if a.Parent == "" {
			continue // the city itself comes from the station list
		}
		areas = append(areas, &lantian.Area{Code: a.Code, Name: a.Name, Level: levelOf(a.Kind), Parent: a.Parent})
	}
	im, err := st.BeginImport(ctx, "plan:"+p.ID, "areas")
	if err != nil {
		return err
	}
	defer im.Rollback()
	res, err := im.PutAreas(ctx, areas)
	if err != nil {
		return err
	}
	sum := lantian.ImportSummary{Read: len(areas), Inserted: res.Inserted, Revised: res.Revised, Unchanged: res.Unchanged, Rejected: len(res.Rejected)}
	for _, r := range res.Rejected {
		sum.Messages = append(sum.Messages, r.Message)
	}
	if _, err := im.Commit(ctx, sum); err != nil {
		return err
	}
	log.Info("demo data: imported the plan's areas", "plan", p.ID, "areas", len(areas), "rejected", len(res.Rejected))
	return nil
}

// importHours imports one hourly file atomically.
func importHours(ctx context.Context, st lantian.Store, fsys fs.FS, name string) (lantian.ImportSummary, error) {
	var sum lantian.ImportSummary
	f, err := fsys.Open(name)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	rd, err := ingest.NewReader(f, ingest.Options{File: path.Base(name)})
	if err != nil {
		return sum, err
	}
	im, err := st.BeginImport(ctx, path.Base(name), "china_sites")
	if err != nil {
		return sum, err
	}
	defer im.Rollback()
	source := "import:" + path.Base(name)
	batch := make([]lantian.HourRecord, 0, 2048)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := im.WriteHours(ctx, batch)
		if err != nil {
			return err
		}
		sum.Inserted += res.Inserted
		sum.Revised += res.Revised
		sum.Unchanged += res.Unchanged
		sum.Rejected += len(res.Rejected)
		for _, r := range res.Rejected {
			if len(sum.Messages) < 100 {
				sum.Messages = append(sum.Messages, r.Message)
			}
		}
		batch = batch[:0]
		return nil
	}
	for {
		obs, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *ingest.RowError
		if errors.As(err, &re) {
			sum.Rejected++
			if len(sum.Messages) < 100 {
				sum.Messages = append(sum.Messages, re.Error())
			}
			continue
		}
		if err != nil {
			return sum, err
		}
		batch = append(batch, lantian.HourRecord{Observation: obs, Audit: lantian.AuditReviewed, Source: source})
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	if err := flush(); err != nil {
		return sum, err
	}
	sum.Read = rd.Summary().Records
	if _, err := im.Commit(ctx, sum); err != nil {
		return sum, err
	}
	return sum, nil
}
