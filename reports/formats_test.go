package reports_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/net/html"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

var testOpts = reports.Options{ToolVersion: "test"}

// triagedResult is the shared fixture after the triage stages and the
// display filter: one finding suppressed, one known from a baseline, the
// info finding below --min-severity.
func triagedResult(t *testing.T) *audit.Result {
	t.Helper()
	r := fixtureResult()
	base := fixtureResult()
	base.Findings = slices.DeleteFunc(base.Findings, func(f audit.Finding) bool { return f.Check != "cert-rotated-one-side" })
	r.Suppress([]audit.Suppression{{Check: "saml-cert-inactive-expired", App: "SAML Portal", Reason: "kept until the vendor reloads our metadata",
		Expires: fixtureDays(100), Source: "ignore.yaml:1"}}, fixtureNow)
	if err := r.Baseline(base, "baseline.json"); err != nil {
		t.Fatal(err)
	}
	r.FilterMinSeverity(audit.SeverityLow)
	return r
}

// Every format renders the fixture after triage as its golden file, and
// the hostile fixture as its own.
func TestGoldenTriagedAndHostile(t *testing.T) {
	for _, f := range reports.Formats() {
		t.Run(f.Name, func(t *testing.T) {
			golden(t, "triaged."+f.Extension, render(t, f.Name, triagedResult(t), testOpts))
			golden(t, "hostile."+f.Extension, render(t, f.Name, hostileResult(), testOpts))
		})
	}
}

