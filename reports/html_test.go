package reports_test

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/audit/demo"
	"github.com/appaudit/appaudit/reports"
)

// demoResult is the scan of the built-in demo tenant as of the test
// clock: every scan check fires in it.
func demoResult(t testing.TB) *audit.Result {
	t.Helper()
	tenant, inv, err := demo.Scenario(fixtureNow)
	if err != nil {
		t.Fatal(err)
	}
	r := audit.Run(tenant, inv, audit.DefaultPolicy(), fixtureNow)
	r.Source = audit.Source{Kind: "demo", TenantID: tenant.TenantID}
	return r
}

// facts are the statements of the page's summary, by class.
func facts(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	walkHTML(htmlDoc(t, b), func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "li" && n.Parent != nil && attr(n.Parent, "class") == "facts" {
			out[attr(n, "class")] = textOf(n)
		}
	})
	return out
}

// What a reader needs to trust the page: that the audit is complete (or
// is not), the policy it applied, what passed, and what made it.
func TestHTMLStatesWhatItIs(t *testing.T) {
	f := facts(t, render(t, "html", fixtureResult(), reports.Options{ToolVersion: "v1.2.3"}))
	if !strings.HasPrefix(f["complete"], "Complete: every application and service principal of the snapshot was read") || f["incomplete"] != "" {
		t.Errorf("completeness: %q", f)
	}
	for _, want := range []string{"within 30 days is expiring", "at most 365 days", "client secret for 180 days", "at least 2048 bits"} {
		if !strings.Contains(f["policy"], want) {
			t.Errorf("policy %q lacks %q", f["policy"], want)
		}
	}
	if f["tool"] != "Made by: appaudit v1.2.3, report schema version "+reports.SchemaVersion+"." {
		t.Errorf("tool %q", f["tool"])
	}

	r := fixtureResult()
	r.Complete, r.Incomplete = false, "servicePrincipals: page 3 failed"
	r.Policy.WarnDays, r.Policy.MaxCertDays = 14, 90
	f = facts(t, render(t, "html", r, testOpts))
	if f["complete"] != "" || !strings.Contains(f["incomplete"], "servicePrincipals: page 3 failed") || !strings.Contains(f["incomplete"], "not a clean result") {
		t.Errorf("an incomplete audit: %q", f)
	}
	if !strings.Contains(f["policy"], "within 14 days") || !strings.Contains(f["policy"], "at most 90 days") {
		t.Errorf("the policy applied is not the one stated: %q", f["policy"])
	}

	r.Command = "preflight"
	if f := facts(t, render(t, "html", r, testOpts)); f["policy"] != "Policy: the new certificate's registered window must stay open for 14 days more." || f["passed"] != "" {
		t.Errorf("preflight: %q", f)
	}
	r.Command = "doctor"
	if f := facts(t, render(t, "html", r, testOpts)); f["policy"] != "" {
		t.Errorf("a diagnosis applies no policy: %q", f["policy"])
	}
}

// The page counts the objects and credentials that passed every check
// that examined them, and never counts as passed one with findings left
// out of the report.
func TestHTMLCountsWhatPassed(t *testing.T) {
	now := fixtureNow
	valid := audittest.Valid("valid.contoso.com", now, audittest.Days(10), audittest.Days(200))
	ending := audittest.Valid("ending.contoso.com", now, audittest.Days(300), audittest.Days(10))
	tenant := audittest.Tenant(
		audittest.App("00000000-0000-4000-a000-000000000001", "Healthy", valid.KeyCredential("11111111-0000-4000-8000-000000000001", audit.UsageVerify, true)),
		audittest.App("00000000-0000-4000-a000-000000000002", "Ending", ending.KeyCredential("11111111-0000-4000-8000-000000000002", audit.UsageVerify, true),
			valid.KeyCredential("11111111-0000-4000-8000-000000000003", audit.UsageVerify, true)),
		audittest.App("00000000-0000-4000-a000-000000000003", "No credentials"),
	)
	r := audit.Run(tenant, nil, audit.DefaultPolicy(), now)
	want := "Passed: 1 of the 2 applications and service principals that hold credentials had no finding, nor did 2 of their 3 credentials"
	if got := facts(t, render(t, "html", r, testOpts))["passed"]; !strings.HasPrefix(got, want) {
		t.Errorf("passed:\n%q\nwant it to start\n%q\nfindings: %v", got, want, r.Findings)
	}
	// Hidden below --min-severity, the expiring certificate's finding
	// does not make its app or its other credential pass.
	r.FilterMinSeverity(audit.SeverityCritical)
	want = "Passed: 1 of the 2 applications and service principals that hold credentials had no finding, nor did 1 of their 3 credentials"
	if got := facts(t, render(t, "html", r, testOpts))["passed"]; !strings.HasPrefix(got, want) {
		t.Errorf("passed with findings hidden:\n%q\nwant it to start\n%q", got, want)
	}
}

