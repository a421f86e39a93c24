package ingest

import (
	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// dupIndex remembers, for every (key, slot, hour) already read from a file,
// the line it came from and a fingerprint of its values, so that a second
// occurrence can be told apart as a harmless repeat (same values) or a
// conflict. It stores 8 bytes per entry in blocks of dupBlock hours.
type dupIndex struct {
	blocks  map[dupKey]*[dupBlock]dupEntry
	lastKey dupKey
	last    *[dupBlock]dupEntry
}

const (
	dupShift = 10
	dupBlock = 1 << dupShift
)

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
	blk := hour >> dupShift // arithmetic shift: floor division, also for negative hours
	k := dupKey{key, slot, blk}
	b := d.last
	if b == nil || k != d.lastKey {
		if d.blocks == nil {
			d.blocks = make(map[dupKey]*[dupBlock]dupEntry)
		}
		b = d.blocks[k]
		if b == nil {
			b = new([dupBlock]dupEntry)
			// Write each page of the new block before reading it: a
			// fresh page read first is mapped to the zero page and
			// faults a second time on the first write.
			for i := 0; i < dupBlock; i += 4096 / 8 {
				b[i] = dupEntry{}
			}
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

// fingerprint mixes values into 32 bits. Two different value sets share a
// fingerprint with probability 2^-32, in which case a conflicting duplicate
// would pass as an exact repeat; that is the price of 8 bytes per entry.
func fingerprint(vals []int32) uint32 {
	h := uint64(14695981039346656037)
	for _, v := range vals {
		h = (h ^ uint64(uint32(v))) * 1099511628211
		h ^= h >> 29
	}
	return uint32(h) ^ uint32(h>>32)
}

// rowFingerprint is fingerprint for the values and flags of a wide row,
// mixed four words at a time (it runs once per row of a large file).
func rowFingerprint(vals *[standard.NumPollutants]standard.Conc, flags *[standard.NumPollutants]lantian.Flag) uint32 {
	const k = 0x9E3779B97F4A7C15
	h := uint64(14695981039346656037)
	h = (h ^ (uint64(uint32(vals[0])) | uint64(uint32(vals[1]))<<32)) * k
	h = (h ^ (uint64(uint32(vals[2])) | uint64(uint32(vals[3]))<<32)) * k
	h = (h ^ (uint64(uint32(vals[4])) | uint64(uint32(vals[5]))<<32)) * k
	h = (h ^ (uint64(flags[0]) | uint64(flags[1])<<8 | uint64(flags[2])<<16 | uint64(flags[3])<<24 |
		uint64(flags[4])<<32 | uint64(flags[5])<<40)) * k
	// Final avalanche (MurmurHash3 fmix64), so that every input bit
	// reaches the 32 bits kept.
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	return uint32(h) ^ uint32(h>>32)
}
