package doctor

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/evidence"
)

// assertionChecks runs every check on the client assertion.
func (d *diag) assertionChecks() {
	if d.aErrMsg != "" {
		d.emit(audit.CheckAssertionMalformed, 0, nil, nil, "%s: %s", d.aName, d.aErrMsg)
		return
	}
	a := d.a
	if a == nil {
		return
	}
	if len(a.Lax) > 0 {
		d.emit(audit.CheckAssertionMalformed, audit.SeverityMedium, nil, nil,
			"%s: %s: JWS prescribes base64url without padding, and Entra may not read it", d.aName, strings.Join(a.Lax, "; "))
	}
	d.checkHeaderParams()
	d.checkAlg()
	fix := d.checkThumbprints()
	if d.checkSignature() {
		fix = true
	}
	if fix {
		d.thumbprintValues()
	}
	d.checkIssuerSubject()
	d.checkAudience()
	d.checkTime()
	d.checkJTI()
}

// allowedHeader are the header parameters Entra takes.
func allowedHeader() []string {
	return []string{"alg", "typ", "x5t", "x5t#S256", "x5c", "kid", "use", "enc", "ctx", "nonce", "rh", "kdf_ver"}
}

func (d *diag) checkHeaderParams() {
	var bad []string
	for _, name := range d.a.HeaderNames() {
		if !slices.Contains(allowedHeader(), name) {
			bad = append(bad, fmt.Sprintf("%q", evidence.Clip(name, 40)))
		}
	}
	if len(bad) > 0 {
		d.emit(audit.CheckAssertionHeaderUnsupported, 0, nil, nil,
			"the header of %s has %s, which Entra does not accept (it takes %s): it rejects the assertion with AADSTS5002726",
			d.aName, strings.Join(bad, ", "), strings.Join(allowedHeader(), ", "))
	}
}

func (d *diag) checkAlg() {
	alg, present, isString := d.a.HeaderString("alg")
	var sev audit.Severity
	var msg string
	switch {
	case !present:
		msg = "the header has no alg"
	case !isString:
		msg = "alg is not a string"
	case alg == "RS256" || alg == "PS256":
		return
	case strings.EqualFold(alg, "RS256") || strings.EqualFold(alg, "PS256"):
		msg = fmt.Sprintf("alg is %q, and algorithm names are case-sensitive", evidence.Clip(alg, 20))
		d.values["alg"] = strings.ToUpper(alg)
	case strings.EqualFold(alg, "none"):
		msg = "alg is none: the assertion is not signed at all"
	case alg == "HS256":
		sev = audit.SeverityHigh
		msg = "alg is HS256, a signature with a shared secret (client_secret_jwt), not with the certificate: a certificate credential is verified with RS256 or PS256"
	default:
		msg = fmt.Sprintf("alg is %q: Entra verifies client assertions signed with RS256 or PS256 only, and answers AADSTS5002738 naming the algorithm it does not support", evidence.Clip(alg, 20))
	}
	d.emit(audit.CheckAssertionAlg, sev, nil, nil, "%s: %s; sign with PS256 (what current MSAL versions send) or RS256", d.aName, msg)
}

// headerSlot is one thumbprint header and the digest it must hold.
type headerSlot struct {
	name   string
	sha256 bool
}

func headerSlots() []headerSlot {
	return []headerSlot{{"x5t", false}, {"x5t#S256", true}}
}

func (s headerSlot) digest() (string, int) {
	if s.sha256 {
		return "SHA-256", 32
	}
	return "SHA-1", 20
}

