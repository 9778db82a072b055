package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/appaudit/appaudit/audit"
)

// tableReporter writes the report for people at a terminal: a header that
// says what was read and whether it is complete, the findings grouped by
// object (objects with the worst findings first), what to do for each
// check that fired, and where each local certificate is registered.
type tableReporter struct{ opts Options }

func newTable(o Options) Reporter { return &tableReporter{opts: o} }

// Widths of the wrapped columns, in runes.
const (
	tableMessageWidth = 60
	tableNameWidth    = 36
)

func (t *tableReporter) Write(w io.Writer, r *audit.Result) error {
	ew := &errWriter{w: w}
	t.header(ew, r)
	if len(r.Findings) == 0 {
		ew.printf("\n%s\n", noFindingsLine(r))
	} else {
		ew.printf("\n")
		if err := t.findings(ew, r); err != nil {
			return err
		}
		t.remedies(ew, r)
	}
	if len(r.LocalCertificates) > 0 {
		ew.printf("\nLocal certificates:\n")
		if err := t.localCerts(ew, r); err != nil {
			return err
		}
	}
	if len(r.Warnings) > 0 {
		ew.printf("\nWarnings:\n")
		for _, s := range r.Warnings {
			ew.printf("  %s\n", wrapIndent(plainText(s), tableMessageWidth+20, "    "))
		}
	}
	if r.Verdict != nil {
		t.verdict(ew, r.Verdict)
	}
	if !r.Complete {
		ew.printf("\n%s\n", t.paint(audit.SeverityCritical, incompleteBanner(r)))
	}
	return ew.err
}

// verdict prints the conclusion of doctor and preflight, and the exact
// values to use, one a line and unwrapped so that they can be copied.
func (t *tableReporter) verdict(ew *errWriter, v *audit.Verdict) {
	text := wrapIndent("Verdict: "+plainText(v.Text), tableMessageWidth+20, "  ")
	if v.Cause != "" {
		text = t.paint(audit.SeverityHigh, text)
	}
	ew.printf("\n%s\n", text)
	names := make([]string, 0, len(v.Values))
	for k := range v.Values {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		ew.printf("  %-22s %s\n", plainText(k), plainText(v.Values[k]))
	}
}

func incompleteBanner(r *audit.Result) string {
	return "AUDIT INCOMPLETE: " + plainText(r.Incomplete) + ". The findings cover only what was read; this is not a clean result."
}

func (t *tableReporter) header(ew *errWriter, r *audit.Result) {
	ew.printf("appaudit: %s\n", sourceLine(r))
	sum := r.Summary
	switch {
	case r.Source.Kind != "none":
		ew.printf("%s.\n", readLine(sum))
	case sum.LocalCertificates > 0:
		ew.printf("Read %s.\n", count(sum.LocalCertificates, "local certificate"))
	}
	parts := severityCounts(sum, t.paint)
	line := count(sum.Findings, "finding")
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	ew.printf("%s%s.\n", line, withheldNote(r))
	if !r.Complete {
		ew.printf("%s\n", t.paint(audit.SeverityCritical, incompleteBanner(r)))
	}
}

func shownAbove(r *audit.Result) string {
	if r.Summary.Hidden > 0 {
		return " at or above --min-severity"
	}
	return ""
}

