package gateway

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lantian-aq/lantian/hj212"
)

// errGarbage ends a connection that sends too many bytes that are not
// packets.
var errGarbage = errors.New("too many bytes that are not HJ 212 packets")

// conn is one device connection: a reader goroutine (serve) that parses,
// checks and submits packets, and a writer goroutine that sends answers in
// order, each only after the batch holding its packet is durable.
type conn struct {
	g    *Gateway
	nc   net.Conn
	host string
	d    *hj212.Deframer

	outMu  sync.RWMutex
	out    chan outItem
	closed bool

	stopping     atomic.Bool
	writeFailed  atomic.Bool
	partialSince time.Time
	deadline     time.Time // read deadline last set
	deadlineIdle bool      // it was an idle deadline
	lastRead     int64
	lastDiscard  int64
	garbageRun   int64
	authFails    int
	reasm        hj212.Reassembler

	reqMu   sync.Mutex
	pending map[string]chan *hj212.Packet // platform requests by QN
}

type outItem struct {
	pkt      []byte
	cn       string
	received time.Time  // zero for packets the platform originates
	wait     chan error // nil: send at once; else after the store result
}

func newConn(g *Gateway, nc net.Conn, host string) *conn {
	c := &conn{g: g, nc: nc, host: host, out: make(chan outItem, g.cfg.MaxInFlight),
		pending: make(map[string]chan *hj212.Packet)}
	c.reasm = hj212.Reassembler{MaxGroups: g.cfg.MaxSplitGroups, MaxParts: g.cfg.MaxSplitParts, MaxBytes: 256 << 10, TTL: 10 * time.Minute}
	c.d = hj212.NewDeframer(deadlineReader{c}, g.cfg.MaxSegment)
	return c
}

// deadlineReader sets the read deadline before every read: the idle
// timeout between packets, the read timeout from the first byte of a
// packet to its end. It also enforces the garbage limit while the
// de-framer is skipping bytes.
type deadlineReader struct{ c *conn }

// Read implements io.Reader for the de-framer.
func (r deadlineReader) Read(p []byte) (int, error) {
	c := r.c
	if c.stopping.Load() {
		return 0, os.ErrDeadlineExceeded
	}
	if c.garbageRun+(c.d.Discarded-c.lastDiscard) > c.g.cfg.MaxGarbage {
		return 0, errGarbage
	}
	now := time.Now()
	var deadline time.Time
	if c.d.Buffered() == 0 {
		c.partialSince = time.Time{}
		deadline = now.Add(c.g.cfg.IdleTimeout)
		// Moving an idle deadline by less than 1/64 of the timeout is not
		// worth a timer update on every packet.
		if deadline.Sub(c.deadline) < c.g.cfg.IdleTimeout/64 && !c.deadline.IsZero() && c.deadlineIdle {
			return c.nc.Read(p)
		}
		c.deadlineIdle = true
	} else {
		if c.partialSince.IsZero() {
			c.partialSince = now
		}
		deadline = c.partialSince.Add(c.g.cfg.ReadTimeout)
		if !c.deadlineIdle && deadline.Equal(c.deadline) {
			return c.nc.Read(p)
		}
		c.deadlineIdle = false
	}
	c.deadline = deadline
	c.nc.SetReadDeadline(deadline)
	return c.nc.Read(p)
}

func (c *conn) stopReading() {
	c.stopping.Store(true)
	c.nc.SetReadDeadline(time.Now())
}

func (c *conn) serve() {
	defer c.g.release(c)
	log := c.g.cfg.Logger
	log.Debug("hj212: connection", "remote", c.nc.RemoteAddr().String())
	writerDone := make(chan struct{})
	go func() { c.writeLoop(); close(writerDone) }()
	reason := c.readLoop()
	// Split messages without acknowledgement that never completed: store
	// what arrived (nothing was promised for them).
	for _, p := range c.reasm.Expire(time.Now().Add(24 * time.Hour)) {
		c.process(p, time.Now(), false)
	}
	c.outMu.Lock()
	c.closed = true
	close(c.out)
	c.outMu.Unlock()
	<-writerDone
	c.g.m.connsClosed.WithLabelValues(reason).Inc()
	c.nc.Close()
	log.Debug("hj212: connection closed", "remote", c.nc.RemoteAddr().String(), "reason", reason)
}

