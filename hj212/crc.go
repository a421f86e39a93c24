package hj212

// crcTable is the reflected-0xA001 byte table (the CRC-16/ARC table). The
// standard's CRC uses it differently from CRC-16/MODBUS: the register is
// replaced by (reg>>8)^byte before the eight rounds, so the old low byte is
// discarded (HJ 212-2017 Appendix A).
var crcTable = func() (t [256]uint16) {
	for i := range t {
		r := uint16(i)
		for range 8 {
			if r&1 != 0 {
				r = r>>1 ^ 0xA001
			} else {
				r >>= 1
			}
		}
		t[i] = r
	}
	return t
}()

// CRC returns the HJ 212-2017 Appendix A checksum ("ANSI CRC16") of the data
// segment bytes b. It is computed over UTF-8 bytes, never over runes or
// UTF-16 units. Note its weakness: the register keeps only the last byte's
// history, so every result is one of 256 values; it delimits packets and
// rejects junk, it does not guarantee integrity.
func CRC(b []byte) uint16 {
	reg := uint16(0xFFFF)
	for _, c := range b {
		reg = crcTable[byte(reg>>8)^c]
	}
	return reg
}
