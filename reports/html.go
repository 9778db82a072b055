package reports

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// htmlReporter writes one self-contained HTML file for people who file
// reports: the summary, a timeline of credential expiries drawn as inline
// SVG, the findings grouped by object, the local certificates and the
// warnings. It fetches nothing: the CSS is inline, there are no scripts,
// fonts or images, and a Content-Security-Policy that allows only that
// stylesheet (by its hash) makes the browser refuse anything else, so
// even a mistake in escaping could not run a script or call out. Text
// comes from html/template, which escapes it for its context, after
// plainText has made control and bidirectional characters visible.
type htmlReporter struct{ opts Options }

func newHTML(o Options) Reporter { return &htmlReporter{opts: o} }

//go:embed html/report.html.tmpl
var htmlAssets embed.FS

//go:embed html/report.css
var htmlCSS string

// htmlTemplate is the page's template, parsed on first use.
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report.html.tmpl").ParseFS(htmlAssets, "html/report.html.tmpl"))
})

// htmlCSP is the page's Content-Security-Policy: nothing but the inline
// stylesheet, allowed by its hash.
var htmlCSP = sync.OnceValue(func() string {
	sum := sha256.Sum256([]byte(htmlCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'none'; base-uri 'none'; form-action 'none'"
})

// timelineRows bounds the rows of the timeline: the credentials ending
// soonest in its window are drawn, and the caption counts the others.
const timelineRows = 40

type htmlPage struct {
	Title, Source, Tool, SchemaVersion string
	CSP                                string
	CSS                                template.CSS
	Complete                           bool
	Incomplete                         string
	Read                               string
	// Facts are what a reader needs to trust the report: whether it is
	// complete, the policy applied, what passed, and what made it.
	Facts                  []htmlFact
	Severities             []htmlCount
	FindingsLine, Withheld string
	NoFindings             string
	NotListed              string
	Timeline               *htmlTimeline
	Groups                 []htmlGroup
	LocalCerts             []htmlLocal
	Warnings               []string
	Footer                 string
}

type htmlFact struct {
	Class, Label, Text string
}

type htmlCount struct {
	Name  string
	Count int
}

type htmlGroup struct {
	Name, Detail string
	Findings     []htmlFinding
}

type htmlFinding struct {
	Severity, Check, Title string
	Credential             []string
	Message, Remediation   string
	Reference              string
}

type htmlLocal struct {
	Source, Subject, SHA1, NotAfter string
	On                              []string
}

func (h *htmlReporter) Write(w io.Writer, r *audit.Result) error {
	page := htmlPage{
		Title:         plainText(r.Source.TenantID),
		Source:        sourceLine(r),
		Tool:          strings.TrimSpace(toolName(h.opts)),
		SchemaVersion: SchemaVersion,
		CSP:           htmlCSP(),
		CSS:           template.CSS(htmlCSS),
		Complete:      r.Complete,
		Incomplete:    plainText(r.Incomplete),
		Footer:        toolLine(h.opts, r),
		Warnings:      make([]string, 0, len(r.Warnings)),
	}
	if page.Title == "" {
		page.Title = "tenant"
	}
	s := r.Summary
	page.Read = readLine(s)
	page.Facts = htmlFacts(r, h.opts)
	for _, sev := range audit.Severities() {
		page.Severities = append(page.Severities, htmlCount{sev.String(), s.BySeverity[sev.String()]})
	}
	page.FindingsLine = audit.Plural(s.Findings, "finding")
	page.Withheld = withheldNote(r)
	page.NoFindings = noFindingsLine(r)
	page.Timeline = buildTimeline(r)
	listed, notListed := mostSevere(r)
	page.NotListed = notListed
	for _, group := range groupByObject(listed) {
		g := htmlGroup{Name: clipRunes(objectName(group[0].App), 200)}
		if o := group[0].App; o != nil {
			g.Detail = plainText(o.AppID)
			if o.Kind == audit.KindServicePrincipal {
				g.Detail += " · service principal"
			}
		}
		for _, f := range group {
			hf := htmlFinding{Severity: f.Severity.String(), Check: plainText(f.Check), Title: plainText(f.Title()),
				Message: plainText(f.Message), Remediation: plainText(f.Remediation()), Reference: f.Reference()}
			switch {
			case f.Credential != nil:
				hf.Credential = credentialLines(f.Credential, 40)
			case f.Local != nil:
				hf.Credential = []string{"local file", clipRunes(plainText(f.Local.Source), 60)}
			}
			g.Findings = append(g.Findings, hf)
		}
		page.Groups = append(page.Groups, g)
	}
	for _, lc := range r.LocalCertificates {
		hl := htmlLocal{Source: plainText(lc.Source), Subject: plainText(lc.Subject), SHA1: lc.Thumbprints.SHA1, NotAfter: lc.NotAfter.UTC().Format("2006-01-02")}
		for _, o := range lc.RegisteredOn {
			hl.On = append(hl.On, objectLine(&o))
		}
		page.LocalCerts = append(page.LocalCerts, hl)
	}
	for _, warning := range r.Warnings {
		page.Warnings = append(page.Warnings, plainText(warning))
	}
	// The template writes a piece at a time (a tag, a value): 135,000
	// writes for a page of 5,000 findings, each a system call on stdout.
	bw := bufio.NewWriterSize(w, streamBuffer)
	if err := htmlTemplate().Execute(bw, page); err != nil {
		return err
	}
	return bw.Flush()
}

// htmlFacts are the statements the summary makes about the audit itself.
func htmlFacts(r *audit.Result, o Options) []htmlFact {
	var facts []htmlFact
	if r.Complete {
		text := "all the evidence given was read."
		if r.Source.Kind != "none" {
			text = "every application and service principal of the " + sourceNoun(r) + " was read, so a check that found nothing on an object passed on it."
		}
		facts = append(facts, htmlFact{"complete", "Complete:", text})
	} else {
		facts = append(facts, htmlFact{"incomplete", "Incomplete:", plainText(r.Incomplete) + ". What was not read was not checked; this is not a clean result."})
	}
	if p := policyText(r); p != "" {
		facts = append(facts, htmlFact{"policy", "Policy:", p})
	}
	if p := passedText(r); p != "" {
		facts = append(facts, htmlFact{"passed", "Passed:", p})
	}
	version := o.ToolVersion
	if version == "" {
		version = "(version unknown)"
	}
	facts = append(facts, htmlFact{"tool", "Made by:", fmt.Sprintf("appaudit %s, report schema version %s.", plainText(version), SchemaVersion)})
	return facts
}

// sourceNoun names what was read: "tenant", "snapshot", "demo tenant".
func sourceNoun(r *audit.Result) string {
	switch r.Source.Kind {
	case "snapshot":
		return "snapshot"
	case "demo":
		return "demo tenant"
	}
	return "tenant"
}

// policyText states the thresholds the audit applied: all of them for a
// scan, the warning window for a preflight, none for a diagnosis.
func policyText(r *audit.Result) string {
	p := r.Policy
	switch r.Command {
	case "doctor":
		return ""
	case "preflight":
		return fmt.Sprintf("the new certificate's registered window must stay open for %s more.", audit.Plural(p.WarnDays, "day"))
	}
	return fmt.Sprintf("a credential ending within %s is expiring; a certificate may be registered for at most %s and a client secret for %s; an RSA key needs at least %d bits.",
		audit.Plural(p.WarnDays, "day"), audit.Plural(p.MaxCertDays, "day"), audit.Plural(p.MaxSecretDays, "day"), p.MinRSABits)
}

// passedText counts the objects and credentials that passed every check
// that examined them: no finding about them, and nothing withheld from
// the report (below --min-severity, suppressed, in the baseline) or left
// unchecked on their object. It says nothing but of a scan that records
// what it examined (not of doctor or preflight, nor of a report from
// before checksRun).
func passedText(r *audit.Result) string {
	if len(r.ChecksRun) == 0 || (r.Command != "scan" && r.Command != "") {
		return ""
	}
	// The objects and credentials with findings, by key: a report of a
	// large tenant has a few hundred thousand.
	keys := newObjectKeys()
	found := make(map[objectKey]struct{}, 2*len(r.Findings))
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.App == nil {
			continue
		}
		obj := keys.object(f.App)
		found[obj] = struct{}{}
		if c := f.Credential; c != nil {
			found[keys.credential(obj, c.KeyID)] = struct{}{}
			for _, k := range c.PairedKeyIDs {
				found[keys.credential(obj, k)] = struct{}{}
			}
		}
	}
	has := func(k objectKey) bool { _, ok := found[k]; return ok }
	var objects, objectsPassed, creds, credsPassed int
	for i := range r.Objects {
		o := &r.Objects[i]
		clear := len(o.Withheld) == 0 && len(o.Unchecked) == 0
		objects++
		if !clear {
			creds += len(o.Credentials)
			continue
		}
		obj := keys.object(&o.ObjectRef)
		if !has(obj) {
			objectsPassed++
		}
		for j := range o.Credentials {
			creds++
			if !has(keys.credential(obj, o.Credentials[j].KeyID)) {
				credsPassed++
			}
		}
	}
	if objects == 0 {
		return "no application or service principal holds a certificate or a client secret."
	}
	noun := "applications and service principals that hold"
	if objects == 1 {
		noun = "application or service principal that holds"
	}
	return fmt.Sprintf("%d of the %d %s credentials had no finding, nor did %d of their %s (what a report leaves out, below --min-severity, suppressed or in the baseline, or could not fully check, is not counted as passed).",
		objectsPassed, objects, noun, credsPassed, audit.Plural(creds, "credential"))
}

// The timeline: one row per credential (the Sign and Verify halves of
// one certificate are one), a bar over its registered window and a dot at
// its end, against months from 60 days before the audit to a year after
// it. Ended credentials are red, those that are not valid yet or are
// registered with the wrong usage purple, those ending within --warn-days
// amber, the others green. When there are more than fit, the problems are
// drawn, then the credentials ending next, and the ones that ended last.
type htmlTimeline struct {
	Width, Height       int
	X0, X1, LabelX      int
	Top, AxisY, LabelY  int
	TodayX, TodayLabelY int
	Today               string
	WarnDays            int
	Caption             string
	Ticks               []htmlTick
	Rows                []htmlRow
}

type htmlTick struct {
	X     int
	Label string
}

type htmlRow struct {
	Label, Title, Class    string
	TextY                  int
	BarX, BarY, BarW, BarH int
	EndX, EndY             int
}

const (
	tlWidth    = 960
	tlLabelW   = 300
	tlRowH     = 18
	tlTop      = 24
	tlBefore   = 60  // days before the audit
	tlAfter    = 365 // days after it
	tlNameRune = 34
)

// timelineCred is one credential on the timeline: a certificate
// registered once or as a Sign/Verify pair, or a secret. c is its first
// registration in its object's list.
type timelineCred struct {
	obj   *audit.AuditedObject
	c     *audit.CredentialStatus
	class string
}

// usages are the usages the credential's halves are registered with, in
// the order of the object's list: the halves are its certificates
// registered with the same name and window.
func (tc timelineCred) usages() []string {
	var out []string
	for i := range tc.obj.Credentials {
		c := &tc.obj.Credentials[i]
		if c != tc.c && !sameHalf(c, tc.c) {
			continue
		}
		if c.Usage != "" && !slices.Contains(out, c.Usage) {
			out = append(out, c.Usage)
		}
	}
	return out
}

// sameHalf reports whether c and h are halves of one certificate: two
// certificates registered with the same name and window.
func sameHalf(c, h *audit.CredentialStatus) bool {
	return c.Kind == audit.CredentialCertificate && h.Kind == audit.CredentialCertificate &&
		c.DisplayName == h.DisplayName && c.Start == h.Start && c.End == h.End
}

// timelineCreds hands each credential to yield once, classified, in the
// order of the objects. It holds one object's credentials at a time.
func timelineCreds(r *audit.Result, yield func(timelineCred)) {
	keys := newObjectKeys()
	wrongUsage := map[objectKey]bool{}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.App != nil && f.Credential != nil && f.Check == audit.CheckCertWrongUsage {
			obj := keys.object(f.App)
			wrongUsage[keys.credential(obj, f.Credential.KeyID)] = true
			for _, id := range f.Credential.PairedKeyIDs {
				wrongUsage[keys.credential(obj, id)] = true
			}
		}
	}
	warn := time.Duration(r.Policy.WarnDays) * 24 * time.Hour
	// heads are the credentials of the object at hand, each at its first
	// registration, and whether a half of it is registered with the wrong
	// usage; index finds a certificate's head by its halves' name and
	// window, in an object with more than a few.
	type head struct {
		c     *audit.CredentialStatus
		wrong bool
	}
	type half struct {
		name       string
		start, end time.Time
	}
	var heads []head
	for i := range r.Objects {
		o := &r.Objects[i]
		heads = heads[:0]
		var index map[half]int
		var obj objectKey
		if len(wrongUsage) > 0 {
			obj = keys.object(&o.ObjectRef)
		}
		for j := range o.Credentials {
			c := &o.Credentials[j]
			if c.End.IsZero() {
				continue
			}
			wrong := len(wrongUsage) > 0 && wrongUsage[keys.credential(obj, c.KeyID)]
			if c.Kind == audit.CredentialCertificate {
				at := -1
				if index != nil {
					if k, ok := index[half{c.DisplayName, c.Start, c.End}]; ok {
						at = k
					}
				} else {
					at = slices.IndexFunc(heads, func(h head) bool { return sameHalf(c, h.c) })
				}
				if at >= 0 {
					heads[at].wrong = heads[at].wrong || wrong
					continue
				}
				if index == nil && len(heads) == 16 {
					index = map[half]int{}
					for k, h := range heads {
						if h.c.Kind == audit.CredentialCertificate {
							index[half{h.c.DisplayName, h.c.Start, h.c.End}] = k
						}
					}
				}
				if index != nil {
					index[half{c.DisplayName, c.Start, c.End}] = len(heads)
				}
			}
			heads = append(heads, head{c, wrong})
		}
		for _, h := range heads {
			tc := timelineCred{obj: o, c: h.c, class: "ok"}
			switch {
			case !r.AsOf.Before(h.c.End):
				tc.class = "gone"
			case h.wrong || h.c.Start.After(r.AsOf):
				tc.class = "bad"
			case h.c.End.Sub(r.AsOf) <= warn:
				tc.class = "soon"
			}
			yield(tc)
		}
	}
}

