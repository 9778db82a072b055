package audit

import (
	"fmt"
	"strings"
	"time"
)

// deployments holds every row of the deployed mapping against the app it
// names: cert-not-registered, cert-rotated-one-side, cert-wrong-usage,
// cert-key-mismatch. It also records which certificates are deployed, for
// the registered-side checks that follow.
func (s *scan) deployments() {
	for i := range s.inv.Deployments {
		d := &s.inv.Deployments[i]
		objs, why := s.resolve(d.App)
		if objs == nil {
			s.r.Warnings = append(s.r.Warnings, fmt.Sprintf("%s: %s; the row was not checked", d.Source, why))
			continue
		}
		for _, o := range objs {
			s.covered[o] = true
		}
		app := objs[0].ref
		local := deploymentRef(d)
		tp := d.Thumbprints
		var deployedCert *Certificate
		if d.Cert != nil && d.Cert.Cert != nil {
			deployedCert = d.Cert.Cert
			tp = tp.Merge(deployedCert.Thumbprints)
			if d.Cert.KeyMismatch != "" {
				s.emit(CheckCertKeyMismatch, 0, &app, nil, local,
					"%s signs as %s with %s, but %s: the assertion's signature will not verify",
					d.Source, app, describeCert(deployedCert, tp), d.Cert.KeyMismatch)
			}
		}
		for _, k := range thumbKeys(tp) {
			s.deployedThumbs[k] = true
		}

		var matched []*certGroup
		for _, o := range objs {
			for _, g := range o.groups {
				if s.thumbprints(g.primary()).Matches(tp) {
					matched = append(matched, g)
				}
			}
		}
		if len(matched) > 0 {
			usable := false
			for _, g := range matched {
				g.deployedBy = append(g.deployedBy, d)
				usable = usable || g.clientAuth()
			}
			if !usable {
				g := matched[0]
				s.emit(CheckCertWrongUsage, 0, &g.obj.ref, s.credRef(g), local,
					"%s signs with %s, which %s has registered only as %s: Entra checks client assertions against AsymmetricX509Cert keys with usage Verify, so sign-in fails with AADSTS700027",
					d.Source, describeCert(deployedCert, tp), g.obj.ref, usages(matched))
			}
			continue
		}

		if deployedCert != nil {
			if same := s.sameSubject(objs, deployedCert.Subject); len(same) > 0 {
				s.rotatedOneSide(d, deployedCert, tp, same, local)
				continue
			}
		}
		msg := fmt.Sprintf("%s signs with %s, which matches no certificate registered on %s or its service principal: Entra answers AADSTS700027 \"the key was not found\"",
			d.Source, describeCert(deployedCert, tp), app)
		if elsewhere := s.registeredOn(tp, objs); len(elsewhere) > 0 {
			msg += "; it is registered on " + joinRefs(elsewhere) + " instead"
		}
		var sev Severity
		if n := s.incomparable(objs, tp); n > 0 {
			// A SHA-256 thumbprint cannot be compared with a certificate
			// known only by the SHA-1 customKeyIdentifier: say so rather
			// than claim an outage.
			sev = SeverityMedium
			msg += fmt.Sprintf("; but %s of the app cannot be compared, since only its %s is known: give the certificate file (--certs) or the other thumbprint to be sure",
				Plural(n, "registered certificate"), otherDigest(tp))
		}
		s.emit(CheckCertNotRegistered, sev, &app, nil, local, "%s", msg)
	}
}

// incomparable counts the certificates of objs whose known thumbprints
// share no digest with tp.
func (s *scan) incomparable(objs []*object, tp Thumbprints) int {
	n := 0
	for _, o := range objs {
		for _, g := range o.groups {
			r := s.thumbprints(g.primary())
			if r.Known() && !(r.SHA1 != "" && tp.SHA1 != "") && !(r.SHA256 != "" && tp.SHA256 != "") {
				n++
			}
		}
	}
	return n
}

func otherDigest(tp Thumbprints) string {
	if tp.SHA1 == "" {
		return "SHA-1 thumbprint"
	}
	return "SHA-256 thumbprint"
}

