package doctor

import (
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

func TestPreflight(t *testing.T) {
	w := newWorld()
	day := audittest.Days
	next := audittest.MustCert(audittest.Spec{CommonName: "payroll.contoso.com", NotBefore: now.Add(-day(1)), NotAfter: now.Add(day(360))})
	short := audittest.MustCert(audittest.Spec{CommonName: "payroll.contoso.com", NotBefore: now.Add(-day(1)), NotAfter: now.Add(day(10))})
	lasting := audittest.MustCert(audittest.Spec{CommonName: "legacy.contoso.com", NotBefore: now.Add(-day(10)), NotAfter: now.Add(day(500)), Key: audittest.KeyB()})
	hundred := audittest.MustCert(audittest.Spec{CommonName: "payroll.contoso.com", NotBefore: now.Add(-day(1)), NotAfter: now.Add(day(100))})
	oldTP := w.payroll.Thumbprints()
	reg := func(c *audittest.Cert, id, usage string) audit.KeyCredential {
		return c.KeyCredential(id, usage, false)
	}

	tests := []struct {
		name    string
		tenant  func() *audit.Tenant
		app     string
		cert    *audittest.Cert
		noKey   bool
		mismat  string
		old     *audit.Thumbprints
		failOn  audit.Severity
		check   string
		sev     audit.Severity
		parts   []string
		safe    bool
		verdict string
	}{
		{name: "registered, old one overlapping: safe", tenant: func() *audit.Tenant { return w.tenant(false, reg(next, "k-next", audit.UsageVerify)) },
			cert: next, old: &oldTP, safe: true, verdict: "safe to switch: certificate"},
		{name: "by display name", tenant: func() *audit.Tenant { return w.tenant(false, reg(next, "k-next", audit.UsageVerify)) },
			app: "Payroll", cert: next, old: &oldTP, safe: true},
		{name: "not registered", tenant: func() *audit.Tenant { return w.tenant(false) }, cert: next,
			check: audit.CheckPreflightNotRegistered, sev: audit.SeverityCritical, parts: []string{"registered on no key of \"Payroll\"", "older certificate with the same subject"},
			verdict: "not safe to switch: the new certificate is not registered on the app (preflight-not-registered)"},
		{name: "registered on another app", tenant: func() *audit.Tenant { return w.tenant(false) }, cert: w.billing,
			check: audit.CheckPreflightNotRegistered, sev: audit.SeverityCritical, parts: []string{`registered on "Billing"`}},
		{name: "registered for Sign", tenant: func() *audit.Tenant { return w.tenant(false, reg(next, "k-next", audit.UsageSign)) }, cert: next,
			check: audit.CheckPreflightWrongUsage, sev: audit.SeverityCritical, parts: []string{"only as AsymmetricX509Cert/Sign"}},
		{name: "not valid yet", tenant: func() *audit.Tenant { return w.tenant(false, reg(w.future, "k-f", audit.UsageVerify)) }, cert: w.future,
			check: audit.CheckPreflightNotYetValid, sev: audit.SeverityCritical, parts: []string{"window opens on", "in 3 days"}},
		{name: "expired", tenant: func() *audit.Tenant { return w.tenant(false, reg(w.expired, "k-e", audit.UsageVerify)) }, cert: w.expired,
			check: audit.CheckPreflightExpired, sev: audit.SeverityCritical},
		{name: "expires within --warn-days", tenant: func() *audit.Tenant { return w.tenant(false, reg(short, "k-s", audit.UsageVerify)) }, cert: short,
			check: audit.CheckPreflightExpiring, sev: audit.SeverityHigh, parts: []string{"within the 30 days"}},
		{name: "key of another certificate", tenant: func() *audit.Tenant { return w.tenant(false, reg(next, "k-next", audit.UsageVerify)) }, cert: next,
			mismat: "the private key in new.key belongs to another certificate", check: audit.CheckPreflightKeyMismatch, sev: audit.SeverityCritical},
		{name: "no key: not known to be safe", tenant: func() *audit.Tenant { return w.tenant(false, reg(next, "k-next", audit.UsageVerify)) }, cert: next, noKey: true,
			check: audit.CheckPreflightKeyUnchecked, sev: audit.SeverityMedium, verdict: "not safe to switch"},
		{name: "no key, --fail-on high", tenant: func() *audit.Tenant { return w.tenant(false, reg(next, "k-next", audit.UsageVerify)) }, cert: next, noKey: true,
			failOn: audit.SeverityHigh, check: audit.CheckPreflightKeyUnchecked, sev: audit.SeverityMedium, safe: true},
		{name: "old certificate not registered", tenant: func() *audit.Tenant {
			t := w.tenant(false, reg(next, "k-next", audit.UsageVerify))
			t.Applications[0].KeyCredentials = t.Applications[0].KeyCredentials[1:]
			return t
		}, cert: next, old: &oldTP, check: audit.CheckPreflightNoOverlap, sev: audit.SeverityHigh, parts: []string{"is not registered on", "fail now"}},
		{name: "old certificate expired", tenant: func() *audit.Tenant {
			return w.tenant(false, reg(next, "k-next", audit.UsageVerify), reg(w.expired, "k-e", audit.UsageVerify))
		},
			cert: next, old: ptr(w.expired.Thumbprints()), check: audit.CheckPreflightNoOverlap, sev: audit.SeverityHigh, parts: []string{"not valid now"}},
		{name: "first certificate: nothing to overlap", tenant: func() *audit.Tenant {
			t := w.tenant(false, reg(next, "k-next", audit.UsageVerify))
			t.Applications[0].KeyCredentials = t.Applications[0].KeyCredentials[1:]
			return t
		}, cert: next, check: audit.CheckPreflightNoOverlap, sev: audit.SeverityInfo, parts: []string{"first certificate"}, safe: true},
		{name: "another key stays valid after the old one", tenant: func() *audit.Tenant {
			return w.tenant(false, reg(next, "k-next", audit.UsageVerify), reg(lasting, "k-legacy", audit.UsageVerify))
		}, cert: next, old: &oldTP, check: audit.CheckPreflightOtherKeysValid, sev: audit.SeverityInfo, parts: []string{"1 other certificate", "legacy.contoso.com"}, safe: true},
		{name: "the new one ends before the old", tenant: func() *audit.Tenant { return w.tenant(false, reg(hundred, "k-c", audit.UsageVerify)) }, cert: hundred, check: audit.CheckPreflightOtherKeysValid, sev: audit.SeverityLow, parts: []string{"before the old one"}, old: &oldTP, safe: true},
		{name: "app not found", tenant: func() *audit.Tenant { return w.tenant(false) }, app: "Nope", cert: next,
			check: audit.CheckPreflightAppNotFound, sev: audit.SeverityCritical, parts: []string{`display name "Nope"`}},
		{name: "app named in another case", tenant: func() *audit.Tenant { return w.tenant(false) }, app: "payroll", cert: next,
			check: audit.CheckPreflightAppNotFound, sev: audit.SeverityCritical, parts: []string{`"payroll" (did you mean "Payroll"?)`}},
		// A name is looked up whole, however long, and quoted shortened.
		{name: "a display name of 110 characters", tenant: func() *audit.Tenant {
			t := w.tenant(false, reg(next, "k-next", audit.UsageVerify))
			t.Applications[0].DisplayName = longName
			return t
		}, app: longName, cert: next, old: &oldTP, safe: true},
		{name: "a long name not found", tenant: func() *audit.Tenant { return w.tenant(false) }, app: longName, cert: next,
			check: audit.CheckPreflightAppNotFound, sev: audit.SeverityCritical, parts: []string{`display name "Payroll` + strings.Repeat("-", 72) + `…"`}},
		{name: "unidentified registered certificates", tenant: func() *audit.Tenant {
			k := reg(w.stray, "k-x", audit.UsageVerify)
			k.CustomKeyIdentifier = []byte("chosen-by-a-script")
			k.Identify(nil)
			return w.tenant(false, k)
		}, cert: next, check: audit.CheckPreflightNotRegistered, sev: audit.SeverityMedium, parts: []string{"cannot be identified by thumbprint"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cert := tc.cert
			lc := cert.LocalCert("certs/new.pfx")
			lc.HasKey = !tc.noKey
			lc.KeyMismatch = tc.mismat
			app := tc.app
			if app == "" {
				app = payrollID
			}
			r := Preflight(&PreflightInput{Tenant: tc.tenant(), App: app, Cert: lc, Old: tc.old, OldSource: "certs/old.pem", WarnDays: 30, FailOn: tc.failOn, Now: now})
			if r.Command != "preflight" || r.Verdict == nil {
				t.Fatalf("result %+v", r)
			}
			if tc.check != "" {
				want(t, r, tc.check, tc.sev, tc.parts...)
			}
			failOn := tc.failOn
			if failOn == 0 {
				failOn = audit.SeverityMedium
			}
			blocking := false
			for _, f := range r.Findings {
				blocking = blocking || f.Severity >= failOn
			}
			if safe := r.Verdict.Cause == ""; safe != tc.safe || blocking == tc.safe || strings.HasPrefix(r.Verdict.Text, "safe") != tc.safe {
				t.Errorf("verdict %+v (findings %v), want safe=%v", r.Verdict, checksOf(r.Findings), tc.safe)
			}
			if tc.verdict != "" && !strings.HasPrefix(r.Verdict.Text, tc.verdict) {
				t.Errorf("verdict %q, want %q…", r.Verdict.Text, tc.verdict)
			}
			tp := cert.Thumbprints()
			if r.Verdict.Values["x5t"] != tp.X5t() || r.Verdict.Values["x5t#S256"] != tp.X5tS256() {
				t.Errorf("values %v", r.Verdict.Values)
			}
			if len(r.LocalCertificates) != 1 || r.LocalCertificates[0].Source != "certs/new.pfx" {
				t.Errorf("local certificates %+v", r.LocalCertificates)
			}
		})
	}
}

// longName is a display name of 110 characters.
var longName = "Payroll" + strings.Repeat("-", 103)

func ptr(tp audit.Thumbprints) *audit.Thumbprints { return &tp }
