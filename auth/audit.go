package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/lantian-aq/lantian"
)

// Change describes one change for the audit log. Before and After are the
// object around the change (any value that marshals to JSON; nil for none);
// secrets in them (fields named like password, secret or token) are
// redacted before they are stored.
type Change struct {
	Action string // create, update, delete, login, logout, revoke, …
	Kind   Kind
	Object string // the object's id within its kind
	Area   string // the area the object belongs to, if any
	Before any
	After  any
	Remote string
}

// Record appends the change, made by p, to the audit log. p nil records the
// platform itself ("system"). Callers record a change after it was made
// and before answering the request; a failure to record is a failure of
// the request.
func (s *Service) Record(ctx context.Context, p *Principal, c Change) error {
	e := &lantian.AuditEntry{
		Time:   lantian.AuditTime(s.cfg.Now()),
		Action: c.Action,
		Kind:   string(c.Kind),
		Object: c.Object,
		Area:   c.Area,
		Remote: c.Remote,
		Actor:  "system",
		Via:    "system",
	}
	if p != nil {
		e.ActorID, e.Actor, e.Via = p.User.ID, p.User.Login, p.Via()
	}
	var err error
	if e.Before, err = auditJSON(c.Before); err != nil {
		return fmt.Errorf("audit %s %s %s: before: %w", c.Action, c.Kind, c.Object, err)
	}
	if e.After, err = auditJSON(c.After); err != nil {
		return fmt.Errorf("audit %s %s %s: after: %w", c.Action, c.Kind, c.Object, err)
	}
	s.auditMu.Lock()
	defer s.auditMu.Unlock()
	if err := s.audit.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("audit %s %s %s: %w", c.Action, c.Kind, c.Object, err)
	}
	if st, ok := ctx.Value(requestStateKey).(*requestState); ok {
		st.audited = true
	}
	return nil
}

// Record appends a change made by the request's principal to the audit log
// through the service the request's Router belongs to, and marks the
// request as audited (the Router records a generic entry for any
// successful state-changing request that recorded none). It fails if the
// request did not come through a Router.
func Record(r *http.Request, c Change) error {
	st, ok := r.Context().Value(requestStateKey).(*requestState)
	if !ok {
		return fmt.Errorf("audit %s %s: request did not pass through auth.Router", c.Action, c.Kind)
	}
	if c.Remote == "" {
		c.Remote = st.remoteAddr()
	}
	return st.svc.Record(r.Context(), PrincipalFrom(r.Context()), c)
}

// auditJSON marshals v to compact JSON with secrets redacted; nil and
// empty input give an empty result.
func auditJSON(v any) (json.RawMessage, error) {
	var raw []byte
	switch x := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	var tree any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&tree); err != nil {
		// Not JSON (a form or a file): keep it as a JSON string.
		return json.Marshal(truncate(string(raw), maxAuditBody))
	}
	out, err := json.Marshal(redact(tree))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// maxAuditBody bounds what the generic entry of a request keeps of its body.
const maxAuditBody = 64 << 10

// secretField reports whether a JSON field name holds a secret.
func secretField(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"password", "passwd", "secret", "token", "pw", "credential"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretField(k) {
				switch val.(type) {
				case nil, bool, json.Number:
					// A flag or a count ("has_password": true) is no secret.
				default:
					if val != "" {
						x[k] = "[redacted]"
					}
				}
				continue
			}
			x[k] = redact(val)
		}
	case []any:
		for i := range x {
			x[i] = redact(x[i])
		}
	}
	return v
}

// ChainBreak is the first broken link of an audit chain.
type ChainBreak struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// ChainReport is the result of verifying the audit chain.
type ChainReport struct {
	Entries int64       `json:"entries"`
	HeadSeq int64       `json:"head_seq"`
	Head    string      `json:"head"` // hash of the last entry; record it elsewhere to detect truncation
	Broken  *ChainBreak `json:"broken,omitempty"`
}

// OK reports whether the chain verified.
func (r ChainReport) OK() bool { return r.Broken == nil }

// VerifyChain walks the audit log from the first entry and reports the
// first broken link: a gap or repeat in the sequence, an entry whose
// PrevHash is not its predecessor's Hash, or an entry whose Hash does not
// match its content. Removing entries from the head (the newest) cannot be
// seen from the chain alone: compare Head with a value recorded earlier
// (lantian audit verify --head).
func VerifyChain(ctx context.Context, log lantian.AuditLog) (ChainReport, error) {
	var rep ChainReport
	prev := ""
	errStop := fmt.Errorf("stop")
	err := log.ScanAudit(ctx, func(e *lantian.AuditEntry) error {
		want := rep.HeadSeq + 1
		switch {
		case e.Seq != want:
			rep.Broken = &ChainBreak{Seq: e.Seq, Reason: fmt.Sprintf("sequence jumps from %d to %d: entries removed or inserted", rep.HeadSeq, e.Seq)}
		case e.PrevHash != prev:
			rep.Broken = &ChainBreak{Seq: e.Seq, Reason: fmt.Sprintf("prev_hash %.16s… does not match the hash of entry %d (%.16s…): an entry before it was changed, removed or inserted", e.PrevHash, rep.HeadSeq, prev)}
		case e.ChainHash() != e.Hash:
			rep.Broken = &ChainBreak{Seq: e.Seq, Reason: fmt.Sprintf("hash %.16s… does not match the entry's content (%.16s…): the entry was changed", e.Hash, e.ChainHash())}
		}
		if rep.Broken != nil {
			return errStop
		}
		rep.Entries++
		rep.HeadSeq = e.Seq
		rep.Head = e.Hash
		prev = e.Hash
		return nil
	})
	if err != nil && err != errStop {
		return rep, fmt.Errorf("reading the audit log: %w", err)
	}
	return rep, nil
}

// VerifyAudit verifies the service's audit chain.
func (s *Service) VerifyAudit(ctx context.Context) (ChainReport, error) {
	return VerifyChain(ctx, s.audit)
}

// AuditEntries reads the audit log.
func (s *Service) AuditEntries(ctx context.Context, f lantian.AuditFilter) ([]*lantian.AuditEntry, error) {
	return s.audit.AuditEntries(ctx, f)
}
