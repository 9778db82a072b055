package audit

import (
	"slices"
	"time"
)

// AuditedObject is one application or service principal that holds at
// least one certificate or client secret, with those credentials: the
// compact credential inventory reports draw expiry timelines, expiry
// gauges and passed checks from. Objects without credentials are counted
// in the Summary but not listed: no credential check can fail on them, and
// in a large tenant they are most of the objects.
type AuditedObject struct {
	ObjectRef
	// Deployed is true when the deployed mapping names the object, so the
	// deployment checks ran on it.
	Deployed    bool               `json:"deployed,omitempty"`
	Credentials []CredentialStatus `json:"credentials"`
	// Withheld lists the checks some of whose findings on this object are
	// left out of the report: below --min-severity, suppressed, or already
	// in the baseline. A report must not show those checks as passed.
	Withheld []string `json:"withheldChecks,omitempty"`
	// Unchecked lists the checks that ran but could not examine all of the
	// object: cert-weak-key when the body of one of its certificates is
	// known neither from Graph nor from a local file. A report must not
	// show those checks as passed either.
	Unchecked []string `json:"uncheckedChecks,omitempty"`
}

// CredentialStatus is one registered certificate (one entry per
// keyCredential, so a SAML Sign/Verify pair is two) or client secret, with
// only what an expiry report needs.
type CredentialStatus struct {
	// Kind is "certificate" or "secret".
	Kind        string `json:"kind"`
	KeyID       string `json:"keyId"`
	DisplayName string `json:"displayName,omitempty"`
	Usage       string `json:"usage,omitempty"`
	// Start and End are the credential's window in UTC, zero when Graph
	// gave none. They are values, not pointers: a tenant's inventory holds
	// a few hundred thousand of them.
	Start time.Time `json:"startDateTime,omitzero"`
	End   time.Time `json:"endDateTime,omitzero"`
}

// ChecksOn lists the checks among ran (Result.ChecksRun) that examined
// object o, by their scope: the certificate checks when it has a
// certificate, the secret checks when it has a secret, the SAML checks
// when it is a service principal with a certificate or has a signing
// certificate, and the deployment checks when the deployed mapping names
// it; not those it lists as Unchecked.
func (o *AuditedObject) ChecksOn(ran []string) []string { return o.AppendChecksOn(nil, ran) }

// AppendChecksOn appends ChecksOn(ran) to dst and returns it, for a report
// that asks it of every object of a large tenant.
func (o *AuditedObject) AppendChecksOn(dst, ran []string) []string {
	var certs, secrets, signing bool
	for _, c := range o.Credentials {
		certs = certs || c.Kind == CredentialCertificate
		secrets = secrets || c.Kind == CredentialSecret
		signing = signing || (c.Kind == CredentialCertificate && c.Usage == UsageSign)
	}
	out := dst
	for _, id := range ran {
		if slices.Contains(o.Unchecked, id) {
			continue
		}
		c, _ := checksByID()[id]
		switch c.Scope {
		case ScopeCertificate:
			if !certs {
				continue
			}
		case ScopeSAML:
			if !(certs && o.Kind == KindServicePrincipal) && !signing {
				continue
			}
		case ScopeSecret:
			if !secrets {
				continue
			}
		case ScopeUsage:
			if !certs && !secrets {
				continue
			}
		case ScopeDeployment, ScopeKeyVault:
			if !o.Deployed {
				continue
			}
		default:
			continue
		}
		out = append(out, id)
	}
	return out
}

// ran reports whether this scan ran rule rl: the checks on what the
// tenant has always run, the deployment checks when there is a deployed
// mapping (or local certificates, for those that look at local files too),
// the local-file checks when there are local certificates.
func (s *scan) ran(rl rule) bool {
	deployments, locals := len(s.inv.Deployments) > 0, len(s.inv.Certs) > 0
	switch rl.Scope {
	case ScopeDeployment:
		return deployments || (rl.local != nil && locals)
	case ScopeLocal:
		return locals
	case ScopeKeyVault:
		return len(s.inv.Vaults) > 0
	case ScopeUsage:
		return s.usage() != nil
	}
	return true
}

// coverage fills r.ChecksRun and r.LocalCertificates.
func (s *scan) coverage() {
	for _, rl := range scanRules() {
		if s.ran(rl) {
			s.r.ChecksRun = append(s.r.ChecksRun, rl.ID)
		}
	}
	s.localStatus()
	s.vaultStatus()
}

// inventory adds o's credentials to the Result's credential inventory and
// returns the index of its entry (-1 when it holds none); bodiless counts
// its certificates whose body is not known, which cert-weak-key could not
// examine.
func (s *scan) inventory(o *Object, bodiless *int) int {
	var creds []CredentialStatus
	var unchecked []string
	for _, g := range o.Groups {
		if g.IsCertificate() && g.Body == nil {
			unchecked = []string{CheckCertWeakKey}
			*bodiless++
		}
	}
	for i := range o.P.KeyCredentials {
		k := &o.P.KeyCredentials[i]
		if !k.IsCertificate() && k.Cert == nil {
			continue
		}
		creds = append(creds, CredentialStatus{Kind: CredentialCertificate, KeyID: k.KeyID, DisplayName: k.DisplayName,
			Usage: k.Usage, Start: utc(k.Start), End: utc(k.End)})
	}
	for _, pc := range o.Secrets() {
		creds = append(creds, CredentialStatus{Kind: CredentialSecret, KeyID: pc.KeyID, DisplayName: pc.DisplayName,
			Start: utc(pc.Start), End: utc(pc.End)})
	}
	if len(creds) == 0 {
		return -1
	}
	s.r.Objects = append(s.r.Objects, AuditedObject{ObjectRef: *o.Ref, Credentials: creds, Unchecked: unchecked})
	return len(s.r.Objects) - 1
}

// withholder returns a function that marks, on the finding's object, that
// a finding of its check is left out of the report. The object index is
// built on first use.
func (r *Result) withholder() func(f *Finding) {
	var index map[ObjectRef]int
	return func(f *Finding) {
		if f.App == nil {
			return
		}
		if index == nil {
			index = make(map[ObjectRef]int, len(r.Objects))
			for i := range r.Objects {
				index[r.Objects[i].ObjectRef] = i
			}
		}
		i, ok := index[*f.App]
		if !ok {
			return
		}
		if o := &r.Objects[i]; !slices.Contains(o.Withheld, f.Check) {
			o.Withheld = append(o.Withheld, f.Check)
		}
	}
}
