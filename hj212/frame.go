package hj212

import (
	"errors"
	"fmt"
	"io"
)

// Frame layout sizes (HJ 212-2017 §6.3.1 Table 2).
const (
	headerLen  = 6  // "##" + LLLL
	trailerLen = 6  // CCCC + "\r\n"
	overhead   = 12 // header + trailer

	// MaxSegmentStandard is the data-segment limit of HJ 212-2017 (1024
	// bytes). Receivers accept more (MaxSegmentField) because real devices
	// exceed it.
	MaxSegmentStandard = 1024
	// MaxSegmentField is the largest length the 4-digit length field can
	// express.
	MaxSegmentField = 9999
)

// FrameErrorKind classifies why bytes on the wire were not a packet.
type FrameErrorKind uint8

// Frame error kinds, named after the metrics label they are counted under.
const (
	// BadHeader: the four bytes after "##" are not a decimal length.
	BadHeader FrameErrorKind = iota + 1
	// BadLength: the length does not land on "\r\n" (wrong length,
	// truncated packet, or a stray "##" inside garbage).
	BadLength
	// BadCRC: the frame is well formed but its CRC does not match.
	BadCRC
	// Oversized: the length field exceeds the receiver's limit.
	Oversized
)

// String returns the metrics label of the kind.
func (k FrameErrorKind) String() string {
	switch k {
	case BadHeader:
		return "bad_header"
	case BadLength:
		return "bad_length"
	case BadCRC:
		return "bad_crc"
	case Oversized:
		return "oversized"
	}
	return fmt.Sprintf("FrameErrorKind(%d)", uint8(k))
}

// FrameError reports bytes that were dropped because they were not a valid
// packet. It is not fatal: the de-framer has already resynchronised and the
// next call to Next continues with the following bytes (§2.3 of the
// implementation spec; Table 2: a packet with a wrong CRC is dropped and not
// executed).
type FrameError struct {
	Kind   FrameErrorKind
	Detail string
}

// Error implements error.
func (e *FrameError) Error() string { return "hj212: " + e.Kind.String() + ": " + e.Detail }

