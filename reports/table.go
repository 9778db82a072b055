package reports

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// tableReporter writes the report for people at a terminal, laid out to
// the terminal's width: a header that says what was read and whether it
// is complete; the verdict (for a scan, the apps whose sign-in fails now
// and those that will within --warn-days; for doctor and preflight, the
// diagnosis); the counts; the findings grouped by object, objects with
// the worst findings first; what to do for each check that fired; where
// each local certificate is registered; and the warnings.
//
// From tableStackBelow columns up, the findings and the local
// certificates are tables drawn by tablewriter (asciiTable), each finding
// one line, its message clipped to the width; below, each finding is a
// record of a few lines with its whole message wrapped. Options.Wide lays
// the tables out whole, one line a finding, whatever the width.
type tableReporter struct{ opts Options }

func newTable(o Options) Reporter { return &tableReporter{opts: o} }

const (
	// tableDefaultWidth is the width when Options.Width is not given.
	tableDefaultWidth = 80
	// tableMinWidth is the narrowest layout: below it, lines only wrap
	// into a column too narrow to read.
	tableMinWidth = 40
	// tableStackBelow is the width below which findings are stacked
	// records rather than one line each.
	tableStackBelow = 100
	// tableNameWidth bounds a display name in a one-line cell.
	tableNameWidth = 36
	// severityWidth is the width of the longest severity, "critical".
	severityWidth = 8
)

// width is the width to lay out to; 0 is no limit (--wide).
func (t *tableReporter) width() int {
	switch {
	case t.opts.Wide:
		return 0
	case t.opts.Width <= 0:
		return tableDefaultWidth
	}
	return max(t.opts.Width, tableMinWidth)
}

// stacked reports whether findings are laid out as records.
func (t *tableReporter) stacked() bool {
	w := t.width()
	return w > 0 && w < tableStackBelow
}

func (t *tableReporter) Write(w io.Writer, r *audit.Result) error {
	// Through a buffer: a table of thousands of findings is tens of
	// thousands of small writes, each a system call on a terminal or file.
	bw := bufio.NewWriterSize(w, 64<<10)
	ew := &errWriter{w: bw}
	if err := t.write(ew, r); err != nil {
		return err
	}
	return bw.Flush()
}

func (t *tableReporter) write(ew *errWriter, r *audit.Result) error {
	width := t.width()
	t.header(ew, r, width)
	if r.Verdict != nil {
		t.verdict(ew, r.Verdict, width)
	} else {
		t.lead(ew, r, width)
	}
	t.counts(ew, r, width)
	if len(r.Findings) == 0 {
		ew.printf("\n%s\n", Wrap(noFindingsLine(r), width, ""))
	} else {
		if err := t.findings(ew, r, width); err != nil {
			return err
		}
		t.remedies(ew, r, width)
	}
	if len(r.LocalCertificates) > 0 {
		ew.printf("\nLocal certificates:\n")
		if err := t.localCerts(ew, r, width); err != nil {
			return err
		}
	}
	if len(r.Warnings) > 0 {
		ew.printf("\nWarnings:\n")
		for _, s := range r.Warnings {
			ew.printf("  %s\n", Wrap(plainText(s), width, "    "))
		}
	}
	if !r.Complete {
		ew.printf("\n%s\n", t.paint(audit.SeverityCritical, Wrap(incompleteBanner(r), width, "")))
	}
	return ew.err
}

func incompleteBanner(r *audit.Result) string {
	return "AUDIT INCOMPLETE: " + plainText(r.Incomplete) + ". The findings cover only what was read; this is not a clean result."
}

