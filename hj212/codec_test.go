package hj212

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

type example struct {
	name   string
	crc    string
	segLen int
	pkt    []byte
}

func loadExamples(t testing.TB) []example {
	t.Helper()
	f, err := os.Open("../testdata/hj212/spec_examples.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []example
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		if strings.HasPrefix(sc.Text(), "#") || sc.Text() == "" {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			t.Fatalf("spec_examples.tsv:%d: want 4 columns, got %d", line, len(cols))
		}
		n, err := strconv.Atoi(cols[2])
		if err != nil {
			t.Fatalf("spec_examples.tsv:%d: length: %v", line, err)
		}
		pkt, err := strconv.Unquote(cols[3])
		if err != nil {
			t.Fatalf("spec_examples.tsv:%d: packet: %v", line, err)
		}
		out = append(out, example{cols[0], cols[1], n, []byte(pkt)})
	}
	if len(out) < 20 {
		t.Fatalf("only %d examples loaded", len(out))
	}
	return out
}

type corpusEntry struct {
	name, result string
	acked        bool
	data         []byte
}

func loadCorpus(t testing.TB) []corpusEntry {
	t.Helper()
	b, err := os.ReadFile("../testdata/hj212/malformed.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusEntry
	for i, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		cols := strings.Split(l, "\t")
		if len(cols) != 5 {
			t.Fatalf("malformed.tsv:%d: want 5 columns, got %d", i+1, len(cols))
		}
		d, err := strconv.Unquote(cols[3])
		if err != nil {
			t.Fatalf("malformed.tsv:%d: bytes: %v", i+1, err)
		}
		out = append(out, corpusEntry{cols[0], cols[1], cols[2] == "yes", []byte(d)})
	}
	return out
}

func TestCRCVectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want uint16
	}{
		{"check string", "123456789", 0x2F80},
		{"empty", "", 0xFFFF},
		{"appendix A", "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&", 0x1C80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CRC([]byte(tc.in)); got != tc.want {
				t.Errorf("CRC(%q) = %04X, want %04X", tc.in, got, tc.want)
			}
		})
	}
}

// TestCRCIsNotModbus pins the difference the spec warns about: the MODBUS
// register update of the same table gives other values.
func TestCRCIsNotModbus(t *testing.T) {
	modbus := func(b []byte) uint16 {
		reg := uint16(0xFFFF)
		for _, c := range b {
			reg = reg>>8 ^ crcTable[byte(reg)^c]
		}
		return reg
	}
	if got := modbus([]byte("123456789")); got != 0x4B37 {
		t.Fatalf("MODBUS reference = %04X, want 4B37", got)
	}
	if CRC([]byte("123456789")) == modbus([]byte("123456789")) {
		t.Fatal("CRC equals CRC-16/MODBUS")
	}
}

func TestSpecExamples(t *testing.T) {
	for _, ex := range loadExamples(t) {
		t.Run(ex.name, func(t *testing.T) {
			seg, err := ParseFrame(ex.pkt)
			if err != nil {
				t.Fatalf("ParseFrame: %v", err)
			}
			if len(seg) != ex.segLen {
				t.Errorf("segment length %d, spec says %d", len(seg), ex.segLen)
			}
			if got := fmt.Sprintf("%04X", CRC(seg)); got != ex.crc {
				t.Errorf("CRC %s, spec says %s", got, ex.crc)
			}
			p, err := Parse(seg)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.MN == "" || p.CN == "" || p.ST == "" {
				t.Errorf("header not parsed: %+v", p)
			}
			// Writing the parsed packet gives back the same bytes for every
			// example written in the standard's style.
			if ex.name != "real_device_st27_2011" {
				out, err := p.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out, ex.pkt) {
					t.Errorf("re-encoded\n got %q\nwant %q", out, ex.pkt)
				}
			}
			// The de-framer finds the same packet in a stream.
			d := NewDeframer(bytes.NewReader(ex.pkt), 0)
			s2, err := d.Next()
			if err != nil || !bytes.Equal(s2, seg) {
				t.Errorf("Deframer: %q, %v", s2, err)
			}
		})
	}
}

