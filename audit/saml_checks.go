package audit

import (
	"fmt"
	"time"
)

// activeSAML finds the certificate group of sp that its
// preferredTokenSigningKeyThumbprint names: the certificate Entra signs the
// service principal's SAML responses with. A Sign registration is preferred
// when the thumbprint matches more than one group.
func (s *scan) activeSAML(o *object, sp *ServicePrincipal) *certGroup {
	if sp.PreferredTokenSigningKeyThumbprint == "" {
		return nil
	}
	want, err := ParseThumbprint(sp.PreferredTokenSigningKeyThumbprint)
	if err != nil {
		return nil
	}
	var found *certGroup
	for _, g := range o.groups {
		if !s.thumbprints(g.primary()).Matches(want.Thumbprints) {
			continue
		}
		if g.signs() {
			return g
		}
		if found == nil {
			found = g
		}
	}
	return found
}

// signs reports whether any registration of the certificate has usage Sign.
func (g *certGroup) signs() bool {
	for _, k := range g.keys {
		if k.Usage == UsageSign {
			return true
		}
	}
	return false
}

// endsSoon reports whether end (a credential's end date, zero when there is
// none) falls within the policy's warning window.
func (s *scan) endsSoon(end time.Time) bool {
	return s.p.EndsSoon(end, s.now)
}

// samlChecks reports on the active SAML signing certificate of a service
// principal: saml-cert-expired and saml-cert-expiring. The end date is the
// matching keyCredential's; when no keyCredential matches the thumbprint
// (the credentials were not read), preferredTokenSigningKeyEndDateTime is
// used if the data has it.
func (s *scan) samlChecks(o *object) {
	sp := o.sp
	if sp == nil || sp.PreferredTokenSigningKeyThumbprint == "" {
		return
	}
	g := o.saml
	end := sp.PreferredTokenSigningKeyEndDateTime
	var cred *CredentialRef
	what := fmt.Sprintf("the SAML signing certificate %s of %s", sp.PreferredTokenSigningKeyThumbprint, o.ref)
	note := "; no keyCredential of the service principal has this thumbprint, so the date is preferredTokenSigningKeyEndDateTime"
	if g != nil {
		k := g.primary()
		end, cred, note = k.End, s.credRef(g), s.identityNote(k)
		what = fmt.Sprintf("the SAML signing certificate %s (%s) of %s", describeSubject(s.subject(k)), s.thumbprints(k).Brief(), o.ref)
	}
	if end.IsZero() {
		return
	}
	disabled := ""
	if sp.AccountDisabled {
		disabled = "; the service principal is disabled, so no one signs in through it now"
	}
	switch {
	case !s.now.Before(end):
		sev := Severity(0)
		if sp.AccountDisabled {
			sev = SeverityLow
		}
		s.emit(CheckSAMLCertExpired, sev, &o.ref, cred, nil, "%s expired on %s (%s ago): applications that check the signature refuse SAML sign-ins%s%s",
			what, Day(end), Plural(daysBetween(end, s.now), "day"), disabled, note)
	case s.endsSoon(end):
		sev, extra := Severity(0), "; no other signing certificate is registered on it"
		if next := s.samlSuccessor(o, g, end); next != nil {
			sev = SeverityMedium
			extra = fmt.Sprintf("; the signing certificate %s, registered until %s, can take over once it is made active and given to the application",
				s.thumbprints(next.primary()).Brief(), dayOrUnknown(next.primary().End))
		}
		if sp.AccountDisabled {
			sev = SeverityLow
		}
		s.emit(CheckSAMLCertExpiring, sev, &o.ref, cred, nil, "%s expires on %s (in %s)%s%s%s",
			what, Day(end), Plural(daysBetween(s.now, end), "day"), extra, disabled, note)
	}
}

// samlSuccessor is another signing certificate of o, valid now or later,
// that outlives end.
func (s *scan) samlSuccessor(o *object, active *certGroup, end time.Time) *certGroup {
	for _, g := range o.groups {
		k := g.primary()
		if g == active || !g.signs() || !k.IsCertificate() {
			continue
		}
		if k.End.IsZero() || k.End.After(end) {
			return g
		}
	}
	return nil
}
