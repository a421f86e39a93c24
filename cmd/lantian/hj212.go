package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/ingest"
	"github.com/lantian-aq/lantian/sqlstore"
	"github.com/lantian-aq/lantian/standard"
)

func init() {
	register(command{name: "hj212", summary: "HJ 212 tools: decode packets, emulate a station (send), run the gateway alone (serve)", run: runHJ212})
}

func runHJ212(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, `Usage: lantian hj212 decode|send|serve [flags]

  decode   print the fields of HJ 212 packets (arguments, or one per line on stdin) and check length and CRC
  send     station emulator: send hourly/minute/real-time packets from a CSV or generated values, wait for
           acknowledgements, answer the platform's requests, report counts and latency
  serve    run the HJ 212 gateway alone, with devices from a CSV and records appended to an fsync'd file,
           or with --store on the platform's store (--data/--db) as registry and sink
           (inside the platform, 'lantian serve --hj212-addr' runs it on the store)`)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "decode":
		return runHJ212Decode(args[1:], stdout, stderr)
	case "send":
		return runHJ212Send(args[1:], stdout, stderr)
	case "serve":
		return runHJ212Serve(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "lantian hj212: unknown subcommand %q (want decode, send or serve)\n", args[0])
	return errUsage
}

// ---------------------------------------------------------------- decode

type decodedField struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type decodedValue struct {
	Pollutant string `json:"pollutant"`
	Value     string `json:"value"`
	Unit      string `json:"unit"`
	Flag      string `json:"flag"`
}

type decodedPacket struct {
	Index          int            `json:"index"`
	Valid          bool           `json:"valid"`
	Error          string         `json:"error,omitempty"`
	DeclaredLength int            `json:"declared_length"`
	Length         int            `json:"length"`
	CRC            string         `json:"crc"`
	ComputedCRC    string         `json:"computed_crc"`
	CRCOK          bool           `json:"crc_ok"`
	QN             string         `json:"qn,omitempty"`
	ST             string         `json:"st,omitempty"`
	CN             string         `json:"cn,omitempty"`
	PW             string         `json:"pw,omitempty"`
	MN             string         `json:"mn,omitempty"`
	Flag           *int           `json:"flag,omitempty"`
	Version        string         `json:"version,omitempty"`
	AckWanted      bool           `json:"ack_wanted"`
	PNUM           int            `json:"pnum,omitempty"`
	PNO            int            `json:"pno,omitempty"`
	Extra          []decodedField `json:"extra,omitempty"`
	CP             []decodedField `json:"cp"`
	Ambient        []decodedValue `json:"ambient,omitempty"`
}

var versionNames = map[int]string{hj212.Version2005: "HJ/T 212-2005", hj212.Version2017: "HJ 212-2017", hj212.Version2025: "HJ 212-2025"}

