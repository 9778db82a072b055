package reports_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
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
		{"empty", "", "reports: old.json: empty file (write a report with -o json=FILE)"},
		{"not json", "hello", "reports: old.json: not JSON: invalid character 'h' looking for beginning of value at byte 1 (" + hintWriteReport + ")"},
		{"other json", `{"id": 1}`, "reports: old.json: a JSON object without schemaVersion, not an appaudit JSON report (" + hintWriteReport + ")"},
		{"future version", `{"schemaVersion": "2", "tool": "appaudit v2.0.0", "findings": []}`,
			"reports: old.json: an appaudit report of schema version 2, but this appaudit reads version 1 reports (it was written by appaudit v2.0.0; render it with the appaudit that wrote it, or write the report again with this one)"},
		{"future version, other shape", `{"schemaVersion": "2.1", "complete": "partly"}`,
			"reports: old.json: an appaudit report of schema version 2.1, but this appaudit reads version 1 reports (render it with the appaudit that wrote it, or write the report again with this one)"},
		{"wrong type", `{"schemaVersion": "1", "complete": "yes"}`,
			"reports: old.json: not an appaudit JSON report: complete holds a JSON string where a report has bool (was the report edited? write one with -o json=FILE)"},
		{"no severity", `{"schemaVersion": "1", "findings": [{"check": "cert-expired", "severity": "high"}, {"check": "cert-expired"}]}`,
			`reports: old.json: findings[1] (check "cert-expired") has no severity (was the report edited? write one with -o json=FILE)`},
		{"trailing data", `{"schemaVersion": "1"} {"schemaVersion": "1"}`,
			"reports: old.json: not JSON: invalid character '{' after top-level value at byte 24 (" + hintWriteReport + ")"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := reports.ReadJSON(strings.NewReader(tc.in), "old.json")
			var re *reports.ReadError
			if !errors.As(err, &re) || re.Name != "old.json" || err.Error() != tc.want {
				t.Errorf("error %v\nwant         %s", err, tc.want)
			}
		})
	}
}

const (
	hintWriteReport = "report --from and --baseline read the report written with -o json=FILE"
	hintSnapshot    = "scan --snapshot reads it; " + hintWriteReport
)

// A file given to report --from or --baseline that is not an appaudit
// JSON report is named for what it is: every other format as this
// package's writers write it (the golden files), an appaudit snapshot as
// graphclient writes it, `az ad app list --all` output (graphclient's
// test data, captured from Azure CLI), a Graph collection page in the
// shape of the response example of
// https://learn.microsoft.com/graph/api/application-list, and a SARIF
// file.
func TestReadJSONSaysWhatAFileIs(t *testing.T) {
	golden := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var snap bytes.Buffer
	tenant := audittest.Tenant(audittest.App("00000000-0000-4000-a000-000000000001", "Payroll"))
	if err := graphclient.WriteSnapshot(&snap, tenant, graphclient.SnapshotMeta{Tool: "appaudit test"}); err != nil {
		t.Fatal(err)
	}
	azList, err := os.ReadFile("../graphclient/testdata/az-ad-app-list.json")
	if err != nil {
		t.Fatal(err)
	}
	const graphPage = `{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications",
  "value": [
    {"appId": "00000000-0000-0000-0000-000000000000", "identifierUris": ["http://contoso/"], "displayName": "My app", "keyCredentials": [], "passwordCredentials": []}
  ]
}`
	hintOthers := hintWriteReport + ", and write every other format from it"
	for _, tc := range []struct{ name, in, msg, hint string }{
		{"table", golden("fixture.txt"), "a table report, not the JSON report", hintOthers},
		{"csv", golden("fixture.csv"), "a CSV report, not the JSON report", hintOthers},
		{"markdown", golden("fixture.md"), "a Markdown report, not the JSON report", hintOthers},
		{"html", golden("fixture.html"), "an HTML report, not the JSON report", hintOthers},
		{"junit", golden("fixture.xml"), "an XML file (a JUnit report?), not the JSON report", hintOthers},
		{"prometheus", golden("fixture.prom"), "a Prometheus report, not the JSON report", hintOthers},
		{"sarif", golden("fixture.sarif"), "a SARIF file, not the JSON report", hintWriteReport + ", and write SARIF from it"},
		{"snapshot", snap.String(), "an appaudit snapshot, not a report", hintSnapshot},
		{"az ad app list", string(azList), "a JSON array, such as az ad app list prints, not a report", hintSnapshot},
		{"graph page", graphPage, `a Graph page {"value": [...]}, not a report`, hintSnapshot},
		{"newer report", strings.Replace(golden("fixture.json"), `"schemaVersion": "1"`, `"schemaVersion": "2"`, 1),
			"an appaudit report of schema version 2, but this appaudit reads version 1 reports",
			"it was written by appaudit test; render it with the appaudit that wrote it, or write the report again with this one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := reports.ReadJSON(strings.NewReader(tc.in), "saved")
			var re *reports.ReadError
			if !errors.As(err, &re) || re.Msg != tc.msg || re.Hint != tc.hint {
				t.Errorf("got %v\nwant msg  %q\nand hint %q", err, tc.msg, tc.hint)
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
		{"json=", "", "", "reports: json= names no file (write json=report.json, or json for stdout)"},
		{"docx", "", "", `reports: unknown format "docx" (want one of table, json, csv, markdown, html, sarif, junit, prometheus)`},
	} {
		spec, err := reports.ParseOutputSpec(tc.in)
		if tc.err != "" {
			// The types carry what a command needs to name its flag.
			var choice *audit.ChoiceError
			var bad *reports.SpecError
			typed := errors.As(err, &choice) && choice.Name == tc.in && len(choice.Choices) == len(reports.Formats()) ||
				errors.As(err, &bad) && bad.Spec == tc.in
			if err == nil || err.Error() != tc.err || !typed {
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
	for _, o := range []reports.Options{{}, {Width: 120}, {Wide: true}} {
		out := string(render(t, "table", fixtureResult(), o))
		order := []string{"Payroll API (", "Reporting (", "Mailer (", "SAML Portal (", "(local file)\n"}
		if o.Width >= 100 || o.Wide {
			order = []string{"| Payroll API (", "| Reporting (", "| Mailer (", "| SAML Portal (", "| (local file) "}
		}
		last := -1
		for _, header := range order {
			header = "\n" + header
			i := strings.Index(out, header)
			if i < 0 || i < last {
				t.Fatalf("%+v: %q out of order or missing in:\n%s", o, header, out)
			}
			if strings.Count(out, header) != 1 {
				t.Errorf("%+v: %q heads more than one group", o, header)
			}
			last = i
		}
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
