package doctor

import (
	"fmt"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/evidence"
)

// PreflightInput is what appaudit preflight checks: a deployment of App is
// about to switch to Cert.
type PreflightInput struct {
	// Tenant is the tenant the app is looked up in; it must not be nil (a
	// tenant that lists nothing is an empty Tenant).
	Tenant *audit.Tenant
	// App is the app's appId or exact display name.
	App string
	// Cert is the new certificate, as audit/localfiles read it: HasKey and
	// KeyMismatch say whether its private key was found and fits.
	Cert audit.LocalCert
	// Old is the certificate the deployment signs with today, when the
	// user named it; OldSource says where it came from, for messages.
	Old       *audit.Thumbprints
	OldSource string
	// WarnDays: a window that ends within this many days is too short.
	WarnDays int
	// FailOn is the severity from which a finding makes the switch unsafe;
	// 0 is the default, SeverityMedium.
	FailOn audit.Severity
	// LocalCerts are other certificates to identify thumbprints by: the
	// versions of the Key Vault certificates read (audit.VaultLocals).
	LocalCerts []audit.LocalCert
	Now        time.Time
}

// Preflight says whether a deployment of the app can switch to the new
// certificate now. Its Result (Command "preflight") holds a finding for
// every reason the switch would fail or is not known to be safe, and a
// Verdict that calls it safe only when no finding is at or above FailOn;
// the Verdict's values are the x5t and x5t#S256 headers a client signing
// with the certificate sends.
func Preflight(in *PreflightInput) *audit.Result {
	cert := in.Cert
	d := newDiag(&Input{Tenant: in.Tenant, Cert: &cert, LocalCerts: in.LocalCerts, Now: in.Now}, "preflight")
	d.r.Policy.WarnDays = in.WarnDays
	p := &preflight{diag: d, in: in, tp: cert.Cert.Thumbprints}
	p.run()
	d.finish()
	d.r.Verdict = p.verdict()
	return d.r
}

type preflight struct {
	*diag
	in *PreflightInput
	tp audit.Thumbprints
	// window is the new certificate's usable window on the app, when it
	// is registered for client authentication.
	start, end time.Time
	usable     *keyHit
}

func (p *preflight) run() {
	var why string
	p.appObjs, why = p.x.ix.ResolveQuoting(p.in.App, evidence.Clip(strings.TrimSpace(p.in.App), 80), p.x.t.Complete)
	if len(p.appObjs) == 0 {
		sev := audit.Severity(0)
		if !p.x.t.Complete {
			sev = audit.SeverityMedium
		}
		p.emit(audit.CheckPreflightAppNotFound, sev, nil, nil, "%s", why)
		return
	}
	p.registration()
	p.key()
	p.overlap()
}

func (p *preflight) what() string {
	return fmt.Sprintf("certificate %q (%s, %s)", p.in.Cert.Cert.Subject, p.tp.Brief(), p.in.Cert.Source)
}

// registration checks the new certificate's registration on the app.
func (p *preflight) registration() {
	now := p.in.Now
	reg := p.x.register(p.appObjs, p.tp, now)
	local := audit.LocalCertRef(&p.in.Cert)
	switch reg.state {
	case regNotFound:
		msg := fmt.Sprintf("%s is registered on no key of %s or its service principal: after the switch, sign-in fails with AADSTS700027 \"the key was not found\"", p.what(), p.appRef())
		if len(reg.elsewhere) > 0 {
			msg += "; it is registered on " + joinRefs(reg.elsewhere) + " instead"
		}
		msg += "; " + p.x.verifyKeys(p.appObjs, now) + p.x.rotationHint(p.appObjs, p.in.Cert.Cert)
		var sev audit.Severity
		if n := audit.Unidentified(p.appObjs); n > 0 {
			sev = audit.SeverityMedium
			msg += fmt.Sprintf("; but %s of the app cannot be identified by thumbprint (Graph returned no body and customKeyIdentifier is not a thumbprint), so appaudit cannot be sure", audit.Plural(n, "registered certificate"))
		}
		p.emit(audit.CheckPreflightNotRegistered, sev, nil, local, "%s", msg)
		return
	case regWrongUsage:
		p.emit(audit.CheckPreflightWrongUsage, 0, p.x.credRef(reg.hits[0]), local, "%s is registered on %s %s",
			p.what(), reg.hits[0].obj.Ref, onlyAs(reg.hits))
		return
	}
	p.usable = reg.usable
	p.start, p.end = p.x.window(reg.usable.key)
	cred := p.x.credRef(*reg.usable)
	switch {
	case !p.start.IsZero() && now.Before(p.start):
		p.emit(audit.CheckPreflightNotYetValid, 0, cred, local, "%s is registered on %s, but its window opens on %s (in %s): a deployment that switches now fails until then",
			p.what(), reg.usable.obj.Ref, stamp(p.start), duration(p.start.Sub(now)))
	case !p.end.IsZero() && !now.Before(p.end):
		p.emit(audit.CheckPreflightExpired, 0, cred, local, "%s is registered on %s, but its window ended on %s", p.what(), reg.usable.obj.Ref, stamp(p.end))
	case p.r.Policy.EndsSoon(p.end, now):
		p.emit(audit.CheckPreflightExpiring, 0, cred, local, "%s is registered on %s until %s, in %s: within the %d days of --warn-days",
			p.what(), reg.usable.obj.Ref, audit.Day(p.end), duration(p.end.Sub(now)), p.in.WarnDays)
	}
}