// readLoop reads packets until the connection ends and returns why.
func (c *conn) readLoop() string {
	m := c.g.m
	for {
		seg, err := c.d.Next()
		c.account()
		if err != nil {
			var fe *hj212.FrameError
			if errors.As(err, &fe) {
				m.packet(fe.Kind.String())
				c.g.cfg.Logger.Info("hj212: frame rejected", "remote", c.nc.RemoteAddr().String(), "err", fe.Error())
				if c.garbageRun > c.g.cfg.MaxGarbage {
					return "garbage"
				}
				continue
			}
			return c.closeReason(err)
		}
		if c.garbageRun > c.g.cfg.MaxGarbage {
			return "garbage"
		}
		c.garbageRun = 0
		c.partialSince = time.Time{}
		c.handle(seg)
		if c.authFails >= c.g.cfg.MaxAuthFailures {
			return "auth_failures"
		}
	}
}

func (c *conn) closeReason(err error) string {
	var ne net.Error
	switch {
	case c.stopping.Load():
		return "shutdown"
	case c.writeFailed.Load():
		return "write_failed"
	case errors.Is(err, errGarbage):
		return "garbage"
	case errors.Is(err, io.EOF):
		return "eof"
	case errors.As(err, &ne) && ne.Timeout():
		if c.d.Buffered() > 0 {
			return "read_timeout"
		}
		return "idle_timeout"
	}
	return "error"
}

// account moves the de-framer's byte counters into the metrics.
func (c *conn) account() {
	if d := c.d.Read - c.lastRead; d > 0 {
		c.g.m.bytesIn.Add(float64(d))
		c.lastRead = c.d.Read
	}
	if d := c.d.Discarded - c.lastDiscard; d > 0 {
		c.g.m.garbage.Add(float64(d))
		c.garbageRun += d
		c.lastDiscard = c.d.Discarded
	}
}

// writeLoop sends answers in order. An answer whose packet is not yet
// durable waits for its batch; an answer whose batch failed is not sent.
func (c *conn) writeLoop() {
	g := c.g
	w := bufio.NewWriterSize(c.nc, 4096)
	for it := range c.out {
		if it.wait != nil {
			var err error
			select {
			case err = <-it.wait:
			default:
				// Send what is buffered before waiting for the next batch.
				if w.Buffered() > 0 && !c.writeFailed.Load() {
					c.nc.SetWriteDeadline(time.Now().Add(g.cfg.WriteTimeout))
					if ferr := w.Flush(); ferr != nil {
						c.writeFailed.Store(true)
						c.nc.Close()
					}
				}
				err = <-it.wait
			}
			if err != nil {
				continue
			}
		}
		if c.writeFailed.Load() {
			continue
		}
		flush := len(c.out) == 0
		if flush || w.Available() < len(it.pkt) {
			// Only writes that reach the socket need the deadline.
			c.nc.SetWriteDeadline(time.Now().Add(g.cfg.WriteTimeout))
		}
		_, err := w.Write(it.pkt)
		if err == nil && flush {
			err = w.Flush()
		}
		if err != nil {
			c.writeFailed.Store(true)
			c.nc.Close() // unblocks the reader
			g.cfg.Logger.Warn("hj212: write failed, closing", "remote", c.nc.RemoteAddr().String(), "err", err)
			continue
		}
		g.m.bytesOut.Add(float64(len(it.pkt)))
		g.m.answer(it.cn)
		if !it.received.IsZero() {
			g.m.ackLatency.Observe(time.Since(it.received).Seconds())
		}
	}
	if !c.writeFailed.Load() {
		c.nc.SetWriteDeadline(time.Now().Add(g.cfg.WriteTimeout))
		w.Flush()
	}
}