func TestFormatsAreListedOnce(t *testing.T) {
	want := []string{"table", "json", "csv", "markdown", "html", "sarif", "junit", "prometheus"}
	var names, exts []string
	for _, f := range reports.Formats() {
		names = append(names, f.Name)
		if slices.Contains(exts, f.Extension) {
			t.Errorf("extension %s used twice", f.Extension)
		}
		exts = append(exts, f.Extension)
		if f.Description == "" || f.New == nil {
			t.Errorf("format %s is not fully declared", f.Name)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("formats %v, want %v", names, want)
	}
}

func TestCSVRoundTrip(t *testing.T) {
	r := fixtureResult()
	rows, err := csv.NewReader(bytes.NewReader(render(t, "csv", r, testOpts))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(r.Findings)+1 {
		t.Fatalf("%d rows for %d findings", len(rows), len(r.Findings))
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for i, f := range r.Findings {
		row := rows[i+1]
		if row[col["check"]] != f.Check || row[col["severity"]] != f.Severity.String() || row[col["fingerprint"]] != f.Fingerprint || row[col["message"]] != f.Message {
			t.Errorf("row %d %v does not hold finding %s %s", i+1, row, f.Check, f.Fingerprint)
		}
		if f.App != nil && row[col["app_id"]] != f.App.AppID {
			t.Errorf("row %d: app_id %q", i+1, row[col["app_id"]])
		}
	}
	// A header even when there is nothing to report.
	empty := &audit.Result{Complete: true, Findings: []audit.Finding{}}
	rows, err = csv.NewReader(bytes.NewReader(render(t, "csv", empty, testOpts))).ReadAll()
	if err != nil || len(rows) != 1 || rows[0][0] != "severity" {
		t.Errorf("empty report: %v %v", rows, err)
	}
	// An incomplete audit says so in a row of its own, before the
	// findings, even when it found nothing.
	for _, res := range []*audit.Result{fixtureResult(), {Findings: []audit.Finding{}}} {
		res.Complete, res.Incomplete = false, "listing applications stopped at page 2, after 999 applications"
		rows, err = csv.NewReader(bytes.NewReader(render(t, "csv", res, testOpts))).ReadAll()
		if err != nil || len(rows) != len(res.Findings)+2 {
			t.Fatalf("incomplete: %d rows for %d findings, %v", len(rows), len(res.Findings), err)
		}
		if row := rows[1]; row[col["check"]] != "audit-incomplete" || row[col["severity"]] != "critical" ||
			!strings.HasPrefix(row[col["message"]], "listing applications stopped at page 2") || !strings.Contains(row[col["message"]], "not a clean result") {
			t.Errorf("incomplete: row %v", row)
		}
	}
}

// The JSON shapes of SARIF that code-scanning uploads rely on.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID                   string `json:"id"`
					DefaultConfiguration struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
					Properties struct {
						SecuritySeverity string `json:"security-severity"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful bool `json:"executionSuccessful"`
			Notifications       []struct {
				Level   string                `json:"level"`
				Message struct{ Text string } `json:"message"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				LogicalLocations []struct {
					FullyQualifiedName string `json:"fullyQualifiedName"`
				} `json:"logicalLocations"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			BaselineState       string            `json:"baselineState"`
		} `json:"results"`
		Properties map[string]any `json:"properties"`
	} `json:"runs"`
}

func decodeSARIF(t *testing.T, b []byte) sarifDoc {
	t.Helper()
	var doc sarifDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if doc.Version != "2.1.0" || !strings.Contains(doc.Schema, "sarif-2.1.0") || len(doc.Runs) != 1 {
		t.Fatalf("not a SARIF 2.1.0 log with one run: %s %s", doc.Version, doc.Schema)
	}
	return doc
}

func TestSARIF(t *testing.T) {
	r := fixtureResult()
	run := decodeSARIF(t, render(t, "sarif", r, testOpts)).Runs[0]
	rules := run.Tool.Driver.Rules
	var scanChecks []audit.Check
	for _, c := range audit.Checks() {
		if c.Command == "scan" {
			scanChecks = append(scanChecks, c)
		}
	}
	if run.Tool.Driver.Name != "appaudit" || len(rules) != len(scanChecks) {
		t.Fatalf("driver %s with %d rules, want one per scan check (%d)", run.Tool.Driver.Name, len(rules), len(scanChecks))
	}
	for i, c := range scanChecks {
		if rules[i].ID != c.ID || rules[i].Properties.SecuritySeverity == "" {
			t.Errorf("rule %d: %+v, want %s", i, rules[i], c.ID)
		}
	}
	if len(run.Results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(r.Findings))
	}
	levels := map[audit.Severity]string{audit.SeverityCritical: "error", audit.SeverityHigh: "error", audit.SeverityMedium: "warning",
		audit.SeverityLow: "note", audit.SeverityInfo: "note"}
	for i, res := range run.Results {
		f := r.Findings[i]
		if res.RuleID != f.Check || rules[res.RuleIndex].ID != f.Check || res.Level != levels[f.Severity] {
			t.Errorf("result %d: rule %s (index %d), level %s for %s %s", i, res.RuleID, res.RuleIndex, res.Level, f.Severity, f.Check)
		}
		if res.PartialFingerprints["appauditFingerprint/v1"] != f.Fingerprint {
			t.Errorf("result %d: fingerprints %v, want %s", i, res.PartialFingerprints, f.Fingerprint)
		}
		if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
			t.Errorf("result %d has no physical location: %+v", i, res.Locations)
		}
		loc := res.Locations[0]
		switch {
		case f.Local != nil && f.Local.Source == "deployed.csv:3":
			if loc.PhysicalLocation.ArtifactLocation.URI != "deployed.csv" || loc.PhysicalLocation.Region == nil || loc.PhysicalLocation.Region.StartLine != 3 {
				t.Errorf("the mapping row's finding points at %+v, want deployed.csv line 3", loc.PhysicalLocation)
			}
		case f.Local != nil:
			if loc.PhysicalLocation.ArtifactLocation.URI != "certs/test-client.pem" {
				t.Errorf("the local file's finding points at %+v", loc.PhysicalLocation)
			}
		default:
			if loc.PhysicalLocation.ArtifactLocation.URI != "tenant.json" {
				t.Errorf("a registered credential's finding points at %+v, want the snapshot", loc.PhysicalLocation)
			}
		}
		if f.App != nil && (len(loc.LogicalLocations) != 1 || !strings.HasSuffix(loc.LogicalLocations[0].FullyQualifiedName, f.App.AppID)) {
			t.Errorf("result %d: logical locations %+v", i, loc.LogicalLocations)
		}
		if res.BaselineState != "" {
			t.Errorf("baselineState %q without a baseline", res.BaselineState)
		}
	}
	if !run.Invocations[0].ExecutionSuccessful || run.Properties["schemaVersion"] != reports.SchemaVersion {
		t.Errorf("invocation %+v, properties %v", run.Invocations, run.Properties)
	}

	// A live, incomplete audit: virtual locations, a failed invocation,
	// and with a baseline every result is new.
	r = triagedResult(t)
	r.Source = audit.Source{Kind: "live", TenantID: "cafe"}
	r.Complete, r.Incomplete = false, "servicePrincipals: page 3 failed"
	run = decodeSARIF(t, render(t, "sarif", r, testOpts)).Runs[0]
	inv := run.Invocations[0]
	if inv.ExecutionSuccessful || len(inv.Notifications) == 0 || !strings.Contains(inv.Notifications[0].Message.Text, "page 3 failed") {
		t.Errorf("incomplete invocation %+v", inv)
	}
	for _, res := range run.Results {
		uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if res.BaselineState != "new" || (!strings.HasPrefix(uri, "entra/cafe/") && uri != "deployed.csv" && uri != "certs/test-client.pem") {
			t.Errorf("live result %s: baseline %q, uri %q", res.RuleID, res.BaselineState, uri)
		}
	}
}

type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error   *struct{} `xml:"error"`
			Skipped *struct{} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func decodeJUnit(t *testing.T, b []byte) junitDoc {
	t.Helper()
	var doc junitDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("JUnit is not XML: %v", err)
	}
	return doc
}

// caseState finds the test case of a check in the suite whose name starts
// with prefix: "failed", "passed", "skipped", "error" or "" (no such case).
func caseState(doc junitDoc, prefix, check string) string {
	for _, s := range doc.Suites {
		if !strings.HasPrefix(s.Name, prefix) {
			continue
		}
		for _, c := range s.Cases {
			if c.Name != check {
				continue
			}
			switch {
			case c.Failure != nil:
				return "failed"
			case c.Error != nil:
				return "error"
			case c.Skipped != nil:
				return "skipped"
			}
			return "passed"
		}
	}
	return ""
}

func TestJUnit(t *testing.T) {
	r := fixtureResult()
	doc := decodeJUnit(t, render(t, "junit", r, testOpts))
	tests, failures := 0, 0
	for _, s := range doc.Suites {
		tests += len(s.Cases)
		for _, c := range s.Cases {
			if c.Failure != nil {
				failures++
			}
		}
		if s.Tests != len(s.Cases) {
			t.Errorf("suite %s says %d tests, has %d", s.Name, s.Tests, len(s.Cases))
		}
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != 0 {
		t.Errorf("totals %d tests %d failures, counted %d and %d", doc.Tests, doc.Failures, tests, failures)
	}
	// Each of the 8 findings is on an object and check of its own.
	if failures != 8 {
		t.Errorf("%d failures, want one per object and check with findings (8)", failures)
	}
	for _, tc := range []struct{ suite, check, want string }{
		{"appaudit", "audit is complete", "passed"},
		{"Payroll API", "cert-expired", "failed"},
		{"Payroll API", "cert-not-registered", "passed"}, // the mapping names Payroll
		{"Reporting", "cert-expired", "passed"},
		{"Reporting", "cert-rotated-one-side", "failed"},
		{"Mailer", "secret-expiring", "failed"},
		{"Mailer", "secret-expired", "passed"},
		{"Mailer", "cert-expired", ""},              // Mailer has no certificate
		{"SAML Portal", "cert-not-registered", ""},  // the mapping does not name it
		{"Payroll API", "cert-weak-key", "skipped"}, // no certificate body: the key is unknown
		{"local files", "local-cert-unregistered", "failed"},
	} {
		if got := caseState(doc, tc.suite, tc.check); got != tc.want {
			t.Errorf("%s / %s: %q, want %q", tc.suite, tc.check, got, tc.want)
		}
	}
	for _, s := range doc.Suites {
		if strings.HasPrefix(s.Name, "Payroll API") {
			for _, c := range s.Cases {
				if c.Name == "cert-expired" && (c.Failure.Type != "critical" || !strings.Contains(c.Failure.Text, "What to do:")) {
					t.Errorf("failure %+v", c.Failure)
				}
			}
		}
	}

	// After triage: withheld checks are skipped, never passed.
	doc = decodeJUnit(t, render(t, "junit", triagedResult(t), testOpts))
	for _, tc := range []struct{ suite, check, want string }{
		{"SAML Portal", "saml-cert-inactive-expired", "skipped"}, // suppressed
		{"Reporting", "cert-rotated-one-side", "skipped"},        // in the baseline
		{"Mailer", "secret-present", "skipped"},                  // below --min-severity
		{"Mailer", "secret-expiring", "failed"},
	} {
		if got := caseState(doc, tc.suite, tc.check); got != tc.want {
			t.Errorf("triaged %s / %s: %q, want %q", tc.suite, tc.check, got, tc.want)
		}
	}
	// The three withheld, and cert-weak-key on the three objects whose
	// certificate bodies are unknown.
	if doc.Skipped != 6 {
		t.Errorf("%d skipped, want 6", doc.Skipped)
	}

	// An incomplete audit is an error, so CI is never green.
	r = fixtureResult()
	r.Complete, r.Incomplete = false, "applications: page 2 failed"
	doc = decodeJUnit(t, render(t, "junit", r, testOpts))
	if caseState(doc, "appaudit", "audit is complete") != "error" || doc.Errors != 1 {
		t.Errorf("incomplete audit: errors %d", doc.Errors)
	}
}

// A saved report may list an object twice in its credential inventory:
// each of its suites has each check once, and the objects whose findings
// the inventory does not list have a suite all the same.
func TestJUnitObjectsListedTwiceOrNotAtAll(t *testing.T) {
	r := fixtureResult()
	r.Objects = append(r.Objects, r.Objects...)
	doc := decodeJUnit(t, render(t, "junit", r, testOpts))
	suites := map[string]int{}
	for _, s := range doc.Suites {
		suites[s.Name]++
		seen := map[string]bool{}
		for _, c := range s.Cases {
			if seen[c.Name+" "+c.Classname] {
				t.Errorf("suite %s has case %s twice", s.Name, c.Name)
			}
			seen[c.Name+" "+c.Classname] = true
		}
	}
	if n := suites["Payroll API (00000000-0000-4000-a000-000000000001)"]; n != 2 {
		t.Errorf("the object listed twice has %d suites", n)
	}

	r = fixtureResult()
	r.Objects = nil
	doc = decodeJUnit(t, render(t, "junit", r, testOpts))
	if got := caseState(doc, "Payroll API", "cert-expired"); got != "failed" {
		t.Errorf("an object the inventory does not list: cert-expired %q", got)
	}
	if got := caseState(doc, "Payroll API", "cert-not-yet-valid"); got != "" {
		t.Errorf("an object the inventory does not list: a check that found nothing on it is %q, not left out", got)
	}
}

func parseProm(t *testing.T, b []byte) map[string]*promFamily {
	t.Helper()
	// Legacy (pre-UTF-8) names: what every Prometheus and the textfile
	// collector accept.
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not the Prometheus text format: %v\n%s", err, b)
	}
	out := map[string]*promFamily{}
	for name, f := range fams {
		pf := &promFamily{}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			pf.samples = append(pf.samples, promSample{labels, m.GetGauge().GetValue()})
		}
		out[name] = pf
	}
	return out
}

type promFamily struct{ samples []promSample }

type promSample struct {
	labels map[string]string
	value  float64
}

// value finds the sample whose labels include every pair given.
func (f *promFamily) value(t *testing.T, pairs ...string) float64 {
	t.Helper()
	if f == nil {
		t.Fatal("no such metric family")
	}
	for _, s := range f.samples {
		ok := true
		for i := 0; i+1 < len(pairs); i += 2 {
			ok = ok && s.labels[pairs[i]] == pairs[i+1]
		}
		if ok {
			return s.value
		}
	}
	t.Fatalf("no sample with %v", pairs)
	return 0
}

func TestPrometheus(t *testing.T) {
	r := fixtureResult()
	fams := parseProm(t, render(t, "prometheus", r, testOpts))
	if fams["appaudit_audit_complete"].value(t) != 1 || fams["appaudit_audit_timestamp_seconds"].value(t) != float64(fixtureNow.Unix()) {
		t.Error("audit complete / timestamp gauges")
	}
	if v := fams["appaudit_info"].value(t, "schema_version", reports.SchemaVersion, "version", "test"); v != 1 {
		t.Errorf("info %v", v)
	}
	exp := fams["appaudit_credential_expiry_days"]
	if v := exp.value(t, "key_id", "11111111-0000-4000-8000-000000000001"); v != -3 {
		t.Errorf("expired certificate: %v days, want -3", v)
	}
	if v := exp.value(t, "key_id", "22222222-0000-4000-8000-000000000001", "credential_kind", "secret", "display_name", "Mailer"); v != 9 {
		t.Errorf("secret: %v days, want 9", v)
	}
	if n := len(exp.samples); n != 6 {
		t.Errorf("%d credential series, want 6 (a Sign/Verify pair is two)", n)
	}
	findings := fams["appaudit_findings"]
	if v := findings.value(t, "check", "cert-expired", "severity", "critical"); v != 1 {
		t.Errorf("cert-expired critical = %v", v)
	}
	if v := findings.value(t, "check", "cert-weak-key", "severity", "medium"); v != 0 {
		t.Errorf("a check that found nothing: %v", v)
	}
	if len(findings.samples) != len(r.ChecksRun)*5 {
		t.Errorf("%d findings series, want every check run at every severity", len(findings.samples))
	}
	r.Complete = false
	if v := parseProm(t, render(t, "prometheus", r, testOpts))["appaudit_audit_complete"].value(t); v != 0 {
		t.Errorf("incomplete audit: complete = %v", v)
	}
	// Two credentials that would make the same series: the second is
	// dropped, or the textfile collector would reject the file.
	r = fixtureResult()
	r.Objects = append(r.Objects, r.Objects[0])
	fams = parseProm(t, render(t, "prometheus", r, testOpts))
	for _, name := range []string{"appaudit_credential_expiry_days", "appaudit_credential_expiry_timestamp_seconds"} {
		if n := len(fams[name].samples); n != 6 {
			t.Errorf("%s: %d series with a duplicated object, want 6", name, n)
		}
	}
}

// mdCells splits a Markdown table row on its unescaped pipes.
func mdCells(row string) []string {
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row):
			cur.WriteByte(row[i])
			cur.WriteByte(row[i+1])
			i++
		case row[i] == '|':
			cells = append(cells, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(row[i])
		}
	}
	return append(cells, cur.String())
}

func TestMarkdown(t *testing.T) {
	r := fixtureResult()
	out := string(render(t, "markdown", r, testOpts))
	rows := 0
	inFindings := false
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| severity |") {
			inFindings = true
		}
		if inFindings && strings.HasPrefix(line, "|") {
			if n := len(mdCells(line)); n != 7 {
				t.Errorf("row with %d cells: %s", n-2, line)
			}
			rows++
		}
		if line == "" {
			inFindings = false
		}
	}
	if rows != len(r.Findings)+2 {
		t.Errorf("%d table rows for %d findings", rows, len(r.Findings))
	}
	if !strings.HasPrefix(out, "<!-- appaudit scan report, schema version "+reports.SchemaVersion+" -->") {
		t.Error("no schema version")
	}
	r.Complete, r.Incomplete = false, "page 2 failed"
	if out := string(render(t, "markdown", r, testOpts)); !strings.Contains(out, "**Audit incomplete:** page 2 failed") {
		t.Errorf("incomplete markdown:\n%s", out)
	}
}

// htmlDoc parses an HTML report with the HTML5 parser browsers use.
func htmlDoc(t *testing.T, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func walkHTML(n *html.Node, visit func(*html.Node)) {
	visit(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walkHTML(c, visit)
	}
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walkHTML(n, func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
	})
	return b.String()
}

func TestHTML(t *testing.T) {
	r := fixtureResult()
	doc := htmlDoc(t, render(t, "html", r, testOpts))
	var apps, bars int
	var csp, schema string
	cards := map[string]string{}
	walkHTML(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		class := attr(n, "class")
		switch {
		case n.Data == "section" && class == "app":
			apps++
		case n.Data == "rect" && strings.HasPrefix(class, "bar "):
			bars++
		case n.Data == "meta" && attr(n, "http-equiv") == "Content-Security-Policy":
			csp = attr(n, "content")
		case n.Data == "meta" && attr(n, "name") == "appaudit-schema-version":
			schema = attr(n, "content")
		case n.Data == "div" && strings.HasPrefix(class, "card "):
			cards[strings.TrimPrefix(class, "card ")] = textOf(n)
		}
	})
	if apps != 5 {
		t.Errorf("%d app sections, want 5 (4 objects and the local file)", apps)
	}
	if bars != 5 {
		t.Errorf("%d timeline bars, want one per credential, the SAML certificate's Sign and Verify halves as one (5)", bars)
	}
	if !strings.HasPrefix(csp, "default-src 'none'; style-src 'sha256-") || schema != reports.SchemaVersion {
		t.Errorf("CSP %q, schema %q", csp, schema)
	}
	if cards["critical"] != "2critical" || cards["info"] != "1info" {
		t.Errorf("summary cards %v", cards)
	}
	r.Complete, r.Incomplete = false, "page 2 failed"
	if out := string(render(t, "html", r, testOpts)); !strings.Contains(out, "Audit incomplete: page 2 failed") {
		t.Error("incomplete audit not shown")
	}
}

// Code scanning rejects a run of more than 25,000 results: the least
// severe findings beyond that are left out, and the log says so.
func TestSARIFResultLimit(t *testing.T) {
	r := fixtureResult()
	one := r.Findings[len(r.Findings)-1]
	for len(r.Findings) < 25_003 {
		r.Findings = append(r.Findings, one)
	}
	run := decodeSARIF(t, render(t, "sarif", r, testOpts)).Runs[0]
	if len(run.Results) != 25_000 || run.Results[0].RuleID != r.Findings[0].Check {
		t.Errorf("%d results", len(run.Results))
	}
	if n := run.Invocations[0].Notifications; len(n) == 0 || !strings.Contains(n[0].Message.Text, "3 findings left out") {
		t.Errorf("notifications %+v", n)
	}
	if run.Properties["resultsLeftOut"] != float64(3) {
		t.Errorf("properties %v", run.Properties)
	}
}

// A large tenant's page lists the most severe findings and says where the
// rest are.
func TestHTMLListsAtMostFiveThousandFindings(t *testing.T) {
	r := fixtureResult()
	for len(r.Findings) < 5002 {
		r.Findings = append(r.Findings, r.Findings[len(r.Findings)-1])
	}
	doc := htmlDoc(t, render(t, "html", r, testOpts))
	rows := 0
	walkHTML(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "span" && strings.HasPrefix(attr(n, "class"), "badge ") {
			rows++
		}
	})
	if rows != 5000 || !strings.Contains(textOf(doc), "the other 2 are in the JSON and CSV reports") {
		t.Errorf("%d findings listed", rows)
	}
}

// What the triage stages add reads back too, so a triaged report renders
// again the same in every format.
func TestJSONRoundTripAfterTriage(t *testing.T) {
	r := triagedResult(t)
	back, err := reports.ReadJSON(bytes.NewReader(render(t, "json", r, testOpts)), "triaged.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range reports.Formats() {
		if !bytes.Equal(render(t, f.Name, back, testOpts), render(t, f.Name, r, testOpts)) {
			t.Errorf("%s: the report read back renders differently", f.Name)
		}
	}
}

// So does the terminal table: every shown finding starts a row with its
// severity, and the rest are counted.
func TestTableListsAtMostFiveThousandFindings(t *testing.T) {
	r := fixtureResult()
	for len(r.Findings) < 5003 {
		r.Findings = append(r.Findings, r.Findings[len(r.Findings)-1])
	}
	out := string(render(t, "table", r, testOpts))
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		for _, s := range audit.Severities() {
			if strings.HasPrefix(line, fmt.Sprintf("  %-8s  ", s)) {
				rows++
			}
		}
	}
	if rows != 5000 || !strings.Contains(strings.Join(strings.Fields(out), " "), "the other 3 are in the JSON and CSV reports") {
		t.Errorf("%d findings listed", rows)
	}
}
