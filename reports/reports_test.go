package reports_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

func TestJSONRoundTrip(t *testing.T) {
	r := fixtureResult()
	out := render(t, "json", r, reports.Options{})
	back, err := reports.ReadJSON(bytes.NewReader(out), "report.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("the report does not read back into the same Result:\ngot  %+v\nwant %+v", back, r)
	}
	// And it renders the same again.
	if again := render(t, "json", back, reports.Options{}); !bytes.Equal(again, out) {
		t.Error("re-rendered JSON differs")
	}
}

func TestReadJSONErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "empty file"},
		{"not json", "hello", "not a JSON report"},
		{"other json", `{"value": []}`, "no schemaVersion"},
		{"future version", `{"schemaVersion": "2", "findings": []}`, `schema version "2"`},
		{"wrong type", `{"schemaVersion": "1", "complete": "yes"}`, "not an appaudit JSON report"},
		{"no severity", `{"schemaVersion": "1", "findings": [{"check": "cert-expired", "severity": "high"}, {"check": "cert-expired"}]}`, `findings[1] (check "cert-expired") has no severity`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := reports.ReadJSON(strings.NewReader(tc.in), "old.json")
			if err == nil || !strings.Contains(err.Error(), "old.json") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v: want one naming old.json and saying %q", err, tc.want)
			}
		})
	}
}

func TestParseOutputSpec(t *testing.T) {
	for _, tc := range []struct {
		in, format, path, err string
	}{
		{"table", "table", "", ""},
		{"JSON=out/report.json", "json", "out/report.json", ""},
		{"json=a=b.json", "json", "a=b.json", ""},
		{"json=", "", "", "names no file"},
		{"docx", "", "", `unknown format "docx"`},
	} {
		spec, err := reports.ParseOutputSpec(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || spec.Format.Name != tc.format || spec.Path != tc.path {
			t.Errorf("%q: got %q %q %v", tc.in, spec.Format.Name, spec.Path, err)
		}
	}
}

func TestTableColour(t *testing.T) {
	r := fixtureResult()
	plain := string(render(t, "table", r, reports.Options{}))
	if strings.Contains(plain, "\x1b") {
		t.Error("escape sequences without Color")
	}
	coloured := string(render(t, "table", r, reports.Options{Color: true}))
	if !strings.Contains(coloured, "\x1b[1;31mcritical\x1b[0m") {
		t.Error("critical is not red with Color")
	}
}

func TestTableIncompleteAndEmpty(t *testing.T) {
	r := &audit.Result{Complete: false, Incomplete: "servicePrincipals: page 4 failed after 6 attempts", Findings: []audit.Finding{}}
	r.CountFindings()
	out := string(render(t, "table", r, reports.Options{}))
	if strings.Count(out, "AUDIT INCOMPLETE: servicePrincipals: page 4 failed") != 2 || !strings.Contains(out, "not a clean result") {
		t.Errorf("incomplete report does not say so at top and bottom:\n%s", out)
	}
	if strings.Contains(out, "No findings.") {
		t.Errorf("incomplete report reads as clean:\n%s", out)
	}
	r.Complete, r.Incomplete = true, ""
	if out := string(render(t, "table", r, reports.Options{})); !strings.Contains(out, "No findings.") || strings.Contains(out, "INCOMPLETE") {
		t.Errorf("clean report:\n%s", out)
	}
}

// Findings are grouped by object, the object with the worst finding
// first, each group keeping its worst-first order.
func TestTableGroupsByObject(t *testing.T) {
	out := string(render(t, "table", fixtureResult(), reports.Options{}))
	order := []string{"Payroll API", "Reporting", "Mailer", "SAML Portal", "(local file)"}
	last := -1
	for _, name := range order {
		i := strings.Index(out, "| "+name)
		if i < 0 || i < last {
			t.Fatalf("%q out of order or missing in:\n%s", name, out)
		}
		if strings.Count(out, "| "+name+" ") != 1 {
			t.Errorf("%q named on more than one row", name)
		}
		last = i
	}
}

func TestTableNeutralisesHostileText(t *testing.T) {
	r := fixtureResult()
	f := &r.Findings[0]
	app := *f.App
	app.DisplayName = "Evil\x1b[2J\x1b[31mApp\r\nforged line\u202egnp.exe" + strings.Repeat("x", 300)
	f.App = &app
	f.Message = "message with \x1b]8;;http://evil\x07link\x1b]8;;\x07 and \u2066isolate\u2069"
	out := string(render(t, "table", r, reports.Options{}))
	for _, bad := range []string{"\x1b", "\r", "\u202e", "\u2066", "\x07", "forged line"} {
		if bad == "forged line" {
			if strings.Contains(out, "\nforged line") {
				t.Error("a line break in a display name forged a line")
			}
			continue
		}
		if strings.Contains(out, bad) {
			t.Errorf("table contains %q", bad)
		}
	}
	if !strings.Contains(out, `Evil\u001B[2J`) || !strings.Contains(out, `\u2066isolate`) {
		t.Errorf("hostile characters are not shown escaped:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if len([]rune(line)) > 220 {
			t.Errorf("a long name was not clipped: line of %d runes", len([]rune(line)))
			break
		}
	}
}

// A diagnosis made from the evidence alone says so, and does not claim to
// have read an empty tenant.
func TestTableWithoutTenant(t *testing.T) {
	r := &audit.Result{Command: "doctor", Complete: true, Source: audit.Source{Kind: "none"}, Findings: []audit.Finding{}}
	r.CountFindings()
	out := string(render(t, "table", r, reports.Options{}))
	if !strings.Contains(out, "no tenant read, the evidence alone") || strings.Contains(out, "Read 0 applications") {
		t.Errorf("header of a diagnosis without a tenant:\n%s", out)
	}
}