// checkThumbprints runs assertion-no-thumbprint, -thumbprint-encoding,
// -thumbprint-unknown and -key-expired. It reports whether the header's
// thumbprint needs a corrected value.
func (d *diag) checkThumbprints() bool {
	var problems, notes []string
	var readable []audit.Thumbprints
	var readableSlots []string
	present := false
	for _, h := range d.header {
		slot, v := h.slot, h.value
		present = true
		want, size := slot.digest()
		switch {
		case !h.isString:
			problems = append(problems, slot.name+" is not a string")
			continue
		case strings.TrimSpace(v) == "":
			problems = append(problems, slot.name+" is empty")
			continue
		case h.err != nil:
			problems = append(problems, slot.name+" "+undecodable(v, want, size))
			continue
		}
		p := h.parsed
		got, gotSize := "SHA-1", 20
		if p.SHA256 != "" {
			got, gotSize = "SHA-256", 32
		}
		switch {
		case p.Encoding == audit.EncodingHex:
			problems = append(problems, fmt.Sprintf("%s holds the %s thumbprint as hex text (%d characters); Entra reads base64url of the %d digest bytes", slot.name, got, 2*gotSize, gotSize))
		case p.Encoding == audit.EncodingBase64OfHex:
			problems = append(problems, fmt.Sprintf("%s holds base64 of the hex text of a %s thumbprint (it decodes to %d hex characters), not base64 of the %d digest bytes", slot.name, got, 2*gotSize, gotSize))
		case got != want:
			problems = append(problems, fmt.Sprintf("%s holds a %s digest (%d bytes), but %s must be the %s digest (%d bytes)", slot.name, got, gotSize, slot.name, want, size))
		default:
			if p.Encoding == audit.EncodingBase64 {
				notes = append(notes, fmt.Sprintf("%s is standard base64 (with padding or + and /) of the %s digest, as MSAL Go and MSAL Java send it: Entra accepts it", slot.name, want))
			}
			readable = append(readable, p.Thumbprints)
			readableSlots = append(readableSlots, slot.name)
		}
	}
	if !present {
		d.noThumbprint()
		return true
	}
	if len(problems) > 0 {
		msg := fmt.Sprintf("in %s, %s", d.aName, strings.Join(problems, "; "))
		named := d.headerNamed()
		for _, tp := range named {
			msg += "; the bytes name " + d.describe(tp)
		}
		d.emit(audit.CheckAssertionThumbprintEncoding, 0, nil, d.localFor(named), "%s", msg)
	}
	if len(notes) > 0 {
		d.emit(audit.CheckAssertionThumbprintEncoding, audit.SeverityInfo, nil, nil, "in %s, %s", d.aName, strings.Join(notes, "; "))
	}
	for i, tp := range readable {
		d.checkRegistered(readableSlots[i], tp)
	}
	return len(problems) > 0
}

// decodeLenient decodes base64 in either alphabet, padded or not.
func decodeLenient(s string) ([]byte, bool) {
	t := strings.TrimRight(strings.TrimSpace(s), "=")
	if b, err := base64.RawURLEncoding.DecodeString(t); err == nil {
		return b, true
	}
	if b, err := base64.RawStdEncoding.DecodeString(t); err == nil {
		return b, true
	}
	return nil, false
}

// undecodable says why a thumbprint header could not be read.
func undecodable(v, want string, size int) string {
	if b, ok := decodeLenient(v); ok {
		return fmt.Sprintf("decodes to %d bytes, but a %s digest is %d", len(b), want, size)
	}
	return fmt.Sprintf("is neither base64 nor hex (%d characters); it must be base64url of the %d bytes of the %s digest", len([]rune(v)), size, want)
}

// noThumbprint reports an assertion without x5t or x5t#S256, saying what
// the kid names when it names anything.
func (d *diag) noThumbprint() {
	msg := "the header of " + d.aName + " has neither x5t nor x5t#S256, so Entra cannot tell which certificate signed it"
	kid, ok, isString := d.a.HeaderString("kid")
	var h *keyHit
	if ok && isString && kid != "" {
		h = d.keyByID(kid)
	}
	switch {
	case !ok || !isString || kid == "":
	case h != nil:
		tp := d.x.thumbprints(h.key)
		d.kidNamed = append(d.kidNamed, tp)
		msg += fmt.Sprintf("; its kid is the keyId of %s %s on %s, but Entra does not look keys up by keyId", subjectOf(h.key, d.x.body(h.key)), tp.Brief(), h.obj.Ref)
	default:
		if p, err := audit.ParseThumbprint(kid); err == nil {
			d.kidNamed = append(d.kidNamed, p.Thumbprints)
			msg += "; its kid holds a thumbprint, of " + d.describe(p.Thumbprints) + ", but Entra reads the thumbprint from x5t or x5t#S256 only"
		} else {
			msg += "; a kid alone does not identify a key to Entra"
		}
	}
	d.emit(audit.CheckAssertionNoThumbprint, 0, nil, nil, "%s", msg)
}