// enqueue queues a packet for the writer.
func (c *conn) enqueue(ctx context.Context, it outItem) error {
	c.outMu.RLock()
	defer c.outMu.RUnlock()
	if c.closed {
		return net.ErrClosed
	}
	select {
	case c.out <- it:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reply queues an answer built by the codec.
func (c *conn) reply(p *hj212.Packet, received time.Time, wait chan error) {
	b, err := p.Marshal()
	if err != nil {
		c.g.cfg.Logger.Error("hj212: cannot encode answer", "cn", p.CN, "err", err)
		return
	}
	// The reader goroutine owns the queue's lifetime, so this cannot race
	// with its closing; it blocks while MaxInFlight answers are pending.
	c.out <- outItem{pkt: b, cn: p.CN, received: received, wait: wait}
}

// handle checks and dispatches one data segment.
func (c *conn) handle(seg []byte) {
	g := c.g
	recv := time.Now()
	p, err := hj212.Parse(seg)
	if err != nil {
		if errors.Is(err, hj212.ErrNotUTF8) {
			g.m.packet(resNotUTF8)
		} else {
			g.m.packet(resParseError)
		}
		g.cfg.Logger.Info("hj212: packet rejected", "remote", c.nc.RemoteAddr().String(), "err", err)
		return
	}
	dev, err := g.lookup(g.ctx, p.MN)
	switch {
	case errors.Is(err, ErrUnknownDevice):
		g.m.packet(resUnknownMN)
		c.authFails++
		g.cfg.Logger.Warn("hj212: unknown MN", "remote", c.nc.RemoteAddr().String(), "mn", p.MN)
		return
	case err != nil:
		g.m.packet(resRegistryErr)
		g.cfg.Logger.Error("hj212: device registry", "mn", p.MN, "err", err)
		return
	case !passwordOK(&dev, p.PW):
		g.m.packet(resAuthFailed)
		c.authFails++
		g.cfg.Logger.Warn("hj212: wrong password", "remote", c.nc.RemoteAddr().String(), "mn", p.MN)
		return
	}
	c.authFails = 0
	if dev.ST != "" && p.ST != dev.ST && p.ST != hj212.STSystem {
		g.m.packet(resBadST)
		g.cfg.Logger.Warn("hj212: system code does not match the device", "mn", p.MN, "st", p.ST, "want", dev.ST)
		return
	}
	g.bindSession(p.MN, c)
	switch p.CN {
	case hj212.CNRequestAck, hj212.CNExecResult, hj212.CNNoticeAck, hj212.CNDataAck:
		c.deliver(p)
		g.m.packet(resOK)
		return
	case hj212.CNHeartbeat:
		g.m.packet(resOK)
		return
	case hj212.CNTimeCalibration:
		g.m.packet(resOK)
		c.reply(p.NoticeAck(), recv, nil)
		if g.cfg.CalibrateTime {
			c.reply(g.newRequest(&dev, hj212.CNSetTime, []hj212.Field{{Key: "SystemTime", Value: hj212.FormatTime(g.cfg.Now())}}), time.Time{}, nil)
		}
		return
	}
	if c.deliver(p) && !p.AckWanted() {
		g.m.packet(resOK) // a response to a platform request (e.g. 1011 SystemTime)
		return
	}
	if !hj212.IsUploadCN(p.CN) {
		g.m.packet(resUnknownCN)
		g.cfg.Logger.Info("hj212: command not accepted from a device", "mn", p.MN, "cn", p.CN)
		return
	}
	key := dedupKey{p.MN, p.QN, p.CN, p.PNO}
	if g.seen(key) {
		g.m.packet(resDuplicate)
		if p.AckWanted() {
			c.reply(p.DataAck(), recv, nil)
		}
		return
	}
	if p.Flag.Split() && !p.AckWanted() {
		// Flag=6: no part is acknowledged, so the parts can be joined
		// before storing. Flag=7 parts are each stored and acknowledged.
		done, evicted, err := c.reasm.Add(p, recv)
		if err != nil {
			g.m.packet(resParseError)
			g.cfg.Logger.Info("hj212: split packet rejected", "mn", p.MN, "err", err)
			return
		}
		g.m.packet(resOK)
		for _, e := range append(evicted, c.reasm.Expire(recv)...) {
			c.process(e, recv, false)
		}
		if done != nil {
			c.process(done, recv, false)
		}
		return
	}
	c.processDevice(p, &dev, recv, true)
}

// process stores a packet whose device has been checked already.
func (c *conn) process(p *hj212.Packet, recv time.Time, count bool) {
	dev, err := c.g.lookup(c.g.ctx, p.MN)
	if err != nil {
		return
	}
	c.processDevice(p, &dev, recv, count)
}

func (c *conn) processDevice(p *hj212.Packet, dev *Device, recv time.Time, count bool) {
	g := c.g
	b, err := g.records(p, dev, recv)
	if err != nil {
		if count {
			g.m.packet(resParseError)
		}
		g.cfg.Logger.Info("hj212: packet rejected", "mn", p.MN, "cn", p.CN, "qn", p.QN, "err", err)
		return
	}
	if count {
		g.m.packet(resOK)
	}
	key := dedupKey{p.MN, p.QN, p.CN, p.PNO}
	var wait chan error
	if p.AckWanted() {
		wait = make(chan error, 1)
	}
	j := &job{batch: b, done: func(err error) {
		if err == nil {
			g.remember(key)
		}
		if wait != nil {
			wait <- err
		}
	}}
	if err := g.b.submit(g.ctx, j); err != nil {
		return // shutting down: no answer, the device resends
	}
	if wait != nil {
		c.reply(p.DataAck(), recv, wait)
	}
}

// deliver hands p to a platform request waiting for answers with its QN.
func (c *conn) deliver(p *hj212.Packet) bool {
	if p.QN == "" {
		return false
	}
	c.reqMu.Lock()
	ch := c.pending[p.QN]
	c.reqMu.Unlock()
	if ch == nil {
		return false
	}
	select {
	case ch <- p:
	default:
	}
	return true
}
