package audit

import (
	"fmt"
	"strings"
	"time"
)

// Index is the one way appaudit finds things in a tenant: the objects an
// appId or a display name names, the registered certificates a thumbprint
// names, and, for each registered certificate, its identity and the window
// in which it authenticates, completed from the local certificates. Scan,
// doctor and preflight all ask it; none of them walks the tenant itself.
//
// An Index is built from the local certificates first (NewIndex), then
// objects are added as they are read (Add, AddTenant): what the local
// certificates say of a registered certificate is settled when its object is
// added.
type Index struct {
	objects []*Object
	locals  localIndex

	// Built on first use: a scan without a mapping or local certificates
	// never pays for them.
	byAppID   map[string][]*Object
	byName    map[string][]*Object
	byThumb   map[thumbKey][]*CertGroup
	bySubject map[string][]*CertGroup
	byKey     map[*KeyCredential]*CertGroup
}

// Object is one application or service principal with its certificate
// credentials grouped: a certificate registered twice on the same object
// (the Sign and Verify halves of a SAML signing certificate) is one group.
type Object struct {
	// Ref names the object in findings. It is allocated apart from the
	// object, so that the findings about an object do not keep the object,
	// its credentials or the tenant it was read from in memory.
	Ref *ObjectRef
	P   *Principal
	// SP is the service principal; nil for an application.
	SP     *ServicePrincipal
	Groups []*CertGroup
	// SAML is the active SAML signing certificate of a service principal,
	// the group its preferredTokenSigningKeyThumbprint names; nil if none.
	SAML *CertGroup
}

// CertGroup is one certificate as an object has it registered: one or
// more keyCredentials with the same thumbprint, and what is known of the
// certificate behind them.
type CertGroup struct {
	Obj *Object
	// Keys are the registrations, the Verify one first when there is one.
	Keys []*KeyCredential
	// Thumbprints identify the certificate: the primary key's, completed
	// by a local certificate with the same digest.
	Thumbprints Thumbprints
	// Body is the certificate: from Graph's key, else from a local file
	// with the same thumbprint; nil when neither has it. Source says which.
	Body   *Certificate
	Source ThumbprintSource
	// Start and End bound the window in which the certificate
	// authenticates (see Window).
	Start, End time.Time

	ref *CredentialRef
}

// Primary is the registration that stands for the group: its Verify key
// when it has one.
func (g *CertGroup) Primary() *KeyCredential { return g.Keys[0] }

// ClientAuth reports whether any registration of the certificate can
// authenticate the client (AsymmetricX509Cert + Verify).
func (g *CertGroup) ClientAuth() bool {
	for _, k := range g.Keys {
		if k.CanAuthenticateClient() {
			return true
		}
	}
	return false
}

// Signs reports whether any registration of the certificate has usage Sign.
func (g *CertGroup) Signs() bool {
	for _, k := range g.Keys {
		if k.Usage == UsageSign {
			return true
		}
	}
	return false
}

// SAMLSigning reports whether the certificate is a token-signing
// certificate: registered for Sign, as Entra registers the SAML signing
// certificates it makes (a Sign key, a Verify key with the same
// certificate, and the PFX password: servicePrincipal
// addTokenSigningCertificate). Entra checks client assertions only against
// Verify keys, and the Verify half of a signing certificate is its public
// part for SAML, so findings about it speak of SAML token signing, never of
// client assertions.
func (g *CertGroup) SAMLSigning() bool { return g.Signs() }

// IsCertificate reports whether the group is an X.509 certificate (not a
// Symmetric key).
func (g *CertGroup) IsCertificate() bool { return g.Primary().IsCertificate() || g.Body != nil }

// Subject is the certificate's subject, from its body when known, else
// the registration's displayName.
func (g *CertGroup) Subject() string {
	if g.Body != nil {
		return g.Body.Subject
	}
	return g.Primary().DisplayName
}

