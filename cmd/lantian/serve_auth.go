package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/sqlstore"
)

// authFlags are the flags of lantian serve that concern accounts.
type authFlags struct {
	insecureCookies *bool
	origins         *string
}

func registerAuthFlags(fs *flag.FlagSet) *authFlags {
	return &authFlags{
		insecureCookies: fs.Bool("insecure-cookies", false, "send the session cookie without Secure, for plain-HTTP access (default: on only when --addr is a loopback address; set it false behind an HTTPS proxy)"),
		origins:         fs.String("trusted-origins", "", "comma-separated extra origins (https://host) allowed to make state-changing requests, e.g. the public name when a proxy rewrites Host"),
	}
}

// service opens the auth service of the platform: it creates the demo
// cast when the demo data are on and the store has no user yet, and
// removes expired sessions every ten minutes until ctx ends.
func (af *authFlags) service(ctx context.Context, fs *flag.FlagSet, st *sqlstore.DB, addr string, demo bool, log *slog.Logger) (*auth.Service, error) {
	insecure := *af.insecureCookies
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "insecure-cookies" })
	if !set {
		// A browser drops Secure cookies that arrive over plain HTTP; the
		// platform on 127.0.0.1 is a developer's or a demo's, on any other
		// address it must be reached over HTTPS.
		host, _, err := net.SplitHostPort(addr)
		ip := net.ParseIP(host)
		insecure = err == nil && (host == "localhost" || (ip != nil && ip.IsLoopback()))
	}
	// The sign-in page lists the demo accounts only on the demo data.
	svc, err := auth.New(st, st, auth.Config{InsecureCookies: insecure, TrustedOrigins: splitList(*af.origins), Logger: log, DemoSignIn: demo})
	if err != nil {
		return nil, err
	}
	if demo {
		us, err := st.Users(ctx)
		if err != nil {
			return nil, err
		}
		if len(us) == 0 {
			made, err := svc.CreateDemoCast(ctx)
			if err != nil {
				return nil, fmt.Errorf("demo users: %w", err)
			}
			for _, d := range made {
				log.Info("demo user", "login", d.User.Login, "role", d.User.Role, "password", d.Password)
			}
		}
	} else if us, err := st.Users(ctx); err == nil && len(us) == 0 {
		log.Warn("no user accounts yet: create the first administrator with 'lantian user add LOGIN --role admin'")
	}
	go func() {
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if n, err := svc.Sweep(ctx); err != nil {
					log.Error("removing expired sessions", "err", err)
				} else if n > 0 {
					log.Debug("expired sessions removed", "count", n)
				}
			}
		}
	}()
	return svc, nil
}