// decodePacket checks and parses one packet without rejecting it, so that
// a bad CRC or length is reported alongside the fields.
func decodePacket(i int, pkt []byte) decodedPacket {
	d := decodedPacket{Index: i, CP: []decodedField{}}
	pkt = []byte(strings.TrimRight(string(pkt), "\r\n"))
	if !strings.HasPrefix(string(pkt), "##") || len(pkt) < 10 {
		d.Error = "not an HJ 212 packet: it must start with ## and hold a length, a segment and a CRC"
		return d
	}
	n, err := strconv.Atoi(string(pkt[2:6]))
	if err != nil {
		d.Error = fmt.Sprintf("length field %q is not 4 digits", pkt[2:6])
		return d
	}
	d.DeclaredLength = n
	seg := pkt[6 : len(pkt)-4]
	d.Length = len(seg)
	d.CRC = string(pkt[len(pkt)-4:])
	d.ComputedCRC = fmt.Sprintf("%04X", hj212.CRC(seg))
	if got, err := strconv.ParseUint(d.CRC, 16, 16); err == nil && uint16(got) == hj212.CRC(seg) {
		d.CRCOK = true
	}
	var problems []string
	if d.Length != n {
		problems = append(problems, fmt.Sprintf("length field says %d bytes, the segment has %d", n, d.Length))
	}
	if !d.CRCOK {
		problems = append(problems, fmt.Sprintf("CRC %s does not match the segment's %s", d.CRC, d.ComputedCRC))
	}
	p, err := hj212.Parse(seg)
	if err != nil {
		problems = append(problems, err.Error())
	} else {
		d.QN, d.ST, d.CN, d.PW, d.MN, d.PNUM, d.PNO = p.QN, p.ST, p.CN, p.PW, p.MN, p.PNUM, p.PNO
		if p.HasFlag {
			f := int(p.Flag)
			d.Flag = &f
		}
		d.Version = versionNames[p.Version()]
		if d.Version == "" {
			d.Version = fmt.Sprintf("unknown (%d)", p.Version())
		}
		d.AckWanted = p.AckWanted()
		for _, f := range p.Extra {
			d.Extra = append(d.Extra, decodedField{f.Key, f.Value})
		}
		for _, f := range p.CP {
			d.CP = append(d.CP, decodedField{f.Key, f.Value})
		}
		if p.ST == hj212.STAmbientAir {
			for _, f := range p.CP {
				code, suf, ok := hj212.SplitKey(f.Key)
				pol, known := hj212.AmbientPollutant(code)
				if !ok || !known || suf == "Flag" || suf == "EFlag" || suf == "SampleTime" {
					continue
				}
				v := decodedValue{Pollutant: pol.String() + "-" + suf, Unit: pol.Unit()}
				c, err := hj212.AmbientConc(f.Value, pol, hj212.UnitDefault)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s: %v", f.Key, err))
					continue
				}
				v.Value = c.String()
				fl, _ := p.Get(code + "-Flag")
				flag, _ := hj212.ParseDataFlag(fl, p.Version())
				v.Flag = flag.String()
				d.Ambient = append(d.Ambient, v)
			}
		}
	}
	d.Valid = len(problems) == 0
	d.Error = strings.Join(problems, "; ")
	return d
}

func runHJ212Decode(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("hj212 decode", stderr, "[--json] [PACKET…]  (no PACKET: one packet per line on stdin)")
	asJSON := fs.Bool("json", false, "print one JSON object per packet")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var pkts [][]byte
	if len(pos) > 0 {
		for _, a := range pos {
			a = strings.TrimSuffix(a, `\r\n`) // pasted with the escape written out
			pkts = append(pkts, []byte(a))
		}
	} else {
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			l := strings.TrimSuffix(strings.TrimRight(sc.Text(), "\r"), `\r\n`)
			if strings.TrimSpace(l) != "" {
				pkts = append(pkts, []byte(l))
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
	}
	bad := 0
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for i, pkt := range pkts {
		d := decodePacket(i+1, pkt)
		if !d.Valid {
			bad++
		}
		if *asJSON {
			if err := enc.Encode(d); err != nil {
				return err
			}
			continue
		}
		printDecoded(stdout, &d)
	}
	if bad > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d packets invalid", bad, len(pkts))}
	}
	return nil
}

func printDecoded(w io.Writer, d *decodedPacket) {
	status := "valid"
	if !d.Valid {
		status = "INVALID: " + d.Error
	}
	fmt.Fprintf(w, "packet %d: %s\n", d.Index, status)
	fmt.Fprintf(w, "  length  %d bytes (field says %d)\n  CRC     %s (computed %s)\n", d.Length, d.DeclaredLength, d.CRC, d.ComputedCRC)
	if d.MN == "" {
		return
	}
	flag := "absent"
	if d.Flag != nil {
		flag = strconv.Itoa(*d.Flag)
	}
	fmt.Fprintf(w, "  QN %s  ST %s  CN %s  PW %s  MN %s\n  Flag %s: %s, ack wanted %v", d.QN, d.ST, d.CN, d.PW, d.MN, flag, d.Version, d.AckWanted)
	if d.PNUM > 0 {
		fmt.Fprintf(w, ", part %d of %d", d.PNO, d.PNUM)
	}
	fmt.Fprintln(w)
	for _, f := range d.Extra {
		fmt.Fprintf(w, "  %s=%s\n", f.Key, f.Value)
	}
	for _, f := range d.CP {
		fmt.Fprintf(w, "    %-16s %s\n", f.Key, f.Value)
	}
	for _, v := range d.Ambient {
		fmt.Fprintf(w, "  %-12s %s %s (%s)\n", v.Pollutant, v.Value, v.Unit, v.Flag)
	}
}

