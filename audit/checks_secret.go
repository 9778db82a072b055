package audit

// The checks on client secrets (passwordCredentials). The password Entra
// registers beside a SAML signing certificate, to open its PFX, is not a
// client secret and is not judged here (secrets).

func secretRules() []rule {
	return []rule{
		{
			Check: Check{
				ID: CheckSecretExpired, Title: "Client secret has expired",
				Severity: SeverityHigh, Command: "scan", Scope: ScopeSecret,
				AADSTS:      []string{"AADSTS7000222"},
				Description: "A passwordCredential's endDateTime has passed. Low when another secret of the same object is still valid (a leftover of a rotation).",
				Remediation: "Remove the expired secret; if a workload still uses it, move the workload to a certificate or a federated credential.",
				Reference:   refPasswordCred,
			},
			object: secretExpired,
		},
		{
			Check: Check{
				ID: CheckSecretExpiring, Title: "Client secret expires soon",
				Severity: SeverityMedium, Command: "scan", Scope: ScopeSecret,
				AADSTS:      []string{"AADSTS7000222"},
				Description: "A passwordCredential ends within --warn-days. Low when another secret of the same object outlives it.",
				Remediation: "Create the replacement secret, update the workload, then remove the old one; better, move to a certificate or a federated credential.",
				Reference:   refPasswordCred,
			},
			object: secretExpiring,
		},
		{
			Check: Check{
				ID: CheckSecretLongLived, Title: "Client secret lifetime exceeds policy",
				Severity: SeverityMedium, Command: "scan", Scope: ScopeSecret,
				Description: "A passwordCredential is valid for longer than --max-secret-days (default 180, the CISA SCuBA baseline).",
				Remediation: "Replace it with a secret of shorter lifetime, or better with a certificate or a federated credential.",
				Reference:   refSCuBA,
			},
			object: secretLongLived,
		},
		{
			Check: Check{
				ID: CheckSecretPresent, Title: "App authenticates with client secrets",
				Severity: SeverityInfo, Command: "scan", Scope: ScopeSecret,
				Description: "The object holds at least one client secret. Secrets are shared strings that leak; certificates and federated credentials are preferred. " +
					"The password Entra keeps beside a SAML signing certificate (a passwordCredential with the keyId of the certificate's Sign key, which opens its PFX) is not a client secret and is not counted.",
				Remediation: "Move the workload to a certificate or a federated identity credential, then remove the secrets.",
				Reference:   refAddCredentials,
			},
			object: secretPresent,
		},
	}
}

// Secrets lists the client secrets of o: its passwordCredentials but for
// the passwords of its signing certificates. Entra registers, with each
// SAML signing certificate it makes, a passwordCredential with the same
// keyId as the certificate's Sign key, which opens the certificate's PFX
// (Graph: servicePrincipal addTokenSigningCertificate).
func (o *Object) Secrets() []*PasswordCredential {
	pcs := o.P.PasswordCredentials
	out := make([]*PasswordCredential, 0, len(pcs))
	for i := range pcs {
		if !o.signingPassword(&pcs[i]) {
			out = append(out, &pcs[i])
		}
	}
	return out
}

// signingPassword reports whether pc has the keyId of one of o's Sign keys.
func (o *Object) signingPassword(pc *PasswordCredential) bool {
	if pc.KeyID == "" {
		return false
	}
	for _, g := range o.Groups {
		for _, k := range g.Keys {
			if k.Usage == UsageSign && k.KeyID == pc.KeyID {
				return true
			}
		}
	}
	return false
}

func secretWhat(pc *PasswordCredential) string {
	return "client secret " + describeSecret(pc)
}

func secretPresent(s *scan, c Check, o *Object) {
	if n := len(o.Secrets()); n > 0 {
		s.add(c, 0, o.Ref, nil, nil, "%s registered", Plural(n, "client secret"))
	}
}

func secretExpired(s *scan, c Check, o *Object) {
	secrets := o.Secrets()
	for _, pc := range secrets {
		if pc.End.IsZero() || s.now.Before(pc.End) {
			continue
		}
		sev, extra := SeverityHigh, ""
		if otherSecret(secrets, pc, func(p *PasswordCredential) bool { return p.ValidAt(s.now) }) {
			sev, extra = SeverityLow, "; another secret is valid, so this one is a leftover to remove"
		}
		s.add(c, sev, o.Ref, secretRef(pc), nil, "expired on %s (%s ago)%s",
			Day(pc.End), Plural(daysBetween(pc.End, s.now), "day"), extra)
	}
}

func secretExpiring(s *scan, c Check, o *Object) {
	secrets := o.Secrets()
	for _, pc := range secrets {
		if !s.endsSoon(pc.End) || !s.now.Before(pc.End) {
			continue
		}
		sev, extra := SeverityMedium, ""
		outlived := otherSecret(secrets, pc, func(p *PasswordCredential) bool { return p.End.IsZero() || p.End.After(pc.End) })
		if outlived {
			sev, extra = SeverityLow, "; a secret that outlives it is already registered"
		}
		sev, use, last := s.byUse(sev, outlived, pc.Start, pc.KeyID)
		s.addAt(last, c, sev, o.Ref, secretRef(pc), nil, "expires on %s (in %s)%s%s",
			Day(pc.End), Plural(daysBetween(s.now, pc.End), "day"), extra, use)
	}
}

func secretLongLived(s *scan, c Check, o *Object) {
	for _, pc := range o.Secrets() {
		if life, ok := lifetime(pc.Start, pc.End); ok && life > s.p.MaxSecretDays+1 {
			s.add(c, 0, o.Ref, secretRef(pc), nil, "valid for %d days (%s to %s); the policy allows %d",
				life, Day(pc.Start), Day(pc.End), s.p.MaxSecretDays)
		}
	}
}

func otherSecret(secrets []*PasswordCredential, except *PasswordCredential, ok func(*PasswordCredential) bool) bool {
	for _, p := range secrets {
		if p != except && ok(p) {
			return true
		}
	}
	return false
}

func secretRef(pc *PasswordCredential) *CredentialRef {
	return &CredentialRef{
		Kind: CredentialSecret, KeyID: pc.KeyID, DisplayName: pc.DisplayName,
		StartDateTime: timePtr(pc.Start), EndDateTime: timePtr(pc.End),
	}
}
