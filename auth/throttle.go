package auth

import (
	"net"
	"net/netip"
	"sort"
	"sync"
	"time"
)

// ThrottleConfig tunes login throttling. Each key (an account, a remote
// address) gets Free failed attempts; every further failure doubles its
// lock-out, from Base up to Max. A key's failures are forgotten Window
// after its last one, or at once on a successful login of the account.
type ThrottleConfig struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Window time.Duration
}

// Default throttling: an account locks after 5 failures (1 s, 2 s, 4 s …
// up to 15 min); an address, which may be a whole office behind one NAT,
// after 20.
var (
	DefaultAccountThrottle = ThrottleConfig{Free: 5, Base: time.Second, Max: 15 * time.Minute, Window: time.Hour}
	DefaultAddressThrottle = ThrottleConfig{Free: 20, Base: time.Second, Max: 15 * time.Minute, Window: time.Hour}
)

// DefaultThrottleEntries bounds the memory throttling takes (about 100
// bytes an entry).
const DefaultThrottleEntries = 100_000

type throttleEntry struct {
	failures int
	last     time.Time // last failure
	until    time.Time // locked until
}

// Throttle counts failed logins per account and per remote address in
// memory. It is bounded: when full it first drops forgotten entries, then
// the entries whose last failure is oldest, so that a flood of addresses
// can not push out an account under attack right now.
type Throttle struct {
	mu       sync.Mutex
	account  ThrottleConfig
	address  ThrottleConfig
	max      int
	accounts map[string]*throttleEntry
	addrs    map[string]*throttleEntry
}

// NewThrottle returns a throttle with the configurations and at most max
// entries of each sort.
func NewThrottle(account, address ThrottleConfig, max int) *Throttle {
	if max < 1 {
		max = DefaultThrottleEntries
	}
	return &Throttle{account: account, address: address, max: max,
		accounts: map[string]*throttleEntry{}, addrs: map[string]*throttleEntry{}}
}

// AddressKey reduces a remote address ("ip:port" or "ip") to the unit that
// is throttled: the IPv4 address, or the /64 of an IPv6 address, which one
// subscriber usually holds whole.
func AddressKey(remote string) string {
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Wait returns how long a login of the account from the address must wait;
// 0 means it may proceed now.
func (t *Throttle) Wait(login, remote string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := wait(t.accounts[login], t.account, now)
	if v := wait(t.addrs[AddressKey(remote)], t.address, now); v > w {
		w = v
	}
	return w
}

func wait(e *throttleEntry, c ThrottleConfig, now time.Time) time.Duration {
	if e == nil || now.Sub(e.last) > c.Window || !now.Before(e.until) {
		return 0
	}
	return e.until.Sub(now)
}

// Fail records a failed login of the account from the address.
func (t *Throttle) Fail(login, remote string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fail(t.accounts, login, t.account, now)
	t.fail(t.addrs, AddressKey(remote), t.address, now)
}

func (t *Throttle) fail(m map[string]*throttleEntry, key string, c ThrottleConfig, now time.Time) {
	e := m[key]
	if e == nil {
		if len(m) >= t.max {
			evict(m, t.max, c, now)
		}
		e = &throttleEntry{}
		m[key] = e
	} else if now.Sub(e.last) > c.Window {
		*e = throttleEntry{}
	}
	e.failures++
	e.last = now
	if over := e.failures - c.Free; over > 0 {
		d := c.Max
		if over <= 30 {
			if b := c.Base << (over - 1); b > 0 && b < c.Max {
				d = b
			}
		}
		e.until = now.Add(d)
	}
}

// evict makes room in m (which holds limit entries): forgotten entries go
// first; if none is, the tenth whose last failure is oldest.
func evict(m map[string]*throttleEntry, limit int, c ThrottleConfig, now time.Time) {
	for k, e := range m {
		if now.Sub(e.last) > c.Window {
			delete(m, k)
		}
	}
	if len(m) < limit {
		return
	}
	type aged struct {
		key  string
		last time.Time
	}
	all := make([]aged, 0, len(m))
	for k, e := range m {
		all = append(all, aged{k, e.last})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].last.Before(all[j].last) })
	for _, a := range all[:max(1, len(all)/10)] {
		delete(m, a.key)
	}
}

// Succeed forgets the failures of the account after a successful login.
// The address keeps its count: one good password does not excuse a spray
// of guesses at other accounts from the same place.
func (t *Throttle) Succeed(login string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.accounts, login)
}

// Len returns the number of accounts and addresses tracked.
func (t *Throttle) Len() (accounts, addresses int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.accounts), len(t.addrs)
}