// ---------------------------------------------------------------- send

type sendOptions struct {
	addr, mn, pw, st, cn string
	csv, station         string
	from, to             string
	interval             time.Duration
	flag                 int
	timeout              time.Duration
	retries              int
	window               int
	linger               time.Duration
	seed                 int64
	rtdInterval          int
	minInterval          int
}

// record is one upload the emulator sends.
type record struct {
	dataTime time.Time
	values   [standard.NumPollutants]standard.Conc
	flags    [standard.NumPollutants]lantian.Flag
}

func runHJ212Send(args []string, stdout, stderr io.Writer) error {
	var o sendOptions
	fs := newFlagSet("hj212 send", stderr, "--addr HOST:PORT --mn MN --pw PW (--csv FILE [--station CODE] | --from TIME --to TIME) [flags]")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:9212", "gateway address")
	fs.StringVar(&o.mn, "mn", "", "device MN (required)")
	fs.StringVar(&o.pw, "pw", "123456", "device password (PW)")
	fs.StringVar(&o.st, "st", "22", "system code")
	fs.StringVar(&o.cn, "cn", "2061", "upload command: 2061 hourly, 2051 minute, 2011 real-time")
	fs.StringVar(&o.csv, "csv", "", "hourly data to send as 2061 (wide station,time,pm25,pm10,so2,no2,co,o3; long; or china_sites), times are hour ends")
	fs.StringVar(&o.station, "station", "", "send only this station's rows of --csv")
	fs.StringVar(&o.from, "from", "", "first DataTime (hour start for 2061) to send, YYYY-MM-DD HH:MM or YYYYMMDDhhmmss, Beijing time; required for generated data")
	fs.StringVar(&o.to, "to", "", "end of the DataTimes to send (exclusive)")
	fs.DurationVar(&o.interval, "interval", 0, "generated data: step (default 1h for 2061, 1m for 2051, 30s for 2011)")
	fs.IntVar(&o.flag, "flag", 5, "Flag of the uploads (5 = HJ 212-2017 with acknowledgement, 4 = without)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "resend an upload not acknowledged within this time (HJ 212-2017 Table 1: 10 s for GPRS/4G)")
	fs.IntVar(&o.retries, "retries", 3, "resends before an upload counts as failed")
	fs.IntVar(&o.window, "window", 1, "uploads in flight without acknowledgement (1 = wait for each 9014 as the standard does)")
	fs.DurationVar(&o.linger, "linger", 0, "stay connected this long after the last acknowledgement to answer platform requests")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the generated values")
	fs.IntVar(&o.rtdInterval, "rtd-interval", 30, "real-time interval (s) reported to 1061 requests")
	fs.IntVar(&o.minInterval, "min-interval", 1, "minute-data interval (min) reported to 1063 requests")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.mn == "" {
		fmt.Fprintln(stderr, "lantian hj212 send: --mn is required")
		return errUsage
	}
	if o.csv == "" && o.from == "" {
		fmt.Fprintln(stderr, "lantian hj212 send: give --csv FILE or --from/--to for generated values")
		return errUsage
	}
	if o.flag < 0 || o.flag > 255 || o.window < 1 {
		fmt.Fprintln(stderr, "lantian hj212 send: --flag must be 0-255 and --window ≥ 1")
		return errUsage
	}
	var recs []record
	var err error
	if o.csv != "" {
		if o.cn != hj212.CNHourly {
			fmt.Fprintln(stderr, "lantian hj212 send: --csv holds hourly data, sent as --cn 2061")
			return errUsage
		}
		recs, err = readHourlyCSV(o.csv, o.station)
		if err == nil && (o.from != "" || o.to != "") {
			recs, err = filterRecords(recs, o.from, o.to)
		}
	} else {
		recs, err = generateRecords(&o)
	}
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return errors.New("nothing to send")
	}
	em := &emulator{o: o, out: stdout}
	rep, err := em.run(recs)
	if rep != nil {
		rep.print(stdout)
	}
	if err != nil {
		return err
	}
	if rep.failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d uploads not acknowledged", rep.failed)}
	}
	return nil
}