// resolve finds the objects a mapping row's app names: by appId (the
// application and its service principal), else by exact display name,
// which must not name two different apps.
func (s *scan) resolve(app string) ([]*object, string) {
	key := strings.TrimSpace(app)
	if objs := s.appIndex()[strings.ToLower(key)]; len(objs) > 0 {
		return objs, ""
	}
	named := s.nameIndex()[key]
	appIDs := map[string]bool{}
	for _, o := range named {
		appIDs[strings.ToLower(o.p.AppID)] = true
	}
	switch len(appIDs) {
	case 0:
		why := fmt.Sprintf("no application or service principal has the appId or display name %q", key)
		if !s.t.Complete {
			why += " in the part of the tenant that was read (the tenant data is incomplete)"
		}
		return nil, why
	case 1:
		for id := range appIDs {
			if objs := s.appIndex()[id]; len(objs) > 0 {
				return objs, ""
			}
		}
		return named, ""
	}
	return nil, fmt.Sprintf("display name %q belongs to %d different apps; name the app by its appId", key, len(appIDs))
}

// sameSubject lists the certificate groups of objs whose subject is the
// deployed certificate's.
func (s *scan) sameSubject(objs []*object, subject string) []*certGroup {
	var out []*certGroup
	for _, o := range objs {
		for _, g := range o.groups {
			if !g.primary().IsCertificate() {
				continue
			}
			if SameSubject(s.subject(g.primary()), subject) {
				out = append(out, g)
			}
		}
	}
	return out
}

func (s *scan) subject(k *KeyCredential) string {
	if c, _ := s.body(k); c != nil {
		return c.Subject
	}
	return k.DisplayName
}

// issued is when a registered certificate came into being, as far as is
// known: the body's NotBefore, else the registered start.
func (s *scan) issued(k *KeyCredential) time.Time {
	if c, _ := s.body(k); c != nil {
		return c.NotBefore
	}
	return k.Start
}

func (s *scan) rotatedOneSide(d *Deployment, deployed *Certificate, tp Thumbprints, same []*certGroup, local *LocalRef) {
	newest := same[0]
	for _, g := range same[1:] {
		if s.issued(g.primary()).After(s.issued(newest.primary())) {
			newest = g
		}
	}
	k := newest.primary()
	regTP := s.thumbprints(k)
	for _, g := range same {
		g.deployedBy = append(g.deployedBy, d)
	}
	var msg string
	if deployed.NotBefore.After(s.issued(k)) {
		msg = fmt.Sprintf("the deployment is ahead: %s signs with a newer certificate for %s (%s, issued %s) that was never uploaded to %s, which has only the older one (%s, registered until %s). Upload the deployed certificate to the app",
			d.Source, CommonName(deployed.Subject), tp.Brief(), Day(deployed.NotBefore), newest.obj.ref, regTP.Brief(), dayOrUnknown(k.End))
	} else {
		msg = fmt.Sprintf("the app registration is ahead: %s has a newer certificate for %s (%s, from %s), but %s still signs with an older one (%s) that is no longer registered. Deploy the certificate the app now has",
			newest.obj.ref, CommonName(deployed.Subject), regTP.Brief(), dayOrUnknown(s.issued(k)), d.Source, tp.Brief())
	}
	s.emit(CheckCertRotatedOneSide, 0, &newest.obj.ref, s.credRef(newest), local, "%s%s", msg, s.identityNote(k))
}

// registeredOn names the objects, other than those in except, that have a
// certificate with thumbprints tp.
func (s *scan) registeredOn(tp Thumbprints, except []*object) []ObjectRef {
	skip := map[*object]bool{}
	for _, o := range except {
		skip[o] = true
	}
	var refs []ObjectRef
	seen := map[*object]bool{}
	for _, k := range thumbKeys(tp) {
		for _, g := range s.thumbIndex()[k] {
			if skip[g.obj] || seen[g.obj] {
				continue
			}
			seen[g.obj] = true
			refs = append(refs, g.obj.ref)
		}
	}
	return refs
}