// keyByID finds a registered key by keyId: the app's first, then any.
func (d *diag) keyByID(id string) *keyHit {
	for _, objs := range [][]*audit.Object{d.appObjs, d.x.ix.Objects()} {
		for _, o := range objs {
			for i := range o.P.KeyCredentials {
				if k := &o.P.KeyCredentials[i]; strings.EqualFold(k.KeyID, id) {
					return &keyHit{o, k, d.x.ix.GroupOf(k)}
				}
			}
		}
	}
	return nil
}

// describe names the certificate tp identifies, as far as it is known.
func (d *diag) describe(tp audit.Thumbprints) string {
	return d.describeCert(tp, d.x.cert(tp))
}

// describeCert is describe for c, the certificate tp names (d.x.cert(tp)),
// for callers that need c too.
func (d *diag) describeCert(tp audit.Thumbprints, c *audit.Certificate) string {
	if c == nil {
		return "the certificate with " + tp.Brief() + " (no local file or registered body of it is known)"
	}
	s := fmt.Sprintf("certificate %q (%s, valid %s to %s)", c.Subject, c.Thumbprints.Brief(), audit.Day(c.NotBefore), audit.Day(c.NotAfter))
	if lc := d.x.local(tp); lc != nil {
		s += ", local file " + lc.Source
	}
	return s
}

// localFor is the local reference of the first of tps that is a local
// certificate.
func (d *diag) localFor(tps []audit.Thumbprints) *audit.LocalRef {
	for _, tp := range tps {
		if lc := d.x.local(tp); lc != nil {
			return audit.LocalCertRef(lc)
		}
	}
	return nil
}

// checkRegistered holds one readable thumbprint header against the app.
func (d *diag) checkRegistered(slot string, tp audit.Thumbprints) {
	cert := d.x.cert(tp)
	what := fmt.Sprintf("the %s of %s names %s", slot, d.aName, d.describeCert(tp, cert))
	reg := d.x.register(d.appObjs, tp, d.at)
	local := d.localFor([]audit.Thumbprints{tp})
	switch reg.state {
	case regNoTenant:
		// A local copy still says whether the certificate itself is valid,
		// and no registration outlives it.
		if cert != nil && !audit.Within(cert.NotBefore, cert.NotAfter, d.at) {
			d.emit(audit.CheckAssertionKeyExpired, 0, nil, local, "%s, which is not valid at %s: Entra caps a registration at the certificate's own validity, so no app accepts it",
				what, d.atText())
		}
	case regOutside:
		s, e := d.x.window(reg.usable.key)
		d.emit(audit.CheckAssertionKeyExpired, 0, d.x.credRef(*reg.usable), local, "%s, registered on %s from %s to %s, which does not cover %s: Entra answers AADSTS700027 (\"the key used is expired\") or AADSTS1000502",
			what, reg.usable.obj.Ref, dayOr(s), dayOr(e), d.atText())
	case regWrongUsage:
		d.emit(audit.CheckAssertionThumbprintUnknown, 0, d.x.credRef(reg.hits[0]), local, "%s, which %s has registered %s",
			what, reg.hits[0].obj.Ref, onlyAs(reg.hits))
	case regNotFound:
		msg := fmt.Sprintf("%s, which matches no key of %s or its service principal: Entra answers AADSTS700027 \"the key was not found\"", what, d.appRef()) +
			d.x.notFound(reg, d.appObjs, d.at, cert)
		var sev audit.Severity
		if reg.incomparable > 0 {
			sev = audit.SeverityMedium
			msg += fmt.Sprintf("; but %s of the app cannot be compared, since only the other digest of each is known: give the certificate file (--cert or --certs) to be sure",
				audit.Plural(reg.incomparable, "registered certificate"))
		}
		d.emit(audit.CheckAssertionThumbprintUnknown, sev, nil, local, "%s", msg)
	}
}

