package hj212

import (
	"fmt"
	"time"
)

// Reassembler joins the parts of split messages (Flag bit D, PNUM/PNO;
// HJ 212-2017 §5.3 and Appendix C.49/C.50). The standard gives every part
// its own QN, so parts are grouped by MN, CN, DataTime and PNUM, never by
// QN. Each part repeats DataTime; the joined packet carries DataTime once,
// followed by the items of the parts in PNO order, with the header of part 1
// and the D bit cleared.
//
// Memory is bounded: at most MaxGroups incomplete messages and MaxBytes of
// data held (the oldest message is evicted and returned incomplete), at
// most MaxParts parts per message (larger PNUMs are refused), and groups
// older than TTL are expired. The message a part belongs to is never
// evicted to make room for that part, so one message may exceed MaxBytes
// (up to MaxParts parts). A Reassembler is not safe for concurrent use.
type Reassembler struct {
	MaxGroups int           // default 64
	MaxParts  int           // default 64
	MaxBytes  int           // CP bytes held, default 256 KiB
	TTL       time.Duration // default 10 minutes

	groups map[groupKey]*group
	order  []groupKey
	bytes  int
}

type groupKey struct {
	mn, cn, dataTime string
	pnum             int
}

type group struct {
	created time.Time
	parts   []*Packet // index PNO-1
	have    int
	bytes   int
}

func cpBytes(p *Packet) int {
	n := 0
	for _, f := range p.CP {
		n += len(f.Key) + len(f.Value) + 2
	}
	return n
}

// Add adds a split part. It returns the joined packet when p completes its
// message, nil while parts are missing. Packets without the D bit are
// returned unchanged. Evicted incomplete groups (over MaxGroups) are
// returned in evicted so the caller can process what arrived.
func (r *Reassembler) Add(p *Packet, now time.Time) (done *Packet, evicted []*Packet, err error) {
	if !p.Flag.Split() {
		return p, nil, nil
	}
	maxParts := r.MaxParts
	if maxParts <= 0 {
		maxParts = 64
	}
	if p.PNUM > maxParts {
		return nil, nil, fmt.Errorf("hj212: PNUM %d exceeds the limit of %d parts", p.PNUM, maxParts)
	}
	if p.PNO < 1 || p.PNO > p.PNUM {
		return nil, nil, fmt.Errorf("hj212: PNO %d outside 1…%d", p.PNO, p.PNUM)
	}
	if p.PNUM == 1 {
		return join([]*Packet{p}), nil, nil
	}
	dt, _ := p.Get("DataTime")
	k := groupKey{p.MN, p.CN, dt, p.PNUM}
	if r.groups == nil {
		r.groups = make(map[groupKey]*group)
	}
	maxGroups, maxBytes := r.MaxGroups, r.MaxBytes
	if maxGroups <= 0 {
		maxGroups = 64
	}
	if maxBytes <= 0 {
		maxBytes = 256 << 10
	}
	size := cpBytes(p)
	g := r.groups[k]
	// Make room, oldest message first (never the one p belongs to).
	for len(r.order) > 0 && (g == nil && len(r.groups) >= maxGroups || r.bytes+size > maxBytes) {
		old := r.order[0]
		if old == k {
			if len(r.order) == 1 {
				break
			}
			r.order = append(r.order[1:], old)
			continue
		}
		r.order = r.order[1:]
		if og := r.groups[old]; og != nil {
			delete(r.groups, old)
			r.bytes -= og.bytes
			evicted = append(evicted, join(og.parts))
		}
	}
	if g == nil {
		g = &group{created: now, parts: make([]*Packet, p.PNUM)}
		r.groups[k] = g
		r.order = append(r.order, k)
	}
	if old := g.parts[p.PNO-1]; old == nil {
		g.have++
	} else {
		g.bytes -= cpBytes(old)
		r.bytes -= cpBytes(old)
	}
	g.parts[p.PNO-1] = p // a resent part replaces the earlier copy
	g.bytes += size
	r.bytes += size
	if g.have < p.PNUM {
		return nil, evicted, nil
	}
	delete(r.groups, k)
	r.bytes -= g.bytes
	r.removeOrder(k)
	return join(g.parts), evicted, nil
}

// Expire removes groups older than TTL and returns what they collected.
func (r *Reassembler) Expire(now time.Time) []*Packet {
	ttl := r.TTL
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	var out []*Packet
	for len(r.order) > 0 {
		k := r.order[0]
		g := r.groups[k]
		if g != nil && now.Sub(g.created) < ttl {
			break
		}
		r.order = r.order[1:]
		if g != nil {
			delete(r.groups, k)
			r.bytes -= g.bytes
			out = append(out, join(g.parts))
		}
	}
	return out
}

// Pending returns the number of incomplete messages held.
func (r *Reassembler) Pending() int { return len(r.groups) }

// Bytes returns the CP bytes held in incomplete messages.
func (r *Reassembler) Bytes() int { return r.bytes }

func (r *Reassembler) removeOrder(k groupKey) {
	for i, o := range r.order {
		if o == k {
			r.order = append(r.order[:i], r.order[i+1:]...)
			return
		}
	}
}

// join merges the parts present (nil entries are skipped).
func join(parts []*Packet) *Packet {
	var first *Packet
	n := 0
	for _, p := range parts {
		if p != nil {
			if first == nil {
				first = p
			}
			n += len(p.CP)
		}
	}
	if first == nil {
		return nil
	}
	out := *first
	out.Flag &^= FlagSplit
	out.PNUM, out.PNO = 0, 0
	out.CP = make([]Field, 0, n)
	haveTime := false
	for _, p := range parts {
		if p == nil {
			continue
		}
		for _, f := range p.CP {
			if f.Key == "DataTime" {
				if haveTime {
					continue
				}
				haveTime = true
			}
			out.CP = append(out.CP, f)
		}
	}
	return &out
}
