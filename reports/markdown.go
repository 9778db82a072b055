package reports

import (
	"bufio"
	"cmp"
	"io"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// markdownReporter writes a summary and a findings table in GitHub
// Flavored Markdown, for a pull request comment or a wiki page. Text from
// the tenant is escaped so that it cannot add links, images, HTML,
// mentions or table cells: see mdText and mdCode.
type markdownReporter struct{ opts Options }

func newMarkdown(o Options) Reporter { return &markdownReporter{opts: o} }

// Write writes the report through a buffer of streamBuffer bytes, a row
// at a time, and stops at the first write error.
func (m *markdownReporter) Write(w io.Writer, r *audit.Result) error {
	bw := bufio.NewWriterSize(w, streamBuffer)
	ew := &errWriter{w: bw}
	ew.printf("<!-- appaudit %s report, schema version %s -->\n", mdText(r.Command), SchemaVersion)
	ew.printf("# appaudit: %s\n\n", mdText(sourceLine(r)))
	if !r.Complete {
		ew.printf("> [!CAUTION]\n> **Audit incomplete:** %s. The findings cover only what was read; this is not a clean result.\n\n", mdText(r.Incomplete))
	}
	sum := r.Summary
	ew.printf("| read | count |\n|---|---:|\n")
	for _, row := range []struct {
		name string
		n    int
	}{
		{"applications", sum.Applications}, {"service principals", sum.ServicePrincipals},
		{"key credentials", sum.KeyCredentials}, {"client secrets", sum.PasswordCredentials},
		{"local certificates", sum.LocalCertificates}, {"deployment rows", sum.Deployments},
	} {
		ew.printf("| %s | %d |\n", row.name, row.n)
	}
	ew.printf("\n**%s**", audit.Plural(sum.Findings, "finding"))
	if parts := severityCounts(sum, func(_ audit.Severity, s string) string { return s }); len(parts) > 0 {
		ew.printf(": %s", strings.Join(parts, ", "))
	}
	ew.printf("%s.\n", withheldNote(r))

	if len(r.Findings) == 0 {
		if r.Complete {
			ew.printf("\nNo findings%s.\n", shownAbove(r))
		} else {
			ew.printf("\nNo findings in the part that was read.\n")
		}
	} else {
		ew.printf("\n## Findings\n\n| severity | check | app | credential | finding |\n|---|---|---|---|---|\n")
		// The summary goes out before the findings are grouped, so that a
		// writer that fails is found before that work.
		if err := cmp.Or(ew.err, bw.Flush()); err != nil {
			return err
		}
		chains := chainByObject(r.Findings, newObjectKeys(), false)
		chains.at = nil // not needed past the grouping
		for _, head := range chains.heads {
			for i := head; i >= 0; i = chains.next[i] {
				if ew.err != nil {
					return ew.err
				}
				f := &r.Findings[i]
				app := ""
				if i == head {
					app = mdObject(f.App)
				}
				ew.printf("| %s | `%s` | %s | %s | %s |\n", severityWord(f.Severity), f.Check, app, mdCredential(f), mdText(f.Message))
			}
		}
		ew.printf("\n## What to do\n\n")
		for _, f := range firstPerCheck(r.Findings) {
			ew.printf("- `%s`: %s\n", f.Check, mdText(f.Remediation()))
		}
	}
	if len(r.Warnings) > 0 {
		ew.printf("\n## Warnings\n\n")
		for _, s := range r.Warnings {
			ew.printf("- %s\n", mdText(s))
		}
	}
	ew.printf("\n<sub>%s</sub>\n", mdText(toolLine(m.opts, r)))
	if ew.err != nil {
		return ew.err
	}
	return bw.Flush()
}

func severityWord(s audit.Severity) string {
	if s >= audit.SeverityHigh {
		return "**" + s.String() + "**"
	}
	return s.String()
}

func mdObject(o *audit.ObjectRef) string {
	if o == nil {
		return "(local file)"
	}
	s := mdCode(clipRunes(plainText(o.DisplayName), 80)) + "<br>" + mdCode(plainText(o.AppID))
	if o.Kind == audit.KindServicePrincipal {
		s += "<br>service principal"
	}
	return s
}

func mdCredential(f *audit.Finding) string {
	if f.Credential == nil {
		if f.Local != nil {
			return "local: " + mdCode(clipRunes(plainText(f.Local.Source), 60))
		}
		return ""
	}
	return strings.Join(credentialLines(f.Credential, 40), "<br>")
}

// mdText escapes text for a Markdown paragraph or table cell: control
// characters become visible escapes, the punctuation Markdown and GitHub
// give an inline meaning to is backslash-escaped (no links, images,
// emphasis, math or cell breaks), <, > and & become character
// references (no HTML), and @ is followed by a zero-width space written as
// a character reference, so that a display name cannot mention a person
// or a team in a pull request comment.
func mdText(s string) string {
	s = plainText(s)
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '@':
			b.WriteString("@&#8203;")
		case '\\', '`', '*', '_', '[', ']', '|', '~', '!', '#', '$':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode writes s as a code span: shown literally, with no Markdown, HTML
// or mentions inside. The fence is longer than any run of backticks in s;
// pipes are escaped, which GitHub's tables require even inside code.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	s = strings.ReplaceAll(s, "|", `\|`)
	if longest > 0 || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