func dayOr(t time.Time) string {
	if t.IsZero() {
		return "(no date)"
	}
	return audit.Day(t)
}

// checkSignature verifies the signature with the certificate the header
// names, or failing that with the local certificates, and reports whether
// the header should name another certificate.
func (d *diag) checkSignature() bool {
	alg, _, _ := d.a.HeaderString("alg")
	if alg != "RS256" && alg != "PS256" {
		return false // assertion-alg says why
	}
	if len(d.a.Signature) == 0 {
		d.emit(audit.CheckAssertionSignature, 0, nil, nil, "%s has an empty signature part: it is not signed", d.aName)
		return false
	}
	var named *audit.Certificate
	for _, tp := range d.assertionNamed() {
		if c := d.x.cert(tp); c != nil {
			named = c
			break
		}
	}
	if named == nil {
		if s := d.findSigner(alg, nil); s != nil {
			d.signer = s
			return false
		}
		switch c := d.in.Cert; {
		case c != nil && c.Cert != nil && d.a.Verify(alg, c.Cert.PublicKey) == evidence.ErrKeyCannotSign:
			d.emit(audit.CheckAssertionSignature, 0, nil, audit.LocalCertRef(c), "%s is %s, and the certificate given with --cert (%s) has %s: %s needs an RSA key (AADSTS5002730, unsupported key for the algorithm)",
				d.aName, alg, c.Source, keyKind(c.Cert.PublicKey), alg)
		case c != nil && c.Cert != nil:
			d.warn("the signature of %s does not verify with the key of %s (--cert), and appaudit has no copy of the certificate the header names: the client signs with another key", d.aName, c.Source)
		default:
			d.warn("the signature of %s was not checked: appaudit has no copy of the certificate the header names (give it with --cert)", d.aName)
		}
		return false
	}
	err := d.a.Verify(alg, named.PublicKey)
	what := fmt.Sprintf("certificate %q (%s)", named.Subject, named.Thumbprints.Brief())
	switch {
	case err == nil:
		d.signer = named
		return false
	case errors.Is(err, evidence.ErrKeyCannotSign):
		d.emit(audit.CheckAssertionSignature, 0, nil, d.localFor(d.assertionNamed()), "%s is %s, and the %s its header names has %s: %s needs an RSA key, so Entra answers AADSTS5002730 (unsupported key for the algorithm)",
			d.aName, alg, what, keyKind(named.PublicKey), alg)
	case errors.Is(err, evidence.ErrPSSSalt):
		d.emit(audit.CheckAssertionSignature, 0, nil, nil, "%s is a PS256 signature by the key of %s, made with a PSS salt length other than the hash length: Entra verifies PS256 with a 32-byte salt (RFC 7518), so sign with salt length = hash length (Go: rsa.PSSSaltLengthEqualsHash)",
			d.aName, what)
	case errors.Is(err, evidence.ErrOtherPadding):
		other := "PKCS #1 v1.5 (RS256)"
		if alg == "RS256" {
			other = "PSS (PS256)"
		}
		d.emit(audit.CheckAssertionSignature, 0, nil, nil, "the header of %s says %s, but the signature by the key of %s is %s: make alg match the padding the client signs with",
			d.aName, alg, what, other)
	default:
		if s := d.findSigner(alg, named); s != nil {
			d.signer = s
			d.emit(audit.CheckAssertionSignature, 0, nil, d.localFor([]audit.Thumbprints{s.Thumbprints}), "the header of %s names %s, but the assertion is signed with the key of certificate %q (%s): the client names one certificate and signs with another's key",
				d.aName, what, s.Subject, s.Thumbprints.Brief())
			return true
		}
		msg := fmt.Sprintf("the signature of %s does not verify with the key of %s, which its header names: the client signs with another private key", d.aName, what)
		if c := d.in.Cert; c != nil && c.Cert != nil && !c.Cert.Thumbprints.Matches(named.Thumbprints) {
			msg += fmt.Sprintf(" (not with that of --cert %s either)", c.Source)
		}
		d.emit(audit.CheckAssertionSignature, 0, nil, nil, "%s", msg)
	}
	return false
}