func readHourlyCSV(path, station string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := ingest.NewReader(bufio.NewReaderSize(f, 1<<16), ingest.Options{File: filepath.Base(path)})
	if err != nil {
		return nil, err
	}
	var out []record
	stations := map[string]bool{}
	for {
		ob, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *ingest.LayoutError
		if errors.As(err, &le) {
			return nil, err
		}
		if err != nil {
			continue // a bad row: skipped, like import does
		}
		stations[ob.Station] = true
		if station != "" && ob.Station != station {
			continue
		}
		out = append(out, record{dataTime: ob.Time.Add(-time.Hour), values: ob.Values, flags: ob.Flags})
	}
	if station == "" && len(stations) > 1 {
		return nil, fmt.Errorf("%s holds %d stations; choose one with --station", path, len(stations))
	}
	slices.SortFunc(out, func(a, b record) int { return a.dataTime.Compare(b.dataTime) })
	return out, nil
}

// filterRecords keeps the records whose DataTime lies in [from, to).
func filterRecords(recs []record, from, to string) ([]record, error) {
	lo, hi := time.Time{}, time.Time{}
	var err error
	if from != "" {
		if lo, err = parseUserTime(from); err != nil {
			return nil, err
		}
	}
	if to != "" {
		if hi, err = parseUserTime(to); err != nil {
			return nil, err
		}
	}
	out := recs[:0]
	for _, r := range recs {
		if (lo.IsZero() || !r.dataTime.Before(lo)) && (hi.IsZero() || r.dataTime.Before(hi)) {
			out = append(out, r)
		}
	}
	return out, nil
}

func parseUserTime(s string) (time.Time, error) {
	for _, layout := range []string{"20060102150405", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, standard.Beijing); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want YYYYMMDDhhmmss or YYYY-MM-DD HH:MM (Beijing time)", s)
}

// generateRecords makes plausible values with a diurnal cycle: a
// deterministic function of seed, MN and time, so reruns send the same
// data.
func generateRecords(o *sendOptions) ([]record, error) {
	from, err := parseUserTime(o.from)
	if err != nil {
		return nil, err
	}
	if o.to == "" {
		return nil, errors.New("--to is required with --from")
	}
	to, err := parseUserTime(o.to)
	if err != nil {
		return nil, err
	}
	step := o.interval
	if step <= 0 {
		switch o.cn {
		case hj212.CNMinute:
			step = time.Minute
		case hj212.CNRealTime:
			step = 30 * time.Second
		default:
			step = time.Hour
		}
	}
	if !to.After(from) {
		return nil, errors.New("--to must be after --from")
	}
	if n := to.Sub(from) / step; n > 10_000_000 {
		return nil, fmt.Errorf("%d records: too many", n)
	}
	base := [standard.NumPollutants]float64{10, 30, 0.8, 60, 70, 40} // so2 no2 co o3 pm10 pm25
	var out []record
	h := uint64(o.seed)
	for _, c := range o.mn {
		h = h*131 + uint64(c)
	}
	for t := from; t.Before(to); t = t.Add(step) {
		var r record
		r.dataTime = t
		hour := float64(t.In(standard.Beijing).Hour()) + float64(t.Minute())/60
		for p := range base {
			h = h*6364136223846793005 + 1442695040888963407
			noise := float64(h>>40)/float64(1<<24) - 0.5
			// Primary pollutants peak at night and in the morning, O3 in
			// the afternoon.
			cycle := -math.Sin((hour - 8) / 24 * 2 * math.Pi)
			if standard.Pollutant(p) == standard.O3 {
				cycle = math.Sin((hour - 9) / 24 * 2 * math.Pi)
			}
			v := base[p] * (1 + 0.4*cycle + 0.3*noise)
			dec := 0
			if standard.Pollutant(p) == standard.CO {
				dec = 3
			}
			v = math.Round(v*math.Pow10(dec)) / math.Pow10(dec)
			r.values[p] = standard.ConcFromFloat(max(v, 0))
			r.flags[p] = lantian.FlagNormal
		}
		out = append(out, r)
	}
	return out, nil
}

