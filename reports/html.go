package reports

import (
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
	Severities                         []htmlCount
	FindingsLine, Withheld             string
	NoFindings                         string
	NotListed                          string
	Timeline                           *htmlTimeline
	Groups                             []htmlGroup
	LocalCerts                         []htmlLocal
	Warnings                           []string
	Footer                             string
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
			hf := htmlFinding{Severity: f.Severity.String(), Check: plainText(f.Check), Title: plainText(f.Title),
				Message: plainText(f.Message), Remediation: plainText(f.Remediation), Reference: f.Reference}
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
	return htmlTemplate().Execute(w, page)
}

// The timeline: one row per credential, a bar over its registered window
// and a dot at its end, against months from 60 days before the audit to a
// year after it.
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

type timelineCred struct {
	obj *audit.AuditedObject
	c   audit.CredentialStatus
}

func buildTimeline(r *audit.Result) *htmlTimeline {
	start := r.AsOf.Add(-tlBefore * 24 * time.Hour)
	end := r.AsOf.Add(tlAfter * 24 * time.Hour)
	var in []timelineCred
	before, after := 0, 0
	for i := range r.Objects {
		o := &r.Objects[i]
		for _, c := range o.Credentials {
			if c.End == nil {
				continue
			}
			switch {
			case c.End.Before(start):
				before++
			case c.End.After(end):
				after++
			default:
				in = append(in, timelineCred{o, c})
			}
		}
	}
	if before+after+len(in) == 0 {
		return nil
	}
	slices.SortStableFunc(in, func(a, b timelineCred) int {
		if c := a.c.End.Compare(*b.c.End); c != 0 {
			return c
		}
		return cmp.Compare(a.obj.DisplayName, b.obj.DisplayName)
	})
	shown := in[:min(len(in), timelineRows)]
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
	warn := time.Duration(r.Policy.WarnDays) * 24 * time.Hour
	for i, tc := range shown {
		c := tc.c
		y := tlTop + i*tlRowH
		from := start
		if c.Start != nil {
			from = *c.Start
		}
		class := "ok"
		switch {
		case !r.AsOf.Before(*c.End):
			class = "gone"
		case c.End.Sub(r.AsOf) <= warn:
			class = "soon"
		}
		kind := "cert"
		if c.Kind == audit.CredentialSecret {
			kind = "secret"
		}
		label := clipRunes(plainText(tc.obj.DisplayName), tlNameRune) + " · " + kind
		if c.Kind == audit.CredentialCertificate && c.Usage != "" && c.Usage != audit.UsageVerify {
			label += " " + plainText(c.Usage)
		}
		row := htmlRow{
			Label: label, Class: class, TextY: y + 12,
			BarX: x(from), BarY: y + 4, BarH: 10, EndX: x(*c.End), EndY: y + 9,
			Title: fmt.Sprintf("%s (%s): %s %s ends %s (%s)", plainText(tc.obj.DisplayName), plainText(tc.obj.AppID), kind,
				credentialName(c), c.End.UTC().Format("2006-01-02"), relativeDays(r.AsOf, *c.End)),
		}
		row.BarW = max(row.EndX-row.BarX, 1)
		t.Rows = append(t.Rows, row)
	}
	t.Caption = fmt.Sprintf("%s ending between %s and %s", audit.Plural(len(in), "credential"), start.UTC().Format("2006-01-02"), end.UTC().Format("2006-01-02"))
	if len(in) > len(shown) {
		t.Caption += fmt.Sprintf(", the %d ending soonest drawn", len(shown))
	}
	var rest []string
	if before > 0 {
		rest = append(rest, fmt.Sprintf("%d ended earlier", before))
	}
	if after > 0 {
		rest = append(rest, fmt.Sprintf("%d end later", after))
	}
	if len(rest) > 0 {
		t.Caption += "; " + strings.Join(rest, ", ")
	}
	t.Caption += "."
	return t
}

func credentialName(c audit.CredentialStatus) string {
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
