package ingest

import (
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// Hour is one observation in compact form: what Next returns as a
// lantian.Observation, with the station as an index into
// Reader.Stations and the time as Unix seconds. Consumers of large files
// (lantian calc) read Hours by the batch, which spares them a 72-byte copy,
// a string and a time.Time per row.
type Hour struct {
	// Time is the end of the hour in Unix seconds (a multiple of 3600).
	Time int64
	// Station indexes Reader.Stations.
	Station uint32
	Values  [standard.NumPollutants]standard.Conc
	Flags   [standard.NumPollutants]lantian.Flag
}

// Observation converts h, whose station codes are codes (Reader.Stations),
// to the form Next returns.
func (h *Hour) Observation(codes []string) lantian.Observation {
	return lantian.Observation{Station: codes[h.Station], Time: hourTime(h.Time), Values: h.Values, Flags: h.Flags}
}

// HourTime returns the hour's end in Beijing time.
func (h *Hour) HourTime() time.Time { return hourTime(h.Time) }

// Batch is a stretch of a file as NextBatch hands it out.
type Batch struct {
	// Hours are the stretch's observations in file order; the same
	// observations, merged and split the same way, as Next returns.
	Hours []Hour
	// Errors are the stretch's row errors in file order.
	Errors []*RowError
}

// batchTarget is the number of observations a sequential reader gathers
// for one batch.
const batchTarget = 4096

// NextBatch returns the observations and row errors of the next stretch
// of the file (one chunk of a parallel wide reader, a few thousand rows
// otherwise): the same as Next returns one by one, in bulk. At least one
// of the two lists is not empty. The batch is valid until the next call of
// NextBatch or Next; Stations names its stations. NextBatch returns io.EOF
// after the last batch and a *LayoutError for a fatal problem, after the
// batches read before it. Next and NextBatch may be mixed.
func (r *Reader) NextBatch() (Batch, error) {
	for {
		var b Batch
		if r.ei < len(r.errs) {
			b.Errors = r.errs[r.ei:]
			r.ei = len(r.errs)
			r.sum.RowErrors += len(b.Errors)
		}
		if r.format == Wide {
			b.Hours = r.hours[r.qi:]
			r.qi = len(r.hours)
		} else if r.qi < len(r.queue) {
			b.Hours = r.conv[:0]
			for i := r.qi; i < len(r.queue); i++ {
				o := &r.queue[i]
				b.Hours = append(b.Hours, Hour{Time: o.Time.Unix(), Station: r.stations.lookupString(o.Station), Values: o.Values, Flags: o.Flags})
			}
			r.conv = b.Hours
			r.qi = len(r.queue)
		}
		r.sum.Observations += len(b.Hours)
		if len(b.Hours) > 0 || len(b.Errors) > 0 {
			return b, nil
		}
		if err := r.refill(batchTarget); err != nil {
			return Batch{}, err
		}
	}
}

// Stations returns the codes of the stations read so far, indexed by
// Hour.Station. Indexes never change; later batches may add stations.
func (r *Reader) Stations() []string { return r.stations.codes }