// findSigner is the certificate whose key made the signature, except not:
// a local certificate, or one the app has registered with its body.
func (d *diag) findSigner(alg string, not *audit.Certificate) *audit.Certificate {
	var cands []*audit.Certificate
	for i := range d.x.ix.Locals() {
		cands = append(cands, d.x.ix.Locals()[i].Cert)
	}
	for _, o := range d.appObjs {
		for i := range o.P.KeyCredentials {
			cands = append(cands, o.P.KeyCredentials[i].Cert)
		}
	}
	for _, c := range cands {
		if c == nil || (not != nil && c.Thumbprints.Matches(not.Thumbprints)) {
			continue
		}
		if d.a.Verify(alg, c.PublicKey) == nil {
			return c
		}
	}
	return nil
}

// thumbprintValues gives the header values that name the signing
// certificate (or, when that is not known, the certificate the header
// tried to name): for the slots the header uses, x5t#S256 when it uses
// none.
func (d *diag) thumbprintValues() {
	var tp audit.Thumbprints
	switch {
	case d.signer != nil:
		tp = d.signer.Thumbprints
	case len(d.assertionNamed()) > 0:
		tp = d.assertionNamed()[0]
		if c := d.x.cert(tp); c != nil {
			tp = c.Thumbprints
		}
	case d.in.Cert != nil && d.in.Cert.Cert != nil:
		tp = d.in.Cert.Cert.Thumbprints
	default:
		return
	}
	var slots []string
	for _, s := range headerSlots() {
		if _, ok := d.a.Header[s.name]; ok {
			slots = append(slots, s.name)
		}
	}
	if len(slots) == 0 {
		slots = []string{"x5t#S256"}
	}
	for _, s := range slots {
		v := tp.X5tS256()
		if s == "x5t" {
			v = tp.X5t()
		}
		if v != "" {
			d.values[s] = v
		}
	}
	if len(d.values) == 0 {
		// Only the other digest is known: name it in its own slot.
		if v := tp.X5t(); v != "" {
			d.values["x5t"] = v
		} else if v := tp.X5tS256(); v != "" {
			d.values["x5t#S256"] = v
		}
	}
}

func (d *diag) checkIssuerSubject() {
	var problems []string
	iss, issOK, issString := d.a.ClaimString("iss")
	sub, subOK, subString := d.a.ClaimString("sub")
	for _, c := range []struct {
		name           string
		present, isStr bool
	}{{"iss", issOK, issString}, {"sub", subOK, subString}} {
		switch {
		case !c.present:
			problems = append(problems, "it has no "+c.name+" claim")
		case !c.isStr:
			problems = append(problems, c.name+" is not a string")
		}
	}
	if issString && subString && !strings.EqualFold(iss, sub) {
		problems = append(problems, fmt.Sprintf("iss (%q) and sub (%q) differ, which Entra answers with AADSTS50048", evidence.Clip(iss, 60), evidence.Clip(sub, 60)))
	}
	// The client ID the user or the error gives; the request's client_id
	// is request-client-id-mismatch's.
	client, from := d.in.ClientID, "--client-id"
	if client == "" && d.errR != nil && d.errR.AppID != "" {
		client, from = d.errR.AppID, "the error"
	}
	if client != "" {
		for _, c := range []struct{ name, v string }{{"iss", iss}, {"sub", sub}} {
			if c.v != "" && !strings.EqualFold(c.v, client) {
				problems = append(problems, fmt.Sprintf("%s is %q, but the client is %s (from %s)", c.name, evidence.Clip(c.v, 60), client, from))
			}
		}
	}
	if len(problems) == 0 {
		return
	}
	if client != "" {
		d.values["iss"], d.values["sub"] = client, client
	}
	d.emit(audit.CheckAssertionIssuerSubject, 0, nil, nil, "in %s, %s; both must be the application (client) ID", d.aName, strings.Join(problems, "; "))
}

// tenantName is a name of the tenant the request goes to, and where it
// came from.
type tenantName struct{ value, from string }

