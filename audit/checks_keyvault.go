package audit

import (
	"fmt"
	"strings"
)

// The checks on the Key Vault certificates apps load (join_keyvault.go):
// will Key Vault renew one soon, so that the app must get the new version
// that day; will one end with nothing to renew it. Whether the version a
// workload loads is registered is the deployment checks' question
// (checks_deploy.go), since a vault certificate is a deployment like a
// mapping row.

func keyVaultRules() []rule {
	return []rule{
		{
			Check: Check{
				ID: CheckKeyVaultRenewalDue, Title: "Key Vault will renew a certificate an app signs with",
				Severity: SeverityHigh, Command: "scan", Scope: ScopeKeyVault,
				AADSTS: []string{"AADSTS700027"},
				Description: "An AutoRenew lifetime action of the certificate's policy fires within --warn-days (computed " +
					"from its trigger, a percentage of the current version's lifetime or days before its expiry, and the " +
					"version's dates), or is past due. Key Vault then makes a new version with a new thumbprint, and a " +
					"workload that loads the certificate by name signs with it at once; the app registration does not " +
					"follow, so sign-in fails until the new version is uploaded to the app.",
				Remediation: "Upload the new version to the app registration the day Key Vault makes it (watch the vault's CertificateNewVersionCreated event), or automate that upload; keep the old version registered until every workload has reloaded.",
				Reference:   refKeyVaultRenewal,
			},
			vault: keyVaultRenewalDue,
		},
		{
			Check: Check{
				ID: CheckKeyVaultRenewalMissing, Title: "Key Vault certificate an app signs with ends and nothing renews it",
				Severity: SeverityHigh, Command: "scan", Scope: ScopeKeyVault,
				AADSTS: []string{"AADSTS700027", "AADSTS1000502"},
				Description: "The current version of a Key Vault certificate that an app signs with ends within --warn-days, " +
					"no newer version exists, and its policy will not make one: it has no AutoRenew action (only " +
					"EmailContacts, or none), or its issuer is one Key Vault does not renew with (Unknown). Medium when " +
					"the policy could not be read.",
				Remediation: "Create the next version now (import it, or renew with the issuer), upload it to the app, and add an AutoRenew lifetime action to the policy if the issuer supports it.",
				Reference:   refKeyVaultRenewal,
			},
			vault: keyVaultRenewalMissing,
		},
	}
}

// appOf is the object a finding about an app names: its application
// object when the tenant has it, else its first service principal.
func appOf(objs []*Object) *ObjectRef {
	for _, o := range objs {
		if o.SP == nil {
			return o.Ref
		}
	}
	return objs[0].Ref
}

// versionOn is the registered certificate of objs that is version v,
// described for a finding; nil when objs do not have it.
func versionOn(objs []*Object, v *VaultVersion) *CredentialRef {
	if v == nil {
		return nil
	}
	if gs := Matches(objs, v.Thumbprints); len(gs) > 0 {
		return gs[0].Ref()
	}
	return nil
}

func keyVaultRenewalDue(s *scan, c Check, vc *vaultCert) {
	r, ok := vc.cert.NextRenewal(s.now)
	if !ok || !s.endsSoon(r.At) {
		return
	}
	cur := vc.current
	when := fmt.Sprintf("will renew %s on %s, in %s", vc, Day(r.At), Plural(daysBetween(s.now, r.At), "day"))
	if r.Overdue {
		when = fmt.Sprintf("was due to renew %s on %s, %s ago, and has made no new version yet", vc, Day(r.At), Plural(daysBetween(r.At, s.now), "day"))
	}
	for _, objs := range vc.apps {
		s.add(c, 0, appOf(objs), versionOn(objs, cur), vc.localRef(),
			"Key Vault %s (%s; version %s is valid until %s): the new version has a new thumbprint and a workload that loads the certificate by name signs with it at once, so it must be uploaded to the app that day (or the upload automated), or sign-in fails with AADSTS700027",
			when, r.Action, cur.Version, dayOrUnknown(cur.Expires))
	}
}

func keyVaultRenewalMissing(s *scan, c Check, vc *vaultCert) {
	cur := vc.current
	if cur == nil || cur.Expires.IsZero() || !s.endsSoon(cur.Expires) {
		return
	}
	if _, renews := vc.cert.NextRenewal(s.now); renews {
		return
	}
	for i := range vc.cert.Versions {
		if v := &vc.cert.Versions[i]; v != cur && newer(v, cur) < 0 {
			return // a newer version exists: a rotation under way, not a missing renewal
		}
	}
	sev, why := Severity(0), noRenewal(vc.cert.Policy)
	if vc.cert.Policy == nil {
		sev = SeverityMedium
	}
	ends := fmt.Sprintf("ends on %s (in %s)", Day(cur.Expires), Plural(daysBetween(s.now, cur.Expires), "day"))
	if !s.now.Before(cur.Expires) {
		ends = fmt.Sprintf("ended on %s (%s ago)", Day(cur.Expires), Plural(daysBetween(cur.Expires, s.now), "day"))
	}
	for _, objs := range vc.apps {
		s.add(c, sev, appOf(objs), versionOn(objs, cur), vc.localRef(),
			"version %s of Key Vault certificate %s, which the app signs with, %s and no newer version exists: %s",
			cur.Version, vc, ends, why)
	}
}

// noRenewal says why a policy will not renew its certificate.
func noRenewal(p *VaultPolicy) string {
	switch {
	case p == nil:
		return "its policy could not be read, so whether Key Vault renews it is not known"
	case strings.EqualFold(p.Issuer, "Unknown"):
		return "its issuer is Unknown (a CA Key Vault is not integrated with), so Key Vault renews nothing by itself"
	}
	var others []string
	for _, a := range p.LifetimeActions {
		others = append(others, a.String())
	}
	if len(others) == 0 {
		return "its policy has no lifetime action, so Key Vault will not renew it"
	}
	return "its policy has no AutoRenew action (only " + strings.Join(others, ", ") + "), so Key Vault will not renew it"
}