// emulator is the station side of one connection.
type emulator struct {
	o   sendOptions
	out io.Writer

	wmu sync.Mutex
	nc  net.Conn

	mu       sync.Mutex
	pending  map[string]*inflight
	acked    chan string
	answered map[string]int
}

type inflight struct {
	pkt    []byte
	sentAt time.Time
	first  time.Time
	tries  int
}

type sendReport struct {
	sent, acked, resent, failed int
	latencies                   []time.Duration
	answered                    map[string]int
	elapsed                     time.Duration
}

func (r *sendReport) print(w io.Writer) {
	fmt.Fprintf(w, "sent %d uploads, %d acknowledged, %d resent, %d failed in %s (%.0f uploads/s)\n",
		r.sent, r.acked, r.resent, r.failed, r.elapsed.Round(time.Millisecond), float64(r.sent)/r.elapsed.Seconds())
	if len(r.latencies) > 0 {
		slices.Sort(r.latencies)
		q := func(p float64) time.Duration { return r.latencies[int(math.Ceil(p*float64(len(r.latencies))))-1] }
		fmt.Fprintf(w, "ack latency p50 %s, p99 %s, max %s\n", q(0.5), q(0.99), r.latencies[len(r.latencies)-1])
	}
	if len(r.answered) > 0 {
		keys := make([]string, 0, len(r.answered))
		for k := range r.answered {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s×%d", k, r.answered[k])
		}
		fmt.Fprintf(w, "platform requests answered: %s\n", strings.Join(parts, ", "))
	}
}

func (e *emulator) write(b []byte) error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	e.nc.SetWriteDeadline(time.Now().Add(e.o.timeout))
	_, err := e.nc.Write(b)
	return err
}

func (e *emulator) packet(qn string, cp []hj212.Field) *hj212.Packet {
	return &hj212.Packet{QN: qn, ST: e.o.st, CN: e.o.cn, PW: e.o.pw, MN: e.o.mn, Flag: hj212.HeaderFlag(e.o.flag), HasFlag: true, CP: cp}
}

