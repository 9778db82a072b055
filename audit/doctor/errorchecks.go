package doctor

import (
	"fmt"
	"strings"

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
	if p := d.errKnown; p != nil && e.Reason == "" {
		msg += "; usual causes: " + strings.Join(p.Causes, "; ")
	}
	d.emit(audit.CheckErrorAADSTS, 0, nil, d.localFor([]audit.Thumbprints{tp}), "%s", msg)
	if tp.Known() {
		d.errorThumbprint(tp)
	}
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
			r := objs[0].ref
			app = &r
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
		d.warn("the thumbprint in %s is registered as a valid Verify key on %s in this tenant data: check that the request went to this tenant and cloud, and that the data is current", d.in.Error.Name, reg.usable.obj.ref)
	case regOutside:
		s, e := d.x.window(reg.usable.key)
		emit(audit.CheckErrorThumbprintExpired, 0, d.x.credRef(*reg.usable), "%s, registered on %s from %s to %s, which does not cover %s",
			what, reg.usable.obj.ref, dayOr(s), dayOr(e), d.atText())
	case regWrongUsage:
		emit(audit.CheckErrorThumbprintUnknown, 0, d.x.credRef(reg.hits[0]), "%s, which %s has registered %s",
			what, reg.hits[0].obj.ref, onlyAs(reg.hits))
	case regNotFound:
		msg := what + ", which is registered on no key of " + app.String() + d.x.notFound(reg, objs, d.at, cert)
		emit(audit.CheckErrorThumbprintUnknown, 0, nil, "%s", msg)
	}
}