// Issued is when the certificate came into being, as far as is known: the
// body's NotBefore, else the registered start.
func (g *CertGroup) Issued() time.Time {
	if g.Body != nil {
		return g.Body.NotBefore
	}
	return g.Primary().Start
}

// ValidAt reports whether the certificate authenticates at t.
func (g *CertGroup) ValidAt(t time.Time) bool { return Within(g.Start, g.End, t) }

// Window is when a registered certificate authenticates: the registered
// startDateTime to endDateTime, cut to the certificate's own NotBefore and
// NotAfter when its body is known. Entra refuses to register an end date
// past the certificate's NotAfter ("Key credential end date is invalid",
// Azure/azure-rest-api-specs#11985, VeeamHub/powershell#215) and refuses a
// client certificate outside its own validity (AADSTS1000502), so the two
// windows normally agree; where they do not, the narrower one is the truth.
func Window(k *KeyCredential, body *Certificate) (start, end time.Time) {
	start, end = k.Start, k.End
	if body != nil {
		if start.IsZero() || body.NotBefore.After(start) {
			start = body.NotBefore
		}
		if end.IsZero() || body.NotAfter.Before(end) {
			end = body.NotAfter
		}
	}
	return start, end
}

// Ref describes the group for a finding: the primary registration as Graph
// has it, the other registrations of the same certificate, and the
// completed identity. Every finding about the certificate shares the one
// it makes first: findings never change what they refer to.
func (g *CertGroup) Ref() *CredentialRef {
	if g.ref == nil {
		g.ref = g.newRef()
	}
	return g.ref
}

func (g *CertGroup) newRef() *CredentialRef {
	ref := g.RefOf(g.Primary())
	for _, o := range g.Keys[1:] {
		ref.PairedKeyIDs = append(ref.PairedKeyIDs, o.KeyID)
		ref.PairedUsages = append(ref.PairedUsages, o.Usage)
	}
	return ref
}

// IdentityNote tells the reader how far to trust the certificate's
// identity when Graph did not return its body.
func (g *CertGroup) IdentityNote() string {
	switch g.Source {
	case FromKeyIdentifier:
		return " (Graph returned no certificate body: thumbprint taken from customKeyIdentifier)"
	case FromLocalFile:
		return " (certificate body from a local file with the same thumbprint)"
	case FromNothing:
		return " (Graph returned no certificate body and customKeyIdentifier is not a thumbprint: identified by display name only)"
	}
	return ""
}

// NewIndex starts an index that completes registered certificates from
// locals (which may be nil). The first local certificate with a digest
// wins.
func NewIndex(locals []LocalCert) *Index {
	return &Index{locals: newLocalIndex(locals)}
}

// IndexTenant indexes every object of t against locals.
func IndexTenant(t *Tenant, locals []LocalCert) *Index {
	x := NewIndex(locals)
	if t != nil {
		x.AddTenant(t)
	}
	return x
}

// AddTenant adds t's applications, then its service principals.
func (x *Index) AddTenant(t *Tenant) {
	for i := range t.Applications {
		x.AddApplication(&t.Applications[i])
	}
	for i := range t.ServicePrincipals {
		x.AddServicePrincipal(&t.ServicePrincipals[i])
	}
}

// AddApplication indexes an application and returns its Object.
func (x *Index) AddApplication(a *Application) *Object { return x.add(applicationObject(a)) }

// AddServicePrincipal indexes a service principal and returns its Object.
func (x *Index) AddServicePrincipal(sp *ServicePrincipal) *Object {
	return x.add(servicePrincipalObject(sp))
}

func applicationObject(a *Application) *Object {
	ref := a.Ref()
	return &Object{Ref: &ref, P: &a.Principal}
}

func servicePrincipalObject(sp *ServicePrincipal) *Object {
	ref := sp.Ref()
	return &Object{Ref: &ref, P: &sp.Principal, SP: sp}
}

// Objects lists the indexed objects in the order they were added.
func (x *Index) Objects() []*Object { return x.objects }

