package reports_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clipperhouse/displaywidth"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

// The table at 80 columns (the default, fixture.txt), at 120 and with
// --wide is its golden file.
func TestTableGoldenWidths(t *testing.T) {
	golden(t, "fixture.w120.txt", render(t, "table", fixtureResult(), reports.Options{ToolVersion: "test", Width: 120}))
	golden(t, "fixture.wide.txt", render(t, "table", fixtureResult(), reports.Options{ToolVersion: "test", Wide: true}))
	golden(t, "hostile.w120.txt", render(t, "table", hostileResult(), reports.Options{ToolVersion: "test", Width: 120}))
}

// drawnTable is a table the report drew with ASCII borders: its
// headings, and its rows between the borders, each its cells or, for a
// row that spans the table (an app's name above its findings), one cell.
type drawnTable struct {
	header []string
	rows   [][]string
	lines  []string
}

var tableBorder = regexp.MustCompile(`^\+(-+\+)+$`)

// drawnTables are the tables in out: each from a border line to the
// border that closes it, two borders after the one under its headings.
// A row is split into cells at the columns of the border's "+"; a row
// with no "|" at any of those columns inside it spans the table.
func drawnTables(out string) []drawnTable {
	var tables []drawnTable
	lines := strings.Split(out, "\n")
	for i := 0; i+2 < len(lines); i++ {
		if !tableBorder.MatchString(lines[i]) || !tableBorder.MatchString(lines[i+2]) {
			continue
		}
		var cols []int
		for c, r := range lines[i] {
			if r == '+' {
				cols = append(cols, c)
			}
		}
		tbl := drawnTable{header: splitRow(lines[i+1], cols), lines: lines[i : i+3]}
		for i += 3; i < len(lines) && !tableBorder.MatchString(lines[i]); i++ {
			tbl.rows = append(tbl.rows, splitRow(lines[i], cols))
			tbl.lines = append(tbl.lines, lines[i])
		}
		if i < len(lines) {
			tbl.lines = append(tbl.lines, lines[i])
		}
		tables = append(tables, tbl)
	}
	return tables
}

// splitRow cuts a table's line into its cells at the display columns
// cols, each cell without the space either side of it.
func splitRow(line string, cols []int) []string {
	var cells []string
	var cell strings.Builder
	at, next := 0, 1
	for g := displaywidth.StringGraphemes(line); g.Next(); at += g.Width() {
		switch {
		case at == 0:
			continue
		case next < len(cols) && at == cols[next] && g.Value() == "|":
			cells = append(cells, strings.TrimPrefix(strings.TrimRight(cell.String(), " "), " "))
			cell.Reset()
			next++
			continue
		case next < len(cols) && at >= cols[next]:
			next++ // a row that spans this column
		}
		cell.WriteString(g.Value())
	}
	return cells
}

// findingsTable is the table of findings in a report laid out as one.
func findingsTable(t *testing.T, out string) drawnTable {
	t.Helper()
	for _, tbl := range drawnTables(out) {
		if len(tbl.header) > 0 && tbl.header[0] == "SEVERITY" {
			return tbl
		}
	}
	t.Fatalf("no table of findings in:\n%s", out)
	return drawnTable{}
}

// No line is wider than the terminal, hostile names and emoji and all;
// below 40 columns the table lays out to 40.
func TestTableFitsTheWidth(t *testing.T) {
	for _, r := range []*audit.Result{fixtureResult(), hostileResult(), emojiResult()} {
		for _, width := range []int{20, 40, 60, 80, 99, 100, 120, 200} {
			out := string(render(t, "table", r, reports.Options{Width: width}))
			for _, line := range strings.Split(out, "\n") {
				if w := displaywidth.String(line); w > max(width, 40) {
					t.Errorf("width %d: a line of %d columns: %q", width, w, line)
				}
			}
		}
	}
}

// emojiResult is the shared fixture with emoji in its names: sequences
// joined by U+200D, flags, skin tones, and characters that the emoji
// presentation selector U+FE0F widens from one column to two.
func emojiResult() *audit.Result {
	return fixtureWith(fixtureNames{
		Payroll:  "⚠️ Payroll ❤️ " + strings.Repeat("☺️", 80),
		Mailer:   "👩‍💻 Mailer 🇫🇷 👍🏽 " + strings.Repeat("✔️👩‍👩‍👧", 40),
		Secret:   "🔑❤️ smtp ⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️",
		CertName: "❤️ " + strings.Repeat("⚠️", 60),
		Stray:    "certs/" + strings.Repeat("☺️", 40) + ".pem",
	})
}

