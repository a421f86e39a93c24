package hj212

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lantian-aq/lantian/standard"
)

// Command codes (CN, HJ 212-2017 §6.6.5 Table 9) the platform handles.
const (
	CNSetTimeout      = "1000"
	CNGetTime         = "1011"
	CNSetTime         = "1012"
	CNTimeCalibration = "1013"
	CNGetRtdInterval  = "1061"
	CNSetRtdInterval  = "1062"
	CNGetMinInterval  = "1063"
	CNSetMinInterval  = "1064"
	CNRealTime        = "2011"
	CNStopRealTime    = "2012"
	CNDeviceStatus    = "2021"
	CNDaily           = "2031"
	CNDeviceRuntime   = "2041"
	CNMinute          = "2051"
	CNHourly          = "2061"
	CNBootTime        = "2081"
	CNRequestAck      = "9011"
	CNExecResult      = "9012"
	CNNoticeAck       = "9013"
	CNDataAck         = "9014"
	// CNHeartbeat is not in HJ 212-2017; the national surface-water
	// protocol and several platforms use it as a keep-alive.
	CNHeartbeat = "9015"
)

// System codes (ST, §6.6.1 Table 5) the platform handles.
const (
	STAmbientAir = "22"
	STAirSource  = "31"
	STSystem     = "91"
)

// HeaderFlag is the Flag field of the data segment (Table 3): bits 7…2 the
// standard version, bit 1 (D) a split packet with PNUM/PNO, bit 0 (A) an
// answer is required.
type HeaderFlag uint8

// Versions carried in the Flag's upper six bits.
const (
	Version2005 = 0 // HJ/T 212-2005
	Version2017 = 1 // HJ 212-2017
	Version2025 = 2 // HJ 212-2025 (from secondary sources)
)

// Flag bits.
const (
	FlagAck   HeaderFlag = 1 << 0
	FlagSplit HeaderFlag = 1 << 1
)

// Version returns the standard version (0 = 2005, 1 = 2017, 2 = 2025).
func (f HeaderFlag) Version() int { return int(f >> 2) }

// AckWanted reports bit A: the receiver must answer.
func (f HeaderFlag) AckWanted() bool { return f&FlagAck != 0 }

// Split reports bit D: the packet is one part of a split message.
func (f HeaderFlag) Split() bool { return f&FlagSplit != 0 }

// Field is one Name=value pair of the data area. Names are
// case-sensitive (§6.3.3).
type Field struct {
	Key   string
	Value string
}

// Packet is a parsed data segment (§6.3.2 Table 3).
type Packet struct {
	QN string // request id YYYYMMDDhhmmsszzz; often absent in 2005 packets
	ST string // system code
	CN string // command code
	PW string // access password
	MN string // device id, opaque (real MNs are not always 24 hex chars)
	// Flag is the header flag; HasFlag is false when the field was absent
	// (2005 packets), in which case Flag is 0 (version 2005, no ack).
	Flag    HeaderFlag
	HasFlag bool
	// PNUM and PNO are set when Flag bit D is: total parts and 1-based
	// part number.
	PNUM, PNO int
	// Extra holds header fields the codec does not know (HJ 212-2025 "RF",
	// vendor fields), passed through in order.
	Extra []Field
	// CP is the data area in wire order.
	CP []Field
}

// Parse errors.
var (
	// ErrNotUTF8 rejects a data segment that is not valid UTF-8 (§6.3:
	// ASCII, Chinese text in UTF-8).
	ErrNotUTF8 = errors.New("hj212: data segment is not valid UTF-8")
	// ErrNoCP rejects a segment without the CP=&&…&& data area.
	ErrNoCP = errors.New("hj212: data segment has no CP=&&…&& data area")
)

// Parse parses a data segment (the bytes between the length and the CRC of
// a packet). It is lenient where real devices and the standard's own
// examples deviate (field order, "," instead of ";" between header fields,
// a missing ";" before CP, spaces in CP, empty CP) and strict where
// accepting would be unsafe: invalid UTF-8, a missing ST/CN/MN, a non
// numeric Flag, duplicate header fields, or an incoherent PNUM/PNO.
func Parse(seg []byte) (*Packet, error) {
	if !utf8.Valid(seg) {
		return nil, ErrNotUTF8
	}
	i := bytes.Index(seg, []byte("CP=&&"))
	if i < 0 {
		return nil, ErrNoCP
	}
	body := bytes.TrimRight(seg[i+5:], " ")
	if !bytes.HasSuffix(body, []byte("&&")) {
		return nil, errors.New("hj212: data area does not end with &&")
	}
	body = body[:len(body)-2]
	p := &Packet{}
	if err := p.parseHeader(string(seg[:i])); err != nil {
		return nil, err
	}
	cp, err := ParseCP(string(body))
	if err != nil {
		return nil, err
	}
	p.CP = cp
	return p, nil
}

