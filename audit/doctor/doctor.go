package doctor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/evidence"
)

// Evidence is one piece of what the user has, as read from a file or
// stdin: Name (the file, or "stdin") is used in messages.
type Evidence struct {
	Name string
	Data []byte
}

// Input is the evidence and the context of one diagnosis. Any of the three
// pieces of evidence may be nil, but not all of them.
type Input struct {
	// Assertion is a client assertion JWT.
	Assertion *Evidence
	// Request is a captured token request: a form body, a raw HTTP
	// request or a curl command line.
	Request *Evidence
	// Error is an AADSTS error: the JSON response or its description.
	Error *Evidence

	// ClientID is the application (client) ID the request authenticates
	// as, when the user knows it.
	ClientID string
	// TenantID is the tenant the request goes to: its ID or a domain.
	TenantID string
	// Cloud is public, usgov, usgovdod or china (see ParseCloud); empty
	// when not known.
	Cloud string
	// Cert is the certificate the client signs with (--cert), if given.
	Cert *audit.LocalCert
	// LocalCerts are other local certificates to identify thumbprints by.
	LocalCerts []audit.LocalCert
	// Tenant is the tenant to cross-check against; nil when none was read,
	// and then the Result's warnings say what could not be checked.
	Tenant *audit.Tenant

	// Now is the time to judge validity by when the error gives no
	// timestamp.
	Now time.Time
}

// The clock skew the time checks allow: undocumented by Entra, 5 minutes
// is the common assumption.
const clockSkew = 5 * time.Minute

// diag is one diagnosis under way: the facts the evidence gives, and what
// the checks find out as they run.
type diag struct {
	*facts
	in *Input
	r  *audit.Result
	x  *index

	// appObjs are the application and service principals of the client
	// the request authenticates as.
	appObjs []*audit.Object
	// kidNamed is the certificate the header's kid names, when the header
	// has no thumbprint and the kid names one (see noThumbprint).
	kidNamed []audit.Thumbprints
	// signer is the certificate whose key made the signature, when known.
	signer *audit.Certificate
	// values are the corrected header, claim and parameter values the
	// verdict gives.
	values map[string]string
	// because says, by check ID, what the verdict names as the cause when
	// that check's finding decides, in place of the check's title: what
	// the finding itself says was wrong.
	because map[string]string
}

// Diagnose explains a failing sign-in from the evidence, cross-checked
// against the tenant and the local certificates. It returns an error only
// for evidence it cannot read at all (an empty file, a request or an
// error text with nothing it recognises); a malformed assertion is a
// finding. It reads no files, no network and no clock.
//
// The Result (Command "doctor") holds the findings, worst first, and a
// Verdict naming the most likely cause; Complete is the tenant's.
func Diagnose(in *Input) (*audit.Result, error) {
	if in.Assertion == nil && in.Request == nil && in.Error == nil {
		return nil, errNoEvidence
	}
	f, err := readFacts(in)
	if err != nil {
		return nil, err
	}
	d := newDiag(in, "doctor")
	d.facts = f
	d.r.Warnings = append(d.r.Warnings, f.warnings...)
	d.appObjs = d.x.app(f.clientID)
	d.requestChecks()
	d.assertionChecks()
	d.errorChecks()
	d.appCheck()
	if in.Tenant == nil {
		d.warn("no tenant was read (give --snapshot, or sign in to Graph): the client ID, the thumbprints and their registration on the app were not checked against the tenant")
	}
	d.finish()
	d.r.Verdict = d.verdict()
	return d.r, nil
}

func newDiag(in *Input, command string) *diag {
	locals := in.LocalCerts
	if in.Cert != nil {
		locals = append([]audit.LocalCert{*in.Cert}, locals...)
	}
	return &diag{
		in: in, x: newIndex(in.Tenant, locals), facts: &facts{at: in.Now.UTC()},
		values: map[string]string{}, because: map[string]string{},
		r: audit.NewResult(command, in.Tenant, audit.DefaultPolicy(), in.Now),
	}
}

// emit records a finding of check id about the app the request
// authenticates as, with the catalogue's fixed fields; sev 0 is the check's
// default.
func (d *diag) emit(id string, sev audit.Severity, cred *audit.CredentialRef, local *audit.LocalRef, format string, args ...any) {
	d.emitFor(d.appRef(), id, sev, cred, local, format, args...)
}

