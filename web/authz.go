package web

import (
	"fmt"

	"github.com/lantian-aq/lantian/auth"
)

// routeRules is the authorisation rule of every route of Server.routes, in
// one place. New refuses to build a server with a route that has no rule
// here, so a route cannot be added without deciding who may use it; the
// route × role test (authz_test.go) then checks each decision against the
// outcome written down by hand. What a rule's (kind, action) means for each
// role is the policy table of package auth.
var routeRules = map[string]auth.Rule{
	// Operations: probes and scrapers carry no accounts; keep these on the
	// internal network.
	"GET /healthz": auth.Public(),
	"GET /metrics": auth.Public(),

	// Dashboard pages: any signed-in user; anonymous browsers are sent to
	// the sign-in page.
	"GET /{$}":                 auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /realtime":            auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /calendar":            auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /ranking":             auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /stations/{code}":     auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /areas/{code}":        auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /static/":             auth.Public(), // the sign-in page needs the stylesheet
	"GET /api/v1/openapi.json": auth.Public(),

	// REST API.
	"GET /api/v1/areas":                               auth.Requires(auth.KindArea, auth.Read),
	"GET /api/v1/areas/{code}":                        auth.Requires(auth.KindArea, auth.Read),
	"GET /api/v1/areas/{code}/statistics/{period}":    auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /api/v1/areas/{code}/assessment":             auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /api/v1/areas/{code}/calendar":               auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /api/v1/areas/{code}/detail":                 auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /api/v1/stations":                            auth.Requires(auth.KindStation, auth.Read),
	"GET /api/v1/stations/{code}":                     auth.Requires(auth.KindStation, auth.Read),
	"GET /api/v1/stations/{code}/observations":        auth.Requires(auth.KindObservation, auth.Read),
	"GET /api/v1/stations/{code}/statistics/{period}": auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /api/v1/stations/{code}/assessment":          auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /api/v1/stations/{code}/detail":              auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /api/v1/realtime":                            auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /api/v1/overview":                            auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /api/v1/targets":                             auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /api/v1/rankings":                            auth.Requires(auth.KindAirQuality, auth.Read),
	"GET /api/v1/plans":                               auth.Requires(auth.KindPlan, auth.Read),
	"GET /api/v1/plans/{id}":                          auth.Requires(auth.KindPlan, auth.Read),
	"GET /api/v1/plans/{id}/tasks":                    auth.Requires(auth.KindPlan, auth.Read),

	// Task ledger: people read the progress; reporting is scoped (a
	// department for its own tasks, a county for its area's share, the
	// commission office and administrators for anyone), decided per
	// report by fileReport through auth.Check.
	"GET /ledger":                                  auth.Requires(auth.KindProgress, auth.Read),
	"GET /ledger/tasks/{number}":                   auth.Requires(auth.KindProgress, auth.Read),
	"POST /ledger/tasks/{number}/reports":          auth.Requires(auth.KindProgress, auth.Create),
	"GET /ledger/scorecards":                       auth.Requires(auth.KindProgress, auth.Read),
	"GET /api/v1/plans/{id}/ledger":                auth.Requires(auth.KindProgress, auth.Read),
	"GET /api/v1/plans/{id}/ledger/tasks/{number}": auth.Requires(auth.KindProgress, auth.Read),
	"GET /api/v1/plans/{id}/ledger/export":         auth.Requires(auth.KindProgress, auth.Read),
	"GET /api/v1/plans/{id}/milestones":            auth.Requires(auth.KindProgress, auth.Read),
	"GET /api/v1/plans/{id}/indicators":            auth.Requires(auth.KindProgress, auth.Read),
	"GET /api/v1/plans/{id}/alerts":                auth.Requires(auth.KindProgress, auth.Read),
	"GET /api/v1/plans/{id}/reports":               auth.Requires(auth.KindProgress, auth.Read),
	"POST /api/v1/plans/{id}/reports":              auth.Requires(auth.KindProgress, auth.Create),
	"GET /api/v1/plans/{id}/views/sections":        auth.Requires(auth.KindProgress, auth.Read),
	"GET /api/v1/plans/{id}/views/departments":     auth.Requires(auth.KindProgress, auth.Read),
	"GET /api/v1/plans/{id}/views/areas":           auth.Requires(auth.KindProgress, auth.Read),
	"GET /api/v1/plans/{id}/scorecards":            auth.Requires(auth.KindProgress, auth.Read),
	"GET /api/v1/plans/{id}/targets":               auth.Requires(auth.KindProgress, auth.Read),

	// HJ 212 device registry: read by the bureau's administrators and
	// analysts, changed by administrators (and provisioning systems with a
	// device:write token); passwords are never answered.
	"GET /api/v1/devices":         auth.Requires(auth.KindDevice, auth.Read),
	"POST /api/v1/devices":        auth.Requires(auth.KindDevice, auth.Create),
	"GET /api/v1/devices/{mn}":    auth.Requires(auth.KindDevice, auth.Read),
	"PATCH /api/v1/devices/{mn}":  auth.Requires(auth.KindDevice, auth.Update),
	"DELETE /api/v1/devices/{mn}": auth.Requires(auth.KindDevice, auth.Delete),
}

// checkRules reports the first route of the table without a rule.
func checkRules(rs []route) error {
	for _, rt := range rs {
		if _, ok := routeRules[rt.pattern]; !ok {
			return fmt.Errorf("web: route %s has no authorisation rule in routeRules (web/authz.go)", rt.pattern)
		}
	}
	return nil
}
