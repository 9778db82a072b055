package reports

import (
	"bufio"
	"bytes"
	"cmp"
	"io"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// markdownReporter writes a summary and a findings table in GitHub
// Flavored Markdown, for a pull request comment or a wiki page. Text from
// the tenant is escaped so that it cannot add links, images, HTML,
// mentions or table cells: see mdText and appendMdCode.
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
	if parts := severityCounts(sum); len(parts) > 0 {
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
		var row []byte
		for _, head := range chains.heads {
			for i := head; i >= 0; i = chains.next[i] {
				if ew.err != nil {
					return ew.err
				}
				f := &r.Findings[i]
				row = append(row[:0], "| "...)
				row = appendSeverityWord(row, f.Severity)
				row = append(row, " | `"...)
				row = append(row, f.Check...)
				row = append(row, "` | "...)
				if i == head {
					row = appendMdObject(row, f.App)
				}
				row = append(row, " | "...)
				row = appendMdCredential(row, f)
				row = append(row, " | "...)
				row = appendMdText(row, f.Message)
				row = append(row, " |\n"...)
				ew.Write(row)
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

// appendSeverityWord appends the severity, in bold when high or worse.
func appendSeverityWord(b []byte, s audit.Severity) []byte {
	if s >= audit.SeverityHigh {
		return append(append(append(b, "**"...), s.String()...), "**"...)
	}
	return append(b, s.String()...)
}

// appendMdObject appends the object's name and app ID as code spans.
func appendMdObject(b []byte, o *audit.ObjectRef) []byte {
	if o == nil {
		return append(b, "(local file)"...)
	}
	b = appendMdCode(b, clipRunes(plainText(o.DisplayName), 80))
	b = append(b, "<br>"...)
	b = appendMdCode(b, plainText(o.AppID))
	if o.Kind == audit.KindServicePrincipal {
		b = append(b, "<br>service principal"...)
	}
	return b
}

// appendMdCredential appends the finding's credential in a few lines, or
// its local file.
func appendMdCredential(b []byte, f *audit.Finding) []byte {
	if f.Credential == nil {
		if f.Local != nil {
			b = append(b, "local: "...)
			b = appendMdCode(b, clipRunes(plainText(f.Local.Source), 60))
		}
		return b
	}
	// Its lines hold names from the tenant (a secret's display name):
	// each is escaped as text, and the lines joined with <br>. plainText
	// has made every newline inside a line visible, so "\n" parts them.
	var tmp [160]byte
	lines := appendCredentialLines(tmp[:0], f.Credential, 40)
	for i, line := range bytes.Split(lines, []byte{'\n'}) {
		if i > 0 {
			b = append(b, "<br>"...)
		}
		b = appendMdText(b, string(line))
	}
	return b
}

// mdText escapes text for a Markdown paragraph or table cell: control
// characters become visible escapes, the punctuation Markdown and GitHub
// give an inline meaning to is backslash-escaped (no links, images,
// emphasis, math or cell breaks), <, > and & become character
// references (no HTML), and @ is followed by a zero-width space written as
// a character reference, so that a display name cannot mention a person
// or a team in a pull request comment.
func mdText(s string) string { return string(appendMdText(make([]byte, 0, len(s)+16), s)) }

// mdSpecial marks the bytes appendMdText writes otherwise than as they
// are; all are ASCII, so a byte of a longer UTF-8 character never is one.
var mdSpecial = [256]bool{'<': true, '>': true, '&': true, '@': true,
	'\\': true, '`': true, '*': true, '_': true, '[': true, ']': true, '|': true, '~': true, '!': true, '#': true, '$': true}

// appendMdText appends mdText(s) to b.
func appendMdText(b []byte, s string) []byte {
	s = plainText(s)
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !mdSpecial[c] {
			continue
		}
		b = append(b, s[last:i]...)
		last = i + 1
		switch c {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '@':
			b = append(b, "@&#8203;"...)
		default:
			b = append(b, '\\', c)
		}
	}
	return append(b, s[last:]...)
}

// appendMdCode appends s to b as a code span: shown literally, with no
// Markdown, HTML or mentions inside. The fence is longer than any run of
// backticks in s; pipes are escaped, which GitHub's tables require even
// inside code.
func appendMdCode(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	spaced := longest > 0 || s[0] == ' ' || s[len(s)-1] == ' '
	b = appendRepeat(b, '`', longest+1)
	if spaced {
		b = append(b, ' ')
	}
	for {
		i := strings.IndexByte(s, '|')
		if i < 0 {
			break
		}
		b = append(append(b, s[:i]...), `\|`...)
		s = s[i+1:]
	}
	b = append(b, s...)
	if spaced {
		b = append(b, ' ')
	}
	return appendRepeat(b, '`', longest+1)
}

// appendRepeat appends n copies of c to b.
func appendRepeat(b []byte, c byte, n int) []byte {
	for range n {
		b = append(b, c)
	}
	return b
}
