package demo

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/sqlstore"
	"github.com/lantian-aq/lantian/standard"
)

// TestLoadAndSimulate loads the demo data into a fresh SQLite store, checks
// what a first start must provide, then simulates one county and checks
// that the synthetic data are marked and never mixed into the real city
// statistics.
func TestLoadAndSimulate(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if ok, err := Loaded(ctx, st); err != nil || ok {
		t.Fatalf("fresh store: loaded %v, %v", ok, err)
	}
	if err := Load(ctx, st, lantian.DemoFS, log); err != nil {
		t.Fatal(err)
	}
	if ok, err := Loaded(ctx, st); err != nil || !ok {
		t.Fatalf("after Load: loaded %v, %v", ok, err)
	}

	ev := true
	city, err := st.Stations(ctx, lantian.StationFilter{Area: "411300", Evaluation: &ev})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, s := range city {
		codes = append(codes, s.Code)
	}
	if got := strings.Join(codes, ","); got != "2403A,2404A,2405A,2406A,2407A" {
		t.Errorf("evaluation stations of 411300: %s", got)
	}
	kids, err := st.Areas(ctx, lantian.AreaFilter{Parent: "411300"})
	if err != nil {
		t.Fatal(err)
	}
	if len(kids) != 17 { // 13 counties and districts + 4 functional zones
		t.Errorf("411300 has %d child areas, want 17", len(kids))
	}
	cities, err := st.Areas(ctx, lantian.AreaFilter{Parent: "410000"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cities) < 17 {
		t.Errorf("Henan has %d cities in the store", len(cities))
	}
	plans, err := Plans(lantian.DemoFS)
	if err != nil || len(plans) == 0 {
		t.Fatalf("plans: %d, %v", len(plans), err)
	}
	year := lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectArea, Code: "411300"},
		From: time.Date(2019, 1, 1, 0, 0, 0, 0, standard.Beijing), To: time.Date(2019, 12, 31, 0, 0, 0, 0, standard.Beijing)}
	before, err := st.PeriodStats(ctx, year, lantian.PeriodWhole)
	if err != nil || len(before) != 1 {
		t.Fatalf("city statistics: %v %v", before, err)
	}
	if before[0].ValidDays < 300 {
		t.Errorf("Nanyang 2019 has %d valid days", before[0].ValidDays)
	}

	res, err := Simulate(ctx, st, SimulateOptions{Root: "411300", Years: []int{2019}, Counties: []string{"411330"}, Townships: 1, Seed: 7}, log)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stations != 2 || res.Areas != 1 || res.Hours < 8000 {
		t.Errorf("simulated %+v, want 2 stations, 1 township area, a year of hours each", res)
	}
	// Synthetic stations are marked and left out unless asked for.
	all, err := st.Stations(ctx, lantian.StationFilter{Area: "411330", Within: true, Synthetic: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("411330 has %d stations with synthetic ones", len(all))
	}
	for _, s := range all {
		if !s.Synthetic || !strings.HasPrefix(s.Code, "SIM") || !strings.Contains(s.Name, "模拟") {
			t.Errorf("simulated station %+v is not marked as simulated", s)
		}
	}
	real, err := st.Stations(ctx, lantian.StationFilter{Area: "411330", Within: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(real) != 0 {
		t.Errorf("default station list includes %d simulated stations", len(real))
	}
	after, err := st.PeriodStats(ctx, year, lantian.PeriodWhole)
	if err != nil {
		t.Fatal(err)
	}
	if after[0].ValidDays != before[0].ValidDays || after[0].GoodDays != before[0].GoodDays || after[0].Means != before[0].Means {
		t.Errorf("simulating a county changed the real city statistics")
	}
	if _, err := Simulate(ctx, st, SimulateOptions{Root: "411300", Years: []int{2019}, Counties: []string{"410100"}}, log); err == nil {
		t.Errorf("simulating a city outside 411300 as its county succeeded")
	}
}
