package demo

import (
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/doctor"
)

// PreflightCases builds the rotations `appaudit preflight --demo` checks,
// as of now, each a deployment of a demo app about to switch to a new
// certificate: one that is safe, and the ways a switch goes wrong (a new
// certificate not uploaded, registered with the wrong usage, not valid
// yet, deployed with another certificate's key).
func PreflightCases(now time.Time) ([]Case[doctor.PreflightInput], error) {
	now = now.UTC().Truncate(time.Second)
	s, err := build(now)
	if err != nil {
		return nil, err
	}
	c := s.certs
	local := func(name, file string) audit.LocalCert { return c[name].LocalCert("demo/certs/" + file) }
	var cases []Case[doctor.PreflightInput]
	add := func(title, app string, lc audit.LocalCert, old string, at time.Time) {
		in := doctor.PreflightInput{Tenant: s.tenant, App: app, Cert: lc, WarnDays: audit.DefaultPolicy().WarnDays, Now: at}
		if old != "" {
			tp := c[old].Thumbprints()
			in.Old, in.OldSource = &tp, "--old"
		}
		cases = append(cases, Case[doctor.PreflightInput]{Title: title, Input: in})
	}
	// Inventory Sync's new certificate starts in three days: too soon
	// now, safe once it has started, while the old one still overlaps.
	add("Inventory Sync switches to its new certificate today, before its start date", "Inventory Sync", local("syncNew", "inventory-sync-next.pem"), "syncOld", now)
	add("Inventory Sync switches to its new certificate four days from now, once it has started", "Inventory Sync", local("syncNew", "inventory-sync-next.pem"), "syncOld", now.Add(4*24*time.Hour))
	add("Reporting Service switches to reporting-2027.pem, which was never uploaded", AppID(3), local("reportingNext", "reporting-2027.pem"), "reporting", now)
	add("Legacy Integration switches to a certificate registered for SAML signing (usage Sign)", "Legacy Integration", local("legacy", "legacy-integration.pem"), "", now)
	add("Mail Relay switches to mail-relay.pem, whose key file holds another certificate's key", AppID(10), s.mailRelayPEM(), "", now)
	return cases, nil
}
