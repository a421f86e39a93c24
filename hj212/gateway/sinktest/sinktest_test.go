package sinktest

import (
	"context"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212/gateway"
)

type memReader struct{ s *gateway.MemorySink }

func (r memReader) Hour(_ context.Context, station string, end time.Time) (lantian.Observation, bool, error) {
	o, ok := r.s.Hour(station, end)
	return o, ok, nil
}

func (r memReader) Daily(_ context.Context, station string, day time.Time) (gateway.DailyRecord, bool, error) {
	for _, d := range r.s.Snapshot().Daily {
		if d.Station == station && d.Day.Equal(day) {
			return d, true, nil
		}
	}
	return gateway.DailyRecord{}, false, nil
}

func TestMemorySink(t *testing.T) {
	Run(t, func(t *testing.T) (gateway.Sink, Reader) {
		s := gateway.NewMemorySink()
		return s, memReader{s}
	})
}
