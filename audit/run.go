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
	r := NewResult("scan", t, p, now)
	r.Warnings = slices.Clone(inv.Warnings)
	s := newScan(t, inv, p, now, r)
	s.deployments()
	s.registered()
	s.localCerts()
	s.counts()
	s.coverage()
	r.FinishFindings()
	return r
}

// object is one application or service principal with its certificate
// credentials grouped: a certificate registered twice on the same object
// (the Sign and Verify halves the portal creates for SAML) is one group.
type object struct {
	ref    ObjectRef
	p      *Principal
	groups []*certGroup
	// sp is the service principal, nil for an application; saml is its
	// active SAML signing certificate, when one of its groups is.
	sp   *ServicePrincipal
	saml *certGroup
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
	// local indexes local certificates by thumbprint, to supply bodies
	// Graph did not return.
	local map[thumbKey]*LocalCert
	// covered marks the objects the deployed mapping names.
	covered map[*object]bool
	// deployedThumbs marks the certificates a mapping row signs with;
	// those rows already report on them.
	deployedThumbs map[thumbKey]bool

	// Indexes built on first use: a tenant audited without a mapping or
	// local certificates never pays for them.
	byAppID   map[string][]*object
	byName    map[string][]*object
	byThumb   map[thumbKey][]*certGroup
	bySubject map[string][]*certGroup
}

// thumbKey is one digest of a certificate, as an index key.
type thumbKey struct {
	sha256 bool
	hex    string
}

// thumbKeys lists the known digests of t (zero, one or two).
func thumbKeys(t Thumbprints) []thumbKey {
	ks := make([]thumbKey, 0, 2)
	if t.SHA1 != "" {
		ks = append(ks, thumbKey{hex: t.SHA1})
	}
	if t.SHA256 != "" {
		ks = append(ks, thumbKey{sha256: true, hex: t.SHA256})
	}
	return ks
}

func newScan(t *Tenant, inv *Inventory, p Policy, now time.Time, r *Result) *scan {
	s := &scan{
		t: t, inv: inv, p: p, now: now, r: r,
		checks:         make(map[string]Check),
		local:          make(map[thumbKey]*LocalCert),
		covered:        make(map[*object]bool),
		deployedThumbs: make(map[thumbKey]bool),
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
		sp := &t.ServicePrincipals[i]
		o := s.add(sp.Ref(), &sp.Principal)
		o.sp, o.saml = sp, s.activeSAML(o, sp)
	}
	return s
}

// appIndex maps lower-case appIds to their application and service
// principal objects.
func (s *scan) appIndex() map[string][]*object {
	if s.byAppID == nil {
		s.byAppID = make(map[string][]*object, len(s.objects))
		for _, o := range s.objects {
			if o.p.AppID != "" {
				id := strings.ToLower(o.p.AppID)
				s.byAppID[id] = append(s.byAppID[id], o)
			}
		}
	}
	return s.byAppID
}

// nameIndex maps exact display names to objects.
func (s *scan) nameIndex() map[string][]*object {
	if s.byName == nil {
		s.byName = make(map[string][]*object, len(s.objects))
		for _, o := range s.objects {
			if o.p.DisplayName != "" {
				s.byName[o.p.DisplayName] = append(s.byName[o.p.DisplayName], o)
			}
		}
	}
	return s.byName
}

// thumbIndex maps digests to the certificate groups registered with them.
func (s *scan) thumbIndex() map[thumbKey][]*certGroup {
	if s.byThumb == nil {
		s.byThumb = make(map[thumbKey][]*certGroup)
		for _, o := range s.objects {
			for _, g := range o.groups {
				for _, k := range thumbKeys(s.thumbprints(g.primary())) {
					s.byThumb[k] = append(s.byThumb[k], g)
				}
			}
		}
	}
	return s.byThumb
}

func (s *scan) add(ref ObjectRef, p *Principal) *object {
	o := &object{ref: ref, p: p}
	s.objects = append(s.objects, o)
	var idx *groupIndex
	for i := range p.KeyCredentials {
		k := &p.KeyCredentials[i]
		if idx == nil && len(o.groups) > walkGroups {
			idx = newGroupIndex(o.groups)
		}
		gi := -1
		if idx == nil {
			gi = groupWalk(o.groups, k)
		} else {
			gi = idx.find(k)
		}
		if gi >= 0 {
			g := o.groups[gi]
			g.keys = append(g.keys, k)
			if k.Usage == UsageVerify && g.keys[0].Usage != UsageVerify {
				// Keep the Verify registration as the group's face.
				idx.drop(gi, g.primary())
				last := len(g.keys) - 1
				g.keys[0], g.keys[last] = g.keys[last], g.keys[0]
				idx.put(gi, g.primary())
			}
			continue
		}
		idx.put(len(o.groups), k)
		o.groups = append(o.groups, &certGroup{obj: o, keys: []*KeyCredential{k}})
	}
	return o
}

