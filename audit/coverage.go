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
	Kind        string     `json:"kind"`
	KeyID       string     `json:"keyId"`
	DisplayName string     `json:"displayName,omitempty"`
	Usage       string     `json:"usage,omitempty"`
	Start       *time.Time `json:"startDateTime,omitempty"`
	End         *time.Time `json:"endDateTime,omitempty"`
}

// Check scopes: which objects each scan check runs on, so that a report
// can tell a check that passed on an object from one that never looked at
// it. Every scan check is in exactly one (a test holds this).
var (
	certificateChecks = []string{CheckCertExpired, CheckCertExpiring, CheckCertNotYetValid, CheckCertWeakKey,
		CheckCertLongLived, CheckCertUnidentified}
	secretChecks     = []string{CheckSecretExpired, CheckSecretExpiring, CheckSecretLongLived, CheckSecretPresent}
	deploymentChecks = []string{CheckCertWrongUsage, CheckCertNotRegistered, CheckCertRotatedOneSide, CheckCertKeyMismatch, CheckCertUnused}
	// samlChecks run on the certificates of service principals: the active
	// SAML signing certificate.
	samlChecks = []string{CheckSAMLCertExpired, CheckSAMLCertExpiring}
	// localChecks are about local certificate files, not about objects.
	localChecks = []string{CheckLocalCertUnregistered}
)

// ChecksOn lists the checks among ran (Result.ChecksRun) that examined
// object o: the certificate checks when it has a certificate, the secret
// checks when it has a secret, the SAML checks when it is a service
// principal with a certificate, and the deployment checks when the deployed
// mapping names it; not those it lists as Unchecked.
func (o *AuditedObject) ChecksOn(ran []string) []string {
	var certs, secrets bool
	for _, c := range o.Credentials {
		certs = certs || c.Kind == CredentialCertificate
		secrets = secrets || c.Kind == CredentialSecret
	}
	var out []string
	for _, id := range ran {
		switch {
		case slices.Contains(o.Unchecked, id):
		case slices.Contains(certificateChecks, id) && certs,
			slices.Contains(samlChecks, id) && certs && o.Kind == KindServicePrincipal,
			slices.Contains(secretChecks, id) && secrets,
			slices.Contains(deploymentChecks, id) && o.Deployed:
			out = append(out, id)
		}
	}
	return out
}

// checksRun lists, in catalogue order, the checks this scan ran: the
// credential checks always, the deployment checks when there is a deployed
// mapping, and the local-file checks when there are local certificates.
func (s *scan) checksRun() []string {
	var out []string
	for _, c := range Checks() {
		switch {
		case slices.Contains(certificateChecks, c.ID), slices.Contains(secretChecks, c.ID), slices.Contains(samlChecks, c.ID):
		case c.ID == CheckCertKeyMismatch && (len(s.inv.Deployments) > 0 || len(s.inv.Certs) > 0):
		case slices.Contains(deploymentChecks, c.ID) && len(s.inv.Deployments) > 0:
		case slices.Contains(localChecks, c.ID) && len(s.inv.Certs) > 0:
		default:
			continue
		}
		out = append(out, c.ID)
	}
	return out
}

// coverage fills r.ChecksRun, r.Objects and r.Summary.Unexamined.
func (s *scan) coverage() {
	s.r.ChecksRun = s.checksRun()
	bodiless := 0
	for _, o := range s.objects {
		var creds []CredentialStatus
		var unchecked []string
		// The key checks look at each certificate's body, as certChecks
		// finds it.
		for _, g := range o.groups {
			if k := g.primary(); k.IsCertificate() {
				if body, _ := s.body(k); body == nil {
					unchecked = []string{CheckCertWeakKey}
					bodiless++
				}
			}
		}
		for i := range o.p.KeyCredentials {
			k := &o.p.KeyCredentials[i]
			if !k.IsCertificate() && k.Cert == nil {
				continue
			}

			creds = append(creds, CredentialStatus{Kind: CredentialCertificate, KeyID: k.KeyID, DisplayName: k.DisplayName,
				Usage: k.Usage, Start: timePtr(k.Start), End: timePtr(k.End)})
		}
		for i := range o.p.PasswordCredentials {
			pc := &o.p.PasswordCredentials[i]
			creds = append(creds, CredentialStatus{Kind: CredentialSecret, KeyID: pc.KeyID, DisplayName: pc.DisplayName,
				Start: timePtr(pc.Start), End: timePtr(pc.End)})
		}
		if len(creds) == 0 {
			continue
		}
		s.r.Objects = append(s.r.Objects, AuditedObject{ObjectRef: o.ref, Deployed: s.covered[o], Credentials: creds, Unchecked: unchecked})
	}
	if bodiless > 0 {
		s.r.Summary.Unexamined = map[string]int{CheckCertWeakKey: bodiless}
	}
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
