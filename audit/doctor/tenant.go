package doctor

import (
	"fmt"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// object is one application or service principal of the tenant.
type object struct {
	ref audit.ObjectRef
	p   *audit.Principal
}

// index finds what the evidence names in the tenant and among the local
// certificates. It works without a tenant too (t nil): then it knows the
// local certificates only.
type index struct {
	t      *audit.Tenant
	objs   []*object
	byApp  map[string][]*object
	locals []audit.LocalCert
	// bySHA1 and bySHA256 map each digest of a local certificate to the
	// index in locals of the first certificate with it.
	bySHA1, bySHA256 map[string]int
}

func newIndex(t *audit.Tenant, locals []audit.LocalCert) *index {
	x := &index{t: t, locals: locals, byApp: map[string][]*object{},
		bySHA1: map[string]int{}, bySHA256: map[string]int{}}
	for i := range locals {
		if c := locals[i].Cert; c != nil {
			addFirst(x.bySHA1, c.Thumbprints.SHA1, i)
			addFirst(x.bySHA256, c.Thumbprints.SHA256, i)
		}
	}
	if t == nil {
		return x
	}
	add := func(ref audit.ObjectRef, p *audit.Principal) {
		o := &object{ref: ref, p: p}
		x.objs = append(x.objs, o)
		id := strings.ToLower(p.AppID)
		x.byApp[id] = append(x.byApp[id], o)
	}
	for i := range t.Applications {
		add(t.Applications[i].Ref(), &t.Applications[i].Principal)
	}
	for i := range t.ServicePrincipals {
		add(t.ServicePrincipals[i].Ref(), &t.ServicePrincipals[i].Principal)
	}
	return x
}

// addFirst records i under digest hx, unless hx is empty or taken.
func addFirst(m map[string]int, hx string, i int) {
	if _, dup := m[hx]; hx != "" && !dup {
		m[hx] = i
	}
}

// app is the application and service principals with appId id.
func (x *index) app(id string) []*object {
	if id == "" {
		return nil
	}
	return x.byApp[strings.ToLower(strings.TrimSpace(id))]
}

// local is the first local certificate that tp names (some digest known
// on both sides is equal), if any.
func (x *index) local(tp audit.Thumbprints) *audit.LocalCert {
	first := -1
	pick := func(m map[string]int, hx string) {
		if i, ok := m[hx]; ok && (first < 0 || i < first) {
			first = i
		}
	}
	pick(x.bySHA1, tp.SHA1)
	pick(x.bySHA256, tp.SHA256)
	if first < 0 {
		return nil
	}
	return &x.locals[first]
}

// thumbprints of a registered key, completed from a local certificate
// with the same digest (Graph often returns no body, so only SHA-1).
func (x *index) thumbprints(k *audit.KeyCredential) audit.Thumbprints {
	if lc := x.local(k.Thumbprints); lc != nil && k.Thumbprints.Known() {
		return k.Thumbprints.Merge(lc.Cert.Thumbprints)
	}
	return k.Thumbprints
}

// body is the certificate of a registered key: from Graph, else from a
// local file with its thumbprint.
func (x *index) body(k *audit.KeyCredential) *audit.Certificate {
	if k.Cert != nil {
		return k.Cert
	}
	if lc := x.local(k.Thumbprints); lc != nil && k.Thumbprints.Known() {
		return lc.Cert
	}
	return nil
}

// cert is the certificate tp names, from a local file or any registered
// key with a body; nil when neither has it.
func (x *index) cert(tp audit.Thumbprints) *audit.Certificate {
	if !tp.Known() {
		return nil
	}
	if lc := x.local(tp); lc != nil {
		return lc.Cert
	}
	for _, o := range x.objs {
		for i := range o.p.KeyCredentials {
			k := &o.p.KeyCredentials[i]
			if k.Cert != nil && k.Thumbprints.Matches(tp) {
				return k.Cert
			}
		}
	}
	return nil
}

// keyHit is a registered key that matches a thumbprint.
type keyHit struct {
	obj *object
	key *audit.KeyCredential
}

// matches lists the keys of objs that tp names.
func (x *index) matches(objs []*object, tp audit.Thumbprints) []keyHit {
	var hits []keyHit
	for _, o := range objs {
		for i := range o.p.KeyCredentials {
			k := &o.p.KeyCredentials[i]
			if x.thumbprints(k).Matches(tp) {
				hits = append(hits, keyHit{o, k})
			}
		}
	}
	return hits
}

// elsewhere lists the keys tp names on objects other than except.
func (x *index) elsewhere(tp audit.Thumbprints, except []*object) []keyHit {
	var others []*object
	for _, o := range x.objs {
		if !containsObj(except, o) {
			others = append(others, o)
		}
	}
	return x.matches(others, tp)
}

func containsObj(objs []*object, o *object) bool {
	for _, c := range objs {
		if c == o {
			return true
		}
	}
	return false
}

// incomparable counts the certificates of objs whose known digests share
// none with tp: an x5t#S256 cannot be compared with a certificate known
// only by the SHA-1 of its customKeyIdentifier.
func (x *index) incomparable(objs []*object, tp audit.Thumbprints) int {
	n := 0
	for _, o := range objs {
		for i := range o.p.KeyCredentials {
			k := &o.p.KeyCredentials[i]
			if !k.IsCertificate() {
				continue
			}
			r := x.thumbprints(k)
			if !r.Known() || (r.SHA1 != "" && tp.SHA1 != "") || (r.SHA256 != "" && tp.SHA256 != "") {
				continue
			}
			n++
		}
	}
	return n
}

// window is when a registered key authenticates: its registered window,
// cut to the certificate's own validity when the body is known (Entra
// caps endDateTime at the certificate's notAfter).
func (x *index) window(k *audit.KeyCredential) (start, end time.Time) {
	start, end = k.Start, k.End
	if c := x.body(k); c != nil {
		if start.IsZero() || c.NotBefore.After(start) {
			start = c.NotBefore
		}
		if end.IsZero() || c.NotAfter.Before(end) {
			end = c.NotAfter
		}
	}
	return start, end
}

// regState is what a tenant says of a thumbprint the client sends.
type regState int

const (
	regNoTenant   regState = iota // no tenant to check against
	regNoApp                      // the app is not in the tenant
	regValid                      // a Verify key of the app, valid at the time
	regOutside                    // a Verify key of the app, outside its window
	regWrongUsage                 // registered on the app, but not as a Verify AsymmetricX509Cert
	regNotFound                   // not registered on the app
)

// registration is what the tenant has of one thumbprint for one app.
type registration struct {
	state regState
	// hits are the app's keys with the thumbprint; usable the first that
	// can authenticate a client.
	hits   []keyHit
	usable *keyHit
	// elsewhere are other objects' keys with the thumbprint.
	elsewhere    []keyHit
	incomparable int
}

// register looks tp up on the app objs at time at.
func (x *index) register(objs []*object, tp audit.Thumbprints, at time.Time) registration {
	switch {
	case x.t == nil:
		return registration{state: regNoTenant}
	case len(objs) == 0:
		return registration{state: regNoApp, elsewhere: x.elsewhere(tp, nil)}
	}
	r := registration{hits: x.matches(objs, tp)}
	for i := range r.hits {
		h := &r.hits[i]
		if !h.key.CanAuthenticateClient() {
			continue
		}
		if r.usable == nil {
			r.usable = h
		}
		if s, e := x.window(h.key); audit.Within(s, e, at) {
			r.usable, r.state = h, regValid
			return r
		}
	}
	switch {
	case r.usable != nil:
		r.state = regOutside
	case len(r.hits) > 0:
		r.state = regWrongUsage
	default:
		r.state = regNotFound
		r.incomparable = x.incomparable(objs, tp)
	}
	r.elsewhere = x.elsewhere(tp, objs)
	return r
}

// verifyKeys describes the client-authentication keys of objs, for a
// message saying what the app does have.
func (x *index) verifyKeys(objs []*object, at time.Time) string {
	var parts []string
	for _, o := range objs {
		for i := range o.p.KeyCredentials {
			k := &o.p.KeyCredentials[i]
			if !k.CanAuthenticateClient() {
				continue
			}
			s, e := x.window(k)
			state := "valid"
			switch {
			case !e.IsZero() && !at.Before(e):
				state = "expired " + audit.Day(e)
			case !s.IsZero() && at.Before(s):
				state = "valid from " + audit.Day(s)
			case !e.IsZero():
				state = "until " + audit.Day(e)
			}
			parts = append(parts, fmt.Sprintf("%s %s (%s)", subjectOf(k, x.body(k)), x.thumbprints(k).Brief(), state))
		}
	}
	switch len(parts) {
	case 0:
		return "the app has no Verify certificate at all"
	case 1:
		return "the app's only Verify certificate is " + parts[0]
	}
	if len(parts) > 5 {
		parts = append(parts[:5], fmt.Sprintf("and %d more", len(parts)-5))
	}
	return "the app's Verify certificates are " + strings.Join(parts, ", ")
}

// notFound ends the message for a thumbprint that reg found on no key of
// the app objs: where else the tenant has it, the app's Verify keys at at,
// and a rotation hint for c, the certificate it names (nil if unknown).
func (x *index) notFound(reg registration, objs []*object, at time.Time, c *audit.Certificate) string {
	var s string
	switch {
	case len(reg.elsewhere) > 0:
		s = "; it is registered on " + refs(reg.elsewhere) + " instead"
	case x.t.Complete:
		s = "; it is registered on no app of this tenant"
	}
	return s + "; " + x.verifyKeys(objs, at) + x.rotationHint(objs, c)
}

// onlyAs says how hits registered a certificate that does not
// authenticate clients, and why that fails.
func onlyAs(hits []keyHit) string {
	return "only as " + usages(hits) + ": Entra checks client assertions against AsymmetricX509Cert keys with usage Verify"
}

// refs lists the objects of hits, each once.
func refs(hits []keyHit) string {
	var parts []string
	seen := map[*object]bool{}
	for _, h := range hits {
		if !seen[h.obj] {
			seen[h.obj] = true
			parts = append(parts, h.obj.ref.String())
		}
	}
	return strings.Join(parts, ", ")
}

// usages lists the type/usage of hits.
func usages(hits []keyHit) string {
	parts := make([]string, len(hits))
	for i, h := range hits {
		parts[i] = h.key.Type + "/" + h.key.Usage
	}
	return strings.Join(parts, ", ")
}

func subjectOf(k *audit.KeyCredential, c *audit.Certificate) string {
	s := k.DisplayName
	if c != nil {
		s = c.Subject
	}
	if s == "" {
		return "certificate"
	}
	return fmt.Sprintf("%q", s)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// credRef describes a registered key for a finding.
func (x *index) credRef(h keyHit) *audit.CredentialRef {
	k := h.key
	ref := k.Ref()
	if tp := x.thumbprints(k); tp.Known() {
		ref.Thumbprints = &tp
	}
	if c := x.body(k); c != nil {
		ref.Subject = c.Subject
		if k.Cert == nil {
			ref.ThumbprintSource = audit.FromLocalFile
		}
	}
	return ref
}

// localRef describes a local certificate for a finding.
func localRef(lc *audit.LocalCert) *audit.LocalRef {
	tp := lc.Cert.Thumbprints
	nb, na := lc.Cert.NotBefore.UTC(), lc.Cert.NotAfter.UTC()
	return &audit.LocalRef{Source: lc.Source, CertPath: lc.Path, Thumbprints: &tp, Subject: lc.Cert.Subject, NotBefore: &nb, NotAfter: &na}
}

// registeredOn lists the objects with a key tp names.
func (x *index) registeredOn(tp audit.Thumbprints) []audit.ObjectRef {
	out := []audit.ObjectRef{}
	seen := map[*object]bool{}
	for _, h := range x.matches(x.objs, tp) {
		if !seen[h.obj] {
			seen[h.obj] = true
			out = append(out, h.obj.ref)
		}
	}
	return out
}

// rotationHint notes a Verify certificate of objs with the subject of c
// but another thumbprint: one side of a rotation is behind.
func (x *index) rotationHint(objs []*object, c *audit.Certificate) string {
	if c == nil {
		return ""
	}
	for _, o := range objs {
		for i := range o.p.KeyCredentials {
			k := &o.p.KeyCredentials[i]
			body := x.body(k)
			name := k.DisplayName
			if body != nil {
				name = body.Subject
			}
			if !k.CanAuthenticateClient() || !audit.SameSubject(name, c.Subject) || x.thumbprints(k).Matches(c.Thumbprints) {
				continue
			}
			start := k.Start
			if body != nil {
				start = body.NotBefore
			}
			if c.NotBefore.After(start) {
				return "; the app has an older certificate with the same subject: this one is probably its successor, not uploaded yet"
			}
			return "; the app has a newer certificate with the same subject: the app was rotated, and the client still signs with the old one"
		}
	}
	return ""
}
