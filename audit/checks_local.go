package audit

// The checks on local certificate files (--certs) that no deployment signs
// with: are they registered anywhere?

func localRules() []rule {
	return []rule{
		{
			Check: Check{
				ID: CheckLocalCertUnregistered, Title: "Local certificate is registered on no app",
				Severity: SeverityLow, Command: "scan", Scope: ScopeLocal,
				AADSTS: []string{"AADSTS700027"},
				Description: "A certificate from --certs matches no keyCredential in the tenant by thumbprint. Medium when " +
					"an app has a registered certificate with the same subject: this is probably its successor and has " +
					"not been uploaded yet. CA certificates that came with a chain are not reported.",
				Remediation: "Upload the certificate to the app that will sign with it before switching any deployment to it.",
				Reference:   refCertCredentials,
			},
			local: localCertUnregistered,
		},
	}
}

func localCertUnregistered(s *scan, c Check, lc *LocalCert) {
	tp := lc.Cert.Thumbprints
	if s.isDeployed(tp) || len(s.x.Lookup(tp)) > 0 {
		return // the deployments that use it were reported on
	}
	local := LocalCertRef(lc)
	if same := s.x.ClientAuthBySubject(lc.Cert.Subject); len(same) > 0 {
		g := same[0]
		s.add(c, SeverityMedium, g.Obj.Ref, g.Ref(), local,
			"%s (%s, %s) is registered on no app, but the app has a certificate with the same subject (%s, until %s): if this is its successor, upload it before switching the deployment",
			lc.Source, lc.Cert.Subject, tp.Brief(), g.Thumbprints.Brief(), dayOrUnknown(g.Primary().End))
		return
	}
	s.add(c, 0, nil, nil, local, "%s (%s, %s) is registered on no application or service principal in this tenant",
		lc.Source, lc.Cert.Subject, tp.Brief())
}

// localStatus says, for every local certificate that is not a chain
// certificate, where the tenant has it registered.
func (s *scan) localStatus() {
	for i := range s.inv.Certs {
		lc := &s.inv.Certs[i]
		if lc.Cert == nil || lc.Chain {
			continue
		}
		s.r.LocalCertificates = append(s.r.LocalCertificates, LocalCertStatus{
			Source: lc.Source, Subject: lc.Cert.Subject, Thumbprints: lc.Cert.Thumbprints,
			NotAfter: lc.Cert.NotAfter, HasKey: lc.HasKey, RegisteredOn: nonNil(s.x.RegisteredOn(lc.Cert.Thumbprints, nil)),
		})
	}
}

func nonNil(refs []ObjectRef) []ObjectRef {
	if refs == nil {
		return []ObjectRef{}
	}
	return refs
}
