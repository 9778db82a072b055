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
	var cases []Case[doctor.PreflightInput]
	add := func(title, app, cert, file string, old string, warnDays int, at time.Time, edit func(*audit.LocalCert)) {
		lc := c[cert].LocalCert("demo/certs/" + file)
		if edit != nil {
			edit(&lc)
		}
		in := doctor.PreflightInput{Tenant: s.tenant, App: app, Cert: lc, WarnDays: warnDays, Now: at}
		if old != "" {
			tp := c[old].Thumbprints()
			in.Old, in.OldSource = &tp, "--old"
		}
		cases = append(cases, Case[doctor.PreflightInput]{Title: title, Input: in})
	}
	policy := audit.DefaultPolicy()
	// Inventory Sync's new certificate starts in three days: too soon
	// now, safe once it has started, while the old one still overlaps.
	add("Inventory Sync switches to its new certificate today, before its start date", "Inventory Sync", "syncNew", "inventory-sync-next.pem", "syncOld", policy.WarnDays, now, nil)
	add("Inventory Sync switches to its new certificate four days from now, once it has started", "Inventory Sync", "syncNew", "inventory-sync-next.pem", "syncOld", policy.WarnDays, now.Add(4*24*time.Hour), nil)
	add("Reporting Service switches to reporting-2027.pem, which was never uploaded", AppID(3), "reportingNext", "reporting-2027.pem", "reporting", policy.WarnDays, now, nil)
	add("Legacy Integration switches to a certificate registered for SAML signing (usage Sign)", "Legacy Integration", "legacy", "legacy-integration.pem", "", policy.WarnDays, now, nil)
	add("Mail Relay switches to mail-relay.pem, whose key file holds another certificate's key", AppID(10), "mail", "mail-relay.pem", "", policy.WarnDays, now,
		func(lc *audit.LocalCert) {
			lc.KeyMismatch = "the private key in demo/certs/mail-relay.pem belongs to another certificate (" + c["unrelated"].Summary().Subject + ")"
		})
	return cases, nil
}
