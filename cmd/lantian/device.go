package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/standard"
)

func init() {
	register(command{name: "device", summary: "manage the HJ 212 data loggers the gateway accepts (device add|list|disable|enable|remove)", run: runDevice})
}

const deviceUsage = `Usage:
  lantian device add --mn MN --password PW --station CODE [--st 22] [--units so2=mg/m3;…]
  lantian device list [--json]
  lantian device disable MN
  lantian device enable MN
  lantian device remove MN

A device is a data logger (数采仪) identified by its MN. The HJ 212 gateway
(lantian serve --hj212-addr, lantian hj212 serve --store) accepts its packets
when MN and PW match and files its data under the station. --st is the
system code it must send: 22 for an ambient-air station, 31 for a waste-gas
source (CEMS), empty for any. Adding an MN that exists replaces its
registration; a disabled device is refused by the gateway (within its 30 s
registry cache) but keeps its registration. Passwords are never printed.
Every change is recorded in the audit log as cli:<OS user>.`

// deviceView is a registration as printed and audited: never the password.
type deviceView struct {
	MN       string            `json:"mn"`
	Station  string            `json:"station"`
	ST       string            `json:"st"`
	Units    map[string]string `json:"units,omitempty"`
	Disabled bool              `json:"disabled"`
	Updated  *time.Time        `json:"updated,omitempty"`
}

func viewOfRegistration(r gateway.Registration) deviceView {
	v := deviceView{MN: r.MN, Station: r.Station, ST: r.ST, Disabled: r.Disabled, Units: gateway.UnitCodes(r.Units)}
	if !r.Updated.IsZero() {
		t := r.Updated.In(standard.Beijing)
		v.Updated = &t
	}
	return v
}

func runDevice(args []string, stdout, stderr io.Writer) error {
	return dispatch("device", deviceUsage, args, stdout, stderr, map[string]subcommand{
		"add":     runDeviceAdd,
		"list":    runDeviceList,
		"disable": named("disable", runDeviceChange),
		"enable":  named("enable", runDeviceChange),
		"remove":  named("remove", runDeviceChange),
	})
}

func runDeviceAdd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("device add", stderr, "--mn MN --password PW --station CODE [--st 22] [--units …]")
	var sf storeFlags
	sf.register(fs)
	mn := fs.String("mn", "", "device number (MN) the logger sends (required)")
	pw := fs.String("password", "", "access password (PW) the logger sends (required)")
	station := fs.String("station", "", "code of the registered station its data are filed under (required)")
	st := fs.String("st", "22", "system code the logger must send: 22 ambient air, 31 waste-gas source; empty accepts any")
	units := fs.String("units", "", "units the logger sends where they differ from µg/m³ (CO mg/m³), e.g. so2=mg/m3;no2=mg/m3")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *mn == "" || *pw == "" || *station == "" {
		fmt.Fprintln(stderr, "lantian device add: --mn, --password and --station are required")
		fs.Usage()
		return errUsage
	}
	u, err := gateway.ParseUnits(*units)
	if err != nil {
		return fmt.Errorf("--units: %w", err)
	}
	d := gateway.Device{MN: *mn, Password: *pw, Station: *station, ST: *st, Units: u}
	if err := gateway.CheckRegistration(d); err != nil {
		return fmt.Errorf("device: %w", err)
	}
	ctx := context.Background()
	db, svc, err := openAuth(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	before, err := db.Registration(ctx, d.MN)
	existed := err == nil
	if err != nil && lantian.ErrorCode(err) != lantian.ENOTFOUND {
		return err
	}
	if err := db.PutDevice(ctx, d); err != nil {
		return fmt.Errorf("device %s: %s", d.MN, lantian.ErrorMessage(err))
	}
	after, err := db.Registration(ctx, d.MN)
	if err != nil {
		return err
	}
	change := auth.Change{Action: "create", Kind: auth.KindDevice, Object: d.MN, After: viewOfRegistration(after)}
	if existed {
		change.Action, change.Before = "update", viewOfRegistration(before)
		if before.Password != after.Password {
			change.After = struct {
				deviceView
				PasswordChanged bool `json:"password_changed"`
			}{viewOfRegistration(after), true}
		}
	}
	if err := svc.Record(ctx, auth.CLIPrincipal(), change); err != nil {
		return fmt.Errorf("device %s registered but not audited: %w", d.MN, err)
	}
	verb := "registered"
	if existed {
		verb = "re-registered"
	}
	state := ""
	if after.Disabled {
		state = " (disabled: enable it with 'lantian device enable " + d.MN + "')"
	}
	fmt.Fprintf(stdout, "%s device %s for station %s, ST %s%s\n", verb, d.MN, d.Station, orAny(d.ST), state)
	return nil
}

func orAny(st string) string {
	if st == "" {
		return "any"
	}
	return st
}

func runDeviceList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("device list", stderr, "[--json]")
	var sf storeFlags
	sf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		fs.Usage()
		return errUsage
	}
	ctx := context.Background()
	db, _, err := openAuth(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	regs, err := db.Registrations(ctx)
	if err != nil {
		return err
	}
	views := make([]deviceView, 0, len(regs))
	for _, r := range regs {
		views = append(views, viewOfRegistration(r))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(views)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MN\tSTATION\tST\tSTATE\tUNITS\tUPDATED")
	for _, v := range views {
		state := "enabled"
		if v.Disabled {
			state = "disabled"
		}
		var us []string
		for p, u := range v.Units {
			us = append(us, p+"="+u)
		}
		sort.Strings(us)
		updated := ""
		if v.Updated != nil {
			updated = v.Updated.Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.MN, v.Station, orAny(v.ST), state, strings.Join(us, ";"), updated)
	}
	return tw.Flush()
}

func runDeviceChange(verb string, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("device "+verb, stderr, "MN")
	var sf storeFlags
	sf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	mn := pos[0]
	ctx := context.Background()
	db, svc, err := openAuth(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	before, err := db.Registration(ctx, mn)
	if err != nil {
		return fmt.Errorf("device %s: %s", mn, lantian.ErrorMessage(err))
	}
	change := auth.Change{Action: "update", Kind: auth.KindDevice, Object: mn, Before: viewOfRegistration(before)}
	switch verb {
	case "remove":
		err = db.RemoveDevice(ctx, mn)
		change.Action = "delete"
	default:
		err = db.SetDeviceDisabled(ctx, mn, verb == "disable")
	}
	if err != nil {
		return fmt.Errorf("device %s: %s", mn, lantian.ErrorMessage(err))
	}
	if verb != "remove" {
		after, err := db.Registration(ctx, mn)
		if err != nil {
			return err
		}
		change.After = viewOfRegistration(after)
	}
	if err := svc.Record(ctx, auth.CLIPrincipal(), change); err != nil {
		return fmt.Errorf("device %s changed but not audited: %w", mn, err)
	}
	past := map[string]string{"disable": "disabled", "enable": "enabled", "remove": "removed"}[verb]
	fmt.Fprintf(stdout, "device %s %s\n", mn, past)
	return nil
}