func (d *diag) tenantNames() []tenantName {
	var names []tenantName
	add := func(v, from string) {
		if v = strings.TrimSpace(v); v != "" && !evidence.MultiTenant(v) {
			names = append(names, tenantName{v, from})
		}
	}
	add(d.in.TenantID, "--tenant")
	if d.x.t != nil {
		add(d.x.t.TenantID, "the tenant data")
	}
	if ep, ok := d.requestEndpoint(); ok {
		add(ep.Tenant, "the request URL")
	}
	if d.errR != nil && audit.IsGUID(d.errR.Directory) {
		add(d.errR.Directory, "the error")
	}
	return names
}

// cloudName is the tenant's cloud, as far as anything says; a name
// appaudit does not know says nothing.
func (d *diag) cloudName() (string, string) {
	if c, err := ParseCloud(d.in.Cloud); err == nil {
		return c, "--cloud"
	}
	if d.x.t != nil {
		if c, err := ParseCloud(d.x.t.Cloud); err == nil {
			return c, "the tenant data"
		}
	}
	if ep, ok := d.requestEndpoint(); ok {
		if c := audit.CloudOfAuthorityHost(ep.Host); c != "" {
			return c, "the request URL"
		}
	}
	return "", ""
}

func (d *diag) checkAudience() {
	auds, present, ok := d.a.Audiences()
	switch {
	case !present:
		d.emit(audit.CheckAssertionAudience, 0, nil, nil, "%s has no aud claim: it must be the token endpoint the request goes to", d.aName)
		d.audValue("")
		return
	case !ok:
		d.emit(audit.CheckAssertionAudience, 0, nil, nil, "the aud of %s is neither a string nor a list of strings", d.aName)
		d.audValue("")
		return
	}
	names := d.tenantNames()
	worst := audit.SeverityInfo
	var problems []string
	for _, aud := range auds {
		problem, sev := d.judgeAudience(aud, names)
		if problem == "" {
			if len(names) == 0 {
				d.warn("the tenant is not known (give --tenant): the aud of %s was checked for its form only", d.aName)
			}
			return
		}
		problems = append(problems, problem)
		worst = max(worst, sev)
	}
	d.emit(audit.CheckAssertionAudience, worst, nil, nil, "in %s, %s", d.aName, strings.Join(problems, "; "))
	if ep, ok := evidence.ParseEndpoint(auds[0]); ok {
		d.audValue(ep.Host)
	} else {
		d.audValue("")
	}
}

// judgeAudience says what is wrong with one aud value, and how sure
// that is.
func (d *diag) judgeAudience(aud string, names []tenantName) (string, audit.Severity) {
	crit := audit.SeverityCritical
	ep, ok := evidence.ParseEndpoint(aud)
	if !ok {
		return fmt.Sprintf("aud is %q, which is not a URL: it must be the token endpoint the request goes to", evidence.Clip(aud, 80)), crit
	}
	q := fmt.Sprintf("aud %q", evidence.Clip(aud, 100))
	if ep.Scheme != "https" {
		return q + " is not an https URL", crit
	}
	hostCloud := audit.CloudOfAuthorityHost(ep.Host)
	cloud, cloudFrom := d.cloudName()
	reqEP, haveReq := d.requestEndpoint()
	switch {
	case hostCloud == "":
		return fmt.Sprintf("%s has the host %s, which is the sign-in host of no Entra cloud", q, ep.Host), crit
	case cloud != "" && !audit.SameCloud(hostCloud, cloud):
		return fmt.Sprintf("%s is an endpoint of the %s cloud, but the tenant is in the %s cloud (from %s): tokens do not cross clouds, and Entra answers AADSTS900384", q, hostCloud, cloud, cloudFrom), crit
	case haveReq && audit.CloudOfAuthorityHost(reqEP.Host) != "" && !audit.SameCloud(hostCloud, audit.CloudOfAuthorityHost(reqEP.Host)):
		return fmt.Sprintf("%s is in the %s cloud, but the request goes to %s", q, hostCloud, reqEP.Host), crit
	case ep.Version == "":
		return q + " is not a token endpoint: the path must be /{tenant}/oauth2/v2.0/token (or the v1 /{tenant}/oauth2/token)", crit
	case evidence.MultiTenant(ep.Tenant):
		return fmt.Sprintf("%s names %s instead of a tenant: the assertion's audience must be the token endpoint of the tenant itself (\"client assertion audience claim does not match Realm issuer\")", q, ep.Tenant), crit
	}
	if len(names) == 0 {
		return "", 0
	}
	for _, n := range names {
		if strings.EqualFold(n.value, ep.Tenant) {
			return "", 0
		}
	}
	n := names[0]
	for _, c := range names {
		if audit.IsGUID(c.value) {
			n = c
			break
		}
	}
	if audit.IsGUID(ep.Tenant) && audit.IsGUID(n.value) {
		return fmt.Sprintf("%s names tenant %s, but the request is for tenant %s (from %s)", q, ep.Tenant, n.value, n.from), crit
	}
	return fmt.Sprintf("%s names the tenant %q and %s names %q: appaudit cannot tell offline whether they are the same tenant", q, ep.Tenant, n.from, n.value), audit.SeverityMedium
}

