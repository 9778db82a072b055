package audit

import (
	"fmt"
	"strings"
)

// The checks that hold what is deployed against what the app has
// registered: one deployment (a row of the deployed mapping) at a time,
// with the app it names and the certificates it matched (join.go).

func deploymentRules() []rule {
	return []rule{
		{
			Check: Check{
				ID: CheckCertWrongUsage, Title: "Deployed certificate is registered with the wrong usage or type",
				Severity: SeverityCritical, Command: "scan", Scope: ScopeDeployment,
				AADSTS: []string{"AADSTS700027"},
				Description: "The certificate a deployment signs with is registered on the app, but not as an " +
					"AsymmetricX509Cert with usage Verify. Entra checks client assertions against Verify keys only; " +
					"Sign keys (and X509CertAndPassword) are for SAML token signing.",
				Remediation: "Register the certificate again with type AsymmetricX509Cert and usage Verify (the portal's Certificates & secrets page does this), or deploy a certificate that is.",
				Reference:   refKeyCredential,
			},
			deployment: certWrongUsage,
		},
		{
			Check: Check{
				ID: CheckCertNotRegistered, Title: "Deployed certificate is not registered on the app",
				Severity: SeverityCritical, Command: "scan", Scope: ScopeDeployment,
				AADSTS: []string{"AADSTS700027"},
				Description: "The certificate or thumbprint a deployment signs with matches no keyCredential of that app " +
					"or its service principal: Entra answers \"the key was not found\". The finding says when the " +
					"certificate is registered on another app instead.",
				Remediation: "Upload the deployed certificate (public part only) to the app registration, or point the deployment at a certificate that is registered.",
				Reference:   refErrorCodes,
			},
			deployment: certNotRegistered,
		},
		{
			Check: Check{
				ID: CheckCertRotatedOneSide, Title: "Certificate rotated on one side only",
				Severity: SeverityCritical, Command: "scan", Scope: ScopeDeployment,
				AADSTS: []string{"AADSTS700027"},
				Description: "The deployed certificate and a registered one share a subject but not a thumbprint: either " +
					"the new certificate was deployed but never uploaded, or it was uploaded (and the old one " +
					"removed) while the deployment still signs with the old one. The message says which side is behind. " +
					"For a Key Vault certificate, its versions say it: the app has an older version registered and the " +
					"current one, which a workload loading the certificate by name signs with, is not.",
				Remediation: "Bring the side that is behind up to date: upload the deployed certificate to the app, or deploy the certificate the app now has.",
				Reference:   refCertCredentials,
			},
			deployment: certRotatedOneSide,
		},
		{
			Check: Check{
				ID: CheckCertKeyMismatch, Title: "Deployed private key does not belong to the certificate",
				Severity: SeverityCritical, Command: "scan", Scope: ScopeDeployment,
				AADSTS: []string{"AADSTS7000274", "AADSTS700027"},
				Description: "The private key deployed beside the certificate is not the key of that certificate: the " +
					"assertion names one certificate and is signed by another key, so its signature does not verify.",
				Remediation: "Deploy the certificate together with its own private key (re-export the PFX from the store that created the key pair).",
				Reference:   refCertCredentials,
			},
			deployment: deployedKeyMismatch,
			local:      localKeyMismatch,
		},
		{
			Check: Check{
				ID: CheckCertUnused, Title: "Registered certificate is used by no deployment",
				Severity: SeverityLow, Command: "scan", Scope: ScopeDeployment,
				Description: "A Verify certificate is registered on an app that the deployed mapping or a Key Vault certificate " +
					"covers, but nothing deployed signs with it. Unused credentials widen the attack surface and hide which one is live.",
				Remediation: "Remove the credential once no workload signs with it, or add the deployment that uses it to the mapping.",
				Reference:   refAddCredentials,
			},
			group: certUnused,
		},
	}
}

func deployedKeyMismatch(s *scan, c Check, d *deployment) {
	if d.keyMismatch == "" {
		return
	}
	s.add(c, 0, d.app(), nil, d.local,
		"%s signs with %s, but %s: the assertion's signature will not verify",
		d.source, describeCert(d.cert, d.tp), d.keyMismatch)
}

// localKeyMismatch reports a local certificate whose key does not fit,
// unless a deployment signs with it (deployedKeyMismatch reports that).
func localKeyMismatch(s *scan, c Check, lc *LocalCert) {
	if lc.KeyMismatch == "" || s.isDeployed(lc.Cert.Thumbprints) {
		return
	}
	s.add(c, 0, nil, nil, LocalCertRef(lc), "%s: %s", lc.Source, lc.KeyMismatch)
}