func (x *Index) add(o *Object) *Object {
	x.prepare(o)
	x.keep(o)
	return o
}

// prepare groups o's certificates and completes their identity from the
// local certificates; for a service principal, it finds the active SAML
// signing certificate.
func (x *Index) prepare(o *Object) {
	o.Groups = groupKeys(o)
	for _, g := range o.Groups {
		x.identify(g)
	}
	if o.SP != nil {
		o.SAML = activeSAML(o)
	}
}

// keep indexes a prepared object.
func (x *Index) keep(o *Object) {
	x.objects = append(x.objects, o)
	// Indexes already built take the object in; those not built yet will.
	if x.byAppID != nil {
		x.indexAppID(o)
	}
	if x.byName != nil {
		x.indexName(o)
	}
	if x.byThumb != nil {
		x.indexThumbs(o)
	}
	if x.bySubject != nil {
		x.indexSubjects(o)
	}
	if x.byKey != nil {
		x.indexKeys(o)
	}
}

// identify completes a group's identity and window from its primary
// registration and the local certificates.
func (x *Index) identify(g *CertGroup) {
	k := g.Primary()
	g.Thumbprints, g.Body, g.Source = k.Thumbprints, k.Cert, k.Source
	if k.Thumbprints.Known() {
		if lc := x.locals.find(k.Thumbprints); lc != nil {
			g.Thumbprints = k.Thumbprints.Merge(lc.Cert.Thumbprints)
			if g.Body == nil {
				g.Body, g.Source = lc.Cert, FromLocalFile
			}
		}
	}
	g.Start, g.End = Window(k, g.Body)
}

// activeSAML finds the certificate group of a service principal that its
// preferredTokenSigningKeyThumbprint names: the certificate Entra signs the
// service principal's SAML responses with. A Sign registration is preferred
// when the thumbprint matches more than one group.
func activeSAML(o *Object) *CertGroup {
	if o.SP.PreferredTokenSigningKeyThumbprint == "" {
		return nil
	}
	want, err := ParseThumbprint(o.SP.PreferredTokenSigningKeyThumbprint)
	if err != nil {
		return nil
	}
	var found *CertGroup
	for _, g := range o.Groups {
		if !g.Thumbprints.Matches(want.Thumbprints) {
			continue
		}
		if g.Signs() {
			return g
		}
		if found == nil {
			found = g
		}
	}
	return found
}

// App lists the application and service principals with appId id.
func (x *Index) App(id string) []*Object {
	id = strings.ToLower(strings.TrimSpace(id))
	if id == "" {
		return nil
	}
	if x.byAppID == nil {
		x.byAppID = make(map[string][]*Object, len(x.objects))
		for _, o := range x.objects {
			x.indexAppID(o)
		}
	}
	return x.byAppID[id]
}

func (x *Index) indexAppID(o *Object) {
	if o.P.AppID != "" {
		id := strings.ToLower(o.P.AppID)
		x.byAppID[id] = append(x.byAppID[id], o)
	}
}

// Named lists the objects whose display name is exactly name.
func (x *Index) Named(name string) []*Object {
	if x.byName == nil {
		x.byName = make(map[string][]*Object, len(x.objects))
		for _, o := range x.objects {
			x.indexName(o)
		}
	}
	return x.byName[name]
}

func (x *Index) indexName(o *Object) {
	if n := o.P.DisplayName; n != "" {
		x.byName[n] = append(x.byName[n], o)
	}
}

// Resolve finds the objects app names: by appId (the application and its
// service principals), else by exact display name, which must name one
// app. When it finds none, why says so for a message, with the display
// name that differs only in case when there is one; complete says whether
// the tenant was read whole.
func (x *Index) Resolve(app string, complete bool) (objs []*Object, why string) {
	return x.ResolveQuoting(app, strings.TrimSpace(app), complete)
}

