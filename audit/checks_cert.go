package audit

import (
	"fmt"
	"strings"
)

// The checks on each registered certificate: its validity (validityRules)
// and its properties (propertyRules). SAML token-signing certificates are
// judged by the SAML checks (checks_saml.go) instead: Entra never checks a
// client assertion against them, so client-assertion findings about them
// would be false alarms.

func validityRules() []rule {
	return []rule{
		{
			Check: Check{
				ID: CheckCertExpired, Title: "Registered certificate has expired",
				Severity: SeverityHigh, Command: "scan", Scope: ScopeCertificate,
				AADSTS: []string{"AADSTS700027", "AADSTS1000502"},
				Description: "A keyCredential's endDateTime has passed. Client assertions signed with it fail. " +
					"Critical when the deployed mapping says an app still signs with it; medium when another " +
					"certificate for the same purpose is valid on the same object (a leftover of a finished rotation). " +
					"SAML token-signing certificates are reported by the saml-cert-* checks instead.",
				Remediation: "Upload a new certificate to the app registration, switch the deployment to it, then remove the expired credential.",
				Reference:   refCertCredentials,
			},
			group: certExpired,
		},
		{
			Check: Check{
				ID: CheckCertExpiring, Title: "Registered certificate expires soon",
				Severity: SeverityMedium, Command: "scan", Scope: ScopeCertificate,
				AADSTS: []string{"AADSTS700027", "AADSTS1000502"},
				Description: "A keyCredential ends within --warn-days. High when the deployed mapping says an app signs " +
					"with it and no successor is registered; low when a successor (another certificate for the same " +
					"purpose that outlives it) is already registered on the same object. SAML token-signing certificates " +
					"are reported by the saml-cert-* checks instead.",
				Remediation: "Upload the successor certificate now (both can be registered at once), switch the deployment, then remove the old one.",
				Reference:   refCertCredentials,
			},
			group: certExpiring,
		},
		{
			Check: Check{
				ID: CheckCertNotYetValid, Title: "Registered certificate is not valid yet",
				Severity: SeverityMedium, Command: "scan", Scope: ScopeCertificate,
				AADSTS: []string{"AADSTS700027", "AADSTS1000502"},
				Description: "A keyCredential's startDateTime is still ahead. High when the deployed mapping says an app " +
					"already signs with it: sign-in fails until the start date.",
				Remediation: "Keep the deployment on the current certificate until the new one's start date, or register the new certificate with a start date that has passed.",
				Reference:   refKeyCredential,
			},
			group: certNotYetValid,
		},
	}
}

func propertyRules() []rule {
	return []rule{
		{
			Check: Check{
				ID: CheckCertWeakKey, Title: "Registered certificate has a weak key or signature",
				Severity: SeverityMedium, Command: "scan", Scope: ScopeCertificate,
				Description: "The certificate body is known (from Graph or a matching local file) and has an RSA key shorter " +
					"than the policy's minimum (2048 bits) or a SHA-1 or MD5 signature.",
				Remediation: "Issue a replacement with an RSA key of at least 2048 bits and a SHA-256 signature, and rotate to it.",
				Reference:   refCertCredentials,
			},
			group: certWeakKey,
		},
		{
			Check: Check{
				ID: CheckCertLongLived, Title: "Certificate lifetime exceeds policy",
				Severity: SeverityLow, Command: "scan", Scope: ScopeCertificate,
				Description: "A keyCredential is registered for longer than --max-cert-days (default 365, the CISA SCuBA baseline). " +
					"SAML token-signing certificates, which Entra issues for three years and rotates on the enterprise application's SAML page, are not held to it.",
				Remediation: "Issue certificates with a shorter lifetime and automate their rotation.",
				Reference:   refSCuBA,
			},
			group: certLongLived,
		},
		{
			Check: Check{
				ID: CheckCertUnidentified, Title: "Registered certificate cannot be identified by thumbprint",
				Severity: SeverityInfo, Command: "scan", Scope: ScopeCertificate,
				Description: "Graph returned no certificate body (key is null) and customKeyIdentifier is not a SHA-1 " +
					"thumbprint, so deployments can be matched to this credential by subject only. Supply the " +
					"certificate file with --certs, or fetch bodies live, to identify it. Not reported for SAML " +
					"token-signing certificates, which no deployment signs client assertions with.",
				Remediation: "Pass the certificate file with --certs so appaudit can identify it; when uploading certificates, let the portal or Graph set customKeyIdentifier from the certificate.",
				Reference:   refKeyCredential,
			},
			group: certUnidentified,
		},
	}
}

// clientCert reports whether g is judged by the client-certificate checks:
// a certificate that is not a SAML token-signing certificate.
func clientCert(g *CertGroup) bool {
	return g.IsCertificate() && !g.SAMLSigning() && g != g.Obj.SAML
}

// certWhat describes a registered certificate for a message about
// another one. A finding names its own object and credential, so its
// message does not.
func certWhat(g *CertGroup) string {
	return fmt.Sprintf("certificate %s (%s)", describeSubject(g.Subject()), g.Thumbprints.Brief())
}

