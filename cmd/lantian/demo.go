package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/demo"
	"github.com/lantian-aq/lantian/sqlstore"
)

func init() {
	register(command{name: "demo", summary: "load the demo data, or add simulated county and township stations (--simulate)", run: runDemo})
}

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr, "[--simulate [--years 2019,2020] [--counties 411321,…] [--townships N]] [--data DIR] [--db URL]")
	var sf storeFlags
	sf.register(fs)
	simulate := fs.Bool("simulate", false, "add synthetic county and township stations (stored as synthetic, labelled 模拟数据)")
	years := fs.String("years", "2019", "years to simulate, comma-separated")
	counties := fs.String("counties", "", "county-level area codes to equip (default: every county of the city)")
	townships := fs.Int("townships", 2, "township stations per county")
	seed := fs.Uint64("seed", 1, "random seed (the same seed gives the same data)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, sf.db, sf.data)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	loaded, err := demo.Loaded(ctx, st)
	if err != nil {
		return err
	}
	if !loaded {
		if err := demo.Load(ctx, st, lantian.DemoFS, log); err != nil {
			return err
		}
	}
	if !*simulate {
		fmt.Fprintln(stdout, "demo data present")
		return nil
	}
	var ys []int
	for _, s := range splitList(*years) {
		y, err := strconv.Atoi(s)
		if err != nil || y < 2000 || y > 2100 {
			return fmt.Errorf("--years: %q is not a year from 2000 to 2100", s)
		}
		ys = append(ys, y)
	}
	if *townships < 0 || *townships > 99 {
		return fmt.Errorf("--townships %d: want 0 to 99", *townships)
	}
	res, err := demo.Simulate(ctx, st, demo.SimulateOptions{Root: "411300", Years: ys, Counties: splitList(*counties), Townships: *townships, Seed: *seed}, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "simulated %d stations (%d township areas), %d station-hours for %v; shown as 模拟数据\n", res.Stations, res.Areas, res.Hours, ys)
	return nil
}