// timelineRows are the rows of the page's timeline: each one's label and
// class.
func timelineRows(t *testing.T, b []byte) (rows []string, caption string) {
	t.Helper()
	doc := htmlDoc(t, b)
	walkHTML(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "g" && attr(n, "class") == "row" {
			var label, class string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				switch {
				case c.Data == "text":
					label = textOf(c)
				case c.Data == "rect":
					class = strings.TrimPrefix(attr(c, "class"), "bar ")
				}
			}
			rows = append(rows, class+": "+label)
		}
		if n.Data == "section" && attr(n, "id") == "timeline" {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Data == "p" && attr(c, "class") == "muted" {
					caption = textOf(c)
				}
			}
		}
	})
	return rows, caption
}

// The timeline shows a certificate that is not valid yet, and one
// registered with the wrong usage, as problems, and a SAML signing
// certificate's Sign and Verify halves as one credential.
func TestHTMLTimelineProblems(t *testing.T) {
	rows, _ := timelineRows(t, render(t, "html", demoResult(t), testOpts))
	want := map[string]bool{
		"bad: Inventory Sync · cert":                       false, // starts in 3 days
		"bad: Legacy Integration · cert Sign":              false, // deployed, registered only as Sign
		"soon: Contoso SAML Portal · cert Sign+Verify":     false,
		"gone: Contoso Expenses (SAML) · cert Sign+Verify": false,
	}
	counts := map[string]int{}
	for _, row := range rows {
		counts[row]++
		if _, ok := want[row]; ok {
			want[row] = true
		}
	}
	for row, seen := range want {
		if !seen {
			t.Errorf("no row %q in %q", row, rows)
		}
	}
	for _, row := range []string{"soon: Contoso SAML Portal · cert Sign+Verify", "gone: Contoso Expenses (SAML) · cert Sign+Verify"} {
		if counts[row] != 1 {
			t.Errorf("%q drawn %d times", row, counts[row])
		}
	}
}

// With more credentials than rows, the timeline draws what comes next,
// not only what has ended.
func TestHTMLTimelineShowsWhatComesNext(t *testing.T) {
	now := fixtureNow
	var apps []audit.Application
	for i := range 60 {
		c := audittest.Valid(fmt.Sprintf("ended-%d.contoso.com", i), now, audittest.Days(300), -audittest.Days(1+i%50))
		apps = append(apps, audittest.App(fmt.Sprintf("00000000-0000-4000-a000-%012d", i), fmt.Sprintf("Ended %02d", i),
			c.KeyCredential(fmt.Sprintf("11111111-0000-4000-8000-%012d", i), audit.UsageVerify, false)))
	}
	for i := range 8 {
		c := audittest.Valid(fmt.Sprintf("next-%d.contoso.com", i), now, audittest.Days(100), audittest.Days(20+30*i))
		apps = append(apps, audittest.App(fmt.Sprintf("00000000-0000-4000-b000-%012d", i), fmt.Sprintf("Next %02d", i),
			c.KeyCredential(fmt.Sprintf("22222222-0000-4000-8000-%012d", i), audit.UsageVerify, false)))
	}
	r := audit.Run(audittest.Tenant(apps...), nil, audit.DefaultPolicy(), now)
	rows, caption := timelineRows(t, render(t, "html", r, testOpts))
	next := 0
	for _, row := range rows {
		if strings.Contains(row, "Next ") {
			next++
		}
	}
	if len(rows) != 40 || next != 8 {
		t.Errorf("%d rows, %d of the 8 upcoming drawn: %q", len(rows), next, rows)
	}
	if !strings.Contains(caption, "68 credentials ending between") || !strings.Contains(caption, "the 8 ending next, the 32 that ended last are drawn") {
		t.Errorf("caption %q", caption)
	}
}