// usedBy says which deployments sign with g, for a message; "" when none.
func (s *scan) usedBy(g *CertGroup) string {
	if ds := s.deployedBy[g]; len(ds) > 0 {
		return "; " + deploymentSources(ds) + " signs with it"
	}
	return ""
}

func certExpired(s *scan, c Check, g *CertGroup) {
	if !clientCert(g) || g.End.IsZero() || s.now.Before(g.End) {
		return
	}
	sev, extra := SeverityHigh, ""
	switch {
	case len(s.deployedBy[g]) > 0:
		sev = SeverityCritical
	case validSibling(g, s) != nil:
		sev = SeverityMedium
		extra = "; another certificate for the same purpose is valid, so this one is a leftover to remove"
	}
	s.add(c, sev, g.Obj.Ref, g.Ref(), nil, "expired on %s (%s ago)%s%s%s",
		Day(g.End), Plural(daysBetween(g.End, s.now), "day"), s.usedBy(g), extra, g.IdentityNote())
}

func certNotYetValid(s *scan, c Check, g *CertGroup) {
	if !clientCert(g) || g.Start.IsZero() || !s.now.Before(g.Start) || (!g.End.IsZero() && !s.now.Before(g.End)) {
		return
	}
	sev := SeverityMedium
	if len(s.deployedBy[g]) > 0 {
		sev = SeverityHigh
	}
	s.add(c, sev, g.Obj.Ref, g.Ref(), nil, "registered from %s (in %s)%s%s",
		Day(g.Start), Plural(daysBetween(s.now, g.Start), "day"), s.usedBy(g), g.IdentityNote())
}

func certExpiring(s *scan, c Check, g *CertGroup) {
	if !clientCert(g) || !s.endsSoon(g.End) || !s.now.Before(g.End) || (!g.Start.IsZero() && s.now.Before(g.Start)) {
		return
	}
	sev, extra := SeverityMedium, ""
	succ := successor(g)
	if succ != nil {
		sev = SeverityLow
		extra = fmt.Sprintf("; its successor %s is already registered, until %s", succ.Thumbprints.Brief(), dayOrUnknown(succ.End))
	} else if len(s.deployedBy[g]) > 0 {
		sev = SeverityHigh
		extra = "; no successor is registered"
	}
	sev, use, last := s.byUse(sev, succ != nil, g.Start, groupKeyIDs(g)...)
	s.addAt(last, c, sev, g.Obj.Ref, g.Ref(), nil, "expires on %s (in %s)%s%s%s%s",
		Day(g.End), Plural(daysBetween(s.now, g.End), "day"), s.usedBy(g), extra, use, g.IdentityNote())
}

// validSibling is another client certificate on the same object that is
// valid now.
func validSibling(g *CertGroup, s *scan) *CertGroup {
	for _, o := range g.Obj.Groups {
		if o != g && clientCert(o) && o.ValidAt(s.now) {
			return o
		}
	}
	return nil
}

// successor is another client certificate on the same object that starts
// before g ends and ends after it.
func successor(g *CertGroup) *CertGroup {
	for _, o := range g.Obj.Groups {
		if o == g || !clientCert(o) {
			continue
		}
		if (o.End.IsZero() || o.End.After(g.End)) && (o.Start.IsZero() || o.Start.Before(g.End)) {
			return o
		}
	}
	return nil
}

func certWeakKey(s *scan, c Check, g *CertGroup) {
	body := g.Body
	if body == nil {
		return
	}
	var weak []string
	if body.PublicKeyAlgorithm == "RSA" && body.KeyBits > 0 && body.KeyBits < s.p.MinRSABits {
		weak = append(weak, fmt.Sprintf("an RSA key of %d bits (minimum %d)", body.KeyBits, s.p.MinRSABits))
	}
	if body.WeakSignature() {
		weak = append(weak, "a "+body.SignatureAlgorithm+" signature")
	}
	if len(weak) > 0 {
		s.add(c, 0, g.Obj.Ref, g.Ref(), nil, "has %s%s", strings.Join(weak, " and "), g.IdentityNote())
	}
}

func certLongLived(s *scan, c Check, g *CertGroup) {
	if !clientCert(g) {
		return
	}
	k := g.Primary()
	if life, ok := lifetime(k.Start, k.End); ok && life > s.p.MaxCertDays+1 {
		s.add(c, 0, g.Obj.Ref, g.Ref(), nil, "registered for %d days (%s to %s); the policy allows %d",
			life, Day(k.Start), Day(k.End), s.p.MaxCertDays)
	}
}

func certUnidentified(s *scan, c Check, g *CertGroup) {
	if !clientCert(g) || g.Source != FromNothing {
		return
	}
	cki := "is empty"
	if n := len(g.Primary().CustomKeyIdentifier); n > 0 {
		cki = fmt.Sprintf("(%d bytes) is not a thumbprint", n)
	}
	s.add(c, 0, g.Obj.Ref, g.Ref(), nil, "no certificate body in the data, and its customKeyIdentifier %s: deployments can be matched to it by subject only",
		cki)
}
