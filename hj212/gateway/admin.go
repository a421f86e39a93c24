package gateway

import (
	"context"
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
