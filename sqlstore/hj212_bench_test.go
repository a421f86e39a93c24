package sqlstore

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/standard"
)

// The HJ 212 sink benchmarks replay what bench/hj212 makes the gateway
// write: benchDevices data loggers each sending minute data, batched two
// minutes per device (the batch size the load benchmark settles at), and
// every 30 batches the hour that completed, aggregated, for every device.
// They report the cost per stored record, commit and fsync included, in
// wall and in CPU time.

const benchDevices = 1000

func benchSinkStore(b *testing.B, db *DB) {
	b.Helper()
	ctx := context.Background()
	if err := db.PutArea(ctx, &lantian.Area{Code: "419900", Name: "负载测试市", Level: lantian.LevelCity}); err != nil {
		b.Fatal(err)
	}
	for i := range benchDevices {
		code := fmt.Sprintf("B%05d", i)
		if err := db.PutStation(ctx, &lantian.Station{Code: code, Name: "负载测试 " + code, Kind: lantian.KindCounty, Area: "419900"}); err != nil {
			b.Fatal(err)
		}
	}
}

// sinkBatch returns batch i: minutes 2i and 2i+1 of every device, and when
// those close an hour, the hour's aggregate of every device.
func sinkBatch(i int) gateway.Batch {
	base := time.Date(2026, 11, 28, 0, 0, 0, 0, standard.Beijing)
	var bt gateway.Batch
	for d := range benchDevices {
		mn := fmt.Sprintf("BENCH%019d", d)
		station := fmt.Sprintf("B%05d", d)
		for m := 2 * i; m < 2*i+2; m++ {
			s := gateway.Sample{MN: mn, Station: station, CN: "2051", Time: base.Add(time.Duration(m) * time.Minute)}
			for p := range s.Values {
				s.Values[p] = standard.Conc((m+p+d)%90+5) * standard.ConcScale
				s.Flags[p] = lantian.FlagNormal
			}
			bt.Samples = append(bt.Samples, s)
		}
		if (2*i+2)%60 == 0 {
			a := gateway.HourlyAggregate{MN: mn, Source: "2051"}
			a.Station = station
			a.Time = base.Add(time.Duration(2*i+2) * time.Minute)
			for p := range a.Values {
				a.Values[p] = standard.Conc(40+p+d%7) * standard.ConcScale
				a.Flags[p] = lantian.FlagNormal
				a.Coverage[p] = time.Hour
				a.Count[p] = 60
			}
			bt.Aggregated = append(bt.Aggregated, a)
		}
	}
	return bt
}

func benchStoreBatch(b *testing.B, db *DB) {
	benchSinkStore(b, db)
	ctx := context.Background()
	batches := make([]gateway.Batch, 0, 64)
	for i := range 60 {
		batches = append(batches, sinkBatch(i))
	}
	records := 0
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		bt := batches[i%len(batches)]
		if i >= len(batches) {
			// Later hours: shift every record by whole hours so each batch
			// stores new samples, as the devices' clocks advance.
			bt = shiftBatch(bt, time.Duration(i/len(batches))*2*time.Hour)
		}
		if err := db.StoreBatch(ctx, bt); err != nil {
			b.Fatal(err)
		}
		records += bt.Len()
	}
	cpu := processCPU() - cpu0
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(records), "µs/record")
	b.ReportMetric(float64(cpu.Microseconds())/float64(records), "µs-cpu/record")
	b.ReportMetric(float64(records)/float64(b.N), "records/batch")
}

// processCPU is the user and system CPU time of the process: on a shared
// machine the CPU per record moves far less than the wall time. (On
// PostgreSQL it leaves out the server's share.)
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func shiftBatch(bt gateway.Batch, d time.Duration) gateway.Batch {
	out := gateway.Batch{Samples: make([]gateway.Sample, len(bt.Samples)), Aggregated: make([]gateway.HourlyAggregate, len(bt.Aggregated))}
	for i, s := range bt.Samples {
		s.Time = s.Time.Add(d)
		out.Samples[i] = s
	}
	for i, a := range bt.Aggregated {
		a.Time = a.Time.Add(d)
		out.Aggregated[i] = a
	}
	return out
}

func BenchmarkStoreBatchSQLite(b *testing.B) {
	db := openSQLiteBench(b, 0)
	defer db.Close()
	benchStoreBatch(b, db)
}

func BenchmarkStoreBatchPostgres(b *testing.B) {
	db := openPostgresBench(b)
	defer db.Close()
	benchStoreBatch(b, db)
}
