package audit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The checks on what Entra itself recorded of the tenant's credentials in
// use (Tenant.Usage, read with --usage): which sign-ins fail now, which
// rotation was done on the registration side only, which credential
// nothing uses. They run only when usage evidence was read.

func usageRules() []rule {
	return []rule{
		{
			Check: Check{
				ID: CheckSignInFailing, Title: "App's sign-ins fail with a credential error",
				Severity: SeverityCritical, Command: "scan", Scope: ScopeUsage,
				AADSTS: credentialErrorCodes(),
				Description: "Entra's sign-in log holds failed service principal sign-ins of the app in the --usage-days window " +
					"with an error about its credential (AADSTS700027, 7000215, 7000222, 700024, 7000274, 50012, 50013, 700030, …). " +
					"The finding gives how many, the first and last, the code, and the credential the app presented, with " +
					"what the tenant says of it: registered on this app and expired, registered on another app instead, " +
					"removed, or unknown. It is the doctor's verdict, applied to the tenant's own log.",
				Remediation: "Give the workload a credential the app has registered and valid (appaudit doctor explains one failing request), or register the one it presents.",
				Reference:   refSignInLogs,
			},
			tenant: signInFailing,
		},
		{
			Check: Check{
				ID: CheckRotationIncomplete, Title: "Rotation done on the registration only: sign-ins still use the old credential",
				Severity: SeverityHigh, Command: "scan", Scope: ScopeUsage,
				AADSTS: []string{"AADSTS700027", "AADSTS7000222"},
				Description: "A newer credential of the same kind (certificate or secret) is registered on the object, but Entra " +
					"recorded sign-ins with the older one in the --usage-days window, and none with the newer one since it was " +
					"registered, while the older one ends within --warn-days: the deployment was never switched. Critical " +
					"once the older credential has ended.",
				Remediation: "Switch the workload to the newer credential now, check that Entra records its sign-ins, then remove the old one.",
				Reference:   refCredentialActivity,
			},
			object: rotationIncomplete,
		},
		{
			Check: Check{
				ID: CheckCredentialUnused, Title: "Credential with no recent sign-in",
				Severity: SeverityLow, Command: "scan", Scope: ScopeUsage,
				Description: "Entra's credential activity report lists no sign-in with a valid certificate or client secret for " +
					"--unused-days (default 90), or none at all. The report keeps what Entra has seen since it began " +
					"collecting, so 'never' means none recorded. An unused credential is cleanup, not an emergency: its " +
					"expiry findings are at most low.",
				Remediation: "Remove the credential if nothing needs it; an unused credential is one more to leak.",
				Reference:   refCredentialActivity,
			},
			group:  certUnusedBySignIns,
			object: secretUnusedBySignIns,
		},
	}
}

// credentialErrorCodes are the sign-in errors signin-failing reports: those
// about the credential an app presents.
func credentialErrorCodes() []string {
	return []string{"AADSTS700027", "AADSTS7000215", "AADSTS7000222", "AADSTS700024", "AADSTS7000274", "AADSTS50012",
		"AADSTS50013", "AADSTS700030", "AADSTS1000502", "AADSTS900384", "AADSTS5002726", "AADSTS5002730", "AADSTS50048", "AADSTS7000216",
		"AADSTS7000218"}
}

// usage is the usage evidence, nil when it was not read.
func (s *scan) usage() *Usage {
	if u := s.usageRead; u != nil && (u.Activity.Read || u.Failures.Read) {
		return u
	}
	return nil
}

// unusedDays is --unused-days, or its default.
func (s *scan) unusedDays() int {
	if s.p.UnusedDays > 0 {
		return s.p.UnusedDays
	}
	return DefaultUnusedDays
}

// usageFrom is the start of the window sign-ins count as recent in.
func (s *scan) usageFrom() time.Time {
	if u := s.usage(); u != nil && !u.From.IsZero() {
		return u.From
	}
	return s.now.AddDate(0, 0, -30)
}