// ResolveQuoting is Resolve, with why naming app as quoted: a shortened
// form of a name given on the command line, say, which is still looked
// up whole.
func (x *Index) ResolveQuoting(app, quoted string, complete bool) (objs []*Object, why string) {
	key := strings.TrimSpace(app)
	if objs := x.App(key); len(objs) > 0 {
		return objs, ""
	}
	named := x.Named(key)
	appIDs := map[string]bool{}
	for _, o := range named {
		appIDs[strings.ToLower(o.P.AppID)] = true
	}
	switch len(appIDs) {
	case 0:
		why = fmt.Sprintf("no application or service principal has the appId or display name %q", quoted)
		if alt := x.nameFold(key); alt != "" {
			why += fmt.Sprintf(" (did you mean %q?)", alt)
		}
		if !complete {
			why += " in the part of the tenant that was read (the tenant data is incomplete)"
		}
		return nil, why
	case 1:
		for id := range appIDs {
			if objs := x.App(id); len(objs) > 0 {
				return objs, ""
			}
		}
		return named, ""
	}
	return nil, fmt.Sprintf("display name %q belongs to %d different apps; name the app by its appId", quoted, len(appIDs))
}

// nameFold is a display name equal to name without regard to case, or "".
func (x *Index) nameFold(name string) string {
	for _, o := range x.objects {
		if n := o.P.DisplayName; n != name && strings.EqualFold(n, name) {
			return n
		}
	}
	return ""
}

// Lookup lists the registered certificates, on any object, with a digest
// that tp has too.
func (x *Index) Lookup(tp Thumbprints) []*CertGroup {
	if x.byThumb == nil {
		x.byThumb = make(map[thumbKey][]*CertGroup)
		for _, o := range x.objects {
			x.indexThumbs(o)
		}
	}
	var out []*CertGroup
	for _, k := range thumbKeys(tp) {
		for _, g := range x.byThumb[k] {
			if !containsGroup(out, g) {
				out = append(out, g)
			}
		}
	}
	return out
}

func (x *Index) indexThumbs(o *Object) {
	for _, g := range o.Groups {
		for _, k := range thumbKeys(g.Thumbprints) {
			x.byThumb[k] = append(x.byThumb[k], g)
		}
	}
}

func containsGroup(gs []*CertGroup, g *CertGroup) bool {
	for _, h := range gs {
		if h == g {
			return true
		}
	}
	return false
}

// Matches lists the certificates of objs that tp names.
func Matches(objs []*Object, tp Thumbprints) []*CertGroup {
	var out []*CertGroup
	for _, o := range objs {
		for _, g := range o.Groups {
			if g.Thumbprints.Matches(tp) {
				out = append(out, g)
			}
		}
	}
	return out
}

// RegisteredOn names the objects, other than those in except, that have a
// certificate tp names, each once, in the order they were added.
func (x *Index) RegisteredOn(tp Thumbprints, except []*Object) []ObjectRef {
	var refs []ObjectRef
	var seen []*Object
	for _, g := range x.Lookup(tp) {
		if containsObject(except, g.Obj) || containsObject(seen, g.Obj) {
			continue
		}
		seen = append(seen, g.Obj)
		refs = append(refs, *g.Obj.Ref)
	}
	return refs
}

func containsObject(objs []*Object, o *Object) bool {
	for _, c := range objs {
		if c == o {
			return true
		}
	}
	return false
}

// Incomparable counts the certificates of objs that cannot be compared
// with tp: each side knows a digest, but not the same one (a SHA-256
// thumbprint against a certificate known only by the SHA-1 its
// customKeyIdentifier holds).
func Incomparable(objs []*Object, tp Thumbprints) int {
	n := 0
	for _, o := range objs {
		for _, g := range o.Groups {
			r := g.Thumbprints
			if g.IsCertificate() && r.Known() && !(r.SHA1 != "" && tp.SHA1 != "") && !(r.SHA256 != "" && tp.SHA256 != "") {
				n++
			}
		}
	}
	return n
}

