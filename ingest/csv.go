package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
)

// csvReader is a small RFC 4180 reader tuned for the hot path of large
// monitoring files: unquoted records (nearly all of them) are split in place
// and returned as sub-slices of its buffer, without copying or allocating.
// Quoted fields, including quoted line breaks, take a slower path. CR LF and
// LF line endings are both accepted; a UTF-8 byte-order mark at the start is
// dropped.
//
// The slices returned by read are valid until the next call.
type csvReader struct {
	src     io.Reader // nil when buf holds the whole input
	buf     []byte
	start   int // first unread byte in buf
	end     int // end of valid data in buf
	eof     bool
	readErr error

	line    int // number of the last physical line returned
	recLine int // first physical line of the current record

	fields  [][]byte
	offs    []int // field boundaries for the quoted path
	scratch []byte
}

// errCSVSyntax marks a malformed record; the reader has skipped it.
var errCSVSyntax = errors.New("malformed CSV")

// csvSyntax describes a malformed record.
type csvSyntax struct {
	line int
	msg  string
	text string
}

func (e *csvSyntax) Error() string { return e.msg }
func (e *csvSyntax) Unwrap() error { return errCSVSyntax }

const csvBufSize = 256 << 10

func newCSVReader(r io.Reader) *csvReader {
	return &csvReader{src: r, buf: make([]byte, csvBufSize)}
}

// nextLine returns the next physical line without its line ending.
func (c *csvReader) nextLine() ([]byte, error) {
	for {
		if i := bytes.IndexByte(c.buf[c.start:c.end], '\n'); i >= 0 {
			l := c.buf[c.start : c.start+i]
			c.start += i + 1
			c.line++
			return trimCR(l), nil
		}
		if c.eof {
			if c.start < c.end {
				l := c.buf[c.start:c.end]
				c.start = c.end
				c.line++
				return trimCR(l), nil
			}
			if c.readErr != nil {
				return nil, c.readErr
			}
			return nil, io.EOF
		}
		c.fill()
	}
}

// fill moves the unread bytes to the front and reads more, growing the
// buffer when a single line does not fit.
func (c *csvReader) fill() {
	if c.start > 0 {
		n := copy(c.buf, c.buf[c.start:c.end])
		c.start, c.end = 0, n
	}
	if c.end == len(c.buf) {
		nb := make([]byte, 2*len(c.buf))
		copy(nb, c.buf[:c.end])
		c.buf = nb
	}
	n, err := c.src.Read(c.buf[c.end:])
	c.end += n
	if err != nil {
		c.eof = true
		if err != io.EOF {
			c.readErr = err
		}
	}
}

func trimCR(l []byte) []byte {
	if n := len(l); n > 0 && l[n-1] == '\r' {
		return l[:n-1]
	}
	return l
}

// read returns the fields of the next record. Blank lines are skipped. At
// the end it returns io.EOF; a malformed record returns a *csvSyntax error
// (the record is skipped and the next call continues after it); any other
// error is an I/O error.
func (c *csvReader) read() ([][]byte, error) {
	for {
		l, err := c.nextLine()
		if err != nil {
			return nil, err
		}
		if c.line == 1 && bytes.HasPrefix(l, bom) {
			l = l[len(bom):]
		}
		c.recLine = c.line
		if len(l) == 0 {
			continue
		}
		if bytes.IndexByte(l, '"') < 0 {
			c.fields = splitComma(c.fields[:0], l)
			return c.fields, nil
		}
		return c.readQuoted(l)
	}
}

var bom = []byte("\xef\xbb\xbf")

// splitComma splits an unquoted record. It finds the commas eight bytes
// at a time (SWAR: an exact zero-byte test on the word XOR ','), which is
// several times faster than a byte loop or one bytes.IndexByte per short
// field.
func splitComma(dst [][]byte, l []byte) [][]byte {
	const (
		ones   = 0x0101010101010101
		low7   = 0x7F7F7F7F7F7F7F7F
		commas = ',' * ones
	)
	start, i := 0, 0
	for ; i+8 <= len(l); i += 8 {
		x := binary.LittleEndian.Uint64(l[i:]) ^ commas
		// High bit of each byte set exactly where the byte of x is zero.
		m := ^(((x & low7) + low7) | x | low7)
		for m != 0 {
			j := i + bits.TrailingZeros64(m)/8
			dst = append(dst, l[start:j])
			start = j + 1
			m &= m - 1
		}
	}
	for ; i < len(l); i++ {
		if l[i] == ',' {
			dst = append(dst, l[start:i])
			start = i + 1
		}
	}
	return append(dst, l[start:])
}

// readQuoted parses a record containing quotes, pulling in further physical
// lines while a quoted field is open.
func (c *csvReader) readQuoted(l []byte) ([][]byte, error) {
	c.scratch = c.scratch[:0]
	c.offs = c.offs[:0]
	i := 0
	fieldStart := 0
	first := "" // the record's first line, kept once the record spans lines
	for {
		// At the start of a field.
		if i < len(l) && l[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(l[i:], '"')
				if j < 0 {
					// The quoted field continues on the next line.
					if first == "" {
						first = string(l)
					}
					c.scratch = append(c.scratch, l[i:]...)
					c.scratch = append(c.scratch, '\n')
					next, err := c.nextLine()
					if err != nil {
						if err == io.EOF {
							return nil, &csvSyntax{line: c.recLine, msg: "quoted field not closed before end of file", text: shorten(first)}
						}
						return nil, err
					}
					l, i = next, 0
					continue
				}
				c.scratch = append(c.scratch, l[i:i+j]...)
				i += j + 1
				if i < len(l) && l[i] == '"' {
					c.scratch = append(c.scratch, '"')
					i++
					continue
				}
				break
			}
			if i < len(l) && l[i] != ',' {
				return nil, &csvSyntax{line: c.recLine, msg: "text after a closing quote", text: shorten(l)}
			}
		} else {
			j := bytes.IndexByte(l[i:], ',')
			var f []byte
			if j < 0 {
				f = l[i:]
			} else {
				f = l[i : i+j]
			}
			if bytes.IndexByte(f, '"') >= 0 {
				return nil, &csvSyntax{line: c.recLine, msg: "bare quote in an unquoted field", text: shorten(f)}
			}
			c.scratch = append(c.scratch, f...)
			i += len(f)
		}
		c.offs = append(c.offs, fieldStart, len(c.scratch))
		fieldStart = len(c.scratch)
		if i >= len(l) {
			break
		}
		i++ // skip the comma
		if i == len(l) {
			c.offs = append(c.offs, fieldStart, fieldStart)
			break
		}
	}
	c.fields = c.fields[:0]
	for k := 0; k < len(c.offs); k += 2 {
		c.fields = append(c.fields, c.scratch[c.offs[k]:c.offs[k+1]])
	}
	return c.fields, nil
}