// timelinePick keeps the first n of the credentials added to it in the
// order cmp gives them, as a stable sort of them all would, and counts
// them all: the timeline draws a few dozen credentials of a tenant's
// hundreds of thousands.
type timelinePick struct {
	n     int
	cmp   func(a, b timelineCred) int
	kept  []timelineCred
	total int
}

func (p *timelinePick) add(tc timelineCred) {
	p.total++
	// After every kept credential that does not come after it.
	at, _ := slices.BinarySearchFunc(p.kept, tc, func(k, tc timelineCred) int {
		if p.cmp(tc, k) < 0 {
			return 1
		}
		return -1
	})
	if at >= p.n {
		return
	}
	if len(p.kept) < p.n {
		p.kept = append(p.kept, timelineCred{})
	}
	copy(p.kept[at+1:], p.kept[at:len(p.kept)-1])
	p.kept[at] = tc
}

// timelineRowsOf is what the timeline draws: the rows, in order, and the
// counts its caption gives.
type timelineRowsOf struct {
	shown                   []timelineCred
	total                   int // in the window, or a problem now
	nBad, nUpcoming, nEnded int // drawn
	before, after           int // outside the window
}

// selectTimeline picks the rows of the timeline from start to end.
func selectTimeline(r *audit.Result, start, end time.Time) timelineRowsOf {
	// The problems and what ends next, soonest first; what ended, the
	// last to end first.
	bad := timelinePick{n: timelineRows, cmp: timelineByEnd}
	upcoming := timelinePick{n: timelineRows, cmp: timelineByEnd}
	ended := timelinePick{n: timelineRows, cmp: func(a, b timelineCred) int { return timelineByEnd(b, a) }}
	var sel timelineRowsOf
	timelineCreds(r, func(tc timelineCred) {
		switch {
		case tc.class == "bad":
			bad.add(tc) // a problem now, whenever it ends
		case tc.c.End.Before(start):
			sel.before++
		case tc.c.End.After(end):
			sel.after++
		case tc.class == "gone":
			ended.add(tc)
		default:
			upcoming.add(tc)
		}
	})
	sel.total = bad.total + upcoming.total + ended.total
	// The rows: the problems, then what ends next, with a third of the
	// rest (or what the upcoming leave) for what ended last.
	sel.nBad = len(bad.kept)
	room := timelineRows - sel.nBad
	sel.nEnded = min(ended.total, max(room/3, room-upcoming.total))
	sel.nUpcoming = min(upcoming.total, room-sel.nEnded)
	sel.shown = slices.Concat(bad.kept, upcoming.kept[:sel.nUpcoming], ended.kept[:sel.nEnded])
	slices.SortStableFunc(sel.shown, timelineByEnd)
	return sel
}

