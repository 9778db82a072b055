package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

const (
	docTenant  = "11111111-2222-4333-8444-555555555555"
	docPayroll = "00000000-0000-4000-a000-000000000001"
	docBilling = "00000000-0000-4000-a000-000000000002"
)

// doctorFiles writes what a user diagnosing Payroll's sign-in has: a
// snapshot (Payroll registers payroll.pem without its body, Billing
// registers billing.pem), the certificate the client signs with, and a
// folder of other certificates.
type doctorFiles struct {
	dir                  string
	payroll, billing, nu *audittest.Cert
}

func newDoctorFiles(t *testing.T) *doctorFiles {
	t.Helper()
	now := audittest.Now()
	d := &doctorFiles{dir: t.TempDir(),
		payroll: audittest.Valid("payroll.contoso.com", now, audittest.Days(30), audittest.Days(300)),
		billing: audittest.MustCert(audittest.Spec{CommonName: "billing.contoso.com", NotBefore: now.Add(-audittest.Days(5)), NotAfter: now.Add(audittest.Days(200)), Key: audittest.KeyB()}),
		nu:      audittest.MustCert(audittest.Spec{CommonName: "payroll.contoso.com", NotBefore: now.Add(-audittest.Days(1)), NotAfter: now.Add(audittest.Days(360))}),
	}
	tenant := audittest.Tenant(
		audittest.App(docPayroll, "Payroll", d.payroll.KeyCredential("k-1", audit.UsageVerify, false)),
		audittest.App(docBilling, "Billing", d.billing.KeyCredential("k-2", audit.UsageVerify, true)),
	)
	tenant.TenantID, tenant.Cloud = docTenant, "public"
	d.snapshot(t, "tenant.json", tenant)
	write(t, d.path("payroll.pem"), append(d.payroll.CertPEM(), d.payroll.KeyPEM()...))
	write(t, d.path("certs/billing.pem"), d.billing.CertPEM())
	write(t, d.path("certs/payroll-2027.pem"), d.nu.CertPEM())
	return d
}

func (d *doctorFiles) path(name string) string { return filepath.Join(d.dir, name) }

func (d *doctorFiles) snapshot(t *testing.T, name string, tenant *audit.Tenant) {
	t.Helper()
	var b bytes.Buffer
	if err := graphclient.WriteSnapshot(&b, tenant, graphclient.SnapshotMeta{Tool: "test"}); err != nil {
		t.Fatal(err)
	}
	write(t, d.path(name), b.Bytes())
}

func docClaims() jwt.MapClaims {
	now := audittest.Now()
	return jwt.MapClaims{
		"aud": "https://login.microsoftonline.com/" + docTenant + "/oauth2/v2.0/token", "iss": docPayroll, "sub": docPayroll,
		"jti": "9d8f7e6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a", "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(),
	}
}