// Unidentified counts the certificates of objs that no thumbprint
// identifies.
func Unidentified(objs []*Object) int {
	n := 0
	for _, o := range objs {
		for _, g := range o.Groups {
			if g.IsCertificate() && !g.Thumbprints.Known() {
				n++
			}
		}
	}
	return n
}

// WithSubject lists the certificates of objs whose subject names the same
// holder as subject (by common name).
func WithSubject(objs []*Object, subject string) []*CertGroup {
	var out []*CertGroup
	for _, o := range objs {
		for _, g := range o.Groups {
			if g.Primary().IsCertificate() && SameSubject(g.Subject(), subject) {
				out = append(out, g)
			}
		}
	}
	return out
}

// ClientAuthBySubject lists the client-authentication certificates of the
// whole tenant whose common name is subject's.
func (x *Index) ClientAuthBySubject(subject string) []*CertGroup {
	if x.bySubject == nil {
		x.bySubject = make(map[string][]*CertGroup)
		for _, o := range x.objects {
			x.indexSubjects(o)
		}
	}
	return x.bySubject[strings.ToLower(CommonName(subject))]
}

func (x *Index) indexSubjects(o *Object) {
	for _, g := range o.Groups {
		if g.ClientAuth() {
			cn := strings.ToLower(CommonName(g.Subject()))
			x.bySubject[cn] = append(x.bySubject[cn], g)
		}
	}
}

// Local is the first local certificate tp names, if any.
func (x *Index) Local(tp Thumbprints) *LocalCert { return x.locals.find(tp) }

// Locals lists the local certificates the index completes from.
func (x *Index) Locals() []LocalCert { return x.locals.certs }

// Cert is the certificate tp names: from a local file, else the body of
// any registered certificate; nil when neither has it.
func (x *Index) Cert(tp Thumbprints) *Certificate {
	if !tp.Known() {
		return nil
	}
	if lc := x.Local(tp); lc != nil {
		return lc.Cert
	}
	for _, g := range x.Lookup(tp) {
		if g.Body != nil {
			return g.Body
		}
	}
	return nil
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

// localIndex finds local certificates by digest.
type localIndex struct {
	certs []LocalCert
	// byDigest maps each digest of a local certificate to the index in
	// certs of the first certificate with it.
	byDigest map[thumbKey]int
}

func newLocalIndex(certs []LocalCert) localIndex {
	x := localIndex{certs: certs, byDigest: make(map[thumbKey]int)}
	for i := range certs {
		c := certs[i].Cert
		if c == nil {
			continue
		}
		for _, k := range thumbKeys(c.Thumbprints) {
			if _, dup := x.byDigest[k]; !dup {
				x.byDigest[k] = i
			}
		}
	}
	return x
}

// find is the first local certificate with a digest tp has too.
func (x localIndex) find(tp Thumbprints) *LocalCert {
	first := -1
	for _, k := range thumbKeys(tp) {
		if i, ok := x.byDigest[k]; ok && (first < 0 || i < first) {
			first = i
		}
	}
	if first < 0 {
		return nil
	}
	return &x.certs[first]
}

// GroupOf is the certificate a registered key belongs to; nil for a key
// the index does not hold.
func (x *Index) GroupOf(k *KeyCredential) *CertGroup {
	if x.byKey == nil {
		x.byKey = make(map[*KeyCredential]*CertGroup)
		for _, o := range x.objects {
			x.indexKeys(o)
		}
	}
	return x.byKey[k]
}

func (x *Index) indexKeys(o *Object) {
	for _, g := range o.Groups {
		for _, k := range g.Keys {
			x.byKey[k] = g
		}
	}
}

// RefOf describes registration k of the certificate for a finding: k as
// Graph has it, with the certificate's completed identity.
func (g *CertGroup) RefOf(k *KeyCredential) *CredentialRef {
	ref := k.Ref()
	if tp := g.Thumbprints; tp.Known() {
		ref.Thumbprints = &tp
	}
	ref.ThumbprintSource = g.Source
	if g.Body != nil {
		ref.Subject = g.Body.Subject
	}
	return ref
}
