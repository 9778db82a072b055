package doctor

import (
	"crypto"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// The fixed world the tests diagnose in: tenant T with Payroll (which
// signs with payrollCert) and Billing (billingCert, another key).
const (
	testTenant  = "11111111-2222-4333-8444-555555555555"
	payrollID   = "00000000-0000-4000-a000-000000000001"
	billingID   = "00000000-0000-4000-a000-000000000002"
	testJTI     = "9d8f7e6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a"
	payrollKey1 = "6a1f0c2e-0001-4c1e-9f00-000000000001"
)

var now = audittest.Now()

func testEndpoint() string {
	return "https://login.microsoftonline.com/" + testTenant + "/oauth2/v2.0/token"
}

type world struct {
	payroll, billing, ec, expired, future, stray *audittest.Cert
}

func newWorld() *world {
	day := audittest.Days
	return &world{
		payroll: audittest.Valid("payroll.contoso.com", now, day(30), day(300)),
		billing: audittest.MustCert(audittest.Spec{CommonName: "billing.contoso.com", NotBefore: now.Add(-day(10)), NotAfter: now.Add(day(200)), Key: audittest.KeyB()}),
		ec:      audittest.MustCert(audittest.Spec{CommonName: "ec.contoso.com", NotBefore: now.Add(-day(10)), NotAfter: now.Add(day(200)), Key: audittest.ECKey()}),
		expired: audittest.MustCert(audittest.Spec{CommonName: "payroll.contoso.com", NotBefore: now.Add(-day(400)), NotAfter: now.Add(-day(2))}),
		future:  audittest.MustCert(audittest.Spec{CommonName: "payroll.contoso.com", NotBefore: now.Add(day(3)), NotAfter: now.Add(day(400))}),
		stray:   audittest.MustCert(audittest.Spec{CommonName: "stray.local", NotBefore: now.Add(-day(1)), NotAfter: now.Add(day(90)), Key: audittest.KeyB()}),
	}
}

// tenant registers payroll on Payroll (with or without the body Graph may
// leave out) and billing on Billing.
func (w *world) tenant(withBody bool, extra ...audit.KeyCredential) *audit.Tenant {
	keys := append([]audit.KeyCredential{w.payroll.KeyCredential(payrollKey1, audit.UsageVerify, withBody)}, extra...)
	t := audittest.Tenant(
		audittest.App(payrollID, "Payroll", keys...),
		audittest.App(billingID, "Billing", w.billing.KeyCredential("6a1f0c2e-0002-4c1e-9f00-000000000002", audit.UsageVerify, true)),
	)
	t.TenantID = testTenant
	t.Cloud = "public"
	return t
}

func claims() map[string]any {
	return map[string]any{
		"aud": testEndpoint(), "iss": payrollID, "sub": payrollID, "jti": testJTI,
		"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(),
	}
}

// with returns a copy of m with the given keys set (nil deletes).
func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func header(alg string, kv ...any) map[string]any {
	return with(map[string]any{"alg": alg, "typ": "JWT"}, kv...)
}

// mustSign signs header and claims with key as the golang-jwt library
// does, which MSAL Go uses (audittest.SignJWT): the header is taken whole,
// as MSAL Go's accesstokens.go sets it.
func mustSign(t testing.TB, h, c map[string]any, key crypto.Signer) string {
	t.Helper()
	s, err := audittest.SignJWT(h, c, key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func digest(t testing.TB, h string) []byte {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// input is a diagnosis of the assertion against tenant.
func input(assertion string, tenant *audit.Tenant, certs ...audit.LocalCert) *Input {
	in := &Input{Tenant: tenant, LocalCerts: certs, Now: now}
	if assertion != "" {
		in.Assertion = &Evidence{Name: "assertion.jwt", Data: []byte(assertion)}
	}
	return in
}

func diagnose(t *testing.T, in *Input) *audit.Result {
	t.Helper()
	r, err := Diagnose(in)
	if err != nil {
		t.Fatalf("Diagnose: %v", err)
	}
	if r.Verdict == nil {
		t.Fatal("no verdict")
	}
	return r
}

// failures are the findings at medium or above.
func failures(r *audit.Result) []audit.Finding {
	var out []audit.Finding
	for _, f := range r.Findings {
		if f.Severity >= audit.SeverityMedium {
			out = append(out, f)
		}
	}
	return out
}

// diagnoseCase diagnoses in after setup (when not nil) changed it.
func diagnoseCase(t *testing.T, in *Input, setup func(*Input)) *audit.Result {
	t.Helper()
	if setup != nil {
		setup(in)
	}
	return diagnose(t, in)
}

// expect checks a table case: no failure when check is empty, else the
// finding and the verdict's values.
func expect(t *testing.T, r *audit.Result, check string, sev audit.Severity, parts []string, values map[string]string) {
	t.Helper()
	if check == "" {
		noFailure(t, r)
		return
	}
	want(t, r, check, sev, parts...)
	wantValues(t, r, values)
}

func noFailure(t *testing.T, r *audit.Result) {
	t.Helper()
	for _, f := range failures(r) {
		t.Errorf("unexpected %s (%s): %s", f.Check, f.Severity, f.Message)
	}
}

func checksOf(fs []audit.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Check + "/" + f.Severity.String()
	}
	return out
}

// want finds the finding of check at sev whose message has every part.
func want(t *testing.T, r *audit.Result, check string, sev audit.Severity, parts ...string) *audit.Finding {
	t.Helper()
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Check != check {
			continue
		}
		if f.Severity != sev {
			t.Errorf("%s is %s, want %s: %s", check, f.Severity, sev, f.Message)
		}
		for _, p := range parts {
			if !strings.Contains(f.Message, p) {
				t.Errorf("%s message lacks %q:\n%s", check, p, f.Message)
			}
		}
		return f
	}
	t.Errorf("no %s finding; got %v", check, checksOf(r.Findings))
	for _, f := range r.Findings {
		t.Logf("  %s: %s", f.Check, f.Message)
	}
	return nil
}

// wantValues checks the verdict's values.
func wantValues(t *testing.T, r *audit.Result, values map[string]string) {
	t.Helper()
	for k, v := range values {
		if r.Verdict.Values[k] != v {
			t.Errorf("verdict value %s = %q, want %q (values %v)", k, r.Verdict.Values[k], v, r.Verdict.Values)
		}
	}
}

func none(t *testing.T, r *audit.Result, check string) {
	t.Helper()
	for _, f := range r.Findings {
		if f.Check == check {
			t.Errorf("unexpected %s (%s): %s", check, f.Severity, f.Message)
		}
	}
}
