// Package synth generates deterministic synthetic hourly air-quality data
// for benchmarks: plausible seasonal and diurnal cycles, episodes and gaps,
// never real measurements. Every station is marked by a code starting with
// "SYN" so that the data cannot be mistaken for monitoring results.
package synth

import (
	"bufio"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/lantian-aq/lantian/standard"
)

// Config sets the size of a data set.
type Config struct {
	Stations int
	From     time.Time // first day (Beijing); the first hour ends 01:00
	Days     int
	Seed     uint64
	// GapPercent is the share of station-hours missing entirely (outages),
	// on top of single missing values (~1 %).
	GapPercent float64
}

// StationCode returns the code of station i.
func StationCode(i int) string { return "SYN" + strconv.Itoa(10000+i) }

// Generate calls emit for every station-hour in station, time order. The
// values are identical for identical configurations.
func Generate(c Config, emit func(station string, hourEnd time.Time, v *[standard.NumPollutants]standard.Conc)) {
	for s := 0; s < c.Stations; s++ {
		rng := rand.New(rand.NewPCG(c.Seed, uint64(s)))
		code := StationCode(s)
		base := 0.7 + 0.6*rng.Float64() // station pollution level
		var ar float64                  // slowly varying episode factor
		var v [standard.NumPollutants]standard.Conc
		gap := 0
		for h := 0; h < c.Days*24; h++ {
			end := c.From.Add(time.Duration(h+1) * time.Hour)
			if gap > 0 {
				gap--
				continue
			}
			if rng.Float64()*100 < c.GapPercent/24 { // an outage of ~1 day
				gap = 1 + rng.IntN(47)
				continue
			}
			doy := float64(h/24%365) / 365
			hod := float64(h % 24)
			winter := 0.5 + 0.5*math.Cos(2*math.Pi*doy)      // 1 in January, 0 in July
			sun := math.Max(0, math.Sin(math.Pi*(hod-6)/14)) // daytime photochemistry
			ar = 0.98*ar + 0.08*rng.NormFloat64()
			ep := math.Exp(ar)
			pm25 := base * ep * (25 + 70*winter) * (1 + 0.2*math.Cos(2*math.Pi*(hod-22)/24))
			vals := [standard.NumPollutants]float64{
				standard.SO2:  base * (5 + 12*winter) * (0.8 + 0.4*rng.Float64()),
				standard.NO2:  base * ep * (20 + 25*winter) * (1.2 - 0.5*sun),
				standard.CO:   base * ep * (0.5 + 0.9*winter),
				standard.O3:   (20 + 140*(1-winter)*sun) * (0.8 + 0.4*rng.Float64()),
				standard.PM10: pm25 * (1.5 + 0.5*rng.Float64()),
				standard.PM25: pm25,
			}
			for p, x := range vals {
				if rng.Float64() < 0.01 {
					v[p] = standard.Missing
					continue
				}
				if standard.Pollutant(p) == standard.CO {
					v[p] = standard.Conc(math.Round(x*10)) * 100 // 0.1 mg/m³
				} else {
					v[p] = standard.Conc(math.Round(x)) * standard.ConcScale
				}
			}
			emit(code, end, &v)
		}
	}
}

// WriteWide writes the data set in the wide layout
// station,time,pm25,pm10,so2,no2,co,o3 with ISO 8601 hour-ending times.
func WriteWide(w io.Writer, c Config) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("station,time,pm25,pm10,so2,no2,co,o3\n")
	var buf []byte
	order := []standard.Pollutant{standard.PM25, standard.PM10, standard.SO2, standard.NO2, standard.CO, standard.O3}
	Generate(c, func(st string, end time.Time, v *[standard.NumPollutants]standard.Conc) {
		buf = append(buf[:0], st...)
		buf = append(buf, ',')
		buf = end.In(standard.Beijing).AppendFormat(buf, time.RFC3339)
		for _, p := range order {
			buf = append(buf, ',')
			if v[p] != standard.Missing {
				buf = append(buf, v[p].String()...)
			}
		}
		buf = append(buf, '\n')
		bw.Write(buf)
	})
	return bw.Flush()
}
