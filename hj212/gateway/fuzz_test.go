package gateway

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/standard"
)

// FuzzRecords feeds arbitrary data segments through the gateway's mapping
// to records (ambient values, units, flags, CEMS, events): it must never
// panic, and what it returns must be well formed.
func FuzzRecords(f *testing.F) {
	b, err := os.ReadFile("../../testdata/hj212/spec_examples.tsv")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		cols := strings.Split(l, "\t")
		if len(cols) != 4 {
			continue
		}
		pkt, err := strconv.Unquote(cols[3])
		if err == nil && len(pkt) > 12 {
			f.Add([]byte(pkt[6 : len(pkt)-6]))
		}
	}
	g, err := New(Config{Registry: NewMemoryRegistry(), Sink: NewMemorySink()})
	if err != nil {
		f.Fatal(err)
	}
	dev := testDevice()
	dev.ST = ""
	dev.Units = map[standard.Pollutant]hj212.Unit{standard.SO2: hj212.UnitMilligram, standard.PM10: hj212.UnitNanogram}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, standard.Beijing)
	f.Fuzz(func(t *testing.T, seg []byte) {
		p, err := hj212.Parse(seg)
		if err != nil {
			return
		}
		b, err := g.records(p, &dev, now)
		if err != nil {
			return
		}
		if b.Len() != 1 {
			t.Fatalf("%d records for one packet", b.Len())
		}
		for _, o := range b.Hourly {
			if o.Time.Minute() != 0 || o.Time.Second() != 0 || o.Station != dev.Station {
				t.Fatalf("hour %v station %q", o.Time, o.Station)
			}
		}
		for _, s := range b.Samples {
			for i, v := range s.Values {
				if v == standard.Missing && s.Flags[i] != 0 {
					t.Fatalf("flag without value: %+v", s)
				}
			}
		}
	})
}
