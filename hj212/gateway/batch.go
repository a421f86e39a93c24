package gateway

import (
	"context"
	"time"
)

// job is the records of one packet (or one aggregation flush) waiting for
// its batch. done receives the batch's result exactly once.
type job struct {
	batch Batch
	done  func(error)
}

// batcher groups the jobs of all connections into batches written by one
// goroutine: while a batch is being made durable the next one fills (group
// commit), so a slow fsync costs latency, not throughput. A batch is
// written as soon as the queue is empty, or after BatchLatency when that is
// set, or when it reaches BatchSize records. What follows a stored batch
// (hourly aggregation, acknowledgements) runs on a second goroutine, in
// batch order, while the writer already stores the next batch: the writer
// is the one step every packet passes through one at a time.
type batcher struct {
	g    *Gateway
	in   chan *job
	quit chan struct{}
}

func newBatcher(g *Gateway) *batcher {
	return &batcher{g: g, in: make(chan *job, 4*g.cfg.BatchSize), quit: make(chan struct{})}
}

// submit queues j; it blocks while the queue is full (back-pressure on the
// readers) and fails when the gateway is shutting down.
func (b *batcher) submit(ctx context.Context, j *job) error {
	select {
	case b.in <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stored is a batch the sink has been given, with its outcome.
type stored struct {
	jobs  []*job
	batch Batch
	err   error
}

// run writes batches until in is closed and drained.
func (b *batcher) run() {
	defer close(b.quit)
	finished := make(chan stored, 1)
	finisherDone := make(chan struct{})
	go func() {
		defer close(finisherDone)
		for s := range finished {
			b.finish(s)
		}
	}()
	defer func() {
		close(finished)
		<-finisherDone
	}()
	cfg := &b.g.cfg
	var jobs []*job
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		j, ok := <-b.in
		if !ok {
			return
		}
		jobs = append(make([]*job, 0, cap(jobs)), j) // the finisher owns the last one
		n := j.batch.Len()
		open := true
		// Take what is already queued: under load the queue refills while
		// the previous batch is made durable, so batches grow by themselves.
	drain:
		for n < cfg.BatchSize {
			select {
			case j, ok := <-b.in:
				if !ok {
					open = false
					break drain
				}
				jobs = append(jobs, j)
				n += j.batch.Len()
			default:
				break drain
			}
		}
		if open && n < cfg.BatchSize && cfg.BatchLatency > 0 {
			timer.Reset(cfg.BatchLatency)
		fill:
			for n < cfg.BatchSize {
				select {
				case j, ok := <-b.in:
					if !ok {
						open = false
						break fill
					}
					jobs = append(jobs, j)
					n += j.batch.Len()
				case <-timer.C:
					break fill
				}
			}
			timer.Stop()
		}
		finished <- b.write(jobs)
		if !open {
			return
		}
	}
}

// write stores the jobs' records as one batch.
func (b *batcher) write(jobs []*job) stored {
	g := b.g
	var batch Batch
	for _, j := range jobs {
		batch.append(&j.batch)
	}
	var err error
	if batch.Len() > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), g.cfg.StoreTimeout)
		start := time.Now()
		err = g.cfg.Sink.StoreBatch(ctx, batch)
		cancel()
		g.m.batchSeconds.Observe(time.Since(start).Seconds())
		g.m.batchRecords.Observe(float64(batch.Len()))
		if err != nil {
			g.m.batches.WithLabelValues("error").Inc()
			g.cfg.Logger.Error("hj212: storing batch failed; its packets are not acknowledged", "records", batch.Len(), "err", err)
		} else {
			g.m.batches.WithLabelValues("ok").Inc()
		}
	}
	return stored{jobs: jobs, batch: batch, err: err}
}

// finish folds a stored batch's samples into the hourly aggregation and
// then reports the outcome to each job (acknowledgements go out), so a
// device holding its acknowledgement knows its minutes count in the hour.
func (b *batcher) finish(s stored) {
	g := b.g
	if s.err == nil && s.batch.Len() > 0 {
		g.countRecords(&s.batch)
		if len(s.batch.Samples) > 0 {
			if skipped := g.agg.add(s.batch.Samples, g.cfg.Now()); skipped > 0 {
				g.m.lateSamples.Add(float64(skipped))
			}
		}
	}
	for _, j := range s.jobs {
		j.done(s.err)
	}
}

func (g *Gateway) countRecords(b *Batch) {
	add := func(kind string, n int) {
		if n > 0 {
			g.m.records.WithLabelValues(kind).Add(float64(n))
		}
	}
	add("hourly", len(b.Hourly))
	add("aggregated", len(b.Aggregated))
	add("sample", len(b.Samples))
	add("daily", len(b.Daily))
	add("cems", len(b.CEMS))
	add("event", len(b.Events))
}