// From 100 columns up every finding is one row of the table, under a row
// naming its app; below, every finding's whole message is there,
// wrapped; with --wide, every message is whole in its row.
func TestTableLayouts(t *testing.T) {
	r := fixtureResult()
	oneLine := findingsTable(t, string(render(t, "table", r, reports.Options{Width: 120})))
	wide := findingsTable(t, string(render(t, "table", r, reports.Options{Wide: true, Width: 80})))
	for _, tbl := range []drawnTable{oneLine, wide} {
		if strings.Join(tbl.header, ",") != "SEVERITY,CHECK,CREDENTIAL,FINDING" {
			t.Errorf("headings %q", tbl.header)
		}
	}
	rowsOf := func(tbl drawnTable) [][]string {
		var rows [][]string
		for _, row := range tbl.rows {
			if len(row) == 4 {
				rows = append(rows, row)
			}
		}
		return rows
	}
	rows, wideRows := rowsOf(oneLine), rowsOf(wide)
	if len(rows) != len(r.Findings) || len(wideRows) != len(r.Findings) {
		t.Fatalf("%d findings in %d rows at 120 columns, %d with --wide:\n%s", len(r.Findings), len(rows), len(wideRows), strings.Join(oneLine.lines, "\n"))
	}
	// Each finding has its row, in its app's group rather than in the
	// order of r.Findings.
	whole := func(cell, msg string) bool { return cell == msg }
	cut := func(cell, msg string) bool {
		head, ok := strings.CutSuffix(cell, "…")
		return strings.HasPrefix(msg, head) && (ok || cell == msg)
	}
	for _, layout := range []struct {
		name    string
		rows    [][]string
		matches func(cell, msg string) bool
	}{{"at 120 columns", rows, cut}, {"with --wide", wideRows, whole}} {
		used := make([]bool, len(layout.rows))
		for _, f := range r.Findings {
			found := false
			for i, row := range layout.rows {
				if !used[i] && row[0] == f.Severity.String() && row[1] == f.Check && layout.matches(row[3], f.Message) {
					used[i], found = true, true
					break
				}
			}
			if !found {
				t.Errorf("%s no row holds %s %s with its message (cut with … at 120 columns, whole with --wide):\n%s",
					layout.name, f.Severity, f.Check, f.Message)
			}
		}
	}
	if len(oneLine.rows) != len(r.Findings)+5 {
		t.Errorf("%d rows for %d findings of 5 objects", len(oneLine.rows), len(r.Findings))
	}

	stackedOut := string(render(t, "table", r, reports.Options{Width: 80}))
	stacked := strings.Join(strings.Fields(stackedOut), " ")
	for _, f := range r.Findings {
		if !strings.Contains(stacked, strings.Join(strings.Fields(f.Message), " ")) {
			t.Errorf("at 80 columns the message of %s is not whole: %s", f.Check, f.Message)
		}
	}
	if strings.Contains(stacked, "SEVERITY") || len(drawnTables(stackedOut)) != 0 {
		t.Error("the stacked records are drawn as a table")
	}
}

// The tables are drawn by tablewriter with ASCII borders (not its
// default box-drawing lines) and with the headings as written (its
// header auto-format would write SHA-1 as "SHA - 1"); every line of a
// table is as wide as its borders.
func TestTableIsDrawnByTablewriter(t *testing.T) {
	for _, o := range []reports.Options{{Width: 120}, {Wide: true}} {
		out := string(render(t, "table", fixtureResult(), o))
		if strings.ContainsFunc(out, func(r rune) bool { return r >= 0x2500 && r <= 0x257F }) {
			t.Errorf("%+v: box-drawing characters in:\n%s", o, out)
		}
		tables := drawnTables(out)
		if len(tables) != 2 {
			t.Fatalf("%+v: %d tables in:\n%s", o, len(tables), out)
		}
		for i, want := range []string{
			"| SEVERITY | CHECK ", "| FILE ",
		} {
			tbl := tables[i]
			if !strings.HasPrefix(tbl.lines[1], want) {
				t.Errorf("%+v: headings %q, want them to start %q", o, tbl.lines[1], want)
			}
			for _, line := range tbl.lines {
				if len(line) != len(tbl.lines[0]) && displaywidth.String(line) != len(tbl.lines[0]) {
					t.Errorf("%+v: a line not as wide as the border:\n%s\n%s", o, tbl.lines[0], line)
				}
				if !strings.HasPrefix(line, "|") && !strings.HasPrefix(line, "+") || !strings.HasSuffix(line, "|") && !strings.HasSuffix(line, "+") {
					t.Errorf("%+v: a line without borders: %q", o, line)
				}
			}
		}
		if got := strings.Join(tables[1].header, ","); got != "FILE,SUBJECT,SHA-1,NOT AFTER,REGISTERED ON" {
			t.Errorf("%+v: local certificates' headings %q", o, got)
		}
		if rows := tables[1].rows; len(rows) != 2 || rows[0][0] != "certs/test-client.pem" || rows[1][4] != "nowhere in this tenant" {
			t.Errorf("%+v: local certificates %q", o, rows)
		}
	}
}