func (p *Packet) parseHeader(h string) error {
	seen := 0
	for len(h) > 0 {
		var item string
		if k := indexSep(h); k >= 0 {
			item, h = h[:k], h[k+1:]
		} else {
			item, h = h, ""
		}
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, ok := strings.Cut(item, "=")
		if !ok {
			return fmt.Errorf("hj212: header item %q has no '='", item)
		}
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		bit := 0
		switch name {
		case "QN":
			bit = 1
			if !isDigits(val) || len(val) > 20 {
				return fmt.Errorf("hj212: QN %q: want up to 20 digits (YYYYMMDDhhmmsszzz)", val)
			}
			p.QN = val
		case "ST":
			bit = 2
			if len(val) != 2 || !isUpperAlnum(val) {
				return fmt.Errorf("hj212: ST %q: want 2 characters 0-9A-Z", val)
			}
			p.ST = val
		case "CN":
			bit = 4
			if len(val) != 4 || !isDigits(val) {
				return fmt.Errorf("hj212: CN %q: want 4 digits", val)
			}
			p.CN = val
		case "PW":
			bit = 8
			if len(val) > 32 {
				return fmt.Errorf("hj212: PW of %d characters: want at most 6 (32 tolerated)", len(val))
			}
			p.PW = val
		case "MN":
			bit = 16
			if val == "" || len(val) > 64 {
				return fmt.Errorf("hj212: MN %q: want 1 to 64 characters", val)
			}
			p.MN = val
		case "Flag":
			bit = 32
			n, err := strconv.ParseUint(val, 10, 8)
			if err != nil {
				return fmt.Errorf("hj212: Flag %q: want an integer 0-255", val)
			}
			p.Flag, p.HasFlag = HeaderFlag(n), true
		case "PNUM":
			bit = 64
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 99999999 || !isDigits(val) {
				return fmt.Errorf("hj212: PNUM %q: want a positive integer", val)
			}
			p.PNUM = n
		case "PNO":
			bit = 128
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 99999999 || !isDigits(val) {
				return fmt.Errorf("hj212: PNO %q: want a positive integer", val)
			}
			p.PNO = n
		default:
			if name == "" {
				return fmt.Errorf("hj212: header item %q has an empty name", item)
			}
			p.Extra = append(p.Extra, Field{name, val})
		}
		if bit != 0 {
			if seen&bit != 0 {
				return fmt.Errorf("hj212: header field %s appears twice", name)
			}
			seen |= bit
		}
	}
	switch {
	case p.ST == "":
		return errors.New("hj212: header has no ST")
	case p.CN == "":
		return errors.New("hj212: header has no CN")
	case p.MN == "":
		return errors.New("hj212: header has no MN")
	}
	if p.Flag.Split() {
		if p.PNUM == 0 || p.PNO == 0 {
			return errors.New("hj212: Flag bit D is set but PNUM or PNO is missing")
		}
		if p.PNO > p.PNUM {
			return fmt.Errorf("hj212: PNO %d exceeds PNUM %d", p.PNO, p.PNUM)
		}
	} else if p.PNUM != 0 || p.PNO != 0 {
		// 2005 devices sometimes send PNUM=1;PNO=1 without the D bit.
		if p.PNO > p.PNUM {
			return fmt.Errorf("hj212: PNO %d exceeds PNUM %d", p.PNO, p.PNUM)
		}
	}
	return nil
}

// ParseCP parses a data area (the text between CP=&& and &&): items
// separated by ";", values of one item separated by ",", each split at its
// first "=" (§6.3.3). Spaces around items are trimmed and empty items
// skipped, as the standard's own examples need.
func ParseCP(s string) ([]Field, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := make([]Field, 0, 1+strings.Count(s, "="))
	for len(s) > 0 {
		var item string
		if k := indexSep(s); k >= 0 {
			item, s = s[:k], s[k+1:]
		} else {
			item, s = s, ""
		}
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("hj212: CP item %q has no '='", item)
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fmt.Errorf("hj212: CP item %q has an empty name", item)
		}
		out = append(out, Field{name, strings.TrimSpace(val)})
	}
	return out, nil
}

