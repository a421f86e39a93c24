package gateway

import (
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Gateway. Zero fields take the documented defaults.
type Config struct {
	// Addr is the TCP listen address (HOST:PORT); ":0" picks a free port.
	Addr string
	// Registry and Sink are required.
	Registry Registry
	Sink     Sink
	// Metrics is the Prometheus registry the gateway's collectors are
	// registered on (the web server exposes it at /metrics). Nil keeps
	// them unregistered.
	Metrics prometheus.Registerer
	// Logger receives connection and error logs; nil discards them.
	Logger *slog.Logger

	// MaxSegment is the largest data segment accepted, in bytes. Default
	// 9999, the most the length field can express: HJ 212-2017 caps it at
	// 1024 but real devices exceed that. Larger frames are skipped.
	MaxSegment int
	// ReadTimeout bounds the time to receive one packet once its first
	// bytes arrived (slow-loris protection). Default 30 s.
	ReadTimeout time.Duration
	// IdleTimeout closes a connection that sent nothing for this long.
	// Default 10 min: stations send minute data or heartbeats far more often.
	IdleTimeout time.Duration
	// WriteTimeout is the deadline for writing one answer; a client that
	// does not read its answers is disconnected. Default 10 s.
	WriteTimeout time.Duration
	// MaxConns bounds open connections in total (default 10000) and
	// MaxConnsPerAddr per remote IP address (default 256: stations behind a
	// carrier's GPRS NAT share addresses).
	MaxConns        int
	MaxConnsPerAddr int
	// SendBuffer, when positive, fixes the kernel send buffer (SO_SNDBUF)
	// of each connection, turning off its autotuning: answers are small,
	// and a client that does not read then hits WriteTimeout sooner and
	// holds less kernel memory. 0 keeps the system default.
	SendBuffer int
	// MaxInFlight bounds the packets of one connection waiting for storage
	// and acknowledgement; further reads wait. Default 64.
	MaxInFlight int
	// MaxGarbage is the number of bytes of garbage or rejected frames a
	// connection may send in a row before it is closed. Default 64 KiB.
	MaxGarbage int64
	// MaxAuthFailures closes a connection after this many consecutive
	// packets with an unknown MN or a wrong password. Default 10.
	MaxAuthFailures int
	// MaxSplitGroups and MaxSplitParts bound split-packet reassembly per
	// connection (defaults 16 and 64); the data held is also capped at
	// 256 KiB per connection.
	MaxSplitGroups int
	MaxSplitParts  int

	// BatchSize is the number of records after which a batch is written
	// (default 1024). BatchLatency, when positive, is how long a batch
	// waits for more packets once the queue is empty; the default 0 writes
	// at once, which is enough for group commit: while one batch is made
	// durable the next fills with every connection's packets.
	BatchSize    int
	BatchLatency time.Duration
	// StoreTimeout bounds one StoreBatch call. Default 30 s.
	StoreTimeout time.Duration

	// HourGrace is how long after an hour's end late minute data are
	// awaited before the hour is aggregated (default 10 min); LateWindow how
	// long an aggregated hour is kept to fold in data arriving even later,
	// re-emitting a revised hour (default 2 h); RecoverWindow how far back
	// samples are reloaded from the sink on Start (default 48 h).
	HourGrace     time.Duration
	LateWindow    time.Duration
	RecoverWindow time.Duration
	// FlushInterval is how often closed hours are looked for. Default 10 s.
	FlushInterval time.Duration

	// DeviceCacheTTL is how long registry answers are cached (default 30 s;
	// a changed password takes effect within it).
	DeviceCacheTTL time.Duration
	// DedupWindow is how many recently stored packets are remembered, per
	// (MN, QN, CN, PNO), so that a resent packet is acknowledged again
	// without being stored twice (default 65536).
	DedupWindow int
	// CalibrateTime answers a device's 1013 time-calibration request with a
	// 1012 set-time request after the 9013 (HJ 212-2017 C.4).
	CalibrateTime bool
	// RequestTimeout bounds a platform request's wait for its answers
	// (default 30 s, three times the standard's 10 s GPRS timeout).
	RequestTimeout time.Duration

	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
}

func (c *Config) withDefaults() (Config, error) {
	d := *c
	if d.Registry == nil || d.Sink == nil {
		return d, errors.New("gateway: Config.Registry and Config.Sink are required")
	}
	def := func(v *int, x int) {
		if *v <= 0 {
			*v = x
		}
	}
	defd := func(v *time.Duration, x time.Duration) {
		if *v <= 0 {
			*v = x
		}
	}
	if d.MaxSegment <= 0 || d.MaxSegment > 9999 {
		d.MaxSegment = 9999
	}
	defd(&d.ReadTimeout, 30*time.Second)
	defd(&d.IdleTimeout, 10*time.Minute)
	defd(&d.WriteTimeout, 10*time.Second)
	def(&d.MaxConns, 10000)
	def(&d.MaxConnsPerAddr, 256)
	def(&d.MaxInFlight, 64)
	if d.MaxGarbage <= 0 {
		d.MaxGarbage = 64 << 10
	}
	def(&d.MaxAuthFailures, 10)
	def(&d.MaxSplitGroups, 16)
	def(&d.MaxSplitParts, 64)
	def(&d.BatchSize, 1024)
	d.BatchLatency = max(d.BatchLatency, 0)
	defd(&d.StoreTimeout, 30*time.Second)
	defd(&d.HourGrace, 10*time.Minute)
	defd(&d.LateWindow, 2*time.Hour)
	defd(&d.RecoverWindow, 48*time.Hour)
	defd(&d.FlushInterval, 10*time.Second)
	defd(&d.DeviceCacheTTL, 30*time.Second)
	def(&d.DedupWindow, 1<<16)
	defd(&d.RequestTimeout, 30*time.Second)
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return d, nil
}
