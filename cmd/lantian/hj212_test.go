package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/ingest"
	"github.com/lantian-aq/lantian/standard"
)

func TestHJ212Decode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		output []string
	}{
		{"appendix A", []string{"hj212", "decode", `##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n`},
			0, []string{"packet 1: valid", "CRC     1C80 (computed 1C80)", "Flag 5: HJ 212-2017, ack wanted true", "RtdInterval      30"}},
		{"MODBUS CRC", []string{"hj212", "decode", `##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&0759`},
			1, []string{"INVALID: CRC 0759 does not match the segment's 1C80"}},
		{"ambient values in JSON", []string{"hj212", "decode", "--json", `##0087QN=1;ST=22;CN=2011;PW=1;MN=A;Flag=4;CP=&&DataTime=20261128100000;a21005-Rtd=0.6&&0000`},
			1, []string{`"pollutant":"CO-Rtd","value":"0.6","unit":"mg/m³"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := runMain(tc.args, &out, &errb); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errb.String())
			}
			for _, w := range tc.output {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestHJ212SendDay sends a day of real Nanyang hours (station 2403A,
// 2019-01-02, from the CNEMC file) through the emulator and a gateway over
// TCP, checks that the stored hours equal the file's, and has the platform
// ask the emulator for its time while it lingers.
func TestHJ212SendDay(t *testing.T) {
	const file = "../../testdata/cnemc/nanyang_2019_china_sites.csv"
	sink := gateway.NewMemorySink()
	g, err := gateway.New(gateway.Config{Addr: "127.0.0.1:0", Sink: sink,
		Registry: gateway.NewMemoryRegistry(gateway.Device{MN: "NY2403A0000000000000001", Password: "654321", Station: "2403A", ST: "22"})})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer g.Shutdown(context.Background())

	type result struct {
		code int
		out  string
	}
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		code := runMain([]string{"hj212", "send", "--addr", g.Addr().String(), "--mn", "NY2403A0000000000000001", "--pw", "654321",
			"--csv", file, "--station", "2403A", "--from", "2019-01-02 00:00", "--to", "2019-01-03 00:00", "--linger", "3s"}, &out, &errb)
		done <- result{code, out.String() + errb.String()}
	}()
	var resp *gateway.Response
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err = g.Request(context.Background(), "NY2403A0000000000000001", hj212.CNGetTime, nil)
		if !errors.Is(err, gateway.ErrNotConnected) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || resp.QnRtn != 1 || resp.ExeRtn != 1 || len(resp.Packets) != 1 {
		t.Fatalf("1011 request: %+v %v", resp, err)
	}
	if v, _ := resp.Packets[0].Get("SystemTime"); len(v) != 14 {
		t.Errorf("SystemTime %q", v)
	}
	r := <-done
	if r.code != 0 || !strings.Contains(r.out, "sent 24 uploads, 24 acknowledged, 0 resent, 0 failed") || !strings.Contains(r.out, "1011×1") {
		t.Fatalf("send exit %d:\n%s", r.code, r.out)
	}

	// The same hours read directly from the file.
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := ingest.NewReader(f, ingest.Options{File: "nanyang"})
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2019, 1, 2, 1, 0, 0, 0, standard.Beijing)
	to := time.Date(2019, 1, 3, 0, 0, 0, 0, standard.Beijing)
	n := 0
	for {
		o, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || o.Station != "2403A" || o.Time.Before(from) || o.Time.After(to) {
			continue
		}
		got, ok := sink.Hour("2403A", o.Time)
		if !ok {
			t.Errorf("hour ending %s not stored", o.Time)
			continue
		}
		n++
		if got.Values != o.Values {
			t.Errorf("hour ending %s: stored %v, file %v", o.Time, got.Values, o.Values)
		}
	}
	if n != 24 {
		t.Errorf("%d hours compared, want 24", n)
	}
	if b, _ := json.Marshal(sink.Snapshot().Hourly[0].Time); !strings.Contains(string(b), "2019-01-02T01:00:00+08:00") {
		t.Errorf("first hour %s", b)
	}
}
