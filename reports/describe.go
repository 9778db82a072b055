package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// How every format describes the parts of a Result it shows in words, so
// that they say the same thing. Each returns plain text made safe with
// plainText; formats escape it further for themselves.

// sourceLine says what was audited and as of when: "tenant T from
// snapshot tenant.json taken ..., as of 2026-06-15 12:00 UTC".
func sourceLine(r *audit.Result) string {
	src := r.Source
	if src.Kind == "none" {
		return "no tenant read, the evidence alone, as of " + r.AsOf.UTC().Format("2006-01-02 15:04 MST")
	}
	what := "tenant"
	if src.TenantID != "" {
		what += " " + plainText(src.TenantID)
	}
	switch src.Kind {
	case "snapshot":
		what += " from snapshot " + plainText(src.Path)
		if !src.TakenAt.IsZero() {
			what += " taken " + src.TakenAt.UTC().Format("2006-01-02 15:04 MST")
		}
	case "":
	default:
		what += " (" + plainText(src.Kind) + ")"
	}
	return what + ", as of " + r.AsOf.UTC().Format("2006-01-02 15:04 MST")
}

// withheldParts says which findings the report leaves out, one phrase
// each: below --min-severity, suppressed, known from a baseline.
func withheldParts(r *audit.Result) []string {
	sum := r.Summary
	var parts []string
	if sum.Hidden > 0 {
		parts = append(parts, fmt.Sprintf("%d below --min-severity not shown", sum.Hidden))
	}
	if sum.Suppressed > 0 {
		parts = append(parts, fmt.Sprintf("%d suppressed by %s", sum.Suppressed, audit.Plural(len(sum.Suppressions), "--ignore entry")))
	}
	if b := sum.Baseline; b != nil {
		parts = append(parts, fmt.Sprintf("%d already in baseline %s, %d resolved since", b.Unchanged, plainText(b.Report), b.Resolved))
	}
	return parts
}

// withheldNote is withheldParts as a parenthesis to put after the count
// of findings, or "".
func withheldNote(r *audit.Result) string {
	parts := withheldParts(r)
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// readLine says what was read: "Read 3 applications and 1 service
// principal (5 key credentials, 1 client secret)", and the local
// certificates and deployment rows when there are any.
func readLine(s audit.Summary) string {
	line := fmt.Sprintf("Read %s and %s (%s, %s)", audit.Plural(s.Applications, "application"), audit.Plural(s.ServicePrincipals, "service principal"),
		audit.Plural(s.KeyCredentials, "key credential"), audit.Plural(s.PasswordCredentials, "client secret"))
	if s.LocalCertificates > 0 || s.Deployments > 0 {
		line += fmt.Sprintf("; %s and %s", audit.Plural(s.LocalCertificates, "local certificate"), audit.Plural(s.Deployments, "deployment row"))
	}
	return line
}

// shownAbove is " at or above --min-severity" when the report leaves
// findings below it out.
func shownAbove(r *audit.Result) string {
	if r.Summary.Hidden > 0 {
		return " at or above --min-severity"
	}
	return ""
}

// noFindingsLine is what a report says in place of its findings when
// there are none, never reading as clean when the audit is incomplete.
func noFindingsLine(r *audit.Result) string {
	if !r.Complete {
		return "No findings in the part that was read. This is not a clean result."
	}
	return "No findings" + shownAbove(r) + "."
}

// severityCounts is "2 critical", "1 high" and so on for every severity
// with findings, worst first.
func severityCounts(s audit.Summary) []string {
	var parts []string
	for _, sev := range audit.Severities() {
		if n := s.BySeverity[sev.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	return parts
}

// toolLine names the tool, the schema version and the audit time, for a
// report's footer.
func toolLine(o Options, r *audit.Result) string {
	return fmt.Sprintf("%s, report schema version %s, %s as of %s", toolName(o), SchemaVersion, plainText(r.Command), r.AsOf.UTC().Format(time.RFC3339))
}

// toolName is "appaudit" and its version, when known.
func toolName(o Options) string {
	if o.ToolVersion == "" {
		return "appaudit"
	}
	return "appaudit " + o.ToolVersion
}

// firstPerCheck is the first finding of every check, in order.
func firstPerCheck(fs []audit.Finding) []audit.Finding {
	seen := map[string]bool{}
	var out []audit.Finding
	for _, f := range fs {
		if !seen[f.Check] {
			seen[f.Check] = true
			out = append(out, f)
		}
	}
	return out
}

// credentialLines describes a registered credential in a few short lines:
// "secret" and its name, or "cert" and its short thumbprint, its usage,
// and its end date. Names are clipped to nameWidth runes.
func credentialLines(c *audit.CredentialRef, nameWidth int) []string {
	// No line holds a line break: plainText escapes them.
	return strings.Split(string(appendCredentialLines(nil, c, nameWidth)), "\n")
}

// appendCredentialLines appends the lines of credentialLines to b, a line
// feed between two.
func appendCredentialLines(b []byte, c *audit.CredentialRef, nameWidth int) []byte {
	switch c.Kind {
	case audit.CredentialSecret:
		name := c.DisplayName
		if name == "" {
			name = c.KeyID
		}
		b = append(b, "secret"...)
		b = append(b, '\n')
		b = append(b, clipRunes(plainText(name), nameWidth)...)
	default:
		b = append(b, "cert"...)
		if c.Thumbprints != nil {
			b = append(b, ' ')
			b = append(b, c.Thumbprints.Short()...)
		}
		if c.Usage != "" || len(c.PairedUsages) > 0 {
			b = append(b, '\n')
			b = append(b, plainText(c.Usage)...)
			if len(c.PairedUsages) > 0 {
				b = append(b, '+')
				b = append(b, plainText(strings.Join(c.PairedUsages, "+"))...)
			}
		}
	}
	if c.EndDateTime != nil {
		b = append(b, '\n')
		b = append(b, "ends "...)
		b = c.EndDateTime.UTC().AppendFormat(b, "2006-01-02")
	}
	return b
}

// objectName is the display name of a finding's object, or "(local
// file)" for findings about a local file alone.
func objectName(o *audit.ObjectRef) string {
	if o == nil {
		return "(local file)"
	}
	return plainText(o.DisplayName)
}

// readableMaxFindings bounds the findings the formats made for people to
// read (the table and the HTML page) list, so that the audit of a large
// tenant stays something a person reads and a browser opens: the most
// severe are listed (findings come worst first) and the report says how
// many more the JSON and CSV reports hold.
const readableMaxFindings = 5000

// mostSevere is the findings a readable report lists, and the sentence
// that says what it leaves out ("" when nothing).
func mostSevere(r *audit.Result) ([]audit.Finding, string) {
	if len(r.Findings) <= readableMaxFindings {
		return r.Findings, ""
	}
	return r.Findings[:readableMaxFindings], fmt.Sprintf("The %d most severe findings are listed; the other %d are in the JSON and CSV reports (-o json, -o csv).",
		readableMaxFindings, len(r.Findings)-readableMaxFindings)
}

// FindingsLine says how many findings r has, by severity, and which the
// reports leave out: "25 findings: 7 critical, 3 high (2 suppressed by 1
// --ignore entry)". A command prints it when every report goes to a file.
func FindingsLine(r *audit.Result) string {
	line := audit.Plural(r.Summary.Findings, "finding")
	if parts := severityCounts(r.Summary); len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	return line + withheldNote(r)
}