func certWrongUsage(s *scan, c Check, d *deployment) {
	if len(d.matched) == 0 {
		return
	}
	for _, g := range d.matched {
		if g.ClientAuth() {
			return
		}
	}
	g := d.matched[0]
	s.add(c, 0, g.Obj.Ref, g.Ref(), d.local,
		"%s signs with %s, which the app has registered only as %s: Entra checks client assertions against AsymmetricX509Cert keys with usage Verify, so sign-in fails with AADSTS700027",
		d.source, describeCert(d.cert, d.tp), usages(d.matched))
}

func certNotRegistered(s *scan, c Check, d *deployment) {
	if len(d.matched) > 0 || len(d.sameSubject) > 0 {
		return
	}
	msg := fmt.Sprintf("%s signs with %s, which matches no certificate registered on the app or its service principal: Entra answers AADSTS700027 \"the key was not found\"",
		d.source, describeCert(d.cert, d.tp))
	if elsewhere := s.x.RegisteredOn(d.tp, d.objs); len(elsewhere) > 0 {
		msg += "; it is registered on " + joinRefs(elsewhere) + " instead"
	}
	var sev Severity
	if n := Incomparable(d.objs, d.tp); n > 0 {
		// A SHA-256 thumbprint cannot be compared with a certificate
		// known only by the SHA-1 customKeyIdentifier: say so rather
		// than claim an outage.
		sev = SeverityMedium
		msg += fmt.Sprintf("; but %s of the app cannot be compared, since only its %s is known: give the certificate file (--certs) or the other thumbprint to be sure",
			Plural(n, "registered certificate"), otherDigest(d.tp))
	}
	s.add(c, sev, d.app(), nil, d.local, "%s", msg)
}

func otherDigest(tp Thumbprints) string {
	if tp.SHA1 == "" {
		return "SHA-1 thumbprint"
	}
	return "SHA-256 thumbprint"
}

// certRotatedOneSide reports a deployment whose certificate the app does
// not have, while the app has one with the same subject: one side of a
// rotation is behind, and the issue dates say which.
func certRotatedOneSide(s *scan, c Check, d *deployment) {
	if len(d.sameSubject) == 0 {
		return
	}
	newest := d.sameSubject[0]
	for _, g := range d.sameSubject[1:] {
		if g.Issued().After(newest.Issued()) {
			newest = g
		}
	}
	var msg string
	if d.vault != nil {
		// The vault's own versions say which side is behind: the app has
		// an older version, the workload loads the current one.
		msg = fmt.Sprintf("Key Vault is ahead: version %s of %s, created on %s, is not registered on the app, which has only an older version (%s, registered until %s): a workload that loads the certificate by name signs with the new version and fails. Upload it to the app",
			d.vault.current.Version, d.vault, dayOrUnknown(d.vault.current.Created), newest.Thumbprints.Brief(), dayOrUnknown(newest.Primary().End))
		s.add(c, 0, newest.Obj.Ref, newest.Ref(), d.local, "%s%s", msg, newest.IdentityNote())
		return
	}
	if d.cert.NotBefore.After(newest.Issued()) {
		msg = fmt.Sprintf("the deployment is ahead: %s signs with a newer certificate for %s (%s, issued %s) that was never uploaded to the app, which has only the older one (%s, registered until %s). Upload the deployed certificate to the app",
			d.source, CommonName(d.cert.Subject), d.tp.Brief(), Day(d.cert.NotBefore), newest.Thumbprints.Brief(), dayOrUnknown(newest.Primary().End))
	} else {
		msg = fmt.Sprintf("the app registration is ahead: the app has a newer certificate for %s (%s, from %s), but %s still signs with an older one (%s) that is no longer registered. Deploy the certificate the app now has",
			CommonName(d.cert.Subject), newest.Thumbprints.Brief(), dayOrUnknown(newest.Issued()), d.source, d.tp.Brief())
	}
	s.add(c, 0, newest.Obj.Ref, newest.Ref(), d.local, "%s%s", msg, newest.IdentityNote())
}

func certUnused(s *scan, c Check, g *CertGroup) {
	if !s.covered[g.Obj] || !g.ClientAuth() || !clientCert(g) || len(s.deployedBy[g]) > 0 || (!g.End.IsZero() && !s.now.Before(g.End)) {
		return
	}
	nothing := "no row of the deployed mapping signs with it"
	if len(s.inv.Vaults) > 0 {
		nothing = "neither a row of the deployed mapping nor a Key Vault certificate signs with it"
	}
	s.add(c, 0, g.Obj.Ref, g.Ref(), nil, "can authenticate the app, but %s%s", nothing, g.IdentityNote())
}

func usages(gs []*CertGroup) string {
	var parts []string
	for _, g := range gs {
		for _, k := range g.Keys {
			parts = append(parts, k.Type+"/"+k.Usage)
		}
	}
	return strings.Join(parts, ", ")
}

func deploymentSources(ds []*deployment) string {
	srcs := make([]string, len(ds))
	for i, d := range ds {
		srcs[i] = d.source
	}
	return strings.Join(srcs, ", ")
}
