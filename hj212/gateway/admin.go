package gateway

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Registration is a device as an administered registry keeps it: the
// device and its administrative state.
type Registration struct {
	Device
	// Disabled devices are refused by LookupDevice (as unknown) but keep
	// their registration, so a logger taken out of service can come back
	// with the same MN, password and station.
	Disabled bool
	// Updated is when the registration last changed; zero when unknown.
	Updated time.Time
}

// DeviceAdmin administers a Registry's devices: what `lantian device` and
// the /api/v1/devices routes use. The store implements it. Methods given
// an MN that is not registered return an error with lantian's ENOTFOUND
// code.
type DeviceAdmin interface {
	Registry
	// PutDevice registers a device or replaces its registration, keeping
	// its disabled state.
	PutDevice(ctx context.Context, d Device) error
	// Registrations returns every registered device, ordered by MN.
	Registrations(ctx context.Context) ([]Registration, error)
	// Registration returns one device whether enabled or not.
	Registration(ctx context.Context, mn string) (Registration, error)
	// SetDeviceDisabled disables or re-enables a device.
	SetDeviceDisabled(ctx context.Context, mn string, disabled bool) error
	// RemoveDevice forgets a device. The data it sent are kept.
	RemoveDevice(ctx context.Context, mn string) error
}

// CheckRegistration reports what is wrong with a device to be registered:
// an MN, password (PW) and station are required, and MN and PW must be
// sendable in a packet's data segment — printable ASCII without the
// separators ; = & , — and short (MN ≤ 64, PW ≤ 32 bytes: HJ 212-2017
// gives 24 and 6, real loggers send longer ones). ST is empty (any) or two
// characters 0-9A-Z. The error names the field and what was expected.
func CheckRegistration(d Device) error {
	field := func(name, v string, maxLen int) error {
		if v == "" {
			return fmt.Errorf("%s: required", name)
		}
		if len(v) > maxLen {
			return fmt.Errorf("%s: %d bytes, at most %d", name, len(v), maxLen)
		}
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c <= ' ' || c > '~' || c == ';' || c == '=' || c == '&' || c == ',' {
				return fmt.Errorf("%s %q: byte %d is %q; want printable ASCII without spaces or ; = & ,", name, v, i+1, c)
			}
		}
		return nil
	}
	if err := field("mn", d.MN, 64); err != nil {
		return err
	}
	if err := field("password", d.Password, 32); err != nil {
		return errors.New(strings.Replace(err.Error(), strconv.Quote(d.Password), "(hidden)", 1))
	}
	if strings.TrimSpace(d.Station) == "" {
		return errors.New("station: required (the code of a registered station)")
	}
	if d.ST != "" {
		ok := len(d.ST) == 2
		for i := 0; ok && i < 2; i++ {
			c := d.ST[i]
			ok = c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
		}
		if !ok {
			return fmt.Errorf("st %q: want a two-character system code such as 22 (ambient air) or 31 (waste gas), or empty for any", d.ST)
		}
	}
	return nil
}