// audValue gives the right aud: the request's endpoint, else the v2
// token endpoint of the known tenant in the known cloud.
func (d *diag) audValue(audHost string) {
	if ep, ok := d.requestEndpoint(); ok && !evidence.MultiTenant(ep.Tenant) {
		d.values["aud"] = "https://" + ep.Host + "/" + ep.Tenant + "/oauth2/v2.0/token"
		return
	}
	names := d.tenantNames()
	if len(names) == 0 {
		return
	}
	tenant := names[0].value
	for _, n := range names {
		if audit.IsGUID(n.value) {
			tenant = n.value
			break
		}
	}
	name, _ := d.cloudName()
	if name == "" {
		name = audit.CloudOfAuthorityHost(audHost)
	}
	cloud, err := audit.LookupCloud(name)
	if err != nil {
		cloud = audit.Clouds()[0] // public
	}
	d.values["aud"] = cloud.TokenEndpoint(url.PathEscape(tenant))
}

// timeProblem is one thing wrong with the assertion's times; cause, when
// not empty, says it for the verdict in place of the check's title.
type timeProblem struct {
	sev   audit.Severity
	msg   string
	cause string
}

func (d *diag) checkTime() {
	var ps []timeProblem
	add := func(sev audit.Severity, format string, args ...any) {
		ps = append(ps, timeProblem{sev: sev, msg: fmt.Sprintf(format, args...)})
	}
	malformed := func(cause, detail string) {
		ps = append(ps, timeProblem{audit.SeverityCritical, cause + detail, cause})
	}
	// Judged against now rather than the error's timestamp, an expiry
	// may only mean the assertion was captured a while ago.
	late := audit.SeverityCritical
	lateHint := ""
	if !d.atIsError {
		late = audit.SeverityHigh
		lateHint = " (if it was captured a while ago, give the error response too: its timestamp says when the request was made)"
	}
	var quoted []string
	read := func(name string) (time.Time, bool) {
		v, present, isQuoted, err := d.a.ClaimNumber(name)
		switch {
		case !present:
			return time.Time{}, false
		case err != nil:
			malformed(name+" is not a number", ": NumericDate claims are seconds since 1970")
			return time.Time{}, false
		case v > 1e11:
			malformed(name+" is in milliseconds", fmt.Sprintf(" (%.0f): NumericDate claims are seconds since 1970", v))
			return time.Time{}, false
		}
		if isQuoted {
			quoted = append(quoted, name)
		}
		return evidence.UnixTime(v), true
	}
	exp, hasExp := read("exp")
	nbf, hasNbf := read("nbf")
	iat, hasIat := read("iat")
	if _, present := d.a.Claims["exp"]; !present {
		malformed("it has no exp claim", "")
	}
	if hasExp && d.at.After(exp.Add(clockSkew)) {
		add(late, "it expired at %s, %s before %s%s", stamp(exp), duration(d.at.Sub(exp)), d.atText(), lateHint)
	}
	if hasNbf && nbf.After(d.at.Add(clockSkew)) {
		add(audit.SeverityCritical, "it is not valid before %s (nbf), %s after %s%s", stamp(nbf), duration(nbf.Sub(d.at)), d.atText(), zoneHint(nbf.Sub(d.at)))
	}
	if hasIat && iat.After(d.at.Add(clockSkew)) {
		add(audit.SeverityMedium, "it was issued at %s (iat), %s after %s%s", stamp(iat), duration(iat.Sub(d.at)), d.atText(), zoneHint(iat.Sub(d.at)))
	}
	start, hasStart := nbf, hasNbf
	if !hasStart {
		start, hasStart = iat, hasIat
	}
	if hasExp && hasStart {
		switch life := exp.Sub(start); {
		case life <= 0:
			add(audit.SeverityCritical, "its exp (%s) is not after its start (%s)", stamp(exp), stamp(start))
		case life > time.Hour:
			add(audit.SeverityLow, "it is valid for %s, far longer than the 10 minutes MSAL uses: Entra sets no maximum today, but a leaked assertion stays usable that long", duration(life))
		}
	}
	if len(quoted) > 0 {
		are := "are JSON strings"
		if len(quoted) == 1 {
			are = "is a JSON string"
		}
		add(audit.SeverityInfo, "%s %s holding the seconds rather than a JSON number, as MSAL .NET (4.60 and later) writes nbf and exp: Entra takes them",
			strings.Join(quoted, " and "), are)
	}
	if len(ps) == 0 {
		return
	}
	worst := audit.SeverityInfo
	msgs := make([]string, len(ps))
	for i, p := range ps {
		worst = max(worst, p.sev)
		msgs[i] = p.msg
	}
	for _, p := range ps {
		if p.sev == worst {
			if p.cause != "" {
				d.because[audit.CheckAssertionTime] = "in " + d.aName + ", " + p.cause
			}
			break
		}
	}
	d.emit(audit.CheckAssertionTime, worst, nil, nil, "%s: %s; the clock skew commonly allowed is %s", d.aName, strings.Join(msgs, "; "), duration(clockSkew))
}

