package audit_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// triageTenant has an app with an expired certificate (high) and a
// long-lived one (low), and an app with an expiring secret (medium) and
// secret-present (info).
func triageResult(t *testing.T) *audit.Result {
	t.Helper()
	tenant := audittest.Tenant(
		audittest.App("00000000-0000-4000-a000-0000000000a1", "Payroll", cert("payroll", -400, -2).KeyCredential("k-old", audit.UsageVerify, true)),
		audittest.App("00000000-0000-4000-a000-0000000000a2", "Mailer"),
	)
	tenant.TenantID = "t1"
	tenant.Applications[1].PasswordCredentials = []audit.PasswordCredential{audittest.Secret("s-1", now.Add(-days(10)), now.Add(days(9)))}
	r := run(t, tenant, nil)
	r.Source.TenantID = "t1"
	want := []string{"cert-expired", "secret-expiring", "cert-long-lived", "secret-present"}
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.Check)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("fixture findings %v, want %v", got, want)
	}
	return r
}

func checks(r *audit.Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Check)
	}
	return out
}

func TestSuppressionMatching(t *testing.T) {
	r := triageResult(t)
	f := r.Findings[0] // cert-expired on Payroll, keyId k-old
	for _, tc := range []struct {
		name string
		s    audit.Suppression
		want bool
	}{
		{"check", audit.Suppression{Check: "cert-expired"}, true},
		{"other check", audit.Suppression{Check: "cert-expiring"}, false},
		{"appId any case", audit.Suppression{App: "00000000-0000-4000-A000-0000000000A1"}, true},
		{"display name", audit.Suppression{App: "Payroll"}, true},
		{"display name is exact", audit.Suppression{App: "payroll"}, false},
		{"keyId", audit.Suppression{KeyID: "K-OLD"}, true},
		{"all three", audit.Suppression{Check: "cert-expired", App: "Payroll", KeyID: "k-old"}, true},
		{"one of three wrong", audit.Suppression{Check: "cert-expired", App: "Mailer", KeyID: "k-old"}, false},
	} {
		if got := tc.s.Matches(&f); got != tc.want {
			t.Errorf("%s: matches %v, want %v", tc.name, got, tc.want)
		}
	}
	paired := audit.Finding{Check: "cert-expired", Credential: &audit.CredentialRef{KeyID: "verify", PairedKeyIDs: []string{"sign"}}}
	if !(&audit.Suppression{KeyID: "sign"}).Matches(&paired) {
		t.Error("a keyId of the Sign half does not match the pair's finding")
	}
	local := audit.Finding{Check: "local-cert-unregistered", Local: &audit.LocalRef{Source: "x.pem"}}
	if (&audit.Suppression{App: "Payroll"}).Matches(&local) || (&audit.Suppression{KeyID: "k"}).Matches(&local) {
		t.Error("an app or keyId entry matched a finding about a local file alone")
	}
}