// findings renders the findings table. Findings arrive sorted worst
// first; they are grouped by object in the order each object first
// appears, which puts the object with the worst finding on top and keeps
// each group worst first.
func (t *tableReporter) findings(ew *errWriter, r *audit.Result) error {
	tbl := newASCIITable(ew)
	tbl.Header("SEVERITY", "CHECK", "APP", "CREDENTIAL", "FINDING")
	listed, notListed := mostSevere(r)
	for _, group := range groupByObject(listed) {
		for i, f := range group {
			app := ""
			if i == 0 {
				app = objectCell(f.App)
			}
			if err := tbl.Append(t.paint(f.Severity, f.Severity.String()), f.Check, app, credentialCell(&f),
				wrapIndent(plainText(f.Message), tableMessageWidth, "")); err != nil {
				return err
			}
		}
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	if notListed != "" {
		ew.printf("%s\n", notListed)
	}
	return nil
}

// remedies lists, once per check that fired, what to do about it.
func (t *tableReporter) remedies(ew *errWriter, r *audit.Result) {
	ew.printf("\nWhat to do:\n")
	first := firstPerCheck(r.Findings)
	width := 0
	for _, f := range first {
		width = max(width, utf8.RuneCountInString(f.Check))
	}
	for _, f := range first {
		ew.printf("  %-*s %s\n", width, plainText(f.Check), wrapIndent(plainText(f.Remediation), tableMessageWidth, strings.Repeat(" ", width+3)))
	}
	ew.printf("  (appaudit explain CHECK tells more about each check.)\n")
}

func (t *tableReporter) localCerts(ew *errWriter, r *audit.Result) error {
	tbl := newASCIITable(ew)
	tbl.Header("FILE", "SUBJECT", "SHA-1", "NOT AFTER", "REGISTERED ON")
	for _, lc := range r.LocalCertificates {
		on := "nowhere in this tenant"
		if len(lc.RegisteredOn) > 0 {
			names := make([]string, len(lc.RegisteredOn))
			for i, o := range lc.RegisteredOn {
				names[i] = objectLine(&o)
			}
			on = strings.Join(names, "\n")
		}
		if err := tbl.Append(clipRunes(plainText(lc.Source), 48), clipRunes(plainText(lc.Subject), 40),
			lc.Thumbprints.SHA1, lc.NotAfter.UTC().Format("2006-01-02"), on); err != nil {
			return err
		}
	}
	return tbl.Render()
}

// newASCIITable is a tablewriter table with ASCII borders, no automatic
// header formatting (headers are written as given) and no wrapping of its
// own: cells are wrapped before they are added, so the layout does not
// depend on the library's wrapping rules.
func newASCIITable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
	)
}

// groupByObject splits findings into runs about the same object, objects
// in order of first appearance.
func groupByObject(fs []audit.Finding) [][]audit.Finding {
	index := map[audit.ObjectRef]int{}
	var groups [][]audit.Finding
	for _, f := range fs {
		var key audit.ObjectRef
		if f.App != nil {
			key = *f.App
		}
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], f)
	}
	return groups
}

func objectCell(o *audit.ObjectRef) string {
	if o == nil {
		return "(local file)"
	}
	s := wrapIndent(clipRunes(plainText(o.DisplayName), 2*tableNameWidth), tableNameWidth, "") + "\n" + plainText(o.AppID)
	if o.Kind == audit.KindServicePrincipal {
		s += "\nservice principal"
	}
	return s
}

func objectLine(o *audit.ObjectRef) string {
	s := clipRunes(plainText(o.DisplayName), tableNameWidth) + " (" + plainText(o.AppID) + ")"
	if o.Kind == audit.KindServicePrincipal {
		s += " SP"
	}
	return s
}

func credentialCell(f *audit.Finding) string {
	c := f.Credential
	if c == nil {
		if f.Local != nil {
			label := "local file:"
			if f.Local.App != "" {
				label = "deployed:"
			}
			return label + "\n" + clipRunes(plainText(f.Local.Source), 24)
		}
		return "-"
	}
	return strings.Join(credentialLines(c, 20), "\n")
}

// paint colours text by severity when colour is on.
func (t *tableReporter) paint(s audit.Severity, text string) string {
	if !t.opts.Color {
		return text
	}
	code := map[audit.Severity]string{
		audit.SeverityCritical: "1;31", audit.SeverityHigh: "31", audit.SeverityMedium: "33",
		audit.SeverityLow: "36", audit.SeverityInfo: "2",
	}[s]
	if code == "" {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// wrapIndent wraps s at word boundaries to lines of at most width runes
// (longer words are broken), indenting continuation lines with indent.
func wrapIndent(s string, width int, indent string) string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return ""
	}
	var b strings.Builder
	lineLen := 0
	newline := func() {
		b.WriteString("\n")
		b.WriteString(indent)
		lineLen = 0
	}
	for _, word := range words {
		for utf8.RuneCountInString(word) > width {
			if lineLen > 0 {
				newline()
			}
			head := clipAt(word, width)
			b.WriteString(head)
			word = word[len(head):]
			newline()
		}
		if word == "" {
			continue
		}
		n := utf8.RuneCountInString(word)
		if lineLen > 0 && lineLen+1+n > width {
			newline()
		} else if lineLen > 0 {
			b.WriteByte(' ')
			lineLen++
		}
		b.WriteString(word)
		lineLen += n
	}
	return strings.TrimRight(b.String(), " \n")
}

func count(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// errWriter keeps the first write error, so a report is written with
// plain printf calls and the error checked once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