// zoneHint notes an offset that is a whole number of half hours: a client
// that wrote local time as if it were UTC.
func zoneHint(off time.Duration) string {
	abs := off.Abs()
	if abs < 25*time.Minute || abs > 14*time.Hour {
		return ""
	}
	half := 30 * time.Minute
	if r := abs % half; r <= 2*time.Minute || half-r <= 2*time.Minute {
		return " — a whole number of hours or half hours, as when a client writes local time as if it were UTC"
	}
	return ""
}

// duration renders a duration for people.
func duration(d time.Duration) string {
	d = d.Abs()
	switch {
	case d < 2*time.Minute:
		return audit.Plural(int(d.Round(time.Second)/time.Second), "second")
	case d < 2*time.Hour:
		return audit.Plural(int(d.Round(time.Minute)/time.Minute), "minute")
	case d < 48*time.Hour:
		return audit.Plural(int(d.Round(time.Hour)/time.Hour), "hour")
	}
	return audit.Plural(int(math.Round(d.Hours()/24)), "day")
}

func (d *diag) checkJTI() {
	jti, present, isString := d.a.ClaimString("jti")
	switch {
	case !present:
		d.emit(audit.CheckAssertionJTIMissing, 0, nil, nil, "%s has no jti claim, which Entra documents as required (MSAL sends a fresh GUID)", d.aName)
	case !isString || strings.TrimSpace(jti) == "":
		d.emit(audit.CheckAssertionJTIMissing, 0, nil, nil, "the jti of %s is empty or not a string; it must be a fresh GUID", d.aName)
	case !audit.IsGUID(jti):
		d.emit(audit.CheckAssertionJTIMissing, audit.SeverityLow, nil, nil, "the jti of %s is not a GUID, as Entra documents it (MSAL sends a fresh GUID)", d.aName)
	}
}

// keyKind names a public key for messages.
func keyKind(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("an RSA-%d key", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "an EC " + k.Curve.Params().Name + " key"
	case ed25519.PublicKey:
		return "an Ed25519 key"
	}
	return "a key of an unknown kind"
}
