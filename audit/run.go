package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Run audits tenant t against the local inventory inv under policy p, as of
// now. It reads nothing but its arguments and never modifies them. inv may
// be nil (no local certificates, no deployed mapping).
//
// The Result's findings are sorted worst first and not filtered; its
// Complete flag is the tenant's.
func Run(t *Tenant, inv *Inventory, p Policy, now time.Time) *Result {
	if inv == nil {
		inv = &Inventory{}
	}
	r := &Result{
		AsOf:       now.UTC(),
		Source:     Source{TenantID: t.TenantID, Cloud: t.Cloud, TakenAt: t.TakenAt},
		Policy:     p,
		Complete:   t.Complete,
		Incomplete: t.IncompleteReason,
		Findings:   []Finding{},
		Warnings:   slices.Clone(inv.Warnings),
	}
	if !t.Complete && r.Incomplete == "" {
		r.Incomplete = "the tenant data is marked incomplete"
	}
	s := newScan(t, inv, p, now, r)
	s.deployments()
	s.registered()
	s.localCerts()
	s.counts()
	for i := range r.Findings {
		r.Findings[i].SetFingerprint()
	}
	SortFindings(r.Findings)
	r.CountFindings()
	return r
}

// object is one application or service principal with its certificate
// credentials grouped: a certificate registered twice on the same object
// (the Sign and Verify halves the portal creates for SAML) is one group.
type object struct {
	ref    ObjectRef
	p      *Principal
	groups []*certGroup
}

type certGroup struct {
	obj  *object
	keys []*KeyCredential // primary first
	// deployedBy lists the mapping rows that sign with this certificate.
	deployedBy []*Deployment
}

func (g *certGroup) primary() *KeyCredential { return g.keys[0] }

// clientAuth reports whether any registration of the certificate can
// authenticate the client (AsymmetricX509Cert + Verify).
func (g *certGroup) clientAuth() bool {
	for _, k := range g.keys {
		if k.CanAuthenticateClient() {
			return true
		}
	}
	return false
}

// signingOnly is true for certificates registered only for Sign: SAML
// token signing keys.
func (g *certGroup) signingOnly() bool {
	for _, k := range g.keys {
		if k.Usage != UsageSign {
			return false
		}
	}
	return true
}

type scan struct {
	t      *Tenant
	inv    *Inventory
	p      Policy
	now    time.Time
	r      *Result
	checks map[string]Check

	objects []*object
	byAppID map[string][]*object
	byName  map[string][]*object
	// byThumb indexes certificate groups by "1:"+SHA-1 and "2:"+SHA-256.
	byThumb map[string][]*certGroup
	// local indexes local certificates the same way, to supply bodies
	// Graph did not return.
	local map[string]*LocalCert
	// covered marks the objects the deployed mapping names.
	covered map[*object]bool
	// deployedThumbs marks (by thumbKeys) the certificates a mapping row
	// signs with; those rows already report on them.
	deployedThumbs map[string]bool
	// bySubject indexes client-authentication certificates by lower-case
	// common name; built on first use.
	bySubject map[string][]*certGroup
}

func newScan(t *Tenant, inv *Inventory, p Policy, now time.Time, r *Result) *scan {
	s := &scan{
		t: t, inv: inv, p: p, now: now, r: r,
		checks:         make(map[string]Check),
		byAppID:        make(map[string][]*object),
		byName:         make(map[string][]*object),
		byThumb:        make(map[string][]*certGroup),
		local:          make(map[string]*LocalCert),
		covered:        make(map[*object]bool),
		deployedThumbs: make(map[string]bool),
	}
	for _, c := range Checks() {
		s.checks[c.ID] = c
	}
	for i := range inv.Certs {
		lc := &inv.Certs[i]
		if lc.Cert == nil {
			continue
		}
		for _, k := range thumbKeys(lc.Cert.Thumbprints) {
			if _, dup := s.local[k]; !dup {
				s.local[k] = lc
			}
		}
	}
	s.objects = make([]*object, 0, len(t.Applications)+len(t.ServicePrincipals))
	for i := range t.Applications {
		s.add(t.Applications[i].Ref(), &t.Applications[i].Principal)
	}
	for i := range t.ServicePrincipals {
		s.add(t.ServicePrincipals[i].Ref(), &t.ServicePrincipals[i].Principal)
	}
	return s
}

func thumbKeys(t Thumbprints) []string {
	var ks []string
	if t.SHA1 != "" {
		ks = append(ks, "1:"+t.SHA1)
	}
	if t.SHA256 != "" {
		ks = append(ks, "2:"+t.SHA256)
	}
	return ks
}

func (s *scan) add(ref ObjectRef, p *Principal) {
	o := &object{ref: ref, p: p}
	s.objects = append(s.objects, o)
	if p.AppID != "" {
		s.byAppID[strings.ToLower(p.AppID)] = append(s.byAppID[strings.ToLower(p.AppID)], o)
	}
	if p.DisplayName != "" {
		s.byName[p.DisplayName] = append(s.byName[p.DisplayName], o)
	}
	for i := range p.KeyCredentials {
		k := &p.KeyCredentials[i]
		if g := o.groupFor(k); g != nil {
			g.keys = append(g.keys, k)
			if k.Usage == UsageVerify && g.keys[0].Usage != UsageVerify {
				// Keep the Verify registration as the group's face.
				last := len(g.keys) - 1
				g.keys[0], g.keys[last] = g.keys[last], g.keys[0]
			}
			continue
		}
		g := &certGroup{obj: o, keys: []*KeyCredential{k}}
		o.groups = append(o.groups, g)
		for _, tk := range thumbKeys(s.thumbprints(k)) {
			s.byThumb[tk] = append(s.byThumb[tk], g)
		}
	}
}

