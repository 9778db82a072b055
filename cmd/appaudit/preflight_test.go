package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/audit/demo"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

func TestPreflightSafe(t *testing.T) {
	d := newDoctorFiles(t)
	tenant := audittest.Tenant(audittest.App(docPayroll, "Payroll",
		d.payroll.KeyCredential("k-1", audit.UsageVerify, false), d.nu.KeyCredential("k-3", audit.UsageVerify, false)))
	d.snapshot(t, "rotated.json", tenant)
	write(t, d.path("new.crt"), d.nu.CertPEM())
	write(t, d.path("new.key"), d.nu.KeyPEMPKCS1())
	code, out, errOut := runCLI(t, nil, "preflight", "--snapshot", d.path("rotated.json"), "--app", "Payroll",
		"--cert", d.path("new.crt"), "--key", d.path("new.key"), "--old", d.payroll.Thumbprints().SHA1, "--as-of", asOf())
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	tp := d.nu.Thumbprints()
	for _, want := range []string{"Verdict: safe to switch", "x5t                    " + tp.X5t(), "x5t#S256               " + tp.X5tS256()} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	// Without the key, the switch is not known to be safe, unless the
	// user accepts that with --fail-on high. (new.crt alone would be read
	// with new.key beside it.)
	write(t, d.path("alone.crt"), d.nu.CertPEM())
	args := []string{"preflight", "--snapshot", d.path("rotated.json"), "--app", docPayroll, "--cert", d.path("alone.crt"), "--as-of", asOf()}
	code, out, _ = runCLI(t, nil, args...)
	if code != exitFindings || !strings.Contains(out, "Verdict: not safe to switch: the private key was not checked") || !strings.Contains(out, "(preflight-key-unchecked)") {
		t.Errorf("without the key: exit %d\n%s", code, out)
	}
	if code, out, _ = runCLI(t, nil, append(args, "--fail-on", "high")...); code != exitOK || !strings.Contains(out, "Verdict: safe to switch") {
		t.Errorf("--fail-on high: exit %d\n%s", code, out)
	}
}

func TestPreflightUnsafe(t *testing.T) {
	d := newDoctorFiles(t)
	write(t, d.path("new.pem"), append(d.nu.CertPEM(), d.nu.KeyPEM()...))
	write(t, d.path("new.crt"), d.nu.CertPEM())
	write(t, d.path("wrong.key"), d.billing.KeyPEM())
	tests := []struct {
		name  string
		args  []string
		code  int
		cause string
	}{
		{"not uploaded", []string{"--cert", d.path("new.pem")}, exitFindings, audit.CheckPreflightNotRegistered},
		{"not uploaded, --fail-on none", []string{"--cert", d.path("new.pem"), "--fail-on", "none"}, exitOK, audit.CheckPreflightNotRegistered},
		{"registered elsewhere", []string{"--cert", d.path("certs/billing.pem"), "--fail-on", "critical"}, exitFindings, audit.CheckPreflightNotRegistered},
		{"the key of another certificate", []string{"--cert", d.path("payroll.pem"), "--key", d.path("wrong.key")}, exitFindings, audit.CheckPreflightKeyMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"preflight", "--snapshot", d.path("tenant.json"), "--app", docPayroll, "--as-of", asOf(), "-o", "json"}, tc.args...)
			code, out, errOut := runCLI(t, nil, args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tc.code, errOut)
			}
			var r audit.Result
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			if r.Command != "preflight" || r.Verdict == nil || !strings.HasPrefix(r.Verdict.Text, "not safe to switch") {
				t.Fatalf("verdict %+v", r.Verdict)
			}
			if tc.cause != "" && r.Verdict.Cause != tc.cause {
				t.Errorf("cause %s, want %s", r.Verdict.Cause, tc.cause)
			}
			if strings.Contains(out, "PRIVATE KEY") || strings.Contains(errOut, "PRIVATE KEY") {
				t.Error("key material printed")
			}
		})
	}
}