// registered runs the checks on what each object has registered:
// validity, strength, lifetime, identity, use, and its secrets.
func (s *scan) registered() {
	for _, o := range s.objects {
		for _, g := range o.groups {
			s.certChecks(g)
		}
		s.samlChecks(o)
		s.secretChecks(o)
	}
}

func (s *scan) certChecks(g *certGroup) {
	k := g.primary()
	body, src := s.body(k)
	if !k.IsCertificate() && body == nil {
		return // Symmetric keys are not certificates
	}
	o := &g.obj.ref
	ref := func() *CredentialRef { return s.credRef(g) }
	tp := s.thumbprints(k)
	// what describes the certificate; built only when a check fires.
	what := func() string {
		return fmt.Sprintf("certificate %s (%s) on %s", describeSubject(s.subject(k)), tp.Brief(), o)
	}
	note := s.identityNote(k)
	deployed := len(g.deployedBy) > 0
	usedBy := ""
	if deployed {
		usedBy = "; " + deploymentSources(g.deployedBy) + " signs with it"
	}

	saml := g == g.obj.saml // samlChecks reports its expiry
	switch {
	case !saml && !k.End.IsZero() && !s.now.Before(k.End):
		sev, extra := SeverityHigh, ""
		switch {
		case deployed:
			sev = SeverityCritical
		case s.validSibling(g) != nil:
			sev = SeverityMedium
			extra = "; another certificate for the same purpose is valid, so this one is a leftover to remove"
		}
		s.emit(CheckCertExpired, sev, o, ref(), nil, "%s expired on %s (%s ago)%s%s%s",
			what(), Day(k.End), Plural(daysBetween(k.End, s.now), "day"), usedBy, extra, note)
	case !k.Start.IsZero() && s.now.Before(k.Start):
		sev := SeverityMedium
		if deployed {
			sev = SeverityHigh
		}
		s.emit(CheckCertNotYetValid, sev, o, ref(), nil, "%s is registered from %s (in %s)%s%s",
			what(), Day(k.Start), Plural(daysBetween(s.now, k.Start), "day"), usedBy, note)
	case !saml && s.endsSoon(k.End):
		sev, extra := SeverityMedium, ""
		if succ := s.successor(g); succ != nil {
			sev = SeverityLow
			extra = fmt.Sprintf("; its successor %s is already registered, until %s", s.thumbprints(succ.primary()).Brief(), dayOrUnknown(succ.primary().End))
		} else if deployed {
			sev = SeverityHigh
			extra = "; no successor is registered"
		}
		s.emit(CheckCertExpiring, sev, o, ref(), nil, "%s expires on %s (in %s)%s%s%s",
			what(), Day(k.End), Plural(daysBetween(s.now, k.End), "day"), usedBy, extra, note)
	}

	if body != nil {
		var weak []string
		if body.PublicKeyAlgorithm == "RSA" && body.KeyBits > 0 && body.KeyBits < s.p.MinRSABits {
			weak = append(weak, fmt.Sprintf("an RSA key of %d bits (minimum %d)", body.KeyBits, s.p.MinRSABits))
		}
		if body.WeakSignature() {
			weak = append(weak, "a "+body.SignatureAlgorithm+" signature")
		}
		if len(weak) > 0 {
			s.emit(CheckCertWeakKey, 0, o, ref(), nil, "%s has %s%s", what(), strings.Join(weak, " and "), note)
		}
	}
	if life, ok := lifetime(k.Start, k.End); ok && life > s.p.MaxCertDays+1 {
		s.emit(CheckCertLongLived, 0, o, ref(), nil, "%s is registered for %d days (%s to %s); the policy allows %d",
			what(), life, Day(k.Start), Day(k.End), s.p.MaxCertDays)
	}
	if src == FromNothing {
		s.emit(CheckCertUnidentified, 0, o, ref(), nil, "%s has no certificate body in the data and its customKeyIdentifier (%d bytes) is not a thumbprint: deployments can be matched to it by subject only",
			what(), len(k.CustomKeyIdentifier))
	}
	if s.covered[g.obj] && g.clientAuth() && !deployed && (k.End.IsZero() || s.now.Before(k.End)) {
		s.emit(CheckCertUnused, 0, o, ref(), nil, "%s can authenticate the app, but no row of the deployed mapping signs with it%s", what(), note)
	}
}

