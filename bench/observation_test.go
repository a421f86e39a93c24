package bench

import (
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

func observation(st string, end time.Time, v *[standard.NumPollutants]standard.Conc) lantian.Observation {
	return lantian.Observation{Station: st, Time: end, Values: *v}
}