// walkGroups is how many groups an object may have before scan.add finds
// a credential's group by an index rather than a walk over them: a walk
// made reading an object of 2,000 credentials cost 4 million
// comparisons, an index on every object costs a tenant of 100,000
// applications 47 MB.
const walkGroups = 16

// groupWalk finds the group k belongs to: the first whose primary is the
// same certificate (by thumbprint, or when neither side has one, same
// customKeyIdentifier and window), or -1.
func groupWalk(groups []*certGroup, k *KeyCredential) int {
	for i, g := range groups {
		p := g.primary()
		if k.Thumbprints.Known() {
			if p.Thumbprints.Matches(k.Thumbprints) {
				return i
			}
			continue
		}
		if !p.Thumbprints.Known() && len(k.CustomKeyIdentifier) > 0 &&
			string(p.CustomKeyIdentifier) == string(k.CustomKeyIdentifier) &&
			p.Start.Equal(k.Start) && p.End.Equal(k.End) {
			return i
		}
	}
	return -1
}

// groupIndex finds what groupWalk finds, by maps.
type groupIndex struct {
	byThumb map[thumbKey][]int // group indexes by the primary's digests
	byCKI   map[ckiKey][]int   // by identifier and window, for primaries without a digest
}

func newGroupIndex(groups []*certGroup) *groupIndex {
	x := &groupIndex{byThumb: make(map[thumbKey][]int), byCKI: make(map[ckiKey][]int)}
	for i, g := range groups {
		x.put(i, g.primary())
	}
	return x
}

type ckiKey struct {
	cki                        string
	start, startNS, end, endNS int64
}

// ckiKeyOf is k's identifier and window, the instants as time.Equal
// compares them.
func ckiKeyOf(k *KeyCredential) ckiKey {
	return ckiKey{cki: string(k.CustomKeyIdentifier),
		start: k.Start.Unix(), startNS: int64(k.Start.Nanosecond()),
		end: k.End.Unix(), endNS: int64(k.End.Nanosecond())}
}

// find is the index of k's group, or -1.
func (x *groupIndex) find(k *KeyCredential) int {
	best := -1
	pick := func(gs []int) {
		for _, g := range gs {
			if best < 0 || g < best {
				best = g
			}
		}
	}
	if k.Thumbprints.Known() {
		for _, tk := range thumbKeys(k.Thumbprints) {
			pick(x.byThumb[tk])
		}
		return best
	}
	if len(k.CustomKeyIdentifier) > 0 {
		pick(x.byCKI[ckiKeyOf(k)])
	}
	return best
}

// put records that group g has primary k; drop forgets it. Both do
// nothing on a nil index, while scan.add walks.
func (x *groupIndex) put(g int, k *KeyCredential) {
	if x == nil {
		return
	}
	if k.Thumbprints.Known() {
		for _, tk := range thumbKeys(k.Thumbprints) {
			x.byThumb[tk] = append(x.byThumb[tk], g)
		}
		return
	}
	if len(k.CustomKeyIdentifier) > 0 {
		ck := ckiKeyOf(k)
		x.byCKI[ck] = append(x.byCKI[ck], g)
	}
}

func (x *groupIndex) drop(g int, k *KeyCredential) {
	if x == nil {
		return
	}
	remove := func(gs []int) []int {
		out := gs[:0]
		for _, v := range gs {
			if v != g {
				out = append(out, v)
			}
		}
		return out
	}
	if k.Thumbprints.Known() {
		for _, tk := range thumbKeys(k.Thumbprints) {
			x.byThumb[tk] = remove(x.byThumb[tk])
		}
		return
	}
	if len(k.CustomKeyIdentifier) > 0 {
		ck := ckiKeyOf(k)
		x.byCKI[ck] = remove(x.byCKI[ck])
	}
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
	if len(s.local) == 0 {
		return nil
	}
	if lc := s.local[thumbKey{hex: k.Thumbprints.SHA1}]; lc != nil && k.Thumbprints.SHA1 != "" {
		return lc
	}
	if lc := s.local[thumbKey{sha256: true, hex: k.Thumbprints.SHA256}]; lc != nil && k.Thumbprints.SHA256 != "" {
		return lc
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
	s.r.Findings = append(s.r.Findings, c.Finding(sev, app, cred, local, fmt.Sprintf(format, args...)))
}

// credRef describes a certificate group for a finding.
func (s *scan) credRef(g *certGroup) *CredentialRef {
	k := g.primary()
	ref := k.Ref()
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

// Day renders t's UTC date, as messages give dates: 2006-01-02.
func Day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// daysBetween counts whole days from a to b, rounding toward zero.
func daysBetween(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

// Plural counts n of a regular noun for messages: "1 day", "3 days".
func Plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}