// header says what was read, as of when, and whether all of it was.
func (t *tableReporter) header(ew *errWriter, r *audit.Result, width int) {
	ew.printf("%s\n", Wrap("appaudit: "+sourceLine(r), width, "  "))
	sum := r.Summary
	switch {
	case r.Source.Kind != "none":
		ew.printf("%s\n", Wrap(readLine(sum)+".", width, "  "))
	case sum.LocalCertificates > 0:
		ew.printf("Read %s.\n", audit.Plural(sum.LocalCertificates, "local certificate"))
	}
	if !r.Complete {
		ew.printf("%s\n", t.paint(audit.SeverityCritical, Wrap(incompleteBanner(r), width, "")))
	}
}

// counts is the line of counts by severity, and what the report leaves
// out.
func (t *tableReporter) counts(ew *errWriter, r *audit.Result, width int) {
	sum := r.Summary
	if sum.Findings == 0 && len(withheldParts(r)) == 0 {
		return // noFindingsLine says it
	}
	text := Wrap(FindingsLine(r)+".", width, "  ")
	if t.opts.Color {
		// Each count after its ": " or ", ", so that "1 high" is not
		// found in "11 high".
		for _, sev := range audit.Severities() {
			if n := sum.BySeverity[sev.String()]; n > 0 {
				part := fmt.Sprintf("%d %s", n, sev)
				for _, sep := range []string{": ", ", "} {
					if i := strings.Index(text, sep+part); i >= 0 {
						text = text[:i+len(sep)] + t.paint(sev, part) + text[i+len(sep)+len(part):]
						break
					}
				}
			}
		}
	}
	ew.printf("\n%s\n", text)
}

