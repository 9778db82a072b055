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

// withheldNote says which findings the report leaves out, as a
// parenthesis to put after the count of findings, or "".
func withheldNote(r *audit.Result) string {
	sum := r.Summary
	var parts []string
	if sum.Hidden > 0 {
		parts = append(parts, fmt.Sprintf("%d below --min-severity not shown", sum.Hidden))
	}
	if sum.Suppressed > 0 {
		parts = append(parts, fmt.Sprintf("%d suppressed by %s", sum.Suppressed, count(len(sum.Suppressions), "--ignore entry")))
	}
	if b := sum.Baseline; b != nil {
		parts = append(parts, fmt.Sprintf("%d already in baseline %s, %d resolved since", b.Unchanged, plainText(b.Report), b.Resolved))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// toolLine names the tool, the schema version and the audit time, for a
// report's footer.
func toolLine(o Options, r *audit.Result) string {
	tool := "appaudit"
	if o.ToolVersion != "" {
		tool += " " + o.ToolVersion
	}
	return fmt.Sprintf("%s, report schema version %s, %s as of %s", tool, SchemaVersion, plainText(r.Command), r.AsOf.UTC().Format(time.RFC3339))
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
	var lines []string
	switch c.Kind {
	case audit.CredentialSecret:
		name := c.DisplayName
		if name == "" {
			name = c.KeyID
		}
		lines = append(lines, "secret", clipRunes(plainText(name), nameWidth))
	default:
		id := "cert"
		if c.Thumbprints != nil {
			id += " " + c.Thumbprints.Short()
		}
		lines = append(lines, id)
		usage := plainText(c.Usage)
		if len(c.PairedUsages) > 0 {
			usage += "+" + plainText(strings.Join(c.PairedUsages, "+"))
		}
		if usage != "" {
			lines = append(lines, usage)
		}
	}
	if c.EndDateTime != nil {
		lines = append(lines, "ends "+c.EndDateTime.UTC().Format("2006-01-02"))
	}
	return lines
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