// msalGo signs as MSAL Go does: PS256, x5t#S256 in standard base64.
func msalGo(t *testing.T, c *audittest.Cert, x5tS256 string) string {
	t.Helper()
	if x5tS256 == "" {
		b, _ := hex.DecodeString(c.Thumbprints().SHA256)
		x5tS256 = base64.StdEncoding.EncodeToString(b)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodPS256, docClaims())
	tok.Header = map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": x5tS256}
	s, err := tok.SignedString(c.Key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func asOf() string { return audittest.Now().Format(time.RFC3339) }

// runWithStdin runs appaudit with stdin.
func runWithStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	s, out, errOut := testStreams(stdin)
	code := run(context.Background(), args, s)
	return code, out.String(), errOut.String()
}

func TestDoctorHealthyAssertion(t *testing.T) {
	d := newDoctorFiles(t)
	write(t, d.path("ok.jwt"), []byte(msalGo(t, d.payroll, "")+"\n"))
	code, out, errOut := runCLI(t, nil, "doctor", "--assertion", d.path("ok.jwt"), "--cert", d.path("payroll.pem"),
		"--snapshot", d.path("tenant.json"), "--as-of", asOf())
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	words := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"Verdict: no cause of failure found in the evidence", "MSAL Go",
		"SHA-1 " + d.payroll.Thumbprints().SHA1 + ", not after 2027-04-11 registered on Payroll ("} {
		if !strings.Contains(words, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if errOut != "" {
		t.Errorf("stderr %q", errOut)
	}
}

func TestDoctorBrokenAssertionJSON(t *testing.T) {
	d := newDoctorFiles(t)
	// Base64 of the hex text, from stdin.
	broken := msalGo(t, d.payroll, base64.StdEncoding.EncodeToString([]byte(d.payroll.Thumbprints().SHA256)))
	code, out, errOut := runWithStdin(t, broken, "doctor", "--assertion", "-", "--cert", d.path("payroll.pem"),
		"--snapshot", d.path("tenant.json"), "--as-of", asOf(), "-o", "json")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1\nstderr: %s", code, errOut)
	}
	var r audit.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Command != "doctor" || r.Source.Kind != "snapshot" || r.Verdict == nil || r.Verdict.Cause != audit.CheckAssertionThumbprintEncoding {
		t.Fatalf("report %+v verdict %+v", r, r.Verdict)
	}
	if got, want := r.Verdict.Values["x5t#S256"], d.payroll.Thumbprints().X5tS256(); got != want {
		t.Errorf("x5t#S256 fix %q, want %q", got, want)
	}
	if strings.Contains(out, broken) || strings.Contains(errOut, broken) {
		t.Error("the assertion was printed")
	}
	// --fail-on decides the exit code, --min-severity what is shown.
	code, out, _ = runWithStdin(t, broken, "doctor", "--assertion", "-", "--snapshot", d.path("tenant.json"), "--as-of", asOf(),
		"--fail-on", "none", "--min-severity", "critical", "-o", "json")
	if code != exitOK || !strings.Contains(out, `"hiddenBelowMinSeverity"`) && !strings.Contains(out, `"check": "assertion-thumbprint-encoding"`) {
		t.Errorf("--fail-on none: exit %d\n%s", code, out)
	}
}

func TestDoctorErrorAgainstLocalCerts(t *testing.T) {
	d := newDoctorFiles(t)
	text := "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '" +
		d.nu.Thumbprints().SHA1 + "', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '" + docPayroll + "'.] Trace ID: c239abbb-de7c-4092-8f1a-6a13382c5500 Correlation ID: 48f14b85-0366-451d-b576-e78bb526ade9 Timestamp: 2026-06-15 11:58:00Z"
	code, out, errOut := runWithStdin(t, text, "doctor", "--error", "-", "--certs", d.path("certs"), "--snapshot", d.path("tenant.json"), "-o", "json")
	if code != exitFindings {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	for _, want := range []string{`"check": "error-thumbprint-unknown"`, `local file ` + d.path("certs/payroll-2027.pem"), "not uploaded yet",
		`"text": "most likely cause: the thumbprint in the error`} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	// The Billing certificate in the folder was not named: not listed.
	if strings.Contains(out, "billing.pem") {
		t.Error("an unrelated local certificate is listed")
	}
}

func TestDoctorRequestNeverPrintsSecrets(t *testing.T) {
	d := newDoctorFiles(t)
	const secret = "Xq8~secret.value-never-printed"
	body := url.Values{"grant_type": {"client_credentials"}, "client_id": {docPayroll}, "scope": {"api://payroll/default"},
		"client_secret": {secret}, "client_assertion": {msalGo(t, d.payroll, "")}}
	write(t, d.path("request.sh"), []byte("curl -X POST https://login.microsoftonline.com/"+docTenant+"/oauth2/v2.0/token \\\n  -d '"+body.Encode()+"'\n"))
	for _, format := range []string{"table", "json"} {
		code, out, errOut := runCLI(t, nil, "doctor", "--request", d.path("request.sh"), "--snapshot", d.path("tenant.json"), "--as-of", asOf(), "-o", format)
		if code != exitFindings {
			t.Errorf("%s: exit %d\n%s", format, code, errOut)
		}
		if strings.Contains(out+errOut, secret) {
			t.Errorf("%s: the client secret was printed", format)
		}
		for _, want := range []string{"request-secret-and-assertion", "request-assertion-type", "api://payroll/.default"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: stdout lacks %q", format, want)
			}
		}
	}
}

func TestDoctorIncompleteTenant(t *testing.T) {
	d := newDoctorFiles(t)
	tenant := audittest.Tenant(audittest.App(docBilling, "Billing", d.billing.KeyCredential("k-2", audit.UsageVerify, true)))
	tenant.Complete, tenant.IncompleteReason = false, "Graph failed after page 3"
	d.snapshot(t, "partial.json", tenant)
	write(t, d.path("ok.jwt"), []byte(msalGo(t, d.payroll, "")))
	code, out, errOut := runCLI(t, nil, "doctor", "--assertion", d.path("ok.jwt"), "--snapshot", d.path("partial.json"), "--as-of", asOf())
	if code != exitIncomplete {
		t.Errorf("exit %d, want 3", code)
	}
	if !strings.Contains(out, "AUDIT INCOMPLETE") || !strings.Contains(out, "app-not-in-tenant") || !strings.Contains(errOut, "Graph failed after page 3") {
		t.Errorf("stdout:\n%s\nstderr: %s", out, errOut)
	}
}

func TestDoctorWithoutTenant(t *testing.T) {
	d := newDoctorFiles(t)
	write(t, d.path("ok.jwt"), []byte(msalGo(t, d.payroll, "")))
	code, out, errOut := runCLI(t, nil, "doctor", "--assertion", d.path("ok.jwt"), "--cert", d.path("payroll.pem"), "--as-of", asOf(), "-o", "json")
	if code != exitOK {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(out, `"kind": "none"`) || !strings.Contains(errOut, "appaudit: warning: no tenant was read") {
		t.Errorf("stdout %s\nstderr %s", out, errOut)
	}
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if !strings.HasPrefix(line, "appaudit: warning: ") {
			t.Errorf("stderr line %q", line)
		}
	}
	code, _, errOut = runCLI(t, nil, "doctor", "--assertion", d.path("ok.jwt"), "--as-of", asOf(), "-q")
	if code != exitOK || errOut != "" {
		t.Errorf("-q: exit %d, stderr %q", code, errOut)
	}
}

func TestDoctorDemo(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "doctor", "--demo")
	if code != exitFindings {
		t.Errorf("exit %d, want 1 (the demo has broken sign-ins)\nstderr: %s", code, errOut)
	}
	for _, want := range []string{"Demo 1 of 7", "Demo 7 of 7", "no cause of failure found", "assertion-thumbprint-encoding",
		"assertion-key-expired", "request-secret-and-assertion", "error-thumbprint-unknown", "x5t#S256   "} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if strings.Contains(out, "demo-secret-value-never-shown") {
		t.Error("the demo's client secret was printed")
	}
	// JSON: one document per case.
	code, out, _ = runCLI(t, nil, "doctor", "--demo", "-o", "json", "--fail-on", "none")
	if code != exitOK {
		t.Errorf("--fail-on none: exit %d", code)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	n := 0
	for {
		var doc struct {
			SchemaVersion string         `json:"schemaVersion"`
			Command       string         `json:"command"`
			Verdict       *audit.Verdict `json:"verdict"`
		}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || doc.Command != "doctor" || doc.Verdict == nil || doc.SchemaVersion == "" {
			t.Fatalf("document %d: %v %+v", n, err, doc)
		}
		n++
	}
	if n != 7 {
		t.Errorf("%d JSON documents, want 7", n)
	}
}

func TestDoctorUsageErrors(t *testing.T) {
	d := newDoctorFiles(t)
	write(t, d.path("ok.jwt"), []byte(msalGo(t, d.payroll, "")))
	write(t, d.path("bad-request.txt"), []byte("curl -d 'grant_type=client_credentials https://login.microsoftonline.com/x/oauth2/v2.0/token"))
	write(t, d.path("no-code.txt"), []byte("invalid_client: the request failed"))
	write(t, d.path("empty.txt"), []byte("  \n"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no evidence", []string{"doctor"}, "doctor needs evidence"},
		{"missing file", []string{"doctor", "--assertion", d.path("nope.jwt")}, "appaudit: --assertion " + d.path("nope.jwt") + ": no such file (give a file, or - for stdin)\n"},
		{"a folder", []string{"doctor", "--error", d.dir}, "appaudit: --error " + d.dir + ": is a directory (give a file, or - for stdin)\n"},
		{"empty file", []string{"doctor", "--error", d.path("empty.txt")}, "appaudit: --error " + d.path("empty.txt") + ": is empty\n"},
		{"two from stdin", []string{"doctor", "--assertion", "-", "--error", "-"}, "only one of"},
		{"unreadable request", []string{"doctor", "--request", d.path("bad-request.txt")}, "bad-request.txt: the curl command line has a ' quote that is never closed"},
		{"error without a code", []string{"doctor", "--error", d.path("no-code.txt")}, "no-code.txt: no AADSTS code"},
		{"bad cloud", []string{"doctor", "--assertion", d.path("ok.jwt"), "--cloud", "mars"}, "appaudit: --cloud mars: unknown cloud (want one of public, usgov, usgovdod, china)\n"},
		{"missing --cert", []string{"doctor", "--assertion", d.path("ok.jwt"), "--cert", d.path("nope.pem")}, "appaudit: --cert " + d.path("nope.pem") + ": no such file or folder (check the path)\n"},
		{"demo with evidence", []string{"doctor", "--demo", "--assertion", d.path("ok.jwt")}, "--demo brings its own"},
		{"demo to a file", []string{"doctor", "--demo", "-o", "json=" + d.path("out.json")}, "--demo prints its reports on stdout"},
		{"bad fail-on", []string{"doctor", "--assertion", d.path("ok.jwt"), "--fail-on", "severe"}, "--fail-on"},
		{"stray argument", []string{"doctor", "extra"}, "takes no arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { usageError(t, tc.want, tc.args...) })
	}
}

// --cloud takes the Azure CLI's names of the clouds for the diagnosis and
// for the live read alike: one table of clouds (audit.Clouds) decides, so a
// name that passes the flag checks does not fail the sign-in later.
func TestDoctorCloudAliasReadsLive(t *testing.T) {
	d := newDoctorFiles(t)
	write(t, d.path("ok.jwt"), []byte(msalGo(t, d.payroll, "")))
	srv := serve(t, d.path("tenant.json"), graphtest.Options{})
	code, out, errOut := runCLI(t, tokenEnv, "doctor", "--assertion", d.path("ok.jwt"), "--cloud", "AzureUSGovernment",
		"--auth", "token", "--graph-url", srv.URL, "--tenant", docTenant, "--as-of", asOf(), "--fail-on", "none", "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	var r fullReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Source.Kind != "live" || !strings.Contains(out, "usgov cloud (from --cloud)") {
		t.Errorf("source %+v; want a live read and the public aud held to the usgov cloud:\n%s", r.Source, out)
	}
}

// --cloud reaches the diagnosis only when given: otherwise the cloud is
// the tenant data's, or not known.
func TestDoctorCloudOnlyWhenGiven(t *testing.T) {
	d := newDoctorFiles(t)
	claims := docClaims()
	claims["aud"] = "https://login.microsoftonline.us/" + docTenant + "/oauth2/v2.0/token"
	b, _ := hex.DecodeString(d.payroll.Thumbprints().SHA256)
	tok := jwt.NewWithClaims(jwt.SigningMethodPS256, claims)
	tok.Header = map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(b)}
	signed, err := tok.SignedString(d.payroll.Key)
	if err != nil {
		t.Fatal(err)
	}
	write(t, d.path("gov.jwt"), []byte(signed))
	gov := audittest.Tenant(audittest.App(docPayroll, "Payroll", d.payroll.KeyCredential("k-1", audit.UsageVerify, true)))
	gov.TenantID, gov.Cloud = docTenant, "usgov"
	d.snapshot(t, "gov.json", gov)
	const mismatch = "is an endpoint of the usgov cloud, but the tenant is in the"
	for _, tc := range []struct {
		name string
		args []string
		want string // "" for no cloud mismatch
	}{
		{"no --cloud, no tenant", nil, ""},
		{"--cloud usgov", []string{"--cloud", "usgov"}, ""},
		{"--cloud public", []string{"--cloud", "public"}, mismatch + " public cloud (from --cloud)"},
		{"no --cloud, a usgov tenant", []string{"--snapshot", d.path("gov.json")}, ""},
		{"no --cloud, a public tenant", []string{"--snapshot", d.path("tenant.json")}, mismatch + " public cloud (from the tenant data)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"doctor", "--assertion", d.path("gov.jwt"), "--as-of", asOf(), "--fail-on", "none", "-o", "json"}, tc.args...)
			code, out, errOut := runCLI(t, nil, args...)
			if code != exitOK {
				t.Fatalf("exit %d\nstderr: %s", code, errOut)
			}
			if tc.want == "" && strings.Contains(out, mismatch) {
				t.Errorf("a cloud mismatch no input says:\n%s", out)
			}
			if tc.want != "" && !strings.Contains(out, tc.want) {
				t.Errorf("stdout lacks %q:\n%s", tc.want, out)
			}
		})
	}
}
