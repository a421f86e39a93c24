package hj212

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func FuzzDeframe(f *testing.F) {
	for _, ex := range loadExamples(f) {
		f.Add(ex.pkt, 0)
		f.Add(append([]byte("garbage##"), ex.pkt...), 100)
	}
	for _, c := range loadCorpus(f) {
		f.Add(c.data, 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max < 0 {
			max = -(max + 1)
		}
		max = max%1100 + 1
		d := NewDeframer(iotest.HalfReader(bytes.NewReader(data)), max)
		var total int
		for i := 0; ; i++ {
			seg, err := d.Next()
			var fe *FrameError
			switch {
			case err == nil:
				if len(seg) > max {
					t.Fatalf("segment of %d bytes over limit %d", len(seg), max)
				}
				// Whatever comes out is a valid frame: re-framing it must
				// pass ParseFrame with the same bytes.
				pkt, ferr := AppendFrame(nil, seg)
				if ferr != nil {
					t.Fatal(ferr)
				}
				if s2, err := ParseFrame(pkt); err != nil || !bytes.Equal(s2, seg) {
					t.Fatalf("re-framed segment rejected: %v", err)
				}
				if !bytes.Contains(data, seg) {
					t.Fatalf("segment not in input")
				}
				total += len(seg) + 12
			case errors.As(err, &fe):
			case errors.Is(err, io.EOF):
				if total > len(data) {
					t.Fatalf("produced %d bytes from %d", total, len(data))
				}
				if cap(d.buf) > max+12 {
					t.Fatalf("buffer %d over bound %d", cap(d.buf), max+12)
				}
				return
			default:
				t.Fatal(err)
			}
			if i > len(data)+2 {
				t.Fatalf("no progress after %d calls", i)
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, ex := range loadExamples(f) {
		f.Add(ex.pkt[6 : len(ex.pkt)-6])
	}
	f.Add([]byte("ST=22;CN=2011;PW=1;MN=A;Flag=7;PNUM=2;PNO=1;CP=&& &&"))
	f.Fuzz(func(t *testing.T, seg []byte) {
		p, err := Parse(seg)
		if err != nil {
			return
		}
		if p.MN == "" || len(p.CN) != 4 || len(p.ST) != 2 {
			t.Fatalf("accepted incomplete header %+v", p)
		}
		// A parsed packet written out strictly parses again to the same
		// header and fields.
		out := p.AppendSegment(nil)
		q, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
		if q.QN != p.QN || q.ST != p.ST || q.CN != p.CN || q.MN != p.MN || q.Flag != p.Flag || q.PNO != p.PNO || len(q.CP) > len(p.CP) {
			t.Fatalf("round trip changed the packet:\n%+v\n%+v", p, q)
		}
		for _, fl := range p.CP {
			if code, suf, ok := SplitKey(fl.Key); ok && suf != "Flag" {
				if pol, known := AmbientPollutant(code); known {
					_, _ = AmbientConc(fl.Value, pol, UnitDefault)
				}
			}
		}
		_, _ = p.DataTime()
	})
}