func (e *emulator) run(recs []record) (*sendReport, error) {
	nc, err := net.DialTimeout("tcp", e.o.addr, e.o.timeout)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	e.nc = nc
	e.pending = make(map[string]*inflight)
	e.acked = make(chan string, e.o.window+16)
	e.answered = make(map[string]int)
	rep := &sendReport{answered: e.answered}
	readErr := make(chan error, 1)
	go func() { readErr <- e.readLoop() }()
	start := time.Now()
	defer func() {
		if rep.elapsed == 0 { // cut short: report the time it ran
			rep.elapsed = time.Since(start)
		}
	}()
	ackWanted := hj212.HeaderFlag(e.o.flag).AckWanted()
	codes := hj212.AmbientCodes()
	qnBase := time.Now()
	inFlight := 0
	next := 0
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for next < len(recs) || inFlight > 0 {
		for next < len(recs) && (inFlight < e.o.window || !ackWanted) {
			r := recs[next]
			qn := hj212.FormatQN(qnBase.Add(time.Duration(next) * time.Millisecond))
			cp := []hj212.Field{{Key: "DataTime", Value: hj212.FormatTime(r.dataTime)}}
			suffix := "Avg"
			if e.o.cn == hj212.CNRealTime {
				suffix = "Rtd"
			}
			for p, code := range codes {
				if r.values[p] == standard.Missing {
					continue
				}
				cp = append(cp, hj212.Field{Key: code + "-" + suffix, Value: r.values[p].String()},
					hj212.Field{Key: code + "-Flag", Value: r.flags[p].String()})
			}
			pkt, err := e.packet(qn, cp).Marshal()
			if err != nil {
				return rep, err
			}
			now := time.Now()
			if ackWanted {
				e.mu.Lock()
				e.pending[qn] = &inflight{pkt: pkt, sentAt: now, first: now, tries: 1}
				e.mu.Unlock()
				inFlight++
			}
			if err := e.write(pkt); err != nil {
				return rep, fmt.Errorf("sending: %w", err)
			}
			rep.sent++
			next++
		}
		if inFlight == 0 {
			break
		}
		select {
		case qn := <-e.acked:
			e.mu.Lock()
			f := e.pending[qn]
			delete(e.pending, qn)
			e.mu.Unlock()
			if f != nil {
				inFlight--
				rep.acked++
				rep.latencies = append(rep.latencies, time.Since(f.sentAt))
			}
		case err := <-readErr:
			return rep, fmt.Errorf("connection lost: %w", err)
		case <-tick.C:
			now := time.Now()
			e.mu.Lock()
			var resend [][]byte
			for qn, f := range e.pending {
				if now.Sub(f.sentAt) < e.o.timeout {
					continue
				}
				if f.tries > e.o.retries {
					delete(e.pending, qn)
					inFlight--
					rep.failed++
					continue
				}
				f.tries++
				f.sentAt = now
				resend = append(resend, f.pkt)
			}
			e.mu.Unlock()
			for _, p := range resend {
				rep.resent++
				if err := e.write(p); err != nil {
					return rep, fmt.Errorf("resending: %w", err)
				}
			}
		}
	}
	rep.elapsed = time.Since(start)
	if e.o.linger > 0 {
		select {
		case <-time.After(e.o.linger):
		case err := <-readErr:
			if !errors.Is(err, io.EOF) {
				return rep, err
			}
		}
	}
	e.mu.Lock()
	rep.answered = copyCounts(e.answered)
	e.mu.Unlock()
	return rep, nil
}

func copyCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// readLoop receives acknowledgements and answers platform requests the way
// a data logger does (HJ 212-2017 §6.5): 9011, the data asked for, 9012.
func (e *emulator) readLoop() error {
	d := hj212.NewDeframer(e.nc, 0)
	for {
		seg, err := d.Next()
		var fe *hj212.FrameError
		if errors.As(err, &fe) {
			fmt.Fprintf(e.out, "received a bad frame: %v\n", fe)
			continue
		}
		if err != nil {
			return err
		}
		p, err := hj212.Parse(seg)
		if err != nil {
			fmt.Fprintf(e.out, "received an unreadable packet: %v\n", err)
			continue
		}
		switch p.CN {
		case hj212.CNDataAck:
			e.acked <- p.QN
			continue
		case hj212.CNNoticeAck, hj212.CNRequestAck, hj212.CNExecResult:
			continue
		}
		if err := e.answer(p); err != nil {
			return err
		}
	}
}