// AppendFrame appends the packet "##LLLL<seg>CCCC\r\n" to dst, with the
// CRC in upper-case hex as the standard's example writes it.
func AppendFrame(dst, seg []byte) ([]byte, error) {
	if len(seg) > MaxSegmentField {
		return dst, fmt.Errorf("hj212: data segment of %d bytes exceeds the 4-digit length field", len(seg))
	}
	n := len(seg)
	dst = append(dst, '#', '#', byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
	dst = append(dst, seg...)
	c := CRC(seg)
	const hex = "0123456789ABCDEF"
	dst = append(dst, hex[c>>12], hex[c>>8&0xF], hex[c>>4&0xF], hex[c&0xF], '\r', '\n')
	return dst, nil
}

// ParseFrame checks one complete packet (with its "\r\n") and returns its
// data segment, which aliases pkt. It applies the same rules as the
// Deframer: decimal length, "\r\n" where the length says, CRC compared
// numerically (so lower-case hex is accepted).
func ParseFrame(pkt []byte) ([]byte, error) {
	if len(pkt) < overhead || pkt[0] != '#' || pkt[1] != '#' {
		return nil, &FrameError{BadLength, "packet does not start with ## or is shorter than 12 bytes"}
	}
	n, ok := parseLen(pkt[2:6])
	if !ok {
		return nil, &FrameError{BadHeader, fmt.Sprintf("length field %q is not 4 decimal digits", pkt[2:6])}
	}
	if len(pkt) != n+overhead {
		return nil, &FrameError{BadLength, fmt.Sprintf("length field says %d data bytes, packet holds %d", n, len(pkt)-overhead)}
	}
	return checkFrame(pkt, n)
}

// checkFrame validates the trailer of a frame of segment length n that is
// fully present in b.
func checkFrame(b []byte, n int) ([]byte, error) {
	if b[n+10] != '\r' || b[n+11] != '\n' {
		return nil, &FrameError{BadLength, fmt.Sprintf("no CR LF after %d data bytes and the CRC", n)}
	}
	seg := b[headerLen : headerLen+n]
	got, ok := parseHex4(b[headerLen+n : headerLen+n+4])
	if !ok {
		return nil, &FrameError{BadCRC, fmt.Sprintf("CRC field %q is not 4 hex digits", b[headerLen+n:headerLen+n+4])}
	}
	if want := CRC(seg); got != want {
		return nil, &FrameError{BadCRC, fmt.Sprintf("CRC field %04X, data segment gives %04X", got, want)}
	}
	return seg, nil
}

func parseLen(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func parseHex4(b []byte) (uint16, bool) {
	var v uint16
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint16(c-'0')
		case c >= 'A' && c <= 'F':
			v = v<<4 | uint16(c-'A'+10)
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint16(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// Deframer cuts a byte stream into data segments following the algorithm
// of the implementation spec §2.3: find "##", read the length, require
// "\r\n" where the length says, check the CRC. Anything that is not a
// packet is skipped and the search resumes one byte after the bad "##", so
// garbage between packets, sticky packets (several in one read) and split
// packets (one packet over several reads) are all handled.
//
// Memory is bounded: the buffer grows on demand up to MaxSegment+12 bytes
// and never beyond. A Deframer is not safe for concurrent use.
type Deframer struct {
	r          io.Reader
	maxSegment int
	buf        []byte
	start, end int
	err        error // sticky read error

	// Discarded counts bytes skipped as garbage (outside any packet) or
	// dropped with a rejected frame, since the Deframer was created.
	Discarded int64
	// Read counts bytes read from the underlying reader.
	Read int64
}

// NewDeframer returns a de-framer reading r that rejects data segments
// longer than maxSegment bytes (1…9999; other values mean 9999).
func NewDeframer(r io.Reader, maxSegment int) *Deframer {
	if maxSegment <= 0 || maxSegment > MaxSegmentField {
		maxSegment = MaxSegmentField
	}
	return &Deframer{r: r, maxSegment: maxSegment}
}

// Buffered returns the number of bytes read but not yet consumed.
func (d *Deframer) Buffered() int { return d.end - d.start }

// Next returns the next valid data segment. The slice aliases the internal
// buffer and is valid until the following call. A *FrameError reports a
// rejected frame and is not fatal; any other error comes from the reader
// (io.EOF at the end of the stream; a packet cut short by the end of the
// stream is first reported as a BadLength FrameError).
func (d *Deframer) Next() ([]byte, error) {
	for {
		b := d.buf[d.start:d.end]
		// Step 1: find "##", discarding anything before it.
		i := indexHashes(b)
		if i < 0 {
			// Keep a trailing '#', it may start the next "##".
			keep := 0
			if len(b) > 0 && b[len(b)-1] == '#' {
				keep = 1
			}
			d.Discarded += int64(len(b) - keep)
			d.start = d.end - keep
			if err := d.fill(2); err != nil {
				if d.end > d.start {
					d.Discarded += int64(d.end - d.start)
					d.start = d.end
				}
				return nil, err
			}
			continue
		}
		if i > 0 {
			d.Discarded += int64(i)
			d.start += i
			b = b[i:]
		}
		// Step 2: the length field.
		if len(b) < headerLen {
			if err := d.fill(headerLen); err != nil {
				return nil, d.truncated(err)
			}
			continue
		}
		n, ok := parseLen(b[2:6])
		if !ok {
			d.drop(1)
			return nil, &FrameError{BadHeader, fmt.Sprintf("length field %q is not 4 decimal digits", b[2:6])}
		}
		if n > d.maxSegment {
			d.drop(1)
			return nil, &FrameError{Oversized, fmt.Sprintf("length field %d exceeds the limit of %d bytes", n, d.maxSegment)}
		}
		// Step 3: the whole frame, ending in CR LF.
		if len(b) < n+overhead {
			if err := d.fill(n + overhead); err != nil {
				return nil, d.truncated(err)
			}
			continue
		}
		if b[n+10] != '\r' || b[n+11] != '\n' {
			d.drop(1)
			return nil, &FrameError{BadLength, fmt.Sprintf("length field %d does not end on CR LF", n)}
		}
		// Step 4: CRC.
		seg, err := checkFrame(b[:n+overhead], n)
		if err != nil {
			// A well-framed packet with a bad CRC: drop all of it.
			d.Discarded += int64(n + overhead)
			d.start += n + overhead
			return nil, err
		}
		d.start += n + overhead
		return seg, nil
	}
}

// truncated handles a read error while a frame starting with "##" is
// incomplete. At the end of the stream the frame can never complete: it is
// reported as BadLength and the search resumes after its first byte, so
// packets inside a frame whose length field was corrupt are still found.
func (d *Deframer) truncated(err error) error {
	if !errors.Is(err, io.EOF) || d.end == d.start {
		return err
	}
	d.drop(1)
	return &FrameError{BadLength, fmt.Sprintf("stream ended %d bytes into a packet", d.end-d.start+1)}
}

// drop discards k bytes at the start of the buffer (a bad "##").
func (d *Deframer) drop(k int) {
	d.Discarded += int64(k)
	d.start += k
}

func indexHashes(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '#' && b[i+1] == '#' {
			return i
		}
	}
	return -1
}

// fill reads until at least need bytes are buffered from start. need never
// exceeds maxSegment+12, which bounds the buffer. io.EOF is sticky.
func (d *Deframer) fill(need int) error {
	if d.err != nil {
		return d.err
	}
	if d.start == d.end {
		d.start, d.end = 0, 0
	}
	if d.start+need > cap(d.buf) {
		// Compact, and grow if even a compacted buffer is too small.
		size := cap(d.buf)
		if need > size {
			size = max(need, min(2*size, d.maxSegment+overhead), 512)
			size = min(size, d.maxSegment+overhead)
		}
		nb := d.buf[:0]
		if size > cap(d.buf) {
			nb = make([]byte, 0, size)
		}
		nb = nb[:size]
		copy(nb, d.buf[d.start:d.end])
		d.end -= d.start
		d.start = 0
		d.buf = nb
	}
	d.buf = d.buf[:cap(d.buf)]
	for d.end-d.start < need {
		k, err := d.r.Read(d.buf[d.end:])
		d.end += k
		d.Read += int64(k)
		if err != nil {
			// End of stream is final; other errors (a read deadline) are
			// not, so the caller may read again after handling them.
			if errors.Is(err, io.EOF) {
				d.err = err
			}
			if d.end-d.start >= need {
				return nil
			}
			return err
		}
	}
	return nil
}