// lastSignIn is when Entra last recorded a sign-in with any registration
// of the certificate g; known is false when the activity report does not
// list it (or was not read).
func (s *scan) lastSignIn(keyIDs ...string) (last time.Time, known bool) {
	u := s.usage()
	if u == nil {
		return time.Time{}, false
	}
	for _, id := range keyIDs {
		if t, ok := u.LastSignIn(id); ok {
			known = true
			if t.After(last) {
				last = t
			}
		}
	}
	return last, known
}

func groupKeyIDs(g *CertGroup) []string {
	ids := make([]string, len(g.Keys))
	for i, k := range g.Keys {
		ids[i] = k.KeyID
	}
	return ids
}

// unused reports whether a credential Entra lists, registered from
// start, has not signed in for --unused-days: its last sign-in is older,
// or it has none and was registered longer ago than that.
func (s *scan) unused(last time.Time, known bool, start time.Time) bool {
	limit := s.now.Add(-time.Duration(s.unusedDays()) * 24 * time.Hour)
	if !known {
		return false
	}
	if last.IsZero() {
		return !start.IsZero() && !start.After(limit)
	}
	return !last.After(limit)
}

// recent reports whether last lies in the usage window.
func (s *scan) recent(last time.Time) bool { return !last.IsZero() && !last.Before(s.usageFrom()) }

// byUse adjusts the severity of an expiry finding by what Entra recorded
// of the credential: used in the window with nothing to take over, at
// least high; unused for --unused-days, at most low. It returns the
// severity and the last sign-in to report.
func (s *scan) byUse(sev Severity, covered bool, start time.Time, keyIDs ...string) (Severity, string, *time.Time) {
	last, known := s.lastSignIn(keyIDs...)
	if !known {
		return sev, "", nil
	}
	switch {
	case s.unused(last, known, start):
		sev = min(sev, SeverityLow)
	case s.recent(last) && !covered:
		sev = max(sev, SeverityHigh)
	}
	return sev, s.signedIn(last), timePtr(last)
}

// signedIn describes a last sign-in for a message.
func (s *scan) signedIn(last time.Time) string {
	if last.IsZero() {
		return "; Entra records no sign-in with it"
	}
	return fmt.Sprintf("; its last sign-in was on %s (%s ago)", Day(last), ago(s.now.Sub(last)))
}

// notSignedIn says how long a credential registered from start has gone
// without signing in.
func (s *scan) notSignedIn(last, start time.Time) string {
	if last.IsZero() {
		return fmt.Sprintf("has no sign-in recorded since it was registered on %s", Day(start))
	}
	return fmt.Sprintf("last signed in on %s, %s ago", Day(last), ago(s.now.Sub(last)))
}

func ago(d time.Duration) string {
	switch {
	case d < 2*time.Hour:
		return Plural(int(d.Minutes()), "minute")
	case d < 48*time.Hour:
		return Plural(int(d.Hours()), "hour")
	}
	return Plural(int(d.Hours()/24), "day")
}

func certUnusedBySignIns(s *scan, c Check, g *CertGroup) {
	if !clientCert(g) || !g.ValidAt(s.now) {
		return
	}
	last, known := s.lastSignIn(groupKeyIDs(g)...)
	if !s.unused(last, known, g.Start) {
		return
	}
	s.addAt(timePtr(last), c, 0, g.Obj.Ref, g.Ref(), nil, "%s (--unused-days %d): remove it if nothing needs it",
		s.notSignedIn(last, g.Start), s.unusedDays())
}

func secretUnusedBySignIns(s *scan, c Check, o *Object) {
	for _, pc := range o.Secrets() {
		if !pc.ValidAt(s.now) {
			continue
		}
		last, known := s.lastSignIn(pc.KeyID)
		if !s.unused(last, known, pc.Start) {
			continue
		}
		s.addAt(timePtr(last), c, 0, o.Ref, secretRef(pc), nil, "%s (--unused-days %d): remove it if nothing needs it",
			s.notSignedIn(last, pc.Start), s.unusedDays())
	}
}

