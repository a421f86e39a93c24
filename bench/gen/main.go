// Command gen writes a deterministic synthetic wide CSV for the calc
// benchmark (bench/calc.sh): go run ./bench/gen -stations 200 -years 1 > wide.csv
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/lantian-aq/lantian/bench/synth"
	"github.com/lantian-aq/lantian/standard"
)

func main() {
	stations := flag.Int("stations", 200, "number of stations")
	years := flag.Int("years", 1, "number of years, from 2019-01-01")
	seed := flag.Uint64("seed", 2019, "random seed")
	gaps := flag.Float64("gaps", 3, "percent of station-hours lost to outages")
	flag.Parse()
	from := time.Date(2019, 1, 1, 0, 0, 0, 0, standard.Beijing)
	days := int(from.AddDate(*years, 0, 0).Sub(from).Hours() / 24)
	c := synth.Config{Stations: *stations, From: from, Days: days, Seed: *seed, GapPercent: *gaps}
	if err := synth.WriteWide(os.Stdout, c); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
