package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Packet results, the label values of hj212_packets_total.
const (
	resOK          = "ok"
	resDuplicate   = "duplicate"
	resBadCRC      = "bad_crc"
	resBadLength   = "bad_length"
	resBadHeader   = "bad_header"
	resOversized   = "oversized"
	resNotUTF8     = "not_utf8"
	resParseError  = "parse_error"
	resUnknownMN   = "unknown_mn"
	resAuthFailed  = "auth_failed"
	resBadST       = "bad_st"
	resUnknownCN   = "unknown_cn"
	resRegistryErr = "registry_error"
)

var packetResults = []string{resOK, resDuplicate, resBadCRC, resBadLength, resBadHeader, resOversized,
	resNotUTF8, resParseError, resUnknownMN, resAuthFailed, resBadST, resUnknownCN, resRegistryErr}

// metrics are the gateway's Prometheus collectors.
type metrics struct {
	connsOpen     prometheus.Gauge
	connsAccepted prometheus.Counter
	connsRejected *prometheus.CounterVec // reason: max_conns, max_per_addr, shutdown
	connsClosed   *prometheus.CounterVec // reason
	packets       *prometheus.CounterVec // result
	packetRes     map[string]prometheus.Counter
	bytesIn       prometheus.Counter
	bytesOut      prometheus.Counter
	garbage       prometheus.Counter
	acks          *prometheus.CounterVec // cn
	ackCN         map[string]prometheus.Counter
	ackLatency    prometheus.Histogram
	batches       *prometheus.CounterVec // result: ok, error
	batchRecords  prometheus.Histogram
	batchSeconds  prometheus.Histogram
	records       *prometheus.CounterVec // kind
	unknownFactor prometheus.Counter
	unknownFlag   prometheus.Counter
	lateSamples   prometheus.Counter
	requests      *prometheus.CounterVec // cn, result
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connsOpen: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hj212_connections_open",
			Help: "Open HJ 212 device connections."}),
		connsAccepted: prometheus.NewCounter(prometheus.CounterOpts{Name: "hj212_connections_accepted_total",
			Help: "HJ 212 connections accepted."}),
		connsRejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hj212_connections_rejected_total",
			Help: "HJ 212 connections refused at accept, by reason."}, []string{"reason"}),
		connsClosed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hj212_connections_closed_total",
			Help: "HJ 212 connections closed, by reason."}, []string{"reason"}),
		packets: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hj212_packets_total",
			Help: "HJ 212 packets received, by result."}, []string{"result"}),
		bytesIn: prometheus.NewCounter(prometheus.CounterOpts{Name: "hj212_received_bytes_total",
			Help: "Bytes read from HJ 212 connections."}),
		bytesOut: prometheus.NewCounter(prometheus.CounterOpts{Name: "hj212_sent_bytes_total",
			Help: "Bytes written to HJ 212 connections."}),
		garbage: prometheus.NewCounter(prometheus.CounterOpts{Name: "hj212_discarded_bytes_total",
			Help: "Bytes skipped as garbage or dropped with rejected frames."}),
		acks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hj212_answers_total",
			Help: "Answers and requests sent to devices, by command code (9011-9014, 1012 …)."}, []string{"cn"}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hj212_ack_latency_seconds",
			Help:    "Time from receiving a packet to writing its acknowledgement (includes the durable store).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hj212_batches_total",
			Help: "Batches written to the sink, by result."}, []string{"result"}),
		batchRecords: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hj212_batch_records",
			Help: "Records per batch.", Buckets: prometheus.ExponentialBuckets(1, 2, 14)}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hj212_batch_store_seconds",
			Help: "Duration of StoreBatch.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hj212_records_stored_total",
			Help: "Records stored, by kind."}, []string{"kind"}),
		unknownFactor: prometheus.NewCounter(prometheus.CounterOpts{Name: "hj212_unknown_factor_codes_total",
			Help: "Ambient values with a factor code that is neither a basic pollutant nor a known auxiliary factor (skipped)."}),
		unknownFlag: prometheus.NewCounter(prometheus.CounterOpts{Name: "hj212_unknown_data_flags_total",
			Help: "Values with a data flag unknown for the packet's version (stored as not usable)."}),
		lateSamples: prometheus.NewCounter(prometheus.CounterOpts{Name: "hj212_samples_not_aggregated_total",
			Help: "Samples stored but too late (or too far in the future) to enter an hourly aggregate."}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hj212_requests_total",
			Help: "Platform requests to devices, by command code and result."}, []string{"cn", "result"}),
	}
	m.packetRes = make(map[string]prometheus.Counter, len(packetResults))
	for _, r := range packetResults {
		m.packetRes[r] = m.packets.WithLabelValues(r)
	}
	m.ackCN = make(map[string]prometheus.Counter)
	for _, cn := range []string{"9011", "9012", "9013", "9014"} {
		m.ackCN[cn] = m.acks.WithLabelValues(cn)
	}
	if reg != nil {
		reg.MustRegister(m.connsOpen, m.connsAccepted, m.connsRejected, m.connsClosed, m.packets,
			m.bytesIn, m.bytesOut, m.garbage, m.acks, m.ackLatency, m.batches, m.batchRecords,
			m.batchSeconds, m.records, m.unknownFactor, m.unknownFlag, m.lateSamples, m.requests)
	}
	return m
}

func (m *metrics) packet(result string) { m.packetRes[result].Inc() }

func (m *metrics) answer(cn string) {
	if c, ok := m.ackCN[cn]; ok {
		c.Inc()
		return
	}
	m.acks.WithLabelValues(cn).Inc()
}