// verdict prints the conclusion of doctor and preflight first, and the
// exact values to use, one a line and unwrapped so that they can be
// copied.
func (t *tableReporter) verdict(ew *errWriter, v *audit.Verdict, width int) {
	text := Wrap("Verdict: "+plainText(v.Text), width, "  ")
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

// lead is the verdict of a scan: the apps whose sign-in fails now, and
// those whose sign-in will fail within --warn-days, one line each with
// the date and the one thing to do (signin.go decides which is which).
func (t *tableReporter) lead(ew *errWriter, r *audit.Result, width int) {
	now, soon := signInOutlook(r)
	if len(now)+len(soon) == 0 {
		line := fmt.Sprintf("No sign-in fails now or within %s", audit.Plural(r.Policy.WarnDays, "day"))
		if !r.Complete {
			line += " in the part that was read"
		}
		ew.printf("\n%s.\n", Wrap(line, width, "  "))
		return
	}
	// One grid for both lists, so that their columns line up.
	// A long name gives up room first, down to 24 columns, then the
	// action wraps, down to 24 too; narrower, each app is a record.
	g := &grid{indent: 2, cols: []gridCol{{min: 24, first: true}, {}, {wrap: true, min: 24}}}
	for _, a := range append(slices.Clip(now), soon...) {
		g.rows = append(g.rows, []string{clipWidth(objectName(a.app), tableNameWidth), a.when, a.action})
	}
	ws, fits := g.widths(width)
	all := g.rows
	section := func(title string, sev audit.Severity, rows [][]string) {
		if len(rows) == 0 {
			return
		}
		ew.printf("\n%s\n", t.paint(sev, Wrap(fmt.Sprintf("%s (%s):", title, audit.Plural(len(rows), "app")), width, "  ")))
		if !fits {
			// Too narrow for the action to read beside the rest.
			for _, row := range rows {
				ew.printf("  %s\n", Wrap(row[0]+": "+row[1]+"; "+row[2], width, "    "))
			}
			return
		}
		g.rows = rows
		g.renderWidths(ew, width, ws)
	}
	section("Sign-in fails now", audit.SeverityCritical, all[:len(now)])
	section(fmt.Sprintf("Sign-in will fail within %s", audit.Plural(r.Policy.WarnDays, "day")), audit.SeverityMedium, all[len(now):])
}

// findings renders the findings, grouped by object. Findings arrive
// sorted worst first; they are grouped by object in the order each object
// first appears, which puts the object with the worst finding on top and
// keeps each group worst first. Stacked, each object's name heads its
// records; in the table, a row that spans the table.
func (t *tableReporter) findings(ew *errWriter, r *audit.Result, width int) error {
	listed, notListed := mostSevere(r)
	groups := groupByObject(listed)
	if t.stacked() {
		for _, group := range groups {
			ew.printf("\n%s\n", t.objectHeader(group[0].App, width))
			for _, f := range group {
				sev := f.Severity.String()
				line := "  " + t.paint(f.Severity, sev) + strings.Repeat(" ", severityWidth-len(sev)+2) + clipWidth(plainText(f.Check), width-severityWidth-4)
				if c := credentialText(&f); c != "" {
					if 2+severityWidth+2+textWidth(plainText(f.Check))+2+textWidth(c) <= width {
						line += "  " + c
					} else {
						line += "\n    " + Wrap(c, width, "    ")
					}
				}
				ew.printf("%s\n    %s\n", line, Wrap(plainText(f.Message), width, "    "))
			}
		}
	} else {
		tbl := &asciiTable{
			header: []string{"SEVERITY", "CHECK", "CREDENTIAL", "FINDING"},
			// The message gives up room first, down to 24 columns, then
			// the credential, then the check: from tableStackBelow
			// columns up, no check's ID is cut.
			cols: []gridCol{{}, {min: 20}, {min: 13}, {min: 24, first: true}},
			paintCell: func(col int, s string) string {
				if col == 0 {
					sev, _ := audit.ParseSeverity(s)
					return t.paint(sev, s)
				}
				return s
			},
			paintSpan: t.bold,
		}
		for _, group := range groups {
			tbl.addSpan(objectTitle(group[0].App))
			for _, f := range group {
				tbl.add(f.Severity.String(), plainText(f.Check), credentialCell(&f, width == 0), plainText(f.Message))
			}
		}
		ew.printf("\n")
		if err := tbl.render(ew, width); err != nil {
			return err
		}
	}
	if notListed != "" {
		ew.printf("%s\n", Wrap(notListed, width, ""))
	}
	return nil
}

// objectHeader is objectTitle over the records of the stacked layout: the
// name is cut first, and a name that leaves no room for the rest goes on
// a line of its own.
func (t *tableReporter) objectHeader(o *audit.ObjectRef, width int) string {
	name, detail := objectTitle(o)
	if width > 0 {
		name = clipWidth(name, max(width-textWidth(detail), tableNameWidth))
	}
	if width > 0 && textWidth(name+detail) > width {
		return t.bold(clipWidth(name, width)) + "\n  " + Wrap(strings.TrimPrefix(detail, " "), width, "  ")
	}
	return t.bold(name) + detail
}

// objectTitle names the object a group of findings is about: its display
// name, then its appId, and its kind when it is a service principal, in
// brackets (" (service principal, appId)").
func objectTitle(o *audit.ObjectRef) (name, detail string) {
	if o == nil {
		return "(local file)", ""
	}
	detail = plainText(o.AppID)
	if o.Kind == audit.KindServicePrincipal {
		detail = "service principal, " + detail
	}
	return plainText(o.DisplayName), " (" + detail + ")"
}

// remedies lists, once per check that fired, what to do about it.
func (t *tableReporter) remedies(ew *errWriter, r *audit.Result, width int) {
	ew.printf("\nWhat to do:\n")
	g := &grid{indent: 2, cols: []gridCol{{}, {wrap: true}}}
	for _, f := range firstPerCheck(r.Findings) {
		g.rows = append(g.rows, []string{plainText(f.Check), plainText(f.Remediation())})
	}
	if ws, _ := g.widths(width); width > 0 && ws[1] < 30 {
		for _, row := range g.rows {
			ew.printf("  %s\n    %s\n", row[0], Wrap(row[1], width, "    "))
		}
	} else {
		g.render(ew, width)
	}
	ew.printf("  %s\n", Wrap("(appaudit explain CHECK tells more about each check.)", width, "  "))
}

// localCerts says where each local certificate is registered.
func (t *tableReporter) localCerts(ew *errWriter, r *audit.Result, width int) error {
	// Laid out one line each within a width, a certificate is named by
	// its short thumbprint and the objects by their names, as in the
	// findings; stacked or --wide, in full.
	brief := width > 0 && !t.stacked()
	registered := func(lc *audit.LocalCertStatus) string {
		if len(lc.RegisteredOn) == 0 {
			return "nowhere in this tenant"
		}
		names := make([]string, len(lc.RegisteredOn))
		for i, o := range lc.RegisteredOn {
			if brief {
				names[i] = clipWidth(plainText(o.DisplayName), tableNameWidth)
			} else {
				names[i] = objectLine(&o)
			}
		}
		return strings.Join(names, "; ")
	}
	if t.stacked() {
		for i := range r.LocalCertificates {
			lc := &r.LocalCertificates[i]
			ew.printf("  %s\n", Wrap(plainText(lc.Source), width, "    "))
			ew.printf("    %s\n", Wrap(fmt.Sprintf("%s, SHA-1 %s, not after %s", plainText(lc.Subject), lc.Thumbprints.SHA1, audit.Day(lc.NotAfter)), width, "    "))
			on := registered(lc)
			if len(lc.RegisteredOn) > 0 {
				on = "registered on " + on
			} else {
				on = "registered " + on
			}
			ew.printf("    %s\n", Wrap(on, width, "    "))
		}
		return nil
	}
	tbl := &asciiTable{
		header: []string{"FILE", "SUBJECT", "SHA-1", "NOT AFTER", "REGISTERED ON"},
		// The names give up room in turn, the longest first.
		cols: []gridCol{{min: 16, first: true}, {min: 16, first: true}, {}, {}, {min: 16, first: true}},
	}
	for i := range r.LocalCertificates {
		lc := &r.LocalCertificates[i]
		sha1 := lc.Thumbprints.SHA1
		if brief {
			sha1 = lc.Thumbprints.Short()
		}
		tbl.add(plainText(lc.Source), plainText(lc.Subject), sha1, audit.Day(lc.NotAfter), registered(lc))
	}
	return tbl.render(ew, width)
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

func objectLine(o *audit.ObjectRef) string {
	s := clipRunes(plainText(o.DisplayName), tableNameWidth) + " (" + plainText(o.AppID) + ")"
	if o.Kind == audit.KindServicePrincipal {
		s += " SP"
	}
	return s
}

// credentialCell names a finding's credential in a few words: "cert
// 881843E0", "cert 0D178A0E Sign", "secret smtp sender", or the mapping
// row ("deployed.csv:4") or local file when no registered credential is
// concerned. Names are clipped unless whole is true (--wide).
func credentialCell(f *audit.Finding, whole bool) string {
	nameWidth, sourceWidth := 16, 24
	if whole {
		nameWidth, sourceWidth = math.MaxInt, math.MaxInt
	}
	c := f.Credential
	if c == nil {
		if f.Local != nil {
			return clipWidth(plainText(f.Local.Source), sourceWidth)
		}
		return ""
	}
	lines := credentialLines(c, nameWidth)
	if c.EndDateTime != nil {
		lines = lines[:len(lines)-1] // the message gives the dates that matter
	}
	if len(lines) > 1 && lines[1] == audit.UsageVerify {
		lines = lines[:1] // the usage every client credential has
	}
	return strings.Join(lines, " ")
}

// credentialText is credentialCell with the end date, for the stacked
// layout.
func credentialText(f *audit.Finding) string {
	s := credentialCell(f, false)
	if f.Credential != nil && f.Credential.EndDateTime != nil {
		s += ", ends " + audit.Day(*f.Credential.EndDateTime)
	}
	return s
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

// bold makes an object's name stand out when colour is on.
func (t *tableReporter) bold(text string) string {
	if !t.opts.Color {
		return text
	}
	return "\x1b[1m" + text + "\x1b[0m"
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