// validSibling is another certificate for the same purpose on the same
// object that is valid now.
func (s *scan) validSibling(g *certGroup) *certGroup {
	for _, o := range g.obj.groups {
		if o != g && o.signingOnly() == g.signingOnly() && o.primary().IsCertificate() && o.primary().ValidAt(s.now) {
			return o
		}
	}
	return nil
}

// successor is another certificate for the same purpose on the same
// object that starts before g ends and ends after it.
func (s *scan) successor(g *certGroup) *certGroup {
	end := g.primary().End
	for _, o := range g.obj.groups {
		k := o.primary()
		if o == g || o.signingOnly() != g.signingOnly() || !k.IsCertificate() {
			continue
		}
		if (k.End.IsZero() || k.End.After(end)) && (k.Start.IsZero() || k.Start.Before(end)) {
			return o
		}
	}
	return nil
}

func (s *scan) secretChecks(o *object) {
	secrets := o.p.PasswordCredentials
	if len(secrets) == 0 {
		return
	}
	ref := &o.ref
	s.emit(CheckSecretPresent, 0, ref, nil, nil, "%s has %s", o.ref, Plural(len(secrets), "client secret"))
	for i := range secrets {
		pc := &secrets[i]
		what := func() string { return fmt.Sprintf("client secret %s on %s", describeSecret(pc), o.ref) }
		switch {
		case !pc.End.IsZero() && !s.now.Before(pc.End):
			sev, extra := SeverityHigh, ""
			if otherSecret(secrets, i, func(p *PasswordCredential) bool { return p.ValidAt(s.now) }) {
				sev, extra = SeverityLow, "; another secret is valid, so this one is a leftover to remove"
			}
			s.emit(CheckSecretExpired, sev, ref, secretRef(pc), nil, "%s expired on %s (%s ago)%s",
				what(), Day(pc.End), Plural(daysBetween(pc.End, s.now), "day"), extra)
		case s.endsSoon(pc.End):
			sev, extra := SeverityMedium, ""
			if otherSecret(secrets, i, func(p *PasswordCredential) bool { return p.End.IsZero() || p.End.After(pc.End) }) {
				sev, extra = SeverityLow, "; a secret that outlives it is already registered"
			}
			s.emit(CheckSecretExpiring, sev, ref, secretRef(pc), nil, "%s expires on %s (in %s)%s",
				what(), Day(pc.End), Plural(daysBetween(s.now, pc.End), "day"), extra)
		}
		if life, ok := lifetime(pc.Start, pc.End); ok && life > s.p.MaxSecretDays+1 {
			s.emit(CheckSecretLongLived, 0, ref, secretRef(pc), nil, "%s is valid for %d days (%s to %s); the policy allows %d",
				what(), life, Day(pc.Start), Day(pc.End), s.p.MaxSecretDays)
		}
	}
}

func otherSecret(secrets []PasswordCredential, except int, ok func(*PasswordCredential) bool) bool {
	for j := range secrets {
		if j != except && ok(&secrets[j]) {
			return true
		}
	}
	return false
}