func TestSpecExampleFields(t *testing.T) {
	ex := map[string]example{}
	for _, e := range loadExamples(t) {
		ex[e.name] = e
	}
	parse := func(name string) *Packet {
		t.Helper()
		seg, err := ParseFrame(ex[name].pkt)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse(seg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("air_2011_rtd", func(t *testing.T) {
		p := parse("air_2011_rtd")
		if p.QN != "20261128100000123" || p.ST != "22" || p.CN != "2011" || p.PW != "123456" || p.MN != "010000A8900016F000169DC0" {
			t.Errorf("header %+v", p)
		}
		if p.Flag != 5 || p.Version() != Version2017 || !p.AckWanted() || p.Flag.Split() {
			t.Errorf("flag %d: version %d ack %v split %v", p.Flag, p.Version(), p.AckWanted(), p.Flag.Split())
		}
		dt, err := p.DataTime()
		if err != nil || !dt.Equal(time.Date(2026, 11, 28, 10, 0, 0, 0, standard.Beijing)) {
			t.Errorf("DataTime %v %v", dt, err)
		}
		if v, _ := p.Get("a21005-Rtd"); v != "0.6" {
			t.Errorf("a21005-Rtd = %q", v)
		}
		if len(p.CP) != 23 {
			t.Errorf("%d CP fields, want 23", len(p.CP))
		}
		ack, _ := p.DataAck().Marshal()
		if !bytes.Equal(ack, ex["ack_9014_for_air_2011"].pkt) {
			t.Errorf("9014 ack\n got %q\nwant %q", ack, ex["ack_9014_for_air_2011"].pkt)
		}
	})
	t.Run("split parts and acks", func(t *testing.T) {
		p1, p2 := parse("split_2061_p1"), parse("split_2061_p2")
		if !p1.Flag.Split() || p1.PNUM != 2 || p1.PNO != 1 || p2.PNO != 2 {
			t.Errorf("split header %+v %+v", p1, p2)
		}
		ack, _ := p1.DataAck().Marshal()
		if !bytes.Equal(ack, ex["split_2061_p1_ack"].pkt) {
			t.Errorf("part-1 ack %q", ack)
		}
	})
	t.Run("request answers", func(t *testing.T) {
		req := parse("req_1011_get_time")
		for _, c := range []struct {
			name string
			p    *Packet
		}{{"resp_9011_qnrtn", req.RequestAck(QnReady)}, {"resp_9012_exertn", req.ExecResult(ExeSuccess)}} {
			// The station's answers carry the request's PW and MN.
			got, _ := c.p.Marshal()
			if !bytes.Equal(got, ex[c.name].pkt) {
				t.Errorf("%s\n got %q\nwant %q", c.name, got, ex[c.name].pkt)
			}
		}
		n := parse("notice_1013_calib_req")
		got, _ := n.NoticeAck().Marshal()
		if !bytes.Equal(got, ex["reply_9013"].pkt) {
			t.Errorf("9013\n got %q\nwant %q", got, ex["reply_9013"].pkt)
		}
	})
	t.Run("2005 style", func(t *testing.T) {
		p := parse("v2005_style_2011")
		if p.QN != "" || p.HasFlag || p.Version() != Version2005 || p.AckWanted() || p.MN != "88888880000001" {
			t.Errorf("%+v", p)
		}
		if v, _ := p.Get("B02-Rtd"); v != "13.4" {
			t.Errorf("B02-Rtd %q", v)
		}
	})
	t.Run("utf8", func(t *testing.T) {
		p := parse("utf8_3020_log")
		if v, _ := p.Get("i11001-Info"); v != "//清洗管路//" {
			t.Errorf("info %q", v)
		}
	})
	t.Run("semicolons everywhere", func(t *testing.T) {
		p := parse("real_device_st27_2011")
		if v, _ := p.Get("o31104-Rtd"); v != "29" {
			t.Errorf("o31104-Rtd %q", v)
		}
		if pol, ok := AmbientPollutant("o31104"); !ok || pol != standard.O3 {
			t.Errorf("o31104 alias: %v %v", pol, ok)
		}
	})
}

// TestNegativeVectors are the spec's must-reject and must-accept variants of
// the Appendix A packet.
func TestNegativeVectors(t *testing.T) {
	const seg = "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
	for _, tc := range []struct {
		name string
		pkt  string
		want FrameErrorKind // 0 = accepted
	}{
		{"upper-case CRC", "##0101" + seg + "1C80\r\n", 0},
		{"lower-case CRC", "##0101" + seg + "1c80\r\n", 0},
		{"MODBUS CRC", "##0101" + seg + "0759\r\n", BadCRC},
		{"prose typo 1C08", "##0101" + seg + "1C08\r\n", BadCRC},
		{"length one too large", "##0102" + seg + "1C80\r\n", BadLength},
		{"CRC not hex", "##0101" + seg + "1G80\r\n", BadCRC},
		{"length not digits", "##01x1" + seg + "1C80\r\n", BadHeader},
		{"no CR LF", "##0101" + seg + "1C80\n\n", BadLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFrame([]byte(tc.pkt))
			var fe *FrameError
			switch {
			case tc.want == 0 && err != nil:
				t.Fatalf("rejected: %v", err)
			case tc.want != 0 && (!errors.As(err, &fe) || fe.Kind != tc.want):
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// deframeAll runs a stream through the de-framer and returns the segments
// and the error kinds in order.
func deframeAll(r io.Reader, max int) (segs []string, kinds []string, err error) {
	d := NewDeframer(r, max)
	for {
		s, err := d.Next()
		var fe *FrameError
		switch {
		case err == nil:
			segs = append(segs, string(s))
		case errors.As(err, &fe):
			kinds = append(kinds, fe.Kind.String())
		case errors.Is(err, io.EOF):
			return segs, kinds, nil
		default:
			return segs, kinds, err
		}
	}
}

func TestCorpusFraming(t *testing.T) {
	good := mustPacket(t, "QN=20261128100005999;ST=22;CN=2061;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20261128090000;a34004-Avg=33,a34004-Flag=N&&")
	for _, c := range loadCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			// Each corpus entry followed by a valid packet: the valid packet
			// must always come out (the stream resynchronises).
			stream := append(append([]byte{}, c.data...), good...)
			segs, kinds, err := deframeAll(bytes.NewReader(stream), 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(segs) == 0 || segs[len(segs)-1] != string(good[6:len(good)-6]) {
				t.Fatalf("trailing valid packet lost: segs=%d kinds=%v", len(segs), kinds)
			}
			framed := len(segs) == 2
			switch c.result {
			case "bad_crc", "bad_length", "bad_header", "oversized":
				if framed || len(kinds) == 0 || kinds[0] != c.result {
					t.Errorf("got segments %d kinds %v, want %s", len(segs), kinds, c.result)
				}
			default:
				if !framed {
					t.Fatalf("entry not de-framed: kinds %v", kinds)
				}
				_, perr := Parse([]byte(segs[0]))
				switch c.result {
				case "not_utf8":
					if !errors.Is(perr, ErrNotUTF8) {
						t.Errorf("Parse: %v, want ErrNotUTF8", perr)
					}
				case "parse_error":
					if perr == nil {
						// Header parses; the error is in the values, found
						// by the gateway's mapping. Check it here too.
						p, _ := Parse([]byte(segs[0]))
						if _, err := p.DataTime(); err == nil {
							if err := checkValues(p); err == nil {
								t.Errorf("no parse error")
							}
						}
					}
				default:
					if perr != nil {
						t.Errorf("Parse: %v", perr)
					}
				}
			}
		})
	}
}

func checkValues(p *Packet) error {
	for _, f := range p.CP {
		code, suf, ok := SplitKey(f.Key)
		if !ok || suf == "Flag" {
			continue
		}
		if pol, known := AmbientPollutant(code); known {
			if _, err := AmbientConc(f.Value, pol, UnitDefault); err != nil {
				return err
			}
		}
	}
	return nil
}

func mustPacket(t testing.TB, seg string) []byte {
	t.Helper()
	b, err := AppendFrame(nil, []byte(seg))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeframerStream(t *testing.T) {
	a := mustPacket(t, "QN=1;ST=22;CN=2011;PW=1;MN=A;Flag=4;CP=&&DataTime=20261128100000;a34004-Rtd=1&&")
	b := mustPacket(t, "QN=2;ST=22;CN=2011;PW=1;MN=A;Flag=4;CP=&&DataTime=20261128100100;a34004-Rtd=2&&")
	big := mustPacket(t, "QN=3;ST=22;CN=2011;PW=1;MN=A;Flag=4;CP=&&"+strings.Repeat("a34004-Rtd=1;", 100)+"&&")
	seg := func(p []byte) string { return string(p[6 : len(p)-6]) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name      string
		r         io.Reader
		max       int
		wantSegs  []string
		wantKinds []string
	}{
		{"sticky", bytes.NewReader(cat(a, b, a)), 0, []string{seg(a), seg(b), seg(a)}, nil},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(cat(a, b))), 0, []string{seg(a), seg(b)}, nil},
		{"half reads", iotest.HalfReader(bytes.NewReader(cat([]byte("junk##"), a, []byte("#"), b))), 0, []string{seg(a), seg(b)}, []string{"bad_header", "bad_header", "bad_header"}},
		{"garbage between", bytes.NewReader(cat([]byte("\x00\x01xyz"), a, []byte("\r\n\r\n###"), b)), 0, []string{seg(a), seg(b)}, []string{"bad_header", "bad_header", "bad_header"}},
		{"oversized skipped", bytes.NewReader(cat(a, big, b)), 200, []string{seg(a), seg(b)}, []string{"oversized"}},
		{"oversized accepted with a larger limit", bytes.NewReader(cat(a, big, b)), 0, []string{seg(a), seg(big), seg(b)}, nil},
		{"corrupt length resyncs", bytes.NewReader(cat([]byte("##0999"), a, b)), 0, []string{seg(a), seg(b)}, []string{"bad_length"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			segs, kinds, err := deframeAll(tc.r, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(segs, "|") != strings.Join(tc.wantSegs, "|") {
				t.Errorf("segments\n got %q\nwant %q", segs, tc.wantSegs)
			}
			if strings.Join(kinds, ",") != strings.Join(tc.wantKinds, ",") {
				t.Errorf("errors %v, want %v", kinds, tc.wantKinds)
			}
		})
	}
}

func TestDeframerTruncatedEOF(t *testing.T) {
	a := mustPacket(t, "ST=22;CN=2011;PW=1;MN=A;CP=&&&&")
	d := NewDeframer(bytes.NewReader(a[:10]), 0)
	var fe *FrameError
	if _, err := d.Next(); !errors.As(err, &fe) || fe.Kind != BadLength {
		t.Fatalf("got %v, want a BadLength frame error", err)
	}
	if _, err := d.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("second call: %v, want EOF", err)
	}
}

// TestDeframerBoundedBuffer checks that a stream of garbage without "##"
// never grows the buffer beyond the frame limit.
func TestDeframerBoundedBuffer(t *testing.T) {
	d := NewDeframer(io.LimitReader(neverHash{}, 1<<20), 100)
	if _, err := d.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("got %v", err)
	}
	if cap(d.buf) > 112 {
		t.Errorf("buffer grew to %d bytes", cap(d.buf))
	}
	if d.Discarded != 1<<20 {
		t.Errorf("discarded %d, want %d", d.Discarded, 1<<20)
	}
}

type neverHash struct{}

func (neverHash) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestParseLeniency(t *testing.T) {
	for _, tc := range []struct {
		name, seg string
		check     func(*Packet) error
	}{
		{"comma between header fields (C.48 typo)", "QN=20160801085857534,ST=32;CN=2061;PW=1;MN=A;Flag=5;CP=&&&&", func(p *Packet) error {
			if p.ST != "32" || p.QN != "20160801085857534" {
				return fmt.Errorf("%+v", p)
			}
			return nil
		}},
		{"missing semicolon before CP", "ST=32;CN=2061;PW=1;MN=A;Flag=5CP=&&&&", func(p *Packet) error {
			if p.Flag != 5 {
				return fmt.Errorf("flag %d", p.Flag)
			}
			return nil
		}},
		{"spaces in CP", "ST=32;CN=1011;PW=1;MN=A;Flag=5;CP=&& PolId=w01018 &&", func(p *Packet) error {
			if v, _ := p.Get("PolId"); v != "w01018" {
				return fmt.Errorf("PolId %q", v)
			}
			return nil
		}},
		{"blank CP", "ST=32;CN=1011;PW=1;MN=A;Flag=5;CP=&& &&", func(p *Packet) error {
			if len(p.CP) != 0 {
				return fmt.Errorf("CP %v", p.CP)
			}
			return nil
		}},
		{"three-digit flag and 2025 version", "ST=22;CN=2011;PW=1;MN=A;Flag=9;RF=1;CP=&&&&", func(p *Packet) error {
			if p.Version() != Version2025 || !p.AckWanted() || len(p.Extra) != 1 || p.Extra[0].Key != "RF" {
				return fmt.Errorf("%+v", p)
			}
			return nil
		}},
		{"field order free", "MN=A;CN=2011;ST=22;Flag=4;PW=1;QN=1;CP=&&DataTime=20160824003817000&&", func(p *Packet) error {
			dt, err := p.DataTime()
			if err != nil || dt.Nanosecond() != 0 || dt.Second() != 17 {
				return fmt.Errorf("DataTime %v %v", dt, err)
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse([]byte(tc.seg))
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.check(p); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ name, seg string }{
		{"no CP", "ST=22;CN=2011;PW=1;MN=A;Flag=4"},
		{"CP not closed", "ST=22;CN=2011;PW=1;MN=A;Flag=4;CP=&&a=1"},
		{"no MN", "ST=22;CN=2011;PW=1;Flag=4;CP=&&&&"},
		{"no CN", "ST=22;PW=1;MN=A;Flag=4;CP=&&&&"},
		{"no ST", "CN=2011;PW=1;MN=A;Flag=4;CP=&&&&"},
		{"CN not 4 digits", "ST=22;CN=201;PW=1;MN=A;CP=&&&&"},
		{"ST lower case", "ST=2a;CN=2011;PW=1;MN=A;CP=&&&&"},
		{"flag 256", "ST=22;CN=2011;PW=1;MN=A;Flag=256;CP=&&&&"},
		{"duplicate MN", "ST=22;CN=2011;PW=1;MN=A;MN=B;CP=&&&&"},
		{"PNO > PNUM", "ST=22;CN=2011;PW=1;MN=A;Flag=7;PNUM=2;PNO=3;CP=&&&&"},
		{"item without =", "ST=22;CN=2011;PW=1;MN=A;Flag=4;CP=&&DataTime&&"},
		{"non UTF-8", "ST=22;CN=2011;PW=1;MN=A;Flag=4;CP=&&i11001-Info=\xff&&"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p, err := Parse([]byte(tc.seg)); err == nil {
				t.Errorf("accepted: %+v", p)
			}
		})
	}
}

func TestAmbientConc(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value string
		pol   standard.Pollutant
		unit  Unit
		want  standard.Conc
		err   bool
	}{
		{"PM2.5 in ug (practice)", "35", standard.PM25, UnitDefault, 35000, false},
		{"CO in mg (practice)", "0.6", standard.CO, UnitDefault, 600, false},
		{"CO three decimals", "0.427", standard.CO, UnitDefault, 427, false},
		{"SO2 in mg (Table B.2 default) to ug", "0.008", standard.SO2, UnitMilligram, 8000, false},
		{"PM10 in ng (Table B.2 default) to ug", "62500", standard.PM10, UnitNanogram, 62500, false},
		{"PM2.5 in ng with a fraction rounds half even", "35.5", standard.PM25, UnitNanogram, 36, false},
		{"PM2.5 in ng, 34.5 rounds to even", "34.5", standard.PM25, UnitNanogram, 34, false},
		{"CO in ug to mg", "600", standard.CO, UnitMicrogram, 600, false},
		{"four decimals round half even", "0.4275", standard.CO, UnitDefault, 428, false},
		{"negative", "-1.5", standard.O3, UnitDefault, -1500, false},
		{"not a number", "3x3", standard.O3, UnitDefault, standard.Missing, true},
		{"empty", "", standard.O3, UnitDefault, standard.Missing, true},
		{"exponent", "1e3", standard.O3, UnitDefault, standard.Missing, true},
		{"out of range", "99999999", standard.O3, UnitDefault, standard.Missing, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AmbientConc(tc.value, tc.pol, tc.unit)
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("AmbientConc(%q) = %d, %v; want %d, err %v", tc.value, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestAmbientCodes(t *testing.T) {
	for _, tc := range []struct {
		code string
		want standard.Pollutant
	}{
		{"a21026", standard.SO2}, {"a21004", standard.NO2}, {"a21005", standard.CO},
		{"a05024", standard.O3}, {"a34002", standard.PM10}, {"a34004", standard.PM25},
		{"02", standard.SO2}, {"04", standard.CO},
	} {
		if got, ok := AmbientPollutant(tc.code); !ok || got != tc.want {
			t.Errorf("%s → %v %v, want %v", tc.code, got, ok, tc.want)
		}
	}
	for i, c := range AmbientCodes() {
		if got, _ := AmbientPollutant(c); got != standard.Pollutant(i) {
			t.Errorf("AmbientCodes()[%d] = %s maps to %v", i, c, got)
		}
	}
	if _, ok := AmbientPollutant("a34001"); ok {
		t.Error("TSP mapped to a basic pollutant")
	}
}

func TestParseDataFlag(t *testing.T) {
	for _, tc := range []struct {
		in      string
		version int
		want    lantian.Flag
		known   bool
	}{
		{"N", 1, lantian.FlagNormal, true}, {"", 1, lantian.FlagNormal, true},
		{"F", 1, lantian.FlagStopped, true}, {"M", 1, lantian.FlagMaintenance, true},
		{"S", 1, lantian.FlagManual, true}, {"D", 1, lantian.FlagFault, true},
		{"C", 1, lantian.FlagCalibration, true}, {"T", 1, lantian.FlagOverRange, true},
		{"B", 1, lantian.FlagCommFailure, true},
		{"B", 0, lantian.FlagFault, false}, // 2005 had no B
		{"P", 0, lantian.FlagFault, true},  // 2005 power failure
		{"P", 1, lantian.FlagFault, false}, // dropped in 2017
		{"0", 0, lantian.FlagCalibration, true}, {"2", 0, lantian.FlagFault, true},
		{"3", 0, lantian.FlagNormal, true}, {"3", 1, lantian.FlagFault, false},
		{"Md", 1, lantian.FlagFault, false},
	} {
		got, known := ParseDataFlag(tc.in, tc.version)
		if got != tc.want || known != tc.known {
			t.Errorf("ParseDataFlag(%q, v%d) = %v %v, want %v %v", tc.in, tc.version, got, known, tc.want, tc.known)
		}
	}
}

func TestReassembler(t *testing.T) {
	ex := map[string]example{}
	for _, e := range loadExamples(t) {
		ex[e.name] = e
	}
	parse := func(name string) *Packet {
		seg, _ := ParseFrame(ex[name].pkt)
		p, err := Parse(seg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	t.Run("standard example, parts with different QNs, any order", func(t *testing.T) {
		var r Reassembler
		done, _, err := r.Add(parse("split_2061_p2"), now)
		if err != nil || done != nil {
			t.Fatalf("after part 2: %v %v", done, err)
		}
		done, _, err = r.Add(parse("split_2061_p1"), now)
		if err != nil || done == nil {
			t.Fatalf("after part 1: %v %v", done, err)
		}
		if done.QN != "20160801085857534" || done.Flag.Split() || done.PNUM != 0 {
			t.Errorf("header %+v", done)
		}
		n := 0
		for _, f := range done.CP {
			if f.Key == "DataTime" {
				n++
			}
		}
		if n != 1 || len(done.CP) != 1+9+5 {
			t.Errorf("joined CP has %d DataTime and %d fields: %v", n, len(done.CP), done.CP)
		}
		if v, _ := done.Get("w01018-Avg"); v != "40.1" {
			t.Errorf("part-2 value lost")
		}
		if r.Pending() != 0 {
			t.Errorf("%d pending", r.Pending())
		}
	})
	t.Run("bounds", func(t *testing.T) {
		r := Reassembler{MaxGroups: 2, MaxParts: 4, TTL: time.Minute}
		part := func(mn string, pnum, pno int) *Packet {
			return &Packet{ST: "22", CN: "2061", MN: mn, Flag: 7, PNUM: pnum, PNO: pno, CP: []Field{{"DataTime", "20261128090000"}, {"a34004-Avg", "1"}}}
		}
		if _, _, err := r.Add(part("A", 5, 1), now); err == nil {
			t.Error("PNUM over MaxParts accepted")
		}
		r.Add(part("A", 2, 1), now)
		r.Add(part("B", 2, 1), now)
		_, ev, _ := r.Add(part("C", 2, 1), now)
		if len(ev) != 1 || ev[0].MN != "A" || r.Pending() != 2 {
			t.Errorf("eviction: %d evicted, %d pending", len(ev), r.Pending())
		}
		if exp := r.Expire(now.Add(2 * time.Minute)); len(exp) != 2 || r.Pending() != 0 || r.Bytes() != 0 {
			t.Errorf("expiry: %d expired, %d pending, %d bytes", len(exp), r.Pending(), r.Bytes())
		}
	})
	t.Run("byte bound", func(t *testing.T) {
		r := Reassembler{MaxBytes: 1000}
		big := func(mn string, pno int) *Packet {
			return &Packet{ST: "22", CN: "2061", MN: mn, Flag: 7, PNUM: 3, PNO: pno,
				CP: []Field{{"DataTime", "20261128090000"}, {"i11001-Info", strings.Repeat("x", 400)}}}
		}
		r.Add(big("A", 1), now)
		r.Add(big("A", 2), now)
		_, ev, _ := r.Add(big("B", 1), now)
		if len(ev) != 1 || ev[0].MN != "A" || r.Bytes() > 1000 || r.Pending() != 1 {
			t.Errorf("evicted %d, %d bytes, %d pending", len(ev), r.Bytes(), r.Pending())
		}
		done, _, _ := r.Add(big("B", 2), now)
		if done != nil {
			t.Error("completed early")
		}
		// The message being completed is never evicted for its own bytes.
		if done, _, _ = r.Add(big("B", 3), now); done == nil || r.Pending() != 0 || r.Bytes() != 0 {
			t.Errorf("B: %v, %d pending, %d bytes", done, r.Pending(), r.Bytes())
		}
	})
}

// TestAnswerVersion: answers are written in the sender's version with A=0
// and D=0 (2005 → Flag=0, 2017 → Flag=4, 2025 → Flag=8), echoing QN, PW, MN.
func TestAnswerVersion(t *testing.T) {
	for _, tc := range []struct {
		flag HeaderFlag
		want HeaderFlag
	}{{1, 0}, {3, 0}, {5, 4}, {7, 4}, {9, 8}} {
		p := &Packet{QN: "20261128100000001", ST: "22", CN: "2061", PW: "pw", MN: "mn", Flag: tc.flag, HasFlag: true}
		a := p.DataAck()
		if a.Flag != tc.want || a.CN != CNDataAck || a.ST != STSystem || a.QN != p.QN || a.PW != "pw" || a.MN != "mn" || len(a.CP) != 0 {
			t.Errorf("Flag %d: answer %+v", tc.flag, a)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	ex := loadExamples(b)
	var seg []byte
	for _, e := range ex {
		if e.name == "air_2011_rtd" {
			seg = e.pkt[6 : len(e.pkt)-6]
		}
	}
	b.SetBytes(int64(len(seg)))
	for b.Loop() {
		if _, err := Parse(seg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDeframe(b *testing.B) {
	var stream []byte
	for _, e := range loadExamples(b) {
		stream = append(stream, e.pkt...)
	}
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		d := NewDeframer(bytes.NewReader(stream), 0)
		for {
			if _, err := d.Next(); err == io.EOF {
				break
			}
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"20261128100000", time.Date(2026, 11, 28, 10, 0, 0, 0, standard.Beijing), false},
		{"20240229235959", time.Date(2024, 2, 29, 23, 59, 59, 0, standard.Beijing), false},
		{"20160824003817000", time.Date(2016, 8, 24, 0, 38, 17, 0, standard.Beijing), false},
		{"20160824003817123", time.Date(2016, 8, 24, 0, 38, 17, 123e6, standard.Beijing), false},
		{"20250229000000", time.Time{}, true},
		{"20261332152404", time.Time{}, true},
		{"20261128240000", time.Time{}, true},
		{"20261128106000", time.Time{}, true},
		{"20261100100000", time.Time{}, true},
		{"202611281000", time.Time{}, true},
		{"2026112810000x", time.Time{}, true},
	} {
		got, err := ParseTime(tc.in)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v", tc.in, got, err)
		}
	}
}
