package audit

import (
	"fmt"
	"time"
)

// The checks on SAML token-signing certificates: the active one of each
// service principal (named by preferredTokenSigningKeyThumbprint), and the
// signing certificates left behind after a rotation. One certificate, its
// Sign and Verify halves and its PFX password included, gives one finding.

func samlRules() []rule {
	return []rule{
		{
			Check: Check{
				ID: CheckSAMLCertExpired, Title: "Active SAML signing certificate has expired",
				Severity: SeverityCritical, Command: "scan", Scope: ScopeSAML,
				Description: "The certificate a service principal signs SAML responses with (the Sign keyCredential its " +
					"preferredTokenSigningKeyThumbprint names, with that key's endDateTime) has expired, so the applications " +
					"that check the signature refuse SAML sign-ins. It is reported here and not as cert-expired: one " +
					"certificate, its Sign and Verify halves included, gives one finding. Low when the service principal is disabled.",
				Remediation: "On the enterprise application's Single sign-on page, add a new SAML signing certificate, make it active, and give its certificate or the new federation metadata to the application.",
				Reference:   refSAMLCerts,
			},
			object: samlCertExpired,
		},
		{
			Check: Check{
				ID: CheckSAMLCertExpiring, Title: "Active SAML signing certificate expires soon",
				Severity: SeverityHigh, Command: "scan", Scope: ScopeSAML,
				Description: "The active SAML signing certificate of a service principal (named by preferredTokenSigningKeyThumbprint) " +
					"ends within --warn-days. Medium when another signing certificate that outlives it is already registered " +
					"on the service principal: it still has to be made active and given to the application. It is reported " +
					"here and not as cert-expiring, so one certificate gives one finding. Low when the service principal is disabled.",
				Remediation: "Add the next SAML signing certificate now, give it (or the new federation metadata) to the application, and make it active before the current one ends.",
				Reference:   refSAMLCerts,
			},
			object: samlCertExpiring,
		},
		{
			Check: Check{
				ID: CheckSAMLCertInactiveExpired, Title: "Expired SAML signing certificate is still registered",
				Severity: SeverityLow, Command: "scan", Scope: ScopeSAML,
				Description: "A token-signing certificate (registered for Sign) that is not the active SAML signing certificate " +
					"has ended: a leftover of a rotation, which nothing signs with. Medium when the data does not say which " +
					"signing certificate is active (no preferredTokenSigningKeyThumbprint) and no other signing certificate " +
					"is valid: it may be the one SAML sign-ins depend on. Entra never checks client assertions against " +
					"signing certificates, so they get no cert-* finding.",
				Remediation: "Delete the expired certificate on the enterprise application's Single sign-on page (SAML Certificates) once the application trusts the active one.",
				Reference:   refSAMLCerts,
			},
			group: samlCertInactiveExpired,
		},
	}
}

// samlStart is when the active SAML signing certificate was registered,
// zero when it is not among the keys.
func samlStart(o *Object) time.Time {
	if o.SAML == nil {
		return time.Time{}
	}
	return o.SAML.Start
}

// samlKeyIDs are the keyIds of the active SAML signing certificate, for
// its sign-in activity.
func samlKeyIDs(o *Object) []string {
	if o.SAML == nil {
		return nil
	}
	return groupKeyIDs(o.SAML)
}

// samlActive is what the active SAML signing certificate of a service
// principal is known by: its group when a keyCredential has the
// thumbprint, and its end date (that key's endDateTime, else
// preferredTokenSigningKeyEndDateTime when the data has it). ok is false
// when there is nothing to judge.
func samlActive(o *Object) (what string, end time.Time, cred *CredentialRef, note string, ok bool) {
	sp := o.SP
	if sp == nil || sp.PreferredTokenSigningKeyThumbprint == "" {
		return "", time.Time{}, nil, "", false
	}
	end = sp.PreferredTokenSigningKeyEndDateTime
	what = "the SAML signing certificate " + sp.PreferredTokenSigningKeyThumbprint + " "
	note = "; no keyCredential of the service principal has this thumbprint, so the date is preferredTokenSigningKeyEndDateTime"
	if g := o.SAML; g != nil {
		// The finding names the certificate: the message does not.
		end, cred, note, what = g.Primary().End, g.Ref(), g.IdentityNote(), ""
	}
	return what, end, cred, note, !end.IsZero()
}

func samlDisabled(o *Object) string {
	if o.SP.AccountDisabled {
		return "; the service principal is disabled, so no one signs in through it now"
	}
	return ""
}

func samlCertExpired(s *scan, c Check, o *Object) {
	what, end, cred, note, ok := samlActive(o)
	if !ok || s.now.Before(end) {
		return
	}
	sev := c.Severity
	if o.SP.AccountDisabled {
		sev = SeverityLow
	}
	sev, use, last := s.byUse(sev, false, samlStart(o), samlKeyIDs(o)...)
	s.addAt(last, c, sev, o.Ref, cred, nil, "%sexpired on %s (%s ago): applications that check the signature refuse SAML sign-ins%s%s%s",
		what, Day(end), Plural(daysBetween(end, s.now), "day"), samlDisabled(o), use, note)
}

func samlCertExpiring(s *scan, c Check, o *Object) {
	what, end, cred, note, ok := samlActive(o)
	if !ok || !s.now.Before(end) || !s.endsSoon(end) {
		return
	}
	sev, extra := c.Severity, "; no other signing certificate is registered on it"
	next := samlSuccessor(o, end)
	if next != nil {
		sev = SeverityMedium
		extra = fmt.Sprintf("; the signing certificate %s, registered until %s, can take over once it is made active and given to the application",
			next.Thumbprints.Brief(), dayOrUnknown(next.Primary().End))
	}
	if o.SP.AccountDisabled {
		sev = SeverityLow
	}
	sev, use, last := s.byUse(sev, next != nil, samlStart(o), samlKeyIDs(o)...)
	s.addAt(last, c, sev, o.Ref, cred, nil, "%sexpires on %s (in %s)%s%s%s%s",
		what, Day(end), Plural(daysBetween(s.now, end), "day"), extra, samlDisabled(o), use, note)
}

// samlSuccessor is another signing certificate of o, valid now or later,
// that outlives end.
func samlSuccessor(o *Object, end time.Time) *CertGroup {
	for _, g := range o.Groups {
		k := g.Primary()
		if g == o.SAML || !g.Signs() || !k.IsCertificate() {
			continue
		}
		if k.End.IsZero() || k.End.After(end) {
			return g
		}
	}
	return nil
}

func samlCertInactiveExpired(s *scan, c Check, g *CertGroup) {
	o := g.Obj
	if !g.SAMLSigning() || g == o.SAML || g.End.IsZero() || s.now.Before(g.End) {
		return
	}
	sev, extra := Severity(0), "; it is not the active signing certificate, so nothing signs with it: remove it"
	if o.SP == nil || o.SP.PreferredTokenSigningKeyThumbprint == "" {
		extra = "; the data does not say which signing certificate is active"
		valid := false
		for _, h := range o.Groups {
			valid = valid || (h != g && h.SAMLSigning() && h.ValidAt(s.now))
		}
		if !valid {
			sev = SeverityMedium
			extra += " and no other signing certificate is valid: if SAML sign-ins use this one, they fail"
		}
	}
	s.add(c, sev, o.Ref, g.Ref(), nil, "expired on %s (%s ago)%s%s",
		Day(g.End), Plural(daysBetween(g.End, s.now), "day"), extra, g.IdentityNote())
}