// timelineByEnd orders credentials by their end, then by their object's
// name.
func timelineByEnd(a, b timelineCred) int {
	if c := a.c.End.Compare(b.c.End); c != 0 {
		return c
	}
	return cmp.Compare(a.obj.DisplayName, b.obj.DisplayName)
}

func buildTimeline(r *audit.Result) *htmlTimeline {
	start := r.AsOf.Add(-tlBefore * 24 * time.Hour)
	end := r.AsOf.Add(tlAfter * 24 * time.Hour)
	sel := selectTimeline(r, start, end)
	if sel.total+sel.before+sel.after == 0 {
		return nil
	}
	shown, total := sel.shown, sel.total
	nBad, nUpcoming, nEnded := sel.nBad, sel.nUpcoming, sel.nEnded

	t := &htmlTimeline{
		Width: tlWidth, X0: tlLabelW + 10, X1: tlWidth - 10, LabelX: tlLabelW,
		Top: tlTop, WarnDays: r.Policy.WarnDays, Today: r.AsOf.UTC().Format("2006-01-02"),
	}
	t.AxisY = tlTop + len(shown)*tlRowH + 6
	t.LabelY = t.AxisY + 14
	t.Height = t.LabelY + 8
	t.TodayLabelY = tlTop - 8
	span := end.Sub(start).Seconds()
	x := func(at time.Time) int {
		if at.Before(start) {
			at = start
		} else if at.After(end) {
			at = end
		}
		return t.X0 + int(float64(t.X1-t.X0)*at.Sub(start).Seconds()/span+0.5)
	}
	t.TodayX = x(r.AsOf)
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0); m.Before(end); m = m.AddDate(0, 1, 0) {
		label := m.Format("Jan")
		if m.Month() == time.January {
			label = m.Format("2006")
		}
		t.Ticks = append(t.Ticks, htmlTick{X: x(m), Label: label})
	}
	for i, tc := range shown {
		c := tc.c
		y := tlTop + i*tlRowH
		from := start
		if !c.Start.IsZero() {
			from = c.Start
		}
		kind := "cert"
		if c.Kind == audit.CredentialSecret {
			kind = "secret"
		}
		usage := plainText(strings.Join(tc.usages(), "+"))
		label := clipRunes(plainText(tc.obj.DisplayName), tlNameRune) + " · " + kind
		if c.Kind == audit.CredentialCertificate && usage != "" && usage != audit.UsageVerify {
			label += " " + usage
		}
		title := fmt.Sprintf("%s (%s): %s %s ends %s (%s)", plainText(tc.obj.DisplayName), plainText(tc.obj.AppID), kind,
			credentialName(c), c.End.UTC().Format("2006-01-02"), relativeDays(r.AsOf, c.End))
		if tc.class == "bad" {
			if c.Start.After(r.AsOf) {
				title += "; not valid until " + audit.Day(c.Start)
			} else {
				title += "; registered with the wrong usage (" + usage + ") for the deployment that signs with it"
			}
		}
		row := htmlRow{
			Label: label, Class: tc.class, TextY: y + 12,
			BarX: x(from), BarY: y + 4, BarH: 10, EndX: x(c.End), EndY: y + 9, Title: title,
		}
		row.BarW = max(row.EndX-row.BarX, 1)
		t.Rows = append(t.Rows, row)
	}
	t.Caption = fmt.Sprintf("%s ending between %s and %s", audit.Plural(total, "credential"), start.UTC().Format("2006-01-02"), end.UTC().Format("2006-01-02"))
	if len(shown) < total {
		var drawn []string
		if nBad > 0 {
			drawn = append(drawn, fmt.Sprintf("the %d not valid yet or registered with the wrong usage", nBad))
		}
		if nUpcoming > 0 {
			drawn = append(drawn, fmt.Sprintf("the %d ending next", nUpcoming))
		}
		if nEnded > 0 {
			drawn = append(drawn, fmt.Sprintf("the %d that ended last", nEnded))
		}
		t.Caption += ", of which " + strings.Join(drawn, ", ") + " are drawn"
	}
	var rest []string
	if sel.before > 0 {
		rest = append(rest, fmt.Sprintf("%d ended earlier", sel.before))
	}
	if sel.after > 0 {
		rest = append(rest, fmt.Sprintf("%d end later", sel.after))
	}
	if len(rest) > 0 {
		t.Caption += "; " + strings.Join(rest, ", ")
	}
	t.Caption += "."
	return t
}

func credentialName(c *audit.CredentialStatus) string {
	if c.DisplayName != "" {
		return clipRunes(plainText(c.DisplayName), 60)
	}
	return plainText(c.KeyID)
}

// relativeDays says "in 20 days", "today" or "3 days ago".
func relativeDays(now, at time.Time) string {
	d := int(at.Sub(now).Hours() / 24)
	switch {
	case d > 0:
		return "in " + audit.Plural(d, "day")
	case d < 0:
		return audit.Plural(-d, "day") + " ago"
	}
	return "today"
}