func (p *preflight) key() {
	c := &p.in.Cert
	switch {
	case c.KeyMismatch != "":
		p.emit(audit.CheckPreflightKeyMismatch, 0, nil, audit.LocalCertRef(c), "%s: %s", c.Source, c.KeyMismatch)
	case !c.HasKey:
		p.emit(audit.CheckPreflightKeyUnchecked, 0, nil, audit.LocalCertRef(c), "no private key came with %s and none was given with --key: appaudit cannot say that the key the deployment will sign with belongs to the certificate", c.Source)
	}
}

// overlap checks that the old certificate stays valid during the roll-out
// and which keys stay valid after it ends.
func (p *preflight) overlap() {
	now := p.in.Now
	others := p.otherValid(now)
	if p.in.Old == nil {
		if len(others) == 0 {
			p.emit(audit.CheckPreflightNoOverlap, audit.SeverityInfo, nil, nil, "no certificate other than the new one is valid on %s now, so none overlaps with it: right for the app's first certificate; if instances still sign with an older one, they fail already (give it with --old to check it)",
				p.appRef())
		}
		return
	}
	old := *p.in.Old
	reg := p.x.register(p.appObjs, old, now)
	what := fmt.Sprintf("the old certificate (%s, %s)", old.Brief(), p.in.OldSource)
	switch reg.state {
	case regNotFound:
		p.emit(audit.CheckPreflightNoOverlap, 0, nil, nil, "%s is not registered on %s: instances that have not switched yet fail now; keep it registered until every instance signs with the new one", what, p.appRef())
		return
	case regWrongUsage:
		p.emit(audit.CheckPreflightNoOverlap, 0, p.x.credRef(reg.hits[0]), nil, "%s is registered on %s only as %s, so it does not authenticate the instances that still sign with it", what, p.appRef(), usages(reg.hits))
		return
	case regOutside:
		_, e := p.x.window(reg.usable.key)
		p.emit(audit.CheckPreflightNoOverlap, 0, p.x.credRef(*reg.usable), nil, "%s is registered on %s, but not valid now (its window ends %s): instances that have not switched fail already", what, p.appRef(), dayOr(e))
		return
	}
	_, oldEnd := p.x.window(reg.usable.key)
	if oldEnd.IsZero() {
		return
	}
	var after []string
	for _, h := range others {
		if h.key == reg.usable.key {
			continue
		}
		if s, e := p.x.window(h.key); audit.Within(s, e, oldEnd) {
			after = append(after, fmt.Sprintf("%s %s (until %s)", subjectOf(h.key, p.x.body(h.key)), p.x.thumbprints(h.key).Brief(), dayOr(e)))
		}
	}
	if len(after) > 0 {
		p.emit(audit.CheckPreflightOtherKeysValid, 0, nil, nil, "after the old certificate ends on %s, %s will still be valid on %s besides the new one: %s",
			audit.Day(oldEnd), audit.Plural(len(after), "other certificate"), p.appRef(), strings.Join(after, ", "))
	}
	if p.usable != nil && !p.end.IsZero() && p.end.Before(oldEnd) {
		p.emit(audit.CheckPreflightOtherKeysValid, audit.SeverityLow, nil, nil, "the new certificate ends on %s, before the old one (%s): switching shortens the time to the next rotation",
			audit.Day(p.end), audit.Day(oldEnd))
	}
}

// otherValid lists the app's client-authentication keys, other than the
// new certificate, valid at t.
func (p *preflight) otherValid(t time.Time) []keyHit {
	var out []keyHit
	for _, o := range p.appObjs {
		for i := range o.P.KeyCredentials {
			k := &o.P.KeyCredentials[i]
			if !k.CanAuthenticateClient() || p.x.thumbprints(k).Matches(p.tp) {
				continue
			}
			if s, e := p.x.window(k); audit.Within(s, e, t) {
				out = append(out, keyHit{o, k, p.x.ix.GroupOf(k)})
			}
		}
	}
	return out
}

// verdict calls the switch safe only when no finding is at or above
// FailOn.
func (p *preflight) verdict() *audit.Verdict {
	failOn := p.in.FailOn
	if failOn == 0 {
		failOn = audit.SeverityMedium
	}
	v := &audit.Verdict{Values: map[string]string{"x5t": p.tp.X5t(), "x5t#S256": p.tp.X5tS256()}}
	var worst *audit.Finding
	blocking := 0
	for i := range p.r.Findings {
		f := &p.r.Findings[i]
		if f.Severity < failOn {
			continue
		}
		blocking++
		if worst == nil {
			worst = f // findings are sorted worst first
		}
	}
	if worst != nil {
		v.Cause = worst.Check
		v.Text = "not safe to switch: " + lowerFirst(worst.Title()) + " (" + worst.Check + ")"
		if blocking > 1 {
			v.Text += fmt.Sprintf("; %s found", audit.Plural(blocking-1, "other problem"))
		}
		return v
	}
	if p.usable == nil {
		v.Text = fmt.Sprintf("no finding at or above %s, but %s is not known to be registered on the app", failOn, p.what())
		return v
	}
	v.Text = fmt.Sprintf("safe to switch: %s is registered on %s as a Verify key", p.what(), p.usable.obj.Ref)
	if !p.end.IsZero() {
		v.Text += ", valid until " + audit.Day(p.end)
	}
	return v
}
