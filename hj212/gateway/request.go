package gateway

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/lantian-aq/lantian/hj212"
)

// Response is what a device answered to a platform request (HJ 212-2017
// §6.5.1): the 9011 return code, the packets it sent with the request's QN
// (e.g. 1011 with SystemTime) and the 9012 execution result.
type Response struct {
	QnRtn   int
	ExeRtn  int
	Packets []*hj212.Packet
}

// ErrNotConnected is returned by Request when the device has no open
// connection.
var ErrNotConnected = errors.New("device not connected")

// newRequest builds a platform request to dev with a fresh QN and Flag=5
// (HJ 212-2017, answer required).
func (g *Gateway) newRequest(dev *Device, cn string, cp []hj212.Field) *hj212.Packet {
	now := g.cfg.Now()
	ms := uint64(now.UnixMilli())
	for {
		last := g.qnSeq.Load()
		if ms <= last {
			ms = last + 1
		}
		if g.qnSeq.CompareAndSwap(last, ms) {
			break
		}
	}
	st := dev.ST
	if st == "" {
		st = hj212.STAmbientAir
	}
	return &hj212.Packet{QN: hj212.FormatQN(time.UnixMilli(int64(ms))), ST: st, CN: cn, PW: dev.Password, MN: dev.MN,
		Flag: hj212.HeaderFlag(hj212.Version2017<<2) | hj212.FlagAck, HasFlag: true, CP: cp}
}

// Request sends a request (1011 get time, 1012 set time, 1061 get the
// real-time interval, 2051 history …) to the device mn on its open
// connection and waits for the 9011 answer, the packets carrying the same
// QN, and the 9012 result, bounded by Config.RequestTimeout. A 9011 other
// than QnRtn=1 ends the exchange.
func (g *Gateway) Request(ctx context.Context, mn, cn string, cp []hj212.Field) (*Response, error) {
	dev, err := g.lookup(ctx, mn)
	if err != nil {
		return nil, fmt.Errorf("request %s to %s: %w", cn, mn, err)
	}
	g.mu.Lock()
	c := g.sessions[mn]
	g.mu.Unlock()
	if c == nil {
		return nil, fmt.Errorf("request %s to %s: %w", cn, mn, ErrNotConnected)
	}
	p := g.newRequest(&dev, cn, cp)
	pkt, err := p.Marshal()
	if err != nil {
		return nil, err
	}
	ch := make(chan *hj212.Packet, 16)
	c.reqMu.Lock()
	c.pending[p.QN] = ch
	c.reqMu.Unlock()
	defer func() {
		c.reqMu.Lock()
		delete(c.pending, p.QN)
		c.reqMu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(ctx, g.cfg.RequestTimeout)
	defer cancel()
	if err := c.enqueue(ctx, outItem{pkt: pkt, cn: cn}); err != nil {
		g.m.requests.WithLabelValues(cn, "send_failed").Inc()
		return nil, fmt.Errorf("request %s to %s: %w", cn, mn, err)
	}
	resp := &Response{}
	for {
		select {
		case <-ctx.Done():
			g.m.requests.WithLabelValues(cn, "timeout").Inc()
			return resp, fmt.Errorf("request %s to %s: no 9012 answer: %w", cn, mn, ctx.Err())
		case a := <-ch:
			switch a.CN {
			case hj212.CNRequestAck:
				v, _ := a.Get("QnRtn")
				resp.QnRtn, _ = strconv.Atoi(v)
				if resp.QnRtn != hj212.QnReady {
					g.m.requests.WithLabelValues(cn, "refused").Inc()
					return resp, fmt.Errorf("request %s to %s: refused with QnRtn=%d", cn, mn, resp.QnRtn)
				}
			case hj212.CNExecResult:
				v, _ := a.Get("ExeRtn")
				resp.ExeRtn, _ = strconv.Atoi(v)
				g.m.requests.WithLabelValues(cn, "exe_"+v).Inc()
				return resp, nil
			default:
				resp.Packets = append(resp.Packets, a)
			}
		}
	}
}
