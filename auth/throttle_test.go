package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestThrottleBackoff(t *testing.T) {
	acct := ThrottleConfig{Free: 3, Base: time.Second, Max: 10 * time.Second, Window: time.Hour}
	addr := ThrottleConfig{Free: 100, Base: time.Second, Max: time.Minute, Window: time.Hour}
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		failures int
		after    time.Duration // time since the last failure
		want     time.Duration
	}{
		{"within the free failures", 3, 0, 0},
		{"first locked failure", 4, 0, time.Second},
		{"second doubles", 5, 0, 2 * time.Second},
		{"third doubles", 6, 0, 4 * time.Second},
		{"capped", 9, 0, 10 * time.Second},
		{"far beyond the cap", 80, 0, 10 * time.Second},
		{"lock-out partly served", 6, 3 * time.Second, time.Second},
		{"lock-out served", 6, 4 * time.Second, 0},
		{"forgotten after the window", 50, 2 * time.Hour, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th := NewThrottle(acct, addr, 100)
			for range tc.failures {
				th.Fail("tongbai", "192.0.2.7:5555", t0)
			}
			if got := th.Wait("tongbai", "192.0.2.7:1", t0.Add(tc.after)); got != tc.want {
				t.Fatalf("Wait = %v, want %v", got, tc.want)
			}
			if got := th.Wait("other", "198.51.100.1:1", t0.Add(tc.after)); got != 0 {
				t.Fatalf("an unrelated account from another address waits %v", got)
			}
		})
	}
}

func TestThrottleAddressSpray(t *testing.T) {
	// One address guessing a different account each time is stopped by the
	// address limit even though no account reaches its own.
	th := NewThrottle(DefaultAccountThrottle, ThrottleConfig{Free: 10, Base: time.Second, Max: time.Minute, Window: time.Hour}, 1000)
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range 11 {
		th.Fail(fmt.Sprintf("user%d", i), "203.0.113.9:4000", now)
	}
	if th.Wait("user99", "203.0.113.9:1", now) == 0 {
		t.Fatal("address spraying many accounts is not throttled")
	}
	if th.Wait("user99", "203.0.113.10:1", now) != 0 {
		t.Fatal("another address is throttled")
	}
}

func TestThrottleSuccessResetsAccountOnly(t *testing.T) {
	th := NewThrottle(ThrottleConfig{Free: 1, Base: time.Second, Max: time.Minute, Window: time.Hour},
		ThrottleConfig{Free: 1, Base: time.Second, Max: time.Minute, Window: time.Hour}, 100)
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	th.Fail("a", "192.0.2.1:1", now)
	th.Fail("a", "192.0.2.1:1", now)
	th.Succeed("a")
	if th.Wait("a", "192.0.2.2:1", now) != 0 {
		t.Fatal("account still locked after a successful login")
	}
	if th.Wait("b", "192.0.2.1:1", now) == 0 {
		t.Fatal("a success forgave the address's failures")
	}
}

func TestThrottleIsBounded(t *testing.T) {
	cfg := ThrottleConfig{Free: 2, Base: time.Second, Max: time.Minute, Window: time.Hour}
	th := NewThrottle(cfg, cfg, 50)
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	// The account under attack right now…
	for range 5 {
		th.Fail("admin", "192.0.2.1:1", now.Add(time.Hour-time.Second))
	}
	// …is not pushed out by a flood of older entries, and memory stays bounded.
	for i := range 1000 {
		th.Fail(fmt.Sprintf("u%d", i), fmt.Sprintf("10.0.%d.%d:1", i/256, i%256), now.Add(time.Duration(i)*time.Millisecond))
	}
	a, b := th.Len()
	if a > 50 || b > 50 {
		t.Fatalf("throttle holds %d accounts and %d addresses, bound is 50", a, b)
	}
	if th.Wait("admin", "198.51.100.1:1", now.Add(time.Hour)) == 0 {
		t.Fatal("the account under attack was evicted")
	}
}

func TestAddressKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.7:5555", "192.0.2.7"},
		{"192.0.2.7", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
		{"not an address", "not an address"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := AddressKey(tc.in); got != tc.want {
				t.Fatalf("AddressKey(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