// Get returns the value of the first CP field named key.
func (p *Packet) Get(key string) (string, bool) {
	for _, f := range p.CP {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// Version returns the standard version from the Flag (2005 when absent).
func (p *Packet) Version() int { return p.Flag.Version() }

// AckWanted reports whether the sender asked for an answer.
func (p *Packet) AckWanted() bool { return p.Flag.AckWanted() }

// DataTime returns the CP DataTime in Beijing time. It accepts 14 digits
// (YYYYMMDDhhmmss) and the 17-digit form with milliseconds seen in the wild.
func (p *Packet) DataTime() (time.Time, error) {
	v, ok := p.Get("DataTime")
	if !ok {
		return time.Time{}, errors.New("hj212: CP has no DataTime")
	}
	return ParseTime(v)
}

// ParseTime parses a YYYYMMDDhhmmss timestamp (optionally followed by three
// millisecond digits) in Beijing time, the zone of Chinese monitoring data.
func ParseTime(v string) (time.Time, error) {
	if (len(v) != 14 && len(v) != 17) || !isDigits(v) {
		return time.Time{}, fmt.Errorf("hj212: time %q: want 14 digits YYYYMMDDhhmmss", v)
	}
	num := func(i, n int) int {
		x := 0
		for _, c := range v[i : i+n] {
			x = x*10 + int(c-'0')
		}
		return x
	}
	y, mo, d, h, mi, sec := num(0, 4), num(4, 2), num(6, 2), num(8, 2), num(10, 2), num(12, 2)
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, time.Month(mo)) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("hj212: time %q is not a valid date and time", v)
	}
	ns := 0
	if len(v) == 17 {
		ns = num(14, 3) * 1e6
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, ns, standard.Beijing), nil
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// FormatTime formats t as YYYYMMDDhhmmss in Beijing time.
func FormatTime(t time.Time) string { return t.In(standard.Beijing).Format("20060102150405") }

// FormatQN formats t as a 17-digit QN (YYYYMMDDhhmmsszzz) in Beijing time.
func FormatQN(t time.Time) string {
	t = t.In(standard.Beijing)
	return t.Format("20060102150405") + fmt.Sprintf("%03d", t.Nanosecond()/1e6)
}

// AppendSegment appends the data segment of p in the standard's order
// (QN;ST;CN;PW;MN;Flag;[PNUM;PNO;]extra;CP=&&…&&). In CP, consecutive
// fields of the same factor are joined by "," and items by ";", as in the
// standard's examples.
func (p *Packet) AppendSegment(dst []byte) []byte {
	if p.QN != "" {
		dst = append(dst, "QN="...)
		dst = append(dst, p.QN...)
		dst = append(dst, ';')
	}
	dst = append(dst, "ST="...)
	dst = append(dst, p.ST...)
	dst = append(dst, ";CN="...)
	dst = append(dst, p.CN...)
	dst = append(dst, ";PW="...)
	dst = append(dst, p.PW...)
	dst = append(dst, ";MN="...)
	dst = append(dst, p.MN...)
	dst = append(dst, ';')
	if p.HasFlag {
		dst = append(dst, "Flag="...)
		dst = strconv.AppendUint(dst, uint64(p.Flag), 10)
		dst = append(dst, ';')
	}
	if p.PNUM != 0 && p.PNO != 0 {
		dst = append(dst, "PNUM="...)
		dst = strconv.AppendInt(dst, int64(p.PNUM), 10)
		dst = append(dst, ";PNO="...)
		dst = strconv.AppendInt(dst, int64(p.PNO), 10)
		dst = append(dst, ';')
	}
	for _, f := range p.Extra {
		dst = append(dst, f.Key...)
		dst = append(dst, '=')
		dst = append(dst, f.Value...)
		dst = append(dst, ';')
	}
	dst = append(dst, "CP=&&"...)
	dst = AppendCP(dst, p.CP)
	return append(dst, "&&"...)
}

// AppendCP appends the data-area text of fields to dst.
func AppendCP(dst []byte, fields []Field) []byte {
	prev := ""
	for i, f := range fields {
		code, _, hasDash := strings.Cut(f.Key, "-")
		if i > 0 {
			if hasDash && code == prev {
				dst = append(dst, ',')
			} else {
				dst = append(dst, ';')
			}
		}
		if hasDash {
			prev = code
		} else {
			prev = ""
		}
		dst = append(dst, f.Key...)
		dst = append(dst, '=')
		dst = append(dst, f.Value...)
	}
	return dst
}

// Marshal returns the complete packet (frame included) for p.
func (p *Packet) Marshal() ([]byte, error) {
	seg := p.AppendSegment(make([]byte, 0, 128+16*len(p.CP)))
	return AppendFrame(make([]byte, 0, len(seg)+overhead), seg)
}

// AppendPacket appends the complete packet for p to dst.
func (p *Packet) AppendPacket(dst []byte) ([]byte, error) {
	// Reserve the header, write the segment in place, then fix the header.
	start := len(dst)
	dst = append(dst, "##0000"...)
	dst = p.AppendSegment(dst)
	seg := dst[start+headerLen:]
	n := len(seg)
	if n > MaxSegmentField {
		return dst[:start], fmt.Errorf("hj212: data segment of %d bytes exceeds the 4-digit length field", n)
	}
	dst[start+2], dst[start+3], dst[start+4], dst[start+5] = byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10)
	c := CRC(seg)
	const hex = "0123456789ABCDEF"
	return append(dst, hex[c>>12], hex[c>>8&0xF], hex[c>>4&0xF], hex[c&0xF], '\r', '\n'), nil
}