func (e *emulator) answer(req *hj212.Packet) error {
	e.mu.Lock()
	e.answered[req.CN]++
	e.mu.Unlock()
	send := func(p *hj212.Packet) error {
		b, err := p.Marshal()
		if err != nil {
			return err
		}
		return e.write(b)
	}
	respond := func(cp ...hj212.Field) *hj212.Packet {
		return &hj212.Packet{QN: req.QN, ST: e.o.st, CN: req.CN, PW: e.o.pw, MN: e.o.mn, Flag: hj212.HeaderFlag(hj212.Version2017 << 2), HasFlag: true, CP: cp}
	}
	switch req.CN {
	case hj212.CNStopRealTime, "2022": // notices
		return send(req.NoticeAck())
	}
	var data *hj212.Packet
	exe := hj212.ExeSuccess
	switch req.CN {
	case hj212.CNGetTime:
		data = respond(hj212.Field{Key: "SystemTime", Value: hj212.FormatTime(time.Now())})
	case hj212.CNGetRtdInterval:
		data = respond(hj212.Field{Key: "RtdInterval", Value: strconv.Itoa(e.o.rtdInterval)})
	case hj212.CNGetMinInterval:
		data = respond(hj212.Field{Key: "MinInterval", Value: strconv.Itoa(e.o.minInterval)})
	case hj212.CNSetRtdInterval:
		if v, ok := req.Get("RtdInterval"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 30 && n <= 3600 {
				e.o.rtdInterval = n
			} else {
				exe = hj212.ExeCondition
			}
		}
	case hj212.CNSetMinInterval:
		if v, ok := req.Get("MinInterval"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 30 {
				e.o.minInterval = n
			} else {
				exe = hj212.ExeCondition
			}
		}
	case hj212.CNSetTimeout, hj212.CNSetTime, "1072", hj212.CNRealTime, hj212.CNDeviceStatus:
	case hj212.CNDaily, hj212.CNMinute, hj212.CNHourly, hj212.CNDeviceRuntime:
		exe = hj212.ExeNoData // history: the emulator keeps none
	default:
		return send(req.RequestAck(hj212.QnBadCN))
	}
	if err := send(withStationPW(req.RequestAck(hj212.QnReady), e.o.pw)); err != nil {
		return err
	}
	if data != nil {
		if err := send(data); err != nil {
			return err
		}
	}
	return send(withStationPW(req.ExecResult(exe), e.o.pw))
}

func withStationPW(p *hj212.Packet, pw string) *hj212.Packet {
	p.PW = pw
	return p
}

// ---------------------------------------------------------------- serve

