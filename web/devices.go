package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/standard"
)

// The HJ 212 device registry (/api/v1/devices): the data loggers whose
// packets the gateway accepts. It is served when the store administers one
// (gateway.DeviceAdmin, as sqlstore does). Passwords are write-only: no
// answer and no audit entry contains one. Every change is recorded in the
// audit log with the registration before and after.

// DeviceView is a registered data logger in the API.
type DeviceView struct {
	MN       string            `json:"mn"`
	Station  string            `json:"station"`
	ST       string            `json:"st"`              // "" accepts any system code
	Units    map[string]string `json:"units,omitempty"` // pollutant code → unit sent, where not the default
	Disabled bool              `json:"disabled"`
	Updated  string            `json:"updated,omitempty"` // ISO 8601 +08:00
}

func deviceView(r gateway.Registration) DeviceView {
	v := DeviceView{MN: r.MN, Station: r.Station, ST: r.ST, Disabled: r.Disabled, Units: gateway.UnitCodes(r.Units)}
	if !r.Updated.IsZero() {
		v.Updated = r.Updated.In(standard.Beijing).Format(time.RFC3339)
	}
	return v
}

// deviceInput is the body of POST /api/v1/devices and PATCH
// /api/v1/devices/{mn}; on PATCH absent fields stay as they are.
type deviceInput struct {
	MN       *string            `json:"mn"`
	Password *string            `json:"password"`
	Station  *string            `json:"station"`
	ST       *string            `json:"st"`
	Units    *map[string]string `json:"units"`
	Disabled *bool              `json:"disabled"`
}

const maxDeviceBody = 16 << 10

// codeForbidden answers a change the server cannot hold anyone to account
// for.
const codeForbidden = "forbidden"

func decodeDeviceInput(r *http.Request) (deviceInput, error) {
	var in deviceInput
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxDeviceBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		if errors.Is(err, io.EOF) {
			return in, badRequest("request body: want a JSON object with mn, password, station[, st, units, disabled]")
		}
		return in, badRequest("request body: %v", err)
	}
	if dec.More() {
		return in, badRequest("request body: one JSON object expected")
	}
	return in, nil
}

func (in *deviceInput) apply(d *gateway.Device) error {
	if in.Password != nil {
		d.Password = *in.Password
	}
	if in.Station != nil {
		d.Station = strings.TrimSpace(*in.Station)
	}
	if in.ST != nil {
		d.ST = *in.ST
	}
	if in.Units != nil {
		units, err := gateway.UnitsOf(*in.Units)
		if ue, ok := errors.AsType[*gateway.UnitError](err); ok {
			return badRequest("units.%s: %v", ue.Code, ue.Err)
		} else if err != nil {
			return badRequest("units: %v", err)
		}
		d.Units = units
	}
	if err := gateway.CheckRegistration(*d); err != nil {
		return badRequest("%v", err)
	}
	return nil
}

// deviceAdmin returns the store's device registry, or answers 404.
func (s *Server) deviceAdmin(w http.ResponseWriter) (gateway.DeviceAdmin, bool) {
	da, ok := s.store.(gateway.DeviceAdmin)
	if !ok {
		writeError(w, http.StatusNotFound, codeNotFound, "this platform's store keeps no HJ 212 device registry")
	}
	return da, ok
}

// recordDevice writes the audit entry of a device change. Without
// accounts (Options.Auth nil) there is no audit log and no change is
// allowed.
func (s *Server) recordDevice(r *http.Request, action, mn string, before, after any) error {
	if s.router == nil {
		return fmt.Errorf("device %s changed on a server without accounts: nothing audited", mn)
	}
	if err := auth.Record(r, auth.Change{Action: action, Kind: auth.KindDevice, Object: mn, Before: before, After: after}); err != nil {
		return fmt.Errorf("device %s changed but not audited: %w", mn, err)
	}
	return nil
}

// writesAllowed refuses changes on a server without accounts, where
// nobody could be held to account for them.
func (s *Server) writesAllowed(w http.ResponseWriter) bool {
	if s.router == nil {
		writeError(w, http.StatusForbidden, codeForbidden, "the device registry can only be changed on a server with accounts (lantian serve)")
		return false
	}
	return true
}

func (s *Server) apiDevices(w http.ResponseWriter, r *http.Request) {
	da, ok := s.deviceAdmin(w)
	if !ok {
		return
	}
	regs, err := da.Registrations(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := list[DeviceView]{Items: make([]DeviceView, 0, len(regs))}
	station := r.URL.Query().Get("station")
	for _, reg := range regs {
		if station == "" || reg.Station == station {
			out.Items = append(out.Items, deviceView(reg))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiDevice(w http.ResponseWriter, r *http.Request) {
	da, ok := s.deviceAdmin(w)
	if !ok {
		return
	}
	reg, err := da.Registration(r.Context(), r.PathValue("mn"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, deviceView(reg))
}

func (s *Server) apiDeviceCreate(w http.ResponseWriter, r *http.Request) {
	da, ok := s.deviceAdmin(w)
	if !ok || !s.writesAllowed(w) {
		return
	}
	in, err := decodeDeviceInput(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if in.MN == nil {
		s.fail(w, r, badRequest("mn: required"))
		return
	}
	d := gateway.Device{MN: *in.MN, ST: "22"}
	if err := in.apply(&d); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	if _, err := da.Registration(ctx, d.MN); err == nil {
		s.fail(w, r, lantian.Errorf(lantian.ECONFLICT, "device MN %q is already registered: change it with PATCH /api/v1/devices/%s", d.MN, d.MN))
		return
	} else if lantian.ErrorCode(err) != lantian.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	if err := da.PutDevice(ctx, d); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Disabled != nil && *in.Disabled {
		if err := da.SetDeviceDisabled(ctx, d.MN, true); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	reg, err := da.Registration(ctx, d.MN)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := deviceView(reg)
	if err := s.recordDevice(r, "create", d.MN, nil, v); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/devices/"+d.MN)
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) apiDeviceUpdate(w http.ResponseWriter, r *http.Request) {
	da, ok := s.deviceAdmin(w)
	if !ok || !s.writesAllowed(w) {
		return
	}
	in, err := decodeDeviceInput(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	mn := r.PathValue("mn")
	before, err := da.Registration(ctx, mn)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if in.MN != nil && *in.MN != mn {
		s.fail(w, r, badRequest("mn: %q differs from the path's %q; an MN cannot be changed, register the new one", *in.MN, mn))
		return
	}
	d := before.Device
	if err := in.apply(&d); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Password != nil || in.Station != nil || in.ST != nil || in.Units != nil {
		if err := da.PutDevice(ctx, d); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if in.Disabled != nil && *in.Disabled != before.Disabled {
		if err := da.SetDeviceDisabled(ctx, mn, *in.Disabled); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	after, err := da.Registration(ctx, mn)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := deviceView(after)
	var audited any = v
	if after.Password != before.Password {
		audited = struct {
			DeviceView
			PasswordChanged bool `json:"password_changed"`
		}{v, true}
	}
	if err := s.recordDevice(r, "update", mn, deviceView(before), audited); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiDeviceDelete(w http.ResponseWriter, r *http.Request) {
	da, ok := s.deviceAdmin(w)
	if !ok || !s.writesAllowed(w) {
		return
	}
	ctx := r.Context()
	mn := r.PathValue("mn")
	before, err := da.Registration(ctx, mn)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := da.RemoveDevice(ctx, mn); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.recordDevice(r, "delete", mn, deviceView(before), nil); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
