package doctor

import (
	"fmt"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// index is the doctor's view of audit.Index: the tenant's objects, the
// certificates a thumbprint names and each key's identity and window,
// completed from the local certificates. It works without a tenant too (t
// nil): then it knows the local certificates only.
type index struct {
	t  *audit.Tenant
	ix *audit.Index
}

func newIndex(t *audit.Tenant, locals []audit.LocalCert) *index {
	return &index{t: t, ix: audit.IndexTenant(t, locals)}
}

// app is the application and service principals with appId id.
func (x *index) app(id string) []*audit.Object { return x.ix.App(id) }

// local is the first local certificate that tp names, if any.
func (x *index) local(tp audit.Thumbprints) *audit.LocalCert { return x.ix.Local(tp) }

// thumbprints of a registered key, completed from a local certificate
// with the same digest (Graph often returns no body, so only SHA-1).
func (x *index) thumbprints(k *audit.KeyCredential) audit.Thumbprints {
	if g := x.ix.GroupOf(k); g != nil {
		return g.Thumbprints
	}
	return k.Thumbprints
}

// body is the certificate of a registered key: from Graph, else from a
// local file with its thumbprint.
func (x *index) body(k *audit.KeyCredential) *audit.Certificate {
	if g := x.ix.GroupOf(k); g != nil {
		return g.Body
	}
	return k.Cert
}

// cert is the certificate tp names, from a local file or any registered
// key with a body; nil when neither has it.
func (x *index) cert(tp audit.Thumbprints) *audit.Certificate { return x.ix.Cert(tp) }

// keyHit is a registered key that matches a thumbprint, with the
// certificate it registers.
type keyHit struct {
	obj *audit.Object
	key *audit.KeyCredential
	g   *audit.CertGroup
}

// matches lists the keys of objs that tp names.
func matches(objs []*audit.Object, tp audit.Thumbprints) []keyHit {
	var hits []keyHit
	for _, g := range audit.Matches(objs, tp) {
		for _, k := range g.Keys {
			hits = append(hits, keyHit{g.Obj, k, g})
		}
	}
	return hits
}

// window is when a registered key authenticates (audit.Window).
func (x *index) window(k *audit.KeyCredential) (start, end time.Time) {
	return audit.Window(k, x.body(k))
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
	// elsewhere are the other objects that have the thumbprint, when the
	// app has it on no key (regNotFound).
	elsewhere    []audit.ObjectRef
	incomparable int
}

// register looks tp up on the app objs at time at.
func (x *index) register(objs []*audit.Object, tp audit.Thumbprints, at time.Time) registration {
	switch {
	case x.t == nil:
		return registration{state: regNoTenant}
	case len(objs) == 0:
		return registration{state: regNoApp}
	}
	r := registration{hits: matches(objs, tp)}
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
		r.incomparable = audit.Incomparable(objs, tp)
		r.elsewhere = x.ix.RegisteredOn(tp, objs)
	}
	return r
}

// verifyKeys describes the client-authentication keys of objs, for a
// message saying what the app does have.
func (x *index) verifyKeys(objs []*audit.Object, at time.Time) string {
	var parts []string
	for _, o := range objs {
		for i := range o.P.KeyCredentials {
			k := &o.P.KeyCredentials[i]
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
func (x *index) notFound(reg registration, objs []*audit.Object, at time.Time, c *audit.Certificate) string {
	var s string
	switch {
	case len(reg.elsewhere) > 0:
		s = "; it is registered on " + joinRefs(reg.elsewhere) + " instead"
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

// joinRefs lists objects for a message.
func joinRefs(refs []audit.ObjectRef) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = r.String()
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
func (x *index) credRef(h keyHit) *audit.CredentialRef { return h.g.RefOf(h.key) }

// registeredOn lists the objects with a key tp names.
func (x *index) registeredOn(tp audit.Thumbprints) []audit.ObjectRef {
	if on := x.ix.RegisteredOn(tp, nil); on != nil {
		return on
	}
	return []audit.ObjectRef{}
}

// rotationHint notes a Verify certificate of objs with the subject of c
// but another thumbprint: one side of a rotation is behind.
func (x *index) rotationHint(objs []*audit.Object, c *audit.Certificate) string {
	if c == nil {
		return ""
	}
	for _, o := range objs {
		for i := range o.P.KeyCredentials {
			k := &o.P.KeyCredentials[i]
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