// emitFor is emit for a finding about app.
func (d *diag) emitFor(app *audit.ObjectRef, id string, sev audit.Severity, cred *audit.CredentialRef, local *audit.LocalRef, format string, args ...any) {
	c, ok := audit.LookupCheck(id)
	if !ok {
		panic("doctor: check " + id + " is not in the catalogue") // a programming error, caught by tests
	}
	d.r.Findings = append(d.r.Findings, c.Finding(sev, app, cred, local, fmt.Sprintf(format, args...)))
}

func (d *diag) warn(format string, args ...any) {
	d.r.Warnings = append(d.r.Warnings, fmt.Sprintf(format, args...))
}

// appRef is the application the request authenticates as: its
// application object, else a service principal, when the tenant has it;
// else the client ID alone, when it is known.
func (d *diag) appRef() *audit.ObjectRef {
	if len(d.appObjs) == 0 {
		if d.clientID == "" {
			return nil
		}
		return &audit.ObjectRef{Kind: audit.KindApplication, AppID: d.clientID}
	}
	ref := d.appObjs[0].Ref
	for _, o := range d.appObjs {
		if o.Ref.Kind == audit.KindApplication {
			ref = o.Ref
			break
		}
	}
	return ref
}

// atText says when the request was made, for messages: "the time of the
// request, 2026-06-15 11:59:58 UTC (the error's timestamp)".
func (d *diag) atText() string {
	if d.atIsError {
		return "the time of the request, " + stamp(d.at) + " (the error's timestamp)"
	}
	return "the time of the request, taken as now, " + stamp(d.at)
}

// appCheck reports a client ID the tenant does not have.
func (d *diag) appCheck() {
	if d.x.t == nil {
		return
	}
	ids := []string{d.clientID}
	if d.errR != nil && d.errR.AppID != "" && !strings.EqualFold(d.errR.AppID, d.clientID) {
		ids = append(ids, d.errR.AppID)
	}
	for _, id := range ids {
		if id == "" || len(d.x.app(id)) > 0 {
			continue
		}
		sev, extra := audit.Severity(0), ""
		if !d.x.t.Complete {
			sev, extra = audit.SeverityMedium, " in the part of the tenant that was read (the tenant data is incomplete)"
		}
		from := d.clientIDFrom
		if id != d.clientID {
			from = "the error"
		}
		d.emit(audit.CheckAppNotInTenant, sev, nil, nil, "the client ID %s (from %s) is no application or service principal%s of tenant %s: Entra answers AADSTS700016 when the request goes to a tenant that does not know the app",
			id, from, extra, orUnknown(d.x.t.TenantID))
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "(ID unknown)"
	}
	return s
}

// finish completes the Result: counts, fingerprints, order, and where the
// local certificates that matter are registered: the one the client signs
// with, and those the evidence names.
func (d *diag) finish() {
	r, locals := d.r, d.x.ix.Locals()
	if t := d.in.Tenant; t != nil {
		r.Summary.Applications = len(t.Applications)
		r.Summary.ServicePrincipals = len(t.ServicePrincipals)
		for _, o := range d.x.ix.Objects() {
			r.Summary.KeyCredentials += len(o.P.KeyCredentials)
			r.Summary.PasswordCredentials += len(o.P.PasswordCredentials)
		}
	}
	for i := range locals {
		lc := &locals[i]
		if lc.Cert == nil || lc.Chain {
			continue
		}
		r.Summary.LocalCertificates++
		tp := lc.Cert.Thumbprints
		if !d.relevant(lc) {
			continue
		}
		r.LocalCertificates = append(r.LocalCertificates, audit.LocalCertStatus{
			Source: lc.Source, Subject: lc.Cert.Subject, Thumbprints: tp,
			NotAfter: lc.Cert.NotAfter, HasKey: lc.HasKey, RegisteredOn: d.x.registeredOn(tp),
		})
	}
	r.FinishFindings()
}

func (d *diag) relevant(lc *audit.LocalCert) bool {
	if d.in.Cert != nil && lc.Source == d.in.Cert.Source {
		return true
	}
	for _, tp := range d.named() {
		if lc.Cert.Thumbprints.Matches(tp) {
			return true
		}
	}
	return d.signer != nil && lc.Cert.Thumbprints.Matches(d.signer.Thumbprints)
}