func TestSuppress(t *testing.T) {
	r := triageResult(t)
	expiry := now.Add(days(30))
	r.Suppress([]audit.Suppression{
		{Check: "cert-long-lived", Reason: "vendor cert", Expires: expiry, Source: "ignore.yaml:1"},
		{App: "Mailer", Reason: "retiring", Expires: expiry, Source: "ignore.yaml:5"},
		{Check: "cert-expired", Reason: "old", Expires: now, Source: "ignore.yaml:9"},            // expired at now
		{Check: "cert-weak-key", Reason: "nothing", Expires: expiry, Source: "ignore.yaml:13"},   // matches nothing
		{Check: "secret-present", Reason: "shadowed", Expires: expiry, Source: "ignore.yaml:17"}, // Mailer's entry came first
	}, now)
	if got := checks(r); !slices.Equal(got, []string{"cert-expired"}) {
		t.Errorf("left %v, want only cert-expired (its suppression has expired)", got)
	}
	sum := r.Summary
	if sum.Suppressed != 3 || sum.Findings != 1 || sum.BySeverity["high"] != 1 || sum.BySeverity["low"] != 0 {
		t.Errorf("summary %+v", sum)
	}
	if len(sum.Suppressions) != 2 || sum.Suppressions[0].Source != "ignore.yaml:1" || sum.Suppressions[0].Count != 1 ||
		sum.Suppressions[1].Source != "ignore.yaml:5" || sum.Suppressions[1].Count != 2 || len(sum.Suppressions[1].Fingerprints) != 2 ||
		sum.Suppressions[1].Reason != "retiring" || !sum.Suppressions[1].Expires.Equal(expiry) {
		t.Errorf("suppressions %+v", sum.Suppressions)
	}
	warnings := strings.Join(r.Warnings, "\n")
	for _, want := range []string{"ignore.yaml:9: the suppression expired on 2026-06-15", "ignore.yaml:13: the suppression matched no finding", "ignore.yaml:17: the suppression matched no finding"} {
		if !strings.Contains(warnings, want) {
			t.Errorf("warnings lack %q:\n%s", want, warnings)
		}
	}
	if strings.Contains(warnings, "ignore.yaml:1:") || strings.Contains(warnings, "ignore.yaml:5:") {
		t.Errorf("a suppression in use was warned about:\n%s", warnings)
	}
	if w := r.Objects[0].Withheld; !slices.Equal(w, []string{"cert-long-lived"}) {
		t.Errorf("Payroll withheld %v", w)
	}
	if r.Worst() != audit.SeverityHigh {
		t.Errorf("worst %s", r.Worst())
	}
}

func TestBaseline(t *testing.T) {
	base := triageResult(t)
	base.AsOf = now.Add(-24 * time.Hour)
	// Yesterday also had a finding that is gone today, and did not have
	// today's secret-expiring.
	gone := base.Findings[0]
	gone.Fingerprint = "resolved-since"
	base.Findings = append(slices.DeleteFunc(slices.Clone(base.Findings), func(f audit.Finding) bool { return f.Check == "secret-expiring" }), gone)

	r := triageResult(t)
	// A finding suppressed today is neither new nor resolved.
	r.Suppress([]audit.Suppression{{Check: "secret-present", Reason: "r", Expires: now.Add(days(1)), Source: "i.yaml:1"}}, now)
	if err := r.Baseline(base, "yesterday.json"); err != nil {
		t.Fatal(err)
	}
	if got := checks(r); !slices.Equal(got, []string{"secret-expiring"}) {
		t.Errorf("left %v, want only the new secret-expiring", got)
	}
	b := r.Summary.Baseline
	if b == nil || b.Report != "yesterday.json" || !b.AsOf.Equal(base.AsOf) || b.New != 1 || b.Unchanged != 2 || b.Resolved != 1 {
		t.Errorf("baseline summary %+v", b)
	}
	if r.Summary.Findings != 1 || r.Summary.BySeverity["medium"] != 1 || r.Worst() != audit.SeverityMedium {
		t.Errorf("summary %+v", r.Summary)
	}
	if w := r.Objects[0].Withheld; !slices.Equal(w, []string{"cert-expired", "cert-long-lived"}) {
		t.Errorf("Payroll withheld %v", w)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("warnings %v", r.Warnings)
	}
}

func TestBaselineRefusesAnotherTenantAndWarnsWhenFiltered(t *testing.T) {
	base := triageResult(t)
	base.Source.TenantID = "t2"
	r := triageResult(t)
	err := r.Baseline(base, "other.json")
	var be *audit.BaselineError
	if !errors.As(err, &be) || *be != (audit.BaselineError{Report: "other.json", ReportTenant: "t2", Tenant: r.Source.TenantID}) ||
		err.Error() != "audit: the baseline other.json is a report on tenant t2, not on "+r.Source.TenantID+" (give a report of the same tenant)" {
		t.Errorf("error %v", err)
	}
	base = triageResult(t)
	base.FilterMinSeverity(audit.SeverityHigh)
	r = triageResult(t)
	if err := r.Baseline(base, "filtered.json"); err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "filtered.json does not list every finding") {
		t.Errorf("warnings %v", r.Warnings)
	}
	if got := checks(r); len(got) != 3 {
		t.Errorf("left %v: the findings the baseline hid are new", got)
	}
}