// rotationIncomplete looks, on one object, for an older credential still
// signing in while a newer one of the same kind has not.
func rotationIncomplete(s *scan, c Check, o *Object) {
	if s.usage() == nil {
		return
	}
	// A credential is a certificate (g) or a secret (pc) of o. Its
	// keyIds, reference and description are made only for the few the
	// check gets as far as.
	type cred struct {
		g          *CertGroup
		pc         *PasswordCredential
		start, end time.Time
	}
	keyIDs := func(c cred) []string {
		if c.g != nil {
			return groupKeyIDs(c.g)
		}
		return []string{c.pc.KeyID}
	}
	ref := func(c cred) *CredentialRef {
		if c.g != nil {
			return c.g.Ref()
		}
		return secretRef(c.pc)
	}
	what := func(c cred) string {
		if c.g != nil {
			return certWhat(c.g)
		}
		return secretWhat(c.pc)
	}
	var certs, secrets []cred
	for _, g := range o.Groups {
		if clientCert(g) {
			certs = append(certs, cred{g: g, start: g.Start, end: g.End})
		}
	}
	for _, pc := range o.Secrets() {
		secrets = append(secrets, cred{pc: pc, start: pc.Start, end: pc.End})
	}
	for _, kind := range [][]cred{certs, secrets} {
		for i, old := range kind {
			if old.end.IsZero() || !s.endsSoon(old.end) {
				continue
			}
			last, known := s.lastSignIn(keyIDs(old)...)
			if !known || !s.recent(last) {
				continue
			}
			for j, nw := range kind {
				if j == i || !(nw.end.IsZero() || nw.end.After(old.end)) || !nw.start.After(old.start) {
					continue
				}
				newLast, newKnown := s.lastSignIn(keyIDs(nw)...)
				if !newKnown || (!newLast.IsZero() && newLast.After(nw.start) && !newLast.Before(last)) {
					continue // the newer one signs in too: the switch is under way
				}
				sev, ends := Severity(0), fmt.Sprintf("ends on %s (in %s)", Day(old.end), Plural(daysBetween(s.now, old.end), "day"))
				if !s.now.Before(old.end) {
					sev, ends = SeverityCritical, fmt.Sprintf("ended on %s", Day(old.end))
				}
				newer := "has no sign-in recorded"
				if !newLast.IsZero() {
					newer = "last signed in on " + Day(newLast) + ", before the old one's last sign-in"
				}
				s.addAt(timePtr(last), c, sev, o.Ref, ref(old), nil, "%s and still signs in (last on %s, %s ago), while the newer %s, registered on %s, %s: the deployment was never switched",
					ends, Day(last), ago(s.now.Sub(last)), what(nw), dayOrUnknown(nw.start), newer)
				break
			}
		}
	}
}

// failure is the failed sign-ins of one app with one presented
// credential, all its codes together.
type failure struct {
	keyID, thumbprint, credType string
	codes                       []int
	count                       int64
	first, last                 time.Time
	reasons                     []string
}

// signInFailing reports the failed sign-ins the log holds, app by app,
// one finding per credential presented, on the app's application object
// (or, for an app the tenant no longer has, on its appId alone).
func signInFailing(s *scan, c Check) {
	u := s.usage()
	if u == nil {
		return
	}
	var apps []string
	for _, g := range u.Failed {
		if id := strings.ToLower(g.AppID); id != "" && !slices.Contains(apps, id) {
			apps = append(apps, id)
		}
	}
	for _, id := range apps {
		objs := s.x.App(id)
		for _, f := range s.failuresOf(u, id) {
			s.reportFailure(c, id, objs, f)
		}
	}
}

// failuresOf groups an app's failed sign-ins with a credential error by
// the credential presented, most recent first.
func (s *scan) failuresOf(u *Usage, appID string) []*failure {
	codes := credentialErrorCodes()
	var out []*failure
	for _, g := range u.FailuresOf(appID) {
		if !slices.Contains(codes, "AADSTS"+strconv.Itoa(g.ErrorCode)) {
			continue
		}
		var f *failure
		for _, h := range out {
			if h.keyID == g.KeyID && h.thumbprint == g.Thumbprint {
				f = h
			}
		}
		if f == nil {
			f = &failure{keyID: g.KeyID, thumbprint: g.Thumbprint, credType: g.ClientCredentialType, first: g.First, last: g.Last}
			out = append(out, f)
		}
		if !slices.Contains(f.codes, g.ErrorCode) {
			f.codes = append(f.codes, g.ErrorCode)
		}
		f.count += g.Count
		if g.First.Before(f.first) {
			f.first = g.First
		}
		if g.Last.After(f.last) {
			f.last = g.Last
		}
		if g.Reason != "" && len(f.reasons) < 2 && !slices.Contains(f.reasons, g.Reason) {
			f.reasons = append(f.reasons, g.Reason)
		}
	}
	return out
}