func runHJ212Serve(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("hj212 serve", stderr, "(--devices FILE [--out FILE | --memory] | --store [--data DIR] [--db URL]) [--addr HOST:PORT] [flags]")
	var sf storeFlags
	sf.register(fs)
	useStore := fs.Bool("store", false, "use the platform's store (--data/--db): devices registered with 'lantian device add', records committed to the store before each acknowledgement")
	addr := fs.String("addr", ":9212", "TCP listen address for data loggers")
	devices := fs.String("devices", "", "device CSV: mn,password,station,st[,units] (required unless --device is given)")
	var inline []string
	fs.Func("device", "a device as MN,PASSWORD,STATION[,ST] (repeatable)", func(s string) error { inline = append(inline, s); return nil })
	out := fs.String("out", "hj212-records.jsonl", "append records to this file, fsync'd before each acknowledgement")
	memory := fs.Bool("memory", false, "keep records in memory and log each batch instead of writing --out (nothing survives a restart)")
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus /metrics on this address (e.g. 127.0.0.1:9213)")
	maxSeg := fs.Int("max-segment", 9999, "largest data segment accepted, bytes")
	maxConns := fs.Int("max-conns", 10000, "maximum connections")
	maxPerAddr := fs.Int("max-conns-per-addr", 256, "maximum connections per remote IP")
	idle := fs.Duration("idle-timeout", 10*time.Minute, "close connections silent this long")
	readTO := fs.Duration("read-timeout", 30*time.Second, "time allowed to receive one packet")
	sndbuf := fs.Int("send-buffer", 0, "fixed kernel send buffer per connection in bytes (0: system default with autotuning)")
	calib := fs.Bool("calibrate-time", false, "answer 1013 time-calibration notices with a 1012 set-time request")
	verbose := fs.Bool("v", false, "log every connection and rejected packet")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	var devs []gateway.Device
	if *devices != "" {
		f, err := os.Open(*devices)
		if err != nil {
			return err
		}
		d, err := gateway.ReadDevicesCSV(f, *devices)
		f.Close()
		if err != nil {
			return err
		}
		devs = d
	}
	for _, s := range inline {
		p := strings.Split(s, ",")
		if len(p) < 3 || len(p) > 4 || p[0] == "" || p[2] == "" {
			return fmt.Errorf("--device %q: want MN,PASSWORD,STATION[,ST]", s)
		}
		d := gateway.Device{MN: p[0], Password: p[1], Station: p[2]}
		if len(p) == 4 {
			d.ST = p[3]
		}
		devs = append(devs, d)
	}
	if *useStore && (len(devs) > 0 || *memory) {
		fmt.Fprintln(stderr, "lantian hj212 serve: --store takes its devices and stores its records in the store: drop --devices, --device and --memory")
		return errUsage
	}
	if len(devs) == 0 && !*useStore {
		fmt.Fprintln(stderr, "lantian hj212 serve: no devices: give --devices FILE or --device MN,PW,STATION, or --store")
		return errUsage
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	var (
		sink     gateway.Sink
		registry gateway.Registry = gateway.NewMemoryRegistry(devs...)
		where    string
	)
	switch {
	case *useStore:
		st, err := sqlstore.Open(context.Background(), sf.db, sf.data)
		if err != nil {
			return fmt.Errorf("open store: %w", err)
		}
		defer st.Close()
		regs, err := st.Registrations(context.Background())
		if err != nil {
			return err
		}
		devs = devs[:0]
		for _, r := range regs {
			if !r.Disabled {
				devs = append(devs, r.Device)
			}
		}
		sink, registry = st, st
		where = "the " + st.Dialect() + " store"
	case *memory:
		sink = &loggingSink{MemorySink: gateway.NewMemorySink(), w: stdout}
	default:
		fsink, err := gateway.OpenFileSink(*out)
		if err != nil {
			return err
		}
		defer fsink.Close()
		sink = fsink
		where = *out
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	g, err := gateway.New(gateway.Config{
		Addr: *addr, Registry: registry, Sink: sink, Metrics: reg, Logger: logger,
		MaxSegment: *maxSeg, MaxConns: *maxConns, MaxConnsPerAddr: *maxPerAddr, IdleTimeout: *idle, ReadTimeout: *readTO,
		CalibrateTime: *calib, SendBuffer: *sndbuf,
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := g.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "HJ 212 gateway listening on %s with %d devices", g.Addr(), len(devs))
	if !*memory {
		fmt.Fprintf(stdout, ", records to %s", where)
	}
	fmt.Fprintln(stdout)
	var msrv *http.Server
	if *metricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		msrv = &http.Server{Addr: *metricsAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := msrv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("metrics server", "err", err)
			}
		}()
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down: storing and acknowledging the packets already read")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if msrv != nil {
		msrv.Shutdown(sctx)
	}
	return g.Shutdown(sctx)
}

// loggingSink is the --memory sink: it keeps records and prints a line per
// batch.
type loggingSink struct {
	*gateway.MemorySink
	mu sync.Mutex
	w  io.Writer
}

func (s *loggingSink) StoreBatch(ctx context.Context, b gateway.Batch) error {
	if err := s.MemorySink.StoreBatch(ctx, b); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, "%s batch: %d hourly, %d aggregated, %d samples, %d daily, %d CEMS, %d events\n",
		time.Now().Format(time.TimeOnly), len(b.Hourly), len(b.Aggregated), len(b.Samples), len(b.Daily), len(b.CEMS), len(b.Events))
	for _, o := range b.Hourly {
		fmt.Fprintf(s.w, "  hour %s ending %s: %s\n", o.Station, o.Time.In(standard.Beijing).Format("2006-01-02 15:04"), obsString(o.Values, o.Flags))
	}
	for _, a := range b.Aggregated {
		fmt.Fprintf(s.w, "  aggregated %s ending %s from %s: %s\n", a.Station, a.Time.In(standard.Beijing).Format("2006-01-02 15:04"), a.Source, obsString(a.Values, a.Flags))
	}
	return nil
}

func obsString(v [standard.NumPollutants]standard.Conc, f [standard.NumPollutants]lantian.Flag) string {
	parts := make([]string, 0, len(v))
	for p, c := range v {
		s := c.String()
		if s == "" {
			s = "—"
		}
		parts = append(parts, fmt.Sprintf("%s=%s(%s)", standard.Pollutant(p).Code(), s, f[p]))
	}
	return strings.Join(parts, " ")
}