// reply builds an answer to p in the sender's version (same V bits, A=0,
// D=0), with the same QN, ST=91, PW and MN echoed (§6.5, Appendix C).
func (p *Packet) reply(cn string, cp []Field) *Packet {
	return &Packet{
		QN: p.QN, ST: STSystem, CN: cn, PW: p.PW, MN: p.MN,
		Flag: HeaderFlag(p.Flag.Version() << 2), HasFlag: true,
		CP: cp,
	}
}

// DataAck returns the 9014 data answer to an upload that asked for one.
func (p *Packet) DataAck() *Packet { return p.reply(CNDataAck, nil) }

// NoticeAck returns the 9013 answer to a notice (e.g. 1013).
func (p *Packet) NoticeAck() *Packet { return p.reply(CNNoticeAck, nil) }

// RequestAck returns the 9011 answer to a request with return code qnRtn
// (§6.6.2: 1 ready, 2 rejected, 3 PW error, 4 MN error, 5 ST error, 6 Flag
// error, 7 QN error, 8 CN error, 9 CRC error, 100 unknown).
func (p *Packet) RequestAck(qnRtn int) *Packet {
	return p.reply(CNRequestAck, []Field{{"QnRtn", strconv.Itoa(qnRtn)}})
}

// ExecResult returns the 9012 execution result of a request with code
// exeRtn (§6.6.3: 1 success, 2 failed, 3 condition error, 4 timeout,
// 5 busy, 6 fault, 100 no data).
func (p *Packet) ExecResult(exeRtn int) *Packet {
	return p.reply(CNExecResult, []Field{{"ExeRtn", strconv.Itoa(exeRtn)}})
}

// Return codes of 9011 (QnRtn) and 9012 (ExeRtn).
const (
	QnReady      = 1
	QnRejected   = 2
	QnBadPW      = 3
	QnBadMN      = 4
	QnBadST      = 5
	QnBadFlag    = 6
	QnBadQN      = 7
	QnBadCN      = 8
	QnBadCRC     = 9
	QnUnknown    = 100
	ExeSuccess   = 1
	ExeFailed    = 2
	ExeCondition = 3
	ExeTimeout   = 4
	ExeBusy      = 5
	ExeFault     = 6
	ExeNoData    = 100
)

// IsUploadCN reports whether cn is a station upload that the platform
// answers with 9014 when Flag bit A is set (§6.5.2, Appendix C).
func IsUploadCN(cn string) bool {
	switch cn {
	case CNGetTime, CNGetRtdInterval, CNGetMinInterval,
		CNRealTime, CNDeviceStatus, CNDaily, CNDeviceRuntime, CNMinute, CNHourly, CNBootTime,
		"3015", "3017", "3018", "3019", "3020":
		return true
	}
	return false
}

// indexSep returns the index of the first ';' or ',' in s, or -1.
func indexSep(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ';' || s[i] == ',' {
			return i
		}
	}
	return -1
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
