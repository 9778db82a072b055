package main

import (
	"bytes"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
)

// offlineTenant writes a snapshot, certificate files and a deployed
// mapping to a folder, the way a user has them, and returns the folder.
// Payroll signs with a registered certificate; Billing's deployment was
// rotated but the new certificate never uploaded.
func offlineTenant(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	now := audittest.Now()
	payroll := audittest.Valid("payroll.contoso.com", now, audittest.Days(30), audittest.Days(300))
	billingOld := audittest.Valid("billing.contoso.com", now, audittest.Days(300), audittest.Days(10))
	billingNew := audittest.MustCert(audittest.Spec{CommonName: "billing.contoso.com", NotBefore: now.Add(-audittest.Days(1)), NotAfter: now.Add(audittest.Days(360)), Key: audittest.KeyB()})
	tenant := audittest.Tenant(
		audittest.App("00000000-0000-4000-a000-000000000001", "Payroll", payroll.KeyCredential("k-1", audit.UsageVerify, false)),
		audittest.App("00000000-0000-4000-a000-000000000002", "Billing", billingOld.KeyCredential("k-2", audit.UsageVerify, true)),
	)
	var snap bytes.Buffer
	if err := graphclient.WriteSnapshot(&snap, tenant, graphclient.SnapshotMeta{Tool: "test"}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "tenant.json"), snap.Bytes())
	write(t, filepath.Join(dir, "certs", "payroll.pem"), append(payroll.CertPEM(), payroll.KeyPEM()...))
	write(t, filepath.Join(dir, "certs", "billing.crt"), billingNew.CertPEM())
	write(t, filepath.Join(dir, "certs", "billing.key"), billingNew.KeyPEMPKCS1())
	write(t, filepath.Join(dir, "deployed.csv"), []byte("app,thumbprint,cert,owner\n"+
		"Payroll,\u200e"+strings.ToLower(payroll.Thumbprints().SHA1)+",,team-a\n"+
		"00000000-0000-4000-a000-000000000002,,certs/billing.crt,team-b\n"+
		"Retired,"+payroll.Thumbprints().X5t()+",,\n"))
	return dir
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestScanSnapshotCertsAndMapping(t *testing.T) {
	dir := offlineTenant(t)
	code, out, errOut := runCLI(t, nil, "scan", "--snapshot", filepath.Join(dir, "tenant.json"),
		"--certs", filepath.Join(dir, "certs"), "--deployed", filepath.Join(dir, "deployed.csv"),
		"--as-of", audittest.Now().Format("2006-01-02T15:04:05Z"), "-o", "json")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1\nstderr: %s", code, errOut)
	}
	r := decodeReport(t, out)
	if !r.Complete || r.Source.Kind != "snapshot" || r.Summary.Applications != 2 {
		t.Errorf("report header %+v", r)
	}
	var checks []string
	for _, f := range r.Findings {
		checks = append(checks, f.Check+"@"+f.App.DisplayName)
	}
	want := []string{"cert-rotated-one-side@Billing", "cert-expiring@Billing"}
	if len(checks) != len(want) || checks[0] != want[0] || checks[1] != want[1] {
		t.Errorf("findings %v, want %v", checks, want)
	}
	if !strings.Contains(r.Findings[0].Message, "deployment is ahead") || !strings.Contains(r.Findings[0].Message, "deployed.csv:3") {
		t.Errorf("rotation message: %s", r.Findings[0].Message)
	}
	if !strings.Contains(errOut, "deployed.csv:4") || !strings.Contains(errOut, `"Retired"`) {
		t.Errorf("the unknown app is not a warning on stderr: %q", errOut)
	}
}

func TestScanBadInputs(t *testing.T) {
	dir := offlineTenant(t)
	snap := filepath.Join(dir, "tenant.json")
	bad := t.TempDir()
	write(t, filepath.Join(bad, "broken.json"), []byte(`{"value": [ {"appId": "x", "displayName": }`))
	good, _ := os.ReadFile(filepath.Join(dir, "certs", "payroll.pem"))
	block, _ := pem.Decode(good)
	truncated := pem.EncodeToMemory(block)
	write(t, filepath.Join(bad, "truncated.pem"), truncated[:len(truncated)/2])
	write(t, filepath.Join(bad, "bad-row.csv"), []byte("app,thumbprint\nPayroll,not-a-thumbprint\n"))
	write(t, filepath.Join(bad, "app.pfx"), pfxFixture(t))

	tests := []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"malformed snapshot", nil, []string{"--snapshot", filepath.Join(bad, "broken.json")}, []string{"broken.json:1:"}},
		{"truncated PEM", nil, []string{"--snapshot", snap, "--certs", filepath.Join(bad, "truncated.pem")}, []string{"truncated.pem"}},
		{"bad mapping row", nil, []string{"--snapshot", snap, "--deployed", filepath.Join(bad, "bad-row.csv")}, []string{"bad-row.csv:2", "not-a-thumbprint"}},
		{"wrong PFX password", []string{"APPAUDIT_PFX_PASSWORD=wrong-password-1234"}, []string{"--snapshot", snap, "--certs", filepath.Join(bad, "app.pfx")},
			[]string{"app.pfx", "wrong PFX password", "APPAUDIT_PFX_PASSWORD"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.env, append([]string{"scan"}, tc.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
			if strings.Contains(errOut, "wrong-password-1234") {
				t.Error("the PFX password leaked into the error")
			}
			if out != "" {
				t.Errorf("a report was written for unreadable input: %q", out)
			}
		})
	}
}

// pfxFixture is a PFX file made by OpenSSL 3 with its default settings,
// from the localfiles package's fixtures.
func pfxFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../audit/localfiles/testdata/openssl-default.pfx")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