// section is the block of out that starts with the line title and ends at
// the next blank line.
func section(out, title string) string {
	i := strings.Index(out, "\n"+title+"\n")
	if i < 0 {
		return ""
	}
	rest := out[i+1:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// The table leads with the verdict: the apps whose sign-in fails now and
// those whose sign-in will fail within --warn-days, one line each with the
// date and what to do, before the counts and the findings.
func TestTableLeadsWithTheVerdict(t *testing.T) {
	out := string(render(t, "table", fixtureResult(), reports.Options{Width: 100}))
	now := section(out, "Sign-in fails now (2 apps):")
	soon := section(out, "Sign-in will fail within 30 days (1 app):")
	want := []string{
		"  Payroll API  since 2026-06-12  upload a new cert and switch to it",
		"  Reporting    now               bring the side behind up to date",
	}
	if got := strings.Split(now, "\n")[1:]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("fails now:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := strings.Split(soon, "\n")[1:]; len(got) != 1 || got[0] != "  Mailer       on 2026-06-24     add the next secret, switch to it" {
		t.Errorf("will fail: %q", got)
	}
	verdict, counts, findings := strings.Index(out, "Sign-in fails now"), strings.Index(out, "\n8 findings: "), strings.Index(out, "\n| Payroll API (")
	if verdict < 0 || counts < verdict || findings < counts {
		t.Errorf("the verdict (%d), the counts (%d) and the findings (%d) are out of order:\n%s", verdict, counts, findings, out)
	}
}

// Which findings put an app in the verdict, and with which date: the
// rule docs/reports.md states.
func TestTableVerdictRule(t *testing.T) {
	at := fixtureNow
	day := func(n int) *time.Time { d := at.Add(time.Duration(n) * 24 * time.Hour); return &d }
	app := func(name string) *audit.ObjectRef {
		return &audit.ObjectRef{Kind: audit.KindApplication, AppID: "id-" + name, DisplayName: name}
	}
	finding := func(name, check string, sev audit.Severity, cred *audit.CredentialRef) audit.Finding {
		c, _ := audit.LookupCheck(check)
		return c.Finding(sev, app(name), cred, nil, "message")
	}
	cert := func(start, end int) *audit.CredentialRef {
		return &audit.CredentialRef{Kind: audit.CredentialCertificate, KeyID: "k", StartDateTime: day(start), EndDateTime: day(end)}
	}
	r := audit.NewResult("scan", &audit.Tenant{Complete: true}, audit.DefaultPolicy(), at)
	r.Findings = []audit.Finding{
		finding("Expired in use", audit.CheckCertExpired, audit.SeverityCritical, cert(-300, -2)),
		finding("Leftover", audit.CheckCertExpired, audit.SeverityMedium, cert(-300, -2)),
		finding("Starts later", audit.CheckCertNotYetValid, audit.SeverityHigh, cert(3, 300)),
		finding("Not uploaded", audit.CheckCertNotRegistered, audit.SeverityCritical, nil),
		finding("SAML", audit.CheckSAMLCertExpired, audit.SeverityCritical, cert(-900, -1)),
		finding("Disabled SAML", audit.CheckSAMLCertExpired, audit.SeverityLow, cert(-900, -1)),
		finding("Weak", audit.CheckCertWeakKey, audit.SeverityHigh, cert(-10, 100)),
		finding("Secret soon", audit.CheckSecretExpiring, audit.SeverityMedium, &audit.CredentialRef{Kind: audit.CredentialSecret, KeyID: "s", EndDateTime: day(9)}),
		finding("Cert soon", audit.CheckCertExpiring, audit.SeverityHigh, cert(-300, 5)),
		finding("Successor ready", audit.CheckCertExpiring, audit.SeverityLow, cert(-300, 4)),
		finding("Expired in use", audit.CheckCertExpiring, audit.SeverityMedium, cert(-300, 6)),
		finding("Failing", audit.CheckSignInFailing, audit.SeverityCritical, &audit.CredentialRef{Kind: audit.CredentialCertificate}),
		finding("Still on the old one", audit.CheckRotationIncomplete, audit.SeverityHigh, cert(-300, 12)),
		finding("Vault renews", audit.CheckKeyVaultRenewalDue, audit.SeverityHigh, cert(-300, 25)),
	}
	audit.SortFindings(r.Findings)
	r.CountFindings()
	out := string(render(t, "table", r, reports.Options{Width: 100}))
	now := section(out, "Sign-in fails now (5 apps):")
	soon := section(out, "Sign-in will fail within 30 days (4 apps):")
	for _, want := range []string{"Expired in use        since 2026-06-13", "Not uploaded          now ", "SAML                  since 2026-06-14",
		"Starts later          until 2026-06-18", "Failing               now "} {
		if !strings.Contains(now, want) {
			t.Errorf("fails now lacks %q:\n%s", want, out)
		}
	}
	// Soonest first; an app that fails now is not repeated.
	// Soonest first, each on its credential's end date.
	last := -1
	for _, want := range []struct{ app, date string }{
		{"Cert soon", "2026-06-20"}, {"Secret soon", "2026-06-24"}, {"Still on the old one", "2026-06-27"}, {"Vault renews", "2026-07-10"},
	} {
		i := strings.Index(soon, "\n  "+want.app+" ")
		line, _, _ := strings.Cut(soon[max(i, 0)+1:], "\n")
		if i < last || !strings.Contains(line, " on "+want.date+" ") {
			t.Errorf("will fail: %q not on %s after the ones before it:\n%s", want.app, want.date, soon)
		}
		last = i
	}
	for _, absent := range []string{"Leftover", "Disabled SAML", "Weak", "Successor ready"} {
		if strings.Contains(now+soon, absent) {
			t.Errorf("%q is in the verdict:\n%s", absent, now+soon)
		}
	}

	r.Findings = r.Findings[:0]
	r.CountFindings()
	if out := string(render(t, "table", r, reports.Options{})); !strings.Contains(out, "\nNo sign-in fails now or within 30 days.\n") {
		t.Errorf("a clean audit:\n%s", out)
	}
	r.Complete, r.Incomplete = false, "page 2 failed"
	if out := string(render(t, "table", r, reports.Options{})); !strings.Contains(out, "No sign-in fails now or within 30 days in the part that was read.") {
		t.Errorf("an incomplete audit:\n%s", out)
	}
}

// Wrap, appaudit's one word-wrapper: no line wider than the width, the
// indent included; words longer than a line broken; display widths, not
// bytes.
func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in     string
		width  int
		indent string
		want   string
	}{
		{"the quick brown fox jumps over the lazy dog", 16, "", "the quick brown\nfox jumps over\nthe lazy dog"},
		{"the quick brown fox jumps over the lazy dog", 16, "    ", "the quick\n    brown fox\n    jumps over\n    the lazy dog"},
		{"a 0123456789ABCDEF0123 b", 10, "", "a\n0123456789\nABCDEF0123\nb"},
		{"  runs   of\tspace  ", 40, "", "runs of space"},
		{"日本語の名前 です", 8, "", "日本語の\n名前\nです"},
		{"🔥🔥🔥🔥", 5, "", "🔥🔥\n🔥🔥"},
		{"no limit at all, however long the line is", 0, "  ", "no limit at all, however long the line is"},
		{"", 10, "", ""},
	} {
		got := reports.Wrap(tc.in, tc.width, tc.indent)
		if got != tc.want {
			t.Errorf("Wrap(%q, %d, %q) =\n%q, want\n%q", tc.in, tc.width, tc.indent, got, tc.want)
		}
		for _, line := range strings.Split(got, "\n") {
			if w := displaywidth.String(line); tc.width > 0 && w > tc.width {
				t.Errorf("Wrap(%q, %d): line %q is %d wide", tc.in, tc.width, line, w)
			}
		}
	}
}