func TestPreflightUsageErrors(t *testing.T) {
	d := newDoctorFiles(t)
	snap := d.path("tenant.json")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no --app", []string{"--snapshot", snap, "--cert", d.path("payroll.pem")}, "needs --app"},
		{"no --cert", []string{"--snapshot", snap, "--app", docPayroll}, "needs --cert"},
		{"live without a token", []string{"--auth", "token", "--app", docPayroll, "--cert", d.path("payroll.pem")}, "APPAUDIT_ACCESS_TOKEN"},
		{"demo with an app", []string{"--demo", "--app", docPayroll, "--cert", d.path("payroll.pem")}, "--demo brings its own app and certificates"},
		{"demo to a file", []string{"--demo", "-o", "json=" + d.path("out.json")}, "--demo prints its reports on stdout"},
		{"demo and snapshot", []string{"--demo", "--snapshot", snap}, "cannot be used together"},
		{"missing cert file", []string{"--snapshot", snap, "--app", docPayroll, "--cert", d.path("nope.pem")}, "nope.pem"},
		{"bad --old", []string{"--snapshot", snap, "--app", docPayroll, "--cert", d.path("payroll.pem"), "--old", "not-a-thumbprint"}, "--old"},
		{"negative --warn-days", []string{"--snapshot", snap, "--app", docPayroll, "--cert", d.path("payroll.pem"), "--warn-days", "-2"}, "--warn-days"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { usageError(t, tc.want, append([]string{"preflight"}, tc.args...)...) })
	}
}

// Read live, preflight of an appId reads that app directly: no listing.
func TestPreflightLiveReadsOnlyTheApp(t *testing.T) {
	d := newDoctorFiles(t)
	tenant := audittest.Tenant(audittest.App(docPayroll, "Payroll", d.nu.KeyCredential("k-3", audit.UsageVerify, true)),
		audittest.App("00000000-0000-4000-a000-0000000000ff", "Other"))
	d.snapshot(t, "live.json", tenant)
	srv := serve(t, d.path("live.json"), graphtest.Options{})
	write(t, d.path("new.pem"), append(d.nu.CertPEM(), d.nu.KeyPEM()...))
	code, out, errOut := runCLI(t, tokenEnv, "preflight", "--auth", "token", "--graph-url", srv.URL, "--tenant", demo.TenantID,
		"--app", docPayroll, "--cert", d.path("new.pem"), "--as-of", asOf())
	if code != exitOK || !strings.Contains(out, "Verdict: safe to switch") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request reached the fake")
	}
	for _, r := range reqs {
		if r.Path == "/v1.0/applications" || r.Path == "/v1.0/servicePrincipals" {
			t.Errorf("preflight listed the tenant: %s %s?%s", r.Method, r.Path, r.Query.Encode())
		}
	}
}

// doctor and preflight report, as scan does, what the live read warns of
// (here: certificate bodies that could not be fetched), and show no
// progress line with --quiet.
func TestDiagnosisLiveReadWarnings(t *testing.T) {
	d := newDoctorFiles(t)
	write(t, d.path("ok.jwt"), []byte(msalGo(t, d.payroll, "")))
	write(t, d.path("new.pem"), append(d.nu.CertPEM(), d.nu.KeyPEM()...))
	tenant := audittest.Tenant(audittest.App(docPayroll, "Payroll", d.payroll.KeyCredential("k-1", audit.UsageVerify, true),
		d.nu.KeyCredential("k-3", audit.UsageVerify, true)))
	d.snapshot(t, "live.json", tenant)
	srv := serve(t, d.path("live.json"), graphtest.Options{Faults: []graphtest.Fault{{InBatch: true, Path: "/", Status: 403}}})
	live := []string{"--auth", "token", "--graph-url", srv.URL, "--tenant", docTenant, "--as-of", asOf(), "--fail-on", "none", "-o", "json"}
	const warning = "could not be fetched"
	for _, args := range [][]string{
		append([]string{"doctor", "--assertion", d.path("ok.jwt")}, live...),
		// By name, the tenant is listed, and the bodies fetched.
		append([]string{"preflight", "--app", "Payroll", "--cert", d.path("new.pem")}, live...),
	} {
		t.Run(args[0], func(t *testing.T) {
			code, out, errOut := runCLI(t, tokenEnv, args...)
			if code != exitOK {
				t.Fatalf("exit %d\nstderr: %s", code, errOut)
			}
			var r fullReport
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			if r.Source.Kind != "live" || !strings.Contains(strings.Join(r.Warnings, "\n"), warning) {
				t.Errorf("source %+v, warnings %q: want the live read's warning", r.Source, r.Warnings)
			}
			if !strings.Contains(errOut, "appaudit: warning: the certificate bodies of") {
				t.Errorf("stderr %q lacks the warning", errOut)
			}
			s, _, quietErr := testStreams("", tokenEnv...)
			s.ErrTTY = true
			if code := run(context.Background(), append(args, "--quiet"), s); code != exitOK {
				t.Fatalf("--quiet: exit %d: %s", code, quietErr)
			}
			if quietErr.Len() != 0 {
				t.Errorf("--quiet on a terminal: stderr %q", quietErr)
			}
		})
	}
}
