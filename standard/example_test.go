package standard_test

import (
	"fmt"
	"time"

	"github.com/lantian-aq/lantian/standard"
)

func ExampleHourlyAQI() {
	r := standard.DefaultRules()
	vals := [standard.NumPollutants]standard.Conc{
		standard.SO2: 3000, standard.NO2: 11000, standard.CO: 200,
		standard.O3: 75000, standard.PM10: 88000, standard.PM25: 16000,
	}
	for _, end := range []time.Time{
		time.Date(2025, 6, 1, 14, 0, 0, 0, standard.Beijing),
		time.Date(2026, 6, 1, 14, 0, 0, 0, standard.Beijing),
	} {
		a := standard.HourlyAQI(&r, end, vals)
		fmt.Println(a.Standard, a.AQI, a.Category, a.Primary)
	}
	// Output:
	// HJ 633-2012 69 良 PM10
	// HJ 633-2026 78 良 PM10
}

func ExampleAssess() {
	r := standard.DefaultRules()
	first := time.Date(2019, 1, 1, 0, 0, 0, 0, standard.Beijing)
	s := standard.NewSeries("demo", first, 365)
	for i := range s.Hours() {
		end := s.HourEnd(i)
		_ = s.Set(end, standard.SO2, 9000)
		_ = s.Set(end, standard.NO2, 15000)
		_ = s.Set(end, standard.CO, 700)
		_ = s.Set(end, standard.PM10, 39000)
		_ = s.Set(end, standard.PM25, 21000)
		// O3 rises from 40 to 192 µg/m³ over the day's hours.
		_ = s.Set(end, standard.O3, standard.Conc((40+8*(i%24))*1000))
	}
	days := standard.DailyStats(&r, s)
	a := standard.Assess(&r, days, first, first.AddDate(0, 0, 364), nil)
	o := a.Official
	fmt.Println(a.LimitStandard, o.Compliant, o.Items[standard.O3].Percentile.Rounded, o.Composite, o.GoodDays)
	// Output:
	// GB 3095-2012 false 196 3.08 0
}