// named are the certificates the evidence names: the assertion's
// thumbprint headers, or what its kid names when it has none, then the
// error's thumbprint.
func (d *diag) named() []audit.Thumbprints {
	out := d.assertionNamed()
	if d.errTP.Known() {
		out = append(out, d.errTP)
	}
	return out
}

// assertionNamed are the certificates the assertion names: its thumbprint
// headers, or what its kid names when it has none.
func (d *diag) assertionNamed() []audit.Thumbprints {
	return append(d.headerNamed(), d.kidNamed...)
}

// verdict names the most likely cause. Candidates are the findings at
// medium or above. Those whose check predicts a code the error response
// gave come first; then the more severe; then the earlier stage of the
// sign-in (audit.Stage, audit.CauseOrder). The
// error-aadsts finding (the symptom) is named only when nothing else is.
func (d *diag) verdict() *audit.Verdict {
	codes := d.codes
	rank := audit.CauseOrder()
	var best *audit.Finding
	better := func(f, than *audit.Finding) bool {
		if than == nil {
			return true
		}
		if (f.Check == audit.CheckErrorAADSTS) != (than.Check == audit.CheckErrorAADSTS) {
			return than.Check == audit.CheckErrorAADSTS
		}
		if fm, tm := predicts(f, codes), predicts(than, codes); fm != tm {
			return fm
		}
		if f.Severity != than.Severity {
			return f.Severity > than.Severity
		}
		return rank[f.Check] < rank[than.Check]
	}
	failures := 0
	for i := range d.r.Findings {
		f := &d.r.Findings[i]
		if f.Severity < audit.SeverityMedium {
			continue
		}
		failures++
		if better(f, best) {
			best = f
		}
	}
	v := &audit.Verdict{Values: d.values}
	if len(v.Values) == 0 {
		v.Values = nil
	}
	switch {
	case best == nil:
		v.Text = "no cause of failure found in the evidence"
		if n := len(d.r.Warnings); n > 0 {
			v.Text += fmt.Sprintf(" (%s could not be checked: see the warnings)", audit.Plural(n, "thing"))
		}
		return v
	case best.Severity >= audit.SeverityHigh:
		v.Text = "most likely cause: "
	default:
		v.Text = "possible cause: "
	}
	v.Cause = best.Check
	if best.Check == audit.CheckErrorAADSTS {
		v.Text += d.errorCause()
		return v
	}
	cause := lowerFirst(best.Title())
	if b := d.because[best.Check]; b != "" {
		cause = b
	}
	v.Text += cause + " (" + best.Check + ")"
	if failures > 1 {
		v.Text += fmt.Sprintf("; %s found", audit.Plural(failures-1, "other problem"))
	}
	return v
}

// errorCause is the verdict when only the error itself says what went
// wrong: its code, and what its own text says (appaudit's reading of the
// wording, or Entra's reason), else the code's usual cause.
func (d *diag) errorCause() string {
	known := d.errKnown
	s := d.errCode
	if known != nil {
		s += " (" + lowerFirst(known.Meaning) + ")"
	}
	details := d.errorDetails()
	switch {
	case d.said != nil:
		s += fmt.Sprintf(", as Entra says: %q: %s", evidence.Clip(firstSentence(d.saidQuote), 100), d.said.Means)
	case d.errR.Reason != "":
		s += fmt.Sprintf(", as Entra says: %q", evidence.Clip(d.errR.Reason, 100))
	case known != nil && len(details) == 0:
		s += "; usually " + known.Causes[0]
	}
	for _, more := range details {
		s += "; " + more
	}
	return s + " (" + audit.CheckErrorAADSTS + ")"
}

// firstSentence is s up to the end of its first sentence.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// primaryCode is the code of codes that says most: the last one appaudit
// knows other than AADSTS70002 (a wrapper: the code after it says more),
// with its entry; else the last code, and nil.
func primaryCode(codes []string) (string, *audit.AADSTSCode) {
	var code string
	if len(codes) > 0 {
		code = codes[len(codes)-1]
	}
	var known *audit.AADSTSCode
	for _, c := range codes {
		if a, ok := audit.LookupAADSTS(c); ok && c != "AADSTS70002" {
			code, known = c, &a
		}
	}
	return code, known
}

// predicts reports whether f's check predicts one of the codes.
func predicts(f *audit.Finding, codes []string) bool {
	for _, c := range codes {
		if slices.Contains(f.AADSTS(), c) {
			return true
		}
	}
	return false
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