func (s *scan) reportFailure(c Check, appID string, objs []*Object, f *failure) {
	codes := make([]string, len(f.codes))
	for i, code := range f.codes {
		codes[i] = "AADSTS" + strconv.Itoa(code)
	}
	when := fmt.Sprintf("between %s and %s", stampUTC(f.first), stampUTC(f.last))
	if f.count == 1 {
		when = "at " + stampUTC(f.last)
	}
	presented, cred := s.presented(objs, f)
	msg := fmt.Sprintf("%s failed with %s %s%s", Plural(int(f.count), "sign-in"), strings.Join(codes, ", "), when, presented)
	if len(f.reasons) > 0 {
		msg += fmt.Sprintf("; Entra said: %q", f.reasons[0])
	}
	app := &ObjectRef{Kind: KindServicePrincipal, AppID: appID}
	if len(objs) > 0 {
		app = appOf(objs)
	} else {
		msg += "; the tenant has no application or service principal with this appId any more"
	}
	s.addAt(timePtr(f.last), c, 0, app, cred, nil, "%s", msg)
}

// presented says what the tenant knows of the credential failing
// sign-ins presented, and describes it for the finding.
func (s *scan) presented(objs []*Object, f *failure) (string, *CredentialRef) {
	var tp Thumbprints
	if f.thumbprint != "" {
		if p, err := ParseThumbprint(f.thumbprint); err == nil {
			tp = p.Thumbprints
		}
	}
	ref := &CredentialRef{Kind: CredentialCertificate, KeyID: f.keyID}
	if strings.EqualFold(f.credType, "clientSecret") {
		ref.Kind = CredentialSecret
	}
	if tp.Known() {
		ref.Thumbprints = &tp
	}
	// The app's own registration of it.
	for _, o := range objs {
		for _, g := range o.Groups {
			if (tp.Known() && g.Thumbprints.Matches(tp)) || (f.keyID != "" && containsFold(groupKeyIDs(g), f.keyID)) {
				state := "valid"
				switch {
				case !g.End.IsZero() && !s.now.Before(g.End):
					state = "expired on " + Day(g.End)
				case !g.ClientAuth():
					state = "registered only as " + usages([]*CertGroup{g}) + ", which Entra does not check client assertions against"
				}
				return fmt.Sprintf(", presenting %s, which the app has: %s", certWhat(g), state), g.Ref()
			}
		}
		for _, pc := range o.Secrets() {
			if f.keyID != "" && strings.EqualFold(pc.KeyID, f.keyID) {
				state := "valid"
				if !pc.End.IsZero() && !s.now.Before(pc.End) {
					state = "expired on " + Day(pc.End)
				}
				return fmt.Sprintf(", presenting %s, which the app has: %s", secretWhat(pc), state), secretRef(pc)
			}
		}
	}
	what := "a credential Entra recorded nothing of"
	switch {
	case tp.Known():
		what = "the certificate with " + tp.Brief()
	case f.keyID != "":
		what = "the credential with keyId " + f.keyID
	}
	if tp.Known() {
		if elsewhere := s.x.RegisteredOn(tp, objs); len(elsewhere) > 0 {
			return fmt.Sprintf(", presenting %s, which the app does not have: it is registered on %s instead", what, joinRefs(elsewhere)), ref
		}
		if lc := s.x.Local(tp); lc != nil {
			return fmt.Sprintf(", presenting %s (%s), which is registered on no app of this tenant", what, lc.Source), ref
		}
		return fmt.Sprintf(", presenting %s, which is registered on no app of this tenant", what), ref
	}
	if f.keyID != "" {
		return fmt.Sprintf(", presenting %s, which the app no longer has: it was removed", what), ref
	}
	return ", presenting " + what, nil
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func stampUTC(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