// groupFor finds the group k belongs to: same certificate (by thumbprint,
// or when neither side has one, same customKeyIdentifier and window).
func (o *object) groupFor(k *KeyCredential) *certGroup {
	for _, g := range o.groups {
		p := g.primary()
		if k.Thumbprints.Known() {
			if p.Thumbprints.Matches(k.Thumbprints) {
				return g
			}
			continue
		}
		if !p.Thumbprints.Known() && len(k.CustomKeyIdentifier) > 0 &&
			string(p.CustomKeyIdentifier) == string(k.CustomKeyIdentifier) &&
			p.Start.Equal(k.Start) && p.End.Equal(k.End) {
			return g
		}
	}
	return nil
}

// thumbprints of a registered credential, completed from a local file with
// the same certificate.
func (s *scan) thumbprints(k *KeyCredential) Thumbprints {
	if lc := s.localFor(k); lc != nil {
		return k.Thumbprints.Merge(lc.Cert.Thumbprints)
	}
	return k.Thumbprints
}

// localFor is the local certificate with k's thumbprint, if any.
func (s *scan) localFor(k *KeyCredential) *LocalCert {
	for _, tk := range thumbKeys(k.Thumbprints) {
		if lc := s.local[tk]; lc != nil {
			return lc
		}
	}
	return nil
}

// body is the certificate body of k: from Graph, else from a local file
// with the same thumbprint (then source says so).
func (s *scan) body(k *KeyCredential) (*Certificate, ThumbprintSource) {
	if k.Cert != nil {
		return k.Cert, FromCertificate
	}
	if lc := s.localFor(k); lc != nil {
		return lc.Cert, FromLocalFile
	}
	return nil, k.Source
}

// emit records a finding of check id with the catalogue's fixed fields.
func (s *scan) emit(id string, sev Severity, app *ObjectRef, cred *CredentialRef, local *LocalRef, format string, args ...any) {
	c, ok := s.checks[id]
	if !ok {
		panic("audit: check " + id + " is not in the catalogue") // a programming error, caught by tests
	}
	if sev == 0 {
		sev = c.Severity
	}
	s.r.Findings = append(s.r.Findings, Finding{
		Check: id, Severity: sev, Title: c.Title,
		App: app, Credential: cred, Local: local,
		Message:     fmt.Sprintf(format, args...),
		Remediation: c.Remediation,
		AADSTS:      c.AADSTS,
		Reference:   c.Reference,
	})
}

// credRef describes a certificate group for a finding.
func (s *scan) credRef(g *certGroup) *CredentialRef {
	k := g.primary()
	ref := &CredentialRef{
		Kind: CredentialCertificate, KeyID: k.KeyID, DisplayName: k.DisplayName,
		Type: k.Type, Usage: k.Usage,
		StartDateTime: timePtr(k.Start), EndDateTime: timePtr(k.End),
		Subject: k.Subject(),
	}
	for _, o := range g.keys[1:] {
		ref.PairedKeyIDs = append(ref.PairedKeyIDs, o.KeyID)
		ref.PairedUsages = append(ref.PairedUsages, o.Usage)
	}
	tp := s.thumbprints(k)
	if tp.Known() {
		ref.Thumbprints = &tp
	}
	cert, src := s.body(k)
	ref.ThumbprintSource = src
	if cert != nil {
		ref.Subject = cert.Subject
	}
	return ref
}

func secretRef(pc *PasswordCredential) *CredentialRef {
	return &CredentialRef{
		Kind: CredentialSecret, KeyID: pc.KeyID, DisplayName: pc.DisplayName,
		StartDateTime: timePtr(pc.Start), EndDateTime: timePtr(pc.End),
	}
}

func deploymentRef(d *Deployment) *LocalRef {
	ref := &LocalRef{Source: d.Source, App: d.App, CertPath: d.CertPath}
	tp := d.Thumbprints
	if d.Cert != nil && d.Cert.Cert != nil {
		tp = tp.Merge(d.Cert.Cert.Thumbprints)
		ref.Subject = d.Cert.Cert.Subject
		ref.NotBefore = timePtr(d.Cert.Cert.NotBefore)
		ref.NotAfter = timePtr(d.Cert.Cert.NotAfter)
		if ref.CertPath == "" {
			ref.CertPath = d.Cert.Source
		}
	}
	if tp.Known() {
		ref.Thumbprints = &tp
	}
	return ref
}

func localCertRef(lc *LocalCert) *LocalRef {
	tp := lc.Cert.Thumbprints
	return &LocalRef{
		Source: lc.Source, CertPath: lc.Path, Thumbprints: &tp, Subject: lc.Cert.Subject,
		NotBefore: timePtr(lc.Cert.NotBefore), NotAfter: timePtr(lc.Cert.NotAfter),
	}
}

// identityNote tells the reader how far to trust a registered
// certificate's identity when Graph did not return its body.
func (s *scan) identityNote(k *KeyCredential) string {
	switch _, src := s.body(k); src {
	case FromKeyIdentifier:
		return " (Graph returned no certificate body: thumbprint taken from customKeyIdentifier)"
	case FromLocalFile:
		return " (certificate body from a local file with the same thumbprint)"
	case FromNothing:
		return " (Graph returned no certificate body and customKeyIdentifier is not a thumbprint: identified by display name only)"
	}
	return ""
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// daysBetween counts whole days from a to b, rounding toward zero.
func daysBetween(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}
