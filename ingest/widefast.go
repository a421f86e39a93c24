package ingest

import (
	"encoding/binary"
	"math/bits"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// The fast path of the wide layout. Nearly every record of a large wide
// file is plain: one line, no quotes, a station code, a time in one of the
// usual forms and short decimal values. Such a record is parsed in one pass
// over its bytes, without splitting it into fields first; anything else
// (quotes, blanks, signs, bad values, a wrong field count …) goes to the
// general path, which gives the same result for plain records and reports
// exactly what is wrong with the others. FuzzWideFastPath holds the two to
// the same results.

// wideFastPath enables the fast path (tests turn it off to compare).
var wideFastPath = true

// fieldRole is what a column of a wide header holds.
type fieldRole uint8

const (
	roleIgnored fieldRole = iota
	roleStation
	roleTime
	roleValue // of pollutant fieldSpec.pol
	roleFlag  // of pollutant fieldSpec.pol
)

// fieldSpec is what the fast path does with a column.
type fieldSpec struct {
	role fieldRole
	pol  standard.Pollutant
	lim  standard.Conc // plausibility limit of a value
}

// valueSpec is a value column of the header station,time,<values…>.
type valueSpec struct {
	pol standard.Pollutant
	lim standard.Conc
}

// fieldSpecs lays out the header for the fast path, and for fastCanon when
// it is station,time,<values…>.
func (p *wide) fieldSpecs(lim *Limits) []fieldSpec {
	spec := make([]fieldSpec, p.nf)
	spec[p.station].role = roleStation
	spec[p.time].role = roleTime
	for pol, c := range p.col {
		if c >= 0 {
			spec[c] = fieldSpec{roleValue, standard.Pollutant(pol), lim[pol]}
		}
		if fc := p.flag[pol]; fc >= 0 {
			spec[fc] = fieldSpec{roleFlag, standard.Pollutant(pol), 0}
		}
	}
	p.canon = nil
	if p.station == 0 && p.time == 1 {
		for _, fs := range spec[2:] {
			if fs.role != roleValue {
				p.canon = nil
				break
			}
			p.canon = append(p.canon, valueSpec{fs.pol, fs.lim})
		}
	}
	return spec
}

// canonicalTail is the rest of a time after YYYY-MM-DDTHH in the layout
// most wide files use.
const canonicalTail = ":00:00+08:00"

var (
	tailLo = binary.LittleEndian.Uint64([]byte(canonicalTail))
	tailHi = binary.LittleEndian.Uint32([]byte(canonicalTail[8:]))
)

// allMissing is a row without values.
var allMissing = missingValues()

// fastRun parses plain records from the reader's buffer, queueing them as
// the general path would, until a record needs the general path, no whole
// record is left or r.runRows records are read (0: no limit). It returns
// whether it parsed any. Rows are parsed in place, into the spare capacity
// of r.hours.
func (p *wide) fastRun(r *Reader) bool {
	c := r.csv
	b := c.buf[c.start:c.end]
	pos := 0
	for rows := 0; r.runRows <= 0 || rows < r.runRows; rows++ {
		k := len(r.hours)
		if k == cap(r.hours) {
			r.hours = append(r.hours, Hour{})[:k]
		}
		h := &r.hours[:k+1][k]
		var n int
		var code []byte
		if p.canon != nil {
			n, code = p.fastCanon(r, b[pos:], c.eof, h)
		} else {
			n, code = p.fast(r, b[pos:], c.eof, h)
		}
		if n == 0 {
			break
		}
		pos += n
		c.line++
		r.sum.Records++
		if code != nil {
			h.Station = r.stations.lookup(code)
		}
		if r.worker {
			r.hours = r.hours[:k+1]
			r.lines = append(r.lines, c.line)
			if !r.opt.AllowDuplicates {
				r.fps = append(r.fps, rowFingerprint(&h.Values, &h.Flags))
			}
			continue
		}
		if !r.opt.AllowDuplicates && r.wideDuplicate(h.Station, h.Time, rowFingerprint(&h.Values, &h.Flags), c.line) {
			continue
		}
		if hasValue(&h.Values) {
			r.hours = r.hours[:k+1]
		}
	}
	c.start += pos
	c.recLine = c.line
	return pos > 0
}

// fast parses the record at the start of b into h when it is plain and
// returns the bytes it takes, line ending included, and the station code,
// or nil when it is the station of the row before (then h.Station is set);
// n = 0 means that the record needs the general path. atEOF says that b
// ends where the input ends (so that a last line may lack its line
// ending).
func (p *wide) fast(r *Reader, b []byte, atEOF bool, h *Hour) (n int, code []byte) {
	h.Values = allMissing
	h.Flags = [standard.NumPollutants]lantian.Flag{}
	i := 0
	last := len(p.spec) - 1
	for f := range p.spec {
		fs := &p.spec[f]
		var end int // index of the byte after the field
		switch fs.role {
		case roleValue:
			var v int64
			if v, end = plainConc(b, i); end < 0 || v > int64(fs.lim) {
				return 0, nil
			}
			h.Values[fs.pol] = standard.Conc(v)
		case roleTime:
			// The layout of most files, on the date of the row before.
			if j := i + len("2019-01-01T01") + len(canonicalTail); j < len(b) && (b[j] == ',' || b[j] == '\n' || b[j] == '\r') &&
				p.hours.ok && binary.LittleEndian.Uint64(b[i:]) == binary.LittleEndian.Uint64(p.hours.date[:]) &&
				binary.LittleEndian.Uint16(b[i+8:]) == binary.LittleEndian.Uint16(p.hours.date[8:]) && b[i+10] == 'T' &&
				binary.LittleEndian.Uint64(b[i+13:]) == tailLo && binary.LittleEndian.Uint32(b[i+21:]) == tailHi {
				if hh, ok := digit2(b, i+11); ok && hh <= 23 {
					h.Time = p.hours.days + int64(hh)*3600 - beijingOffset
					end = j
					break
				}
			}
			end = plainFieldEnd(b, i)
			sec, terr := p.hours.parse(b[i:end])
			if terr != "" {
				return 0, nil
			}
			h.Time = sec
		case roleStation:
			// Most rows are of the station of the row before.
			t := &r.stations
			if n := len(t.lastCode); t.lastPlain && n > 0 && i+n < len(b) && b[i+n] == ',' && string(b[i:i+n]) == string(t.lastCode) {
				code, h.Station = nil, t.lastIdx
				end = i + n
				break
			}
			end = plainFieldEnd(b, i)
			if end == i || b[i] == ' ' || b[i] == '\t' || b[end-1] == ' ' || b[end-1] == '\t' {
				return 0, nil
			}
			code = b[i:end]
		case roleFlag:
			end = plainFieldEnd(b, i)
			fl, ok := parseFlag(b[i:end])
			if !ok {
				return 0, nil
			}
			h.Flags[fs.pol] = fl
		default:
			end = plainFieldEnd(b, i)
		}
		if f < last {
			if end >= len(b) || b[end] != ',' {
				return 0, nil
			}
			i = end + 1
			continue
		}
		switch {
		case end < len(b) && b[end] == '\n':
			return end + 1, code
		case end+1 < len(b) && b[end] == '\r' && b[end+1] == '\n':
			return end + 2, code
		case end == len(b) && atEOF && end > 0:
			return end, code
		}
	}
	return 0, nil
}

// fastCanon is fast for the header station,time,<values…> and a row of the
// station of the row before, on its date, with the time in the canonical
// layout: the checks are unrolled and the values parsed eight bytes at a
// time. Other rows, and rows near the end of b, go to fast.
func (p *wide) fastCanon(r *Reader, b []byte, atEOF bool, out *Hour) (int, []byte) {
	t := &r.stations
	n := len(t.lastCode)
	if t.lastMask == 0 || len(b) < n+1+26+16*len(p.canon) ||
		(binary.LittleEndian.Uint64(b)^t.lastWord)&t.lastMask != 0 || b[n] != ',' {
		return p.fast(r, b, atEOF, out)
	}
	out.Station = t.lastIdx
	i := n + 1
	hp := &p.hours
	d := (binary.LittleEndian.Uint64(b[i:]) ^ binary.LittleEndian.Uint64(hp.date[:])) |
		uint64(binary.LittleEndian.Uint16(b[i+8:])^binary.LittleEndian.Uint16(hp.date[8:])) |
		uint64(b[i+10]^'T') | (binary.LittleEndian.Uint64(b[i+13:]) ^ tailLo) |
		uint64(binary.LittleEndian.Uint32(b[i+21:])^tailHi) | uint64(b[i+25]^',')
	h0, h1 := b[i+11]-'0', b[i+12]-'0'
	h := int64(h0)*10 + int64(h1)
	if d != 0 || !hp.ok || h0 > 9 || h1 > 9 || h > 23 {
		return p.fast(r, b, atEOF, out)
	}
	out.Time = hp.days + h*3600 - beijingOffset
	i += 26
	out.Flags = [standard.NumPollutants]lantian.Flag{}
	vals := allMissing
	for k, vs := range p.canon {
		// Up to six digits, then a point and one to three decimals or
		// the end of the field (0 sends anything else to the general
		// path, as fast would).
		a := binary.LittleEndian.Uint64(b[i:]) ^ swarZeros
		nd := bits.TrailingZeros64((a|((a&swarLow)+swarSix))&swarHigh) >> 3
		var v int64
		if nd <= 4 {
			v = int64(digitsValue4(a, nd))
		} else if nd <= 6 {
			v = int64(digitsValue(a, nd))
		} else {
			return 0, nil
		}
		v *= standard.ConcScale
		j := i + nd
		c := b[j]
		if c == '.' {
			y := binary.LittleEndian.Uint64(b[j+1:]) ^ swarZeros
			nf := bits.TrailingZeros64((y|((y&swarLow)+swarSix))&swarHigh) >> 3
			if nd == 0 || nf == 0 || nf > 3 {
				return 0, nil
			}
			y &= 1<<(8*nf) - 1
			v += int64(y&0xFF)*100 + int64(y>>8&0xFF)*10 + int64(y>>16&0xFF)
			j += 1 + nf
			c = b[j]
		} else if nd == 0 {
			v = int64(standard.Missing)
		}
		if v > int64(vs.lim) {
			return 0, nil
		}
		vals[vs.pol] = standard.Conc(v)
		i = j + 1
		if c != ',' {
			if k != len(p.canon)-1 {
				return 0, nil
			}
			switch {
			case c == '\n':
				out.Values = vals
				return j + 1, nil
			case c == '\r' && b[j+1] == '\n':
				out.Values = vals
				return j + 2, nil
			}
			return 0, nil
		}
	}
	return 0, nil
}

// SWAR constants: eight bytes at a time.
const (
	swarZeros = 0x3030303030303030
	swarLow   = 0x0F0F0F0F0F0F0F0F
	swarSix   = 0x0606060606060606
	swarHigh  = 0xF0F0F0F0F0F0F0F0
)

// leadingDigits returns how many of the (up to) eight bytes of x, in
// memory order, are ASCII digits before the first other byte (8: all),
// and x with each digit byte turned into its value.
func leadingDigits(x uint64) (int, uint64) {
	a := x ^ swarZeros // a digit becomes 0…9; any other byte has a high nibble or a low one above 9
	m := (a | ((a & swarLow) + swarSix)) & swarHigh
	return bits.TrailingZeros64(m) >> 3, a
}

// digitsValue returns the number written by the first n (1…8) digit values
// of a (memory order, most significant first); n = 0 gives garbage.
func digitsValue(a uint64, n int) uint64 {
	a <<= (64 - 8*uint(n)) & 63 // the digits at the top, zeros below them (leading zeros)
	a = (a * (10<<8 + 1)) >> 8
	a = ((a & 0x00FF00FF00FF00FF) * (100<<16 + 1)) >> 16
	return ((a & 0x0000FFFF0000FFFF) * (10000<<32 + 1)) >> 32
}

// digitsValue4 is digitsValue for n ≤ 4, in two steps instead of three.
func digitsValue4(a uint64, n int) uint32 {
	u := uint32((a << ((64 - 8*uint(n)) & 63)) >> 32) // the n digits at the top of four bytes
	u = (u*10 + u>>8) & 0x00FF00FF
	return (u*100 + u>>16) & 0xFFFF
}

// decimalScale[n] scales n decimals to thousandths.
var decimalScale = [4]int64{0, 100, 10, 1}

// plainConc parses the value field at b[i:]: empty (Missing), or one to six
// digits, optionally followed by a point and one to three decimals. It
// returns the value in thousandths and the index after the field, or end −1
// when the field is anything else (for the general path to judge). Short
// of eight bytes from the field to the end of b it parses byte by byte.
func plainConc(b []byte, i int) (v int64, end int) {
	if i+16 > len(b) {
		return plainConcTail(b, i)
	}
	x := binary.LittleEndian.Uint64(b[i:])
	nd, a := leadingDigits(x)
	if nd > 6 {
		return 0, -1
	}
	v = int64(digitsValue(a, nd)) * standard.ConcScale // garbage when nd = 0
	j := i + nd
	if b[j] != '.' {
		if nd == 0 {
			return int64(standard.Missing), j
		}
		return v, j
	}
	if nd == 0 {
		return 0, -1
	}
	j++
	nf, a := leadingDigits(binary.LittleEndian.Uint64(b[j:]))
	if nf == 0 || nf > 3 {
		return 0, -1
	}
	return v + int64(digitsValue(a, nf))*decimalScale[nf], j + nf
}

// plainConcTail is plainConc byte by byte, for the end of a buffer.
func plainConcTail(b []byte, i int) (v int64, end int) {
	j := i
	var x int64
	for ; j < len(b) && j-i <= 6; j++ {
		d := b[j] - '0'
		if d > 9 {
			break
		}
		x = x*10 + int64(d)
	}
	nd := j - i
	if nd > 6 {
		return 0, -1
	}
	v = x * standard.ConcScale
	if j == len(b) || b[j] != '.' {
		if nd == 0 {
			return int64(standard.Missing), j
		}
		return v, j
	}
	if nd == 0 {
		return 0, -1
	}
	j++
	k := j
	for mul := int64(standard.ConcScale / 10); j < len(b); j++ {
		d := b[j] - '0'
		if d > 9 {
			break
		}
		if mul == 0 {
			return 0, -1
		}
		v += int64(d) * mul
		mul /= 10
	}
	if j == k {
		return 0, -1
	}
	return v, j
}

// plainFieldEnd returns the index of the first comma, quote, CR or LF at or
// after i, or len(b).
func plainFieldEnd(b []byte, i int) int {
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '"', '\n', '\r':
			return i
		}
	}
	return i
}