// localCerts reports, for every local certificate that is not a chain
// certificate, where the tenant has it registered, and flags those that
// are registered nowhere or carry the wrong private key.
func (s *scan) localCerts() {
	for i := range s.inv.Certs {
		lc := &s.inv.Certs[i]
		if lc.Cert == nil || lc.Chain {
			continue
		}
		tp := lc.Cert.Thumbprints
		on := s.registeredOn(tp, nil)
		s.r.LocalCertificates = append(s.r.LocalCertificates, LocalCertStatus{
			Source: lc.Source, Subject: lc.Cert.Subject, Thumbprints: tp,
			NotAfter: lc.Cert.NotAfter, HasKey: lc.HasKey, RegisteredOn: nonNil(on),
		})
		if s.isDeployed(tp) {
			continue // the mapping rows that use it were reported above
		}
		local := localCertRef(lc)
		if lc.KeyMismatch != "" {
			s.emit(CheckCertKeyMismatch, 0, nil, nil, local, "%s: %s", lc.Source, lc.KeyMismatch)
		}
		if len(on) > 0 {
			continue
		}
		if same := s.subjectIndex()[strings.ToLower(CommonName(lc.Cert.Subject))]; len(same) > 0 {
			g := same[0]
			s.emit(CheckLocalCertUnregistered, SeverityMedium, &g.obj.ref, s.credRef(g), local,
				"%s (%s, %s) is registered on no app, but %s has a certificate with the same subject (%s, until %s): if this is its successor, upload it before switching the deployment",
				lc.Source, lc.Cert.Subject, tp.Brief(), g.obj.ref, s.thumbprints(g.primary()).Brief(), dayOrUnknown(g.primary().End))
			continue
		}
		s.emit(CheckLocalCertUnregistered, 0, nil, nil, local, "%s (%s, %s) is registered on no application or service principal in this tenant",
			lc.Source, lc.Cert.Subject, tp.Brief())
	}
}

func (s *scan) isDeployed(tp Thumbprints) bool {
	for _, k := range thumbKeys(tp) {
		if s.deployedThumbs[k] {
			return true
		}
	}
	return false
}

// subjectIndex maps lower-case common names to the client-authentication
// certificates registered with them, built on first use.
func (s *scan) subjectIndex() map[string][]*certGroup {
	if s.bySubject == nil {
		s.bySubject = make(map[string][]*certGroup)
		for _, o := range s.objects {
			for _, g := range o.groups {
				if g.clientAuth() {
					cn := strings.ToLower(CommonName(s.subject(g.primary())))
					s.bySubject[cn] = append(s.bySubject[cn], g)
				}
			}
		}
	}
	return s.bySubject
}

func (s *scan) counts() {
	sum := &s.r.Summary
	sum.Applications = len(s.t.Applications)
	sum.ServicePrincipals = len(s.t.ServicePrincipals)
	for _, o := range s.objects {
		sum.KeyCredentials += len(o.p.KeyCredentials)
		sum.PasswordCredentials += len(o.p.PasswordCredentials)
	}
	for _, lc := range s.inv.Certs {
		if !lc.Chain {
			sum.LocalCertificates++
		}
	}
	sum.Deployments = len(s.inv.Deployments)
}

func nonNil(refs []ObjectRef) []ObjectRef {
	if refs == nil {
		return []ObjectRef{}
	}
	return refs
}

func lifetime(start, end time.Time) (int, bool) {
	if start.IsZero() || end.IsZero() || !end.After(start) {
		return 0, false
	}
	return daysBetween(start, end), true
}

func describeCert(c *Certificate, tp Thumbprints) string {
	if c != nil {
		return fmt.Sprintf("certificate %s (%s, valid %s to %s)", describeSubject(c.Subject), tp.Brief(), Day(c.NotBefore), Day(c.NotAfter))
	}
	return "the certificate with " + tp.Brief()
}

func describeSubject(subject string) string {
	if subject == "" {
		return "with no subject"
	}
	return fmt.Sprintf("%q", subject)
}

func describeSecret(pc *PasswordCredential) string {
	if pc.DisplayName != "" {
		return fmt.Sprintf("%q (keyId %s)", pc.DisplayName, pc.KeyID)
	}
	return "keyId " + pc.KeyID
}

func dayOrUnknown(t time.Time) string {
	if t.IsZero() {
		return "an unknown date"
	}
	return Day(t)
}

func usages(gs []*certGroup) string {
	var parts []string
	for _, g := range gs {
		for _, k := range g.keys {
			parts = append(parts, k.Type+"/"+k.Usage)
		}
	}
	return strings.Join(parts, ", ")
}

func deploymentSources(ds []*Deployment) string {
	srcs := make([]string, len(ds))
	for i, d := range ds {
		srcs[i] = d.Source
	}
	return strings.Join(srcs, ", ")
}

func joinRefs(refs []ObjectRef) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}
