package doctor

import (
	"fmt"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/evidence"
)

// errorChecks explains the AADSTS error and holds the thumbprint it reports
// against the tenant and the local certificates.
func (d *diag) errorChecks() {
	e := d.errR
	if e == nil {
		return
	}
	where := d.in.Error.Name
	var parts []string
	for _, code := range e.Codes {
		c, ok := audit.LookupAADSTS(code)
		if !ok {
			parts = append(parts, fmt.Sprintf("%s (a code appaudit does not know: https://login.microsoftonline.com/error?code=%s)", code, strings.TrimPrefix(code, "AADSTS")))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", code, lowerFirst(c.Meaning)))
	}
	msg := fmt.Sprintf("%s: Entra answered %s", where, strings.Join(parts, ", "))
	if e.Reason != "" {
		msg += fmt.Sprintf(", with the reason %q", evidence.Clip(e.Reason, 120))
	}
	tp := d.errTP
	switch {
	case tp.Known():
		msg += "; the client signed with " + d.describe(tp)
	case e.Thumbprint != "":
		msg += fmt.Sprintf("; the thumbprint it reports (%q) is not a 40- or 64-digit thumbprint", evidence.Clip(e.Thumbprint, 80))
	}
	if e.AppID != "" {
		msg += "; for app " + e.AppID
	}
	if !e.FoundKeyEnd.IsZero() {
		msg += fmt.Sprintf("; the key Entra found is registered from %s to %s", dayOr(e.FoundKeyStart), audit.Day(e.FoundKeyEnd))
	}
	if !e.Timestamp.IsZero() {
		msg += "; at " + stamp(e.Timestamp)
	}
	if e.TraceID != "" || e.CorrelationID != "" {
		msg += fmt.Sprintf(" (trace ID %s, correlation ID %s)", orNone(e.TraceID), orNone(e.CorrelationID))
	}
	switch p := d.errKnown; {
	case d.said != nil:
		msg += "; its text says " + d.said.Means
	case p != nil && e.Reason == "":
		msg += "; usual causes: " + strings.Join(p.Causes, "; ")
	}
	for _, more := range d.errorDetails() {
		msg += "; " + more
	}
	d.emit(audit.CheckErrorAADSTS, 0, nil, d.localFor([]audit.Thumbprints{tp}), "%s", msg)
	if tp.Known() {
		d.errorThumbprint(tp)
	}
}

// errorDetails are what the error's details add to its cause: how late
// the assertion came (AADSTS700024's times), the resource Entra did not
// find (AADSTS500011).
func (d *diag) errorDetails() []string {
	e := d.errR
	var out []string
	if lag := lateness(e); lag != "" {
		out = append(out, lag)
	}
	if e.Resource != "" {
		out = append(out, fmt.Sprintf("the resource it names: %q", evidence.Clip(e.Resource, 100)))
	}
	return out
}

// lateness says how far outside its window Entra got the assertion,
// from the times AADSTS700024 gives, and what that much time means: hours
// late, an assertion built once and sent again later; a whole number of
// hours once its lifetime is counted, local time written as if it were
// UTC; seconds to minutes, a clock behind or a slow request.
func lateness(e *evidence.ErrorResponse) string {
	now, exp, from := e.CurrentTime, e.AssertionExpiry, e.AssertionValidFrom
	switch {
	case now.IsZero() || exp.IsZero():
		return ""
	case !from.IsZero() && now.Before(from):
		return fmt.Sprintf("Entra got it %s before its nbf (%s): the client's clock runs ahead, or it wrote local time as if it were UTC%s",
			preciseDuration(from.Sub(now)), stamp(from), zoneHint(from.Sub(now)))
	case !now.After(exp):
		return ""
	}
	lag := now.Sub(exp)
	s := fmt.Sprintf("Entra got it %s after it expired (at %s, expiry %s)", preciseDuration(lag), stamp(now), stamp(exp))
	var life time.Duration
	if !from.IsZero() && exp.After(from) {
		life = exp.Sub(from)
	}
	switch hours, ok := wholeHours(lag, life); {
	case lag <= 2*clockSkew:
		return s + ": about the clock skew Entra allows, so the client's clock runs behind Entra's, or the request took that long to arrive; keep the clock in sync and build the assertion just before the request"
	case ok:
		return s + fmt.Sprintf(": %s once its lifetime is counted, as when a client %s off UTC writes local time as if it were UTC (or converts a UTC time again); write nbf and exp from the UTC clock",
			audit.Plural(hours, "whole hour"), audit.Plural(hours, "hour"))
	default:
		return s + ": a cached or reused assertion, built once and sent again long after its exp (MSAL builds one per request, valid 10 minutes); build a fresh assertion for every request"
	}
}

// wholeHours reports whether an assertion that came lag after its expiry,
// with the given lifetime (0 when not known), is a whole number of hours
// off: lag plus the lifetime within 3 minutes of whole hours, or, with the
// lifetime unknown, lag up to 15 minutes short of whole hours.
func wholeHours(lag, life time.Duration) (int, bool) {
	if life > 0 {
		off := lag + life
		h := off.Round(time.Hour)
		return int(h / time.Hour), h >= time.Hour && (off-h).Abs() <= 3*time.Minute
	}
	n := (lag - 2*time.Minute + time.Hour - 1) / time.Hour // whole hours, rounded up
	off := n*time.Hour - lag
	return int(n), n >= 1 && off >= -2*time.Minute && off <= 15*time.Minute
}

// preciseDuration renders a lag to the minute (to the second under ten
// minutes): "5 hours 17 minutes", "3 minutes 27 seconds".
func preciseDuration(d time.Duration) string {
	big, small, bigName, smallName := time.Hour, time.Minute, "hour", "minute"
	if d.Abs() < 10*time.Minute {
		big, small, bigName, smallName = time.Minute, time.Second, "minute", "second"
	}
	d = d.Abs().Round(small)
	b, sm := int(d/big), int(d%big/small)
	switch {
	case b == 0:
		return audit.Plural(sm, smallName)
	case sm == 0:
		return audit.Plural(b, bigName)
	}
	return audit.Plural(b, bigName) + " " + audit.Plural(sm, smallName)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// errorThumbprint holds the thumbprint the error reports against the app
// it names. An assertion with the same thumbprint was checked already.
func (d *diag) errorThumbprint(tp audit.Thumbprints) {
	for _, n := range d.assertionNamed() {
		if n.Matches(tp) {
			return
		}
	}
	objs := d.appObjs
	app := d.appRef()
	if id := d.errR.AppID; id != "" && !strings.EqualFold(id, d.clientID) {
		objs = d.x.app(id)
		app = nil
		if len(objs) > 0 {
			app = objs[0].Ref
		}
	}
	cert := d.x.cert(tp)
	what := "the thumbprint in " + d.in.Error.Name + " names " + d.describeCert(tp, cert)
	reg := d.x.register(objs, tp, d.at)
	local := d.localFor([]audit.Thumbprints{tp})
	emit := func(id string, sev audit.Severity, cred *audit.CredentialRef, format string, args ...any) {
		d.emitFor(app, id, sev, cred, local, format, args...)
	}
	switch reg.state {
	case regValid:
		if d.said != nil && d.said.Like == "AADSTS7000274" {
			return // the key Entra found: the error says the signature does not verify with it
		}
		d.warn("the thumbprint in %s is registered as a valid Verify key on %s in this tenant data: check that the request went to this tenant and cloud, and that the data is current", d.in.Error.Name, reg.usable.obj.Ref)
	case regOutside:
		s, e := d.x.window(reg.usable.key)
		emit(audit.CheckErrorThumbprintExpired, 0, d.x.credRef(*reg.usable), "%s, registered on %s from %s to %s, which does not cover %s",
			what, reg.usable.obj.Ref, dayOr(s), dayOr(e), d.atText())
	case regWrongUsage:
		emit(audit.CheckErrorThumbprintUnknown, 0, d.x.credRef(reg.hits[0]), "%s, which %s has registered %s",
			what, reg.hits[0].obj.Ref, onlyAs(reg.hits))
	case regNotFound:
		msg := what + ", which is registered on no key of " + app.String() + d.x.notFound(reg, objs, d.at, cert)
		emit(audit.CheckErrorThumbprintUnknown, 0, nil, "%s", msg)
	}
}
