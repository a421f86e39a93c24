package ingest

// dupIndex remembers, for every (key, slot, hour) already read from a file,
// the line it came from and a fingerprint of its values, so that a second
// occurrence can be told apart as a harmless repeat (same values) or a
// conflict. It stores 8 bytes per entry in blocks of dupBlock hours.
type dupIndex struct {
	blocks  map[dupKey]*[dupBlock]dupEntry
	lastKey dupKey
	last    *[dupBlock]dupEntry
}

const dupBlock = 1024

type dupKey struct {
	key  uint32 // station index, or 0 when the slot identifies the row
	slot uint8
	blk  int64
}

type dupEntry struct {
	line uint32 // 0: not seen
	fp   uint32
}

// check records (key, slot, hour) with fingerprint fp read at line. It
// returns the line of an earlier occurrence (0 if none) and whether the
// earlier occurrence had the same fingerprint.
func (d *dupIndex) check(key uint32, slot uint8, hour int64, fp uint32, line int) (prev int, same bool) {
	blk := hour >> 10 // arithmetic shift: floor division, also for negative hours
	k := dupKey{key, slot, blk}
	b := d.last
	if b == nil || k != d.lastKey {
		if d.blocks == nil {
			d.blocks = make(map[dupKey]*[dupBlock]dupEntry)
		}
		b = d.blocks[k]
		if b == nil {
			b = new([dupBlock]dupEntry)
			d.blocks[k] = b
		}
		d.last, d.lastKey = b, k
	}
	e := &b[hour-blk*dupBlock]
	if e.line != 0 {
		return int(e.line), e.fp == fp
	}
	e.line, e.fp = uint32(line), fp
	return 0, false
}

// fingerprint mixes values into a 32-bit FNV-1a style hash.
func fingerprint(vals []int32) uint32 {
	h := uint32(2166136261)
	for _, v := range vals {
		u := uint32(v)
		for k := 0; k < 4; k++ {
			h ^= u & 0xff
			h *= 16777619
			u >>= 8
		}
	}
	return h
}
