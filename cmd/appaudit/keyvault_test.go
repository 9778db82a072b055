package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
	"github.com/appaudit/appaudit/keyvault"
	"github.com/appaudit/appaudit/keyvault/kvtest"
)

const kvToken = "kv-token-for-tests"

// kvEnv signs in to the fake vault with --auth token.
var kvEnv = []string{envKeyVaultToken + "=" + kvToken}

// vaultTenant is a tenant whose Payroll app has the vault certificate's
// old version registered, not the version Key Vault renewed it into, and
// a fake vault holding both versions. The mapping says Payroll loads
// kv/payroll by name.
func vaultTenant(t *testing.T) (dir string, vault *kvtest.Server) {
	t.Helper()
	now := audittest.Now()
	old := kvtest.MakeVersion("0000000000000000000000000000aaaa", "payroll.contoso.com", now.AddDate(0, 0, -300), now.AddDate(0, 0, 65), true)
	renewed := kvtest.MakeVersion("0000000000000000000000000000bbbb", "payroll.contoso.com", now.AddDate(0, 0, -2), now.AddDate(0, 0, 363), true)
	vault = kvtest.New(kvtest.Certificate{Name: "payroll", Issuer: "Self", Subject: "CN=payroll.contoso.com", ValidityMonths: 12,
		Actions: []audit.LifetimeAction{{Action: audit.ActionAutoRenew, LifetimePercentage: 80}}, Versions: []kvtest.Version{old, renewed}})
	vault.Token = kvToken
	t.Cleanup(vault.Close)

	k := audit.KeyCredential{KeyID: "k-1", Type: audit.TypeAsymmetricX509Cert, Usage: audit.UsageVerify, DisplayName: "CN=payroll.contoso.com",
		Start: old.NotBefore, End: old.Expires}
	k.Identify(old.DER)
	tenant := audittest.Tenant(audittest.App("00000000-0000-4000-a000-000000000001", "Payroll", k))
	var snap bytes.Buffer
	if err := graphclient.WriteSnapshot(&snap, tenant, graphclient.SnapshotMeta{Tool: "test"}); err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	write(t, filepath.Join(dir, "tenant.json"), snap.Bytes())
	write(t, filepath.Join(dir, "deployed.csv"), []byte("app,keyvault\nPayroll,"+vault.URL+"/certificates/payroll\n"))
	write(t, filepath.Join(dir, "renewed.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: renewed.DER}))
	write(t, filepath.Join(dir, "error.txt"), []byte("AADSTS700027: Client assertion failed signature validation. Trace ID: 1\n"))
	return dir, vault
}

// kvHooks trust the fake vault and back off for a millisecond. The time
// allowed for one attempt is appaudit's default: an answer of the fake
// that is slow on a loaded machine is not given up on and sent again.
func kvHooks(vault *kvtest.Server) *liveHooks {
	return &liveHooks{keyvault: func(c *keyvault.Config) {
		c.Transport = vault.Transport()
		c.Retry = graphclient.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond}
	}}
}

// A snapshot tenant with a live vault: the deployment that loads the
// certificate from the vault signs with the renewed version, which the
// app does not have registered.
func TestScanSnapshotWithKeyVault(t *testing.T) {
	dir, vault := vaultTenant(t)
	code, out, errOut := runLive(t, kvHooks(vault), kvEnv, "scan", "--snapshot", filepath.Join(dir, "tenant.json"),
		"--deployed", filepath.Join(dir, "deployed.csv"), "--keyvault", vault.URL, "--auth", "token", "--as-of", asOf(), "-o", "json")
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("exit %d, %v\n%s\n%s", code, err, out, errOut)
	}
	if code != exitFindings || !r.Complete || !strings.Contains(out, `"check": "cert-rotated-one-side"`) || !strings.Contains(out, vault.URL+"/certificates/payroll/0000000000000000000000000000bbbb") {
		t.Fatalf("exit %d, complete %v:\n%s\n%s", code, r.Complete, out, errOut)
	}
	assertVaultReadOnly(t, vault)
}

func TestScanWithAVaultThatFails(t *testing.T) {
	dir, vault := vaultTenant(t)
	vault.Forbidden = true
	code, out, errOut := runLive(t, kvHooks(vault), kvEnv, "scan", "--snapshot", filepath.Join(dir, "tenant.json"),
		"--deployed", filepath.Join(dir, "deployed.csv"), "--keyvault", vault.URL, "--auth", "token", "--as-of", asOf(), "-o", "json")
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if code != exitIncomplete || r.Complete || !strings.Contains(r.Incomplete, "Key Vault "+vault.Listener.Addr().String()+": listing certificates stopped: Key Vault answered 403 Forbidden") ||
		!strings.Contains(r.Incomplete, "Key Vault Reader") {
		t.Fatalf("exit %d: %s\n%s", code, r.Incomplete, errOut)
	}
	if strings.Contains(out+errOut, kvToken) {
		t.Error("the Key Vault token was printed")
	}
}

// appaudit snapshot --keyvault records the vault; scan --snapshot then
// uses it without reading the vault again.
func TestSnapshotRecordsTheVault(t *testing.T) {
	dir, vault := vaultTenant(t)
	srv := serve(t, filepath.Join(dir, "tenant.json"), graphtest.Options{})
	out := filepath.Join(dir, "snap.json")
	env := append(append([]string{}, tokenEnv...), kvEnv...)
	code, _, errOut := runLive(t, kvHooks(vault), env, "snapshot", "--auth", "token", "--graph-url", srv.URL, "--keyvault", vault.URL, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	saved := readFile(t, out)
	if !strings.HasPrefix(saved, `{"appauditSnapshot":2,`) || !strings.Contains(saved, `"keyVaults": [{"vaultUri":"`+vault.URL+`"`) || strings.Contains(saved, kvToken) {
		t.Fatalf("snapshot %.300s", saved)
	}
	sent := len(vault.Requests())
	code, stdout, errOut := runCLI(t, nil, "scan", "--snapshot", out, "--deployed", filepath.Join(dir, "deployed.csv"), "--as-of", asOf(), "-o", "json")
	if code != exitFindings || !strings.Contains(stdout, `"check": "cert-rotated-one-side"`) || len(vault.Requests()) != sent {
		t.Fatalf("scan of the snapshot: exit %d, %d more requests to the vault\n%s", code, len(vault.Requests())-sent, errOut)
	}

	vault.Fault(kvtest.Fault{Path: "/certificates/payroll/versions", Status: 500})
	code, _, errOut = runLive(t, kvHooks(vault), env, "snapshot", "--auth", "token", "--graph-url", srv.URL, "--keyvault", vault.URL, "--out", out)
	if code != exitIncomplete || !strings.Contains(errOut, "snapshot incomplete, written to "+out+" with the vaults marked \"complete\": false") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(readFile(t, out), `"complete":false,"incompleteReason":"certificate payroll: listing its versions`) {
		t.Errorf("the snapshot does not say the vault is incomplete: %.400s", readFile(t, out))
	}
}

// Every command that reads a vault, with faults that make requests go
// again: only GETs of certificates reach it.
func TestEveryVaultReadIsReadOnly(t *testing.T) {
	dir, vault := vaultTenant(t)
	srv := serve(t, filepath.Join(dir, "tenant.json"), graphtest.Options{})
	snap := filepath.Join(dir, "tenant.json")
	env := append(append([]string{}, tokenEnv...), kvEnv...)
	for _, args := range [][]string{
		{"scan", "--snapshot", snap, "--deployed", filepath.Join(dir, "deployed.csv")},
		{"scan", "--graph-url", srv.URL, "--deployed", filepath.Join(dir, "deployed.csv")},
		{"snapshot", "--graph-url", srv.URL, "--out", filepath.Join(dir, "out.json")},
		{"doctor", "--error", filepath.Join(dir, "error.txt"), "--snapshot", snap},
		{"doctor", "--error", filepath.Join(dir, "error.txt"), "--graph-url", srv.URL},
		{"preflight", "--snapshot", snap, "--app", "Payroll", "--cert", filepath.Join(dir, "renewed.pem")},
	} {
		vault.Fault(kvtest.Fault{Path: "/certificates", Exact: true, Page: 1, Status: 429, RetryAfter: "0", Times: 1})
		vault.Fault(kvtest.Fault{Path: "/certificates/payroll/", Exact: true, Drop: true, Times: 1})
		args = append(args, "--keyvault", vault.URL, "--auth", "token")
		if args[0] != "snapshot" {
			args = append(args, "--as-of", asOf(), "-o", "json")
		}
		code, _, errOut := runLive(t, kvHooks(vault), env, args...)
		if code == exitUsage || code == exitIncomplete || strings.Contains(errOut, "error") {
			t.Errorf("%s: exit %d: %s", args[0], code, errOut)
		}
	}
	assertVaultReadOnly(t, vault)
	if n := len(vault.Requests()); n < 6*6 {
		t.Errorf("only %d requests reached the vault", n)
	}
}

func TestKeyVaultUsageErrors(t *testing.T) {
	dir, vault := vaultTenant(t)
	snap := filepath.Join(dir, "tenant.json")
	graphToken := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(`{"aud":"https://graph.microsoft.com","exp":4102444800}`)) + ".c2ln"
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"with the demo", nil, []string{"scan", "--demo", "--keyvault", "kv-prod"}, "--demo brings its own deployed certificates: drop --keyvault"},
		{"not a vault", kvEnv, []string{"scan", "--snapshot", snap, "--auth", "token", "--keyvault", "kv_prod"}, `--keyvault: "kv_prod" is not a vault name`},
		{"plain http", kvEnv, []string{"scan", "--snapshot", snap, "--auth", "token", "--keyvault", "http://kv-prod.vault.azure.net"}, "plain http is allowed only for localhost"},
		{"no Key Vault token", []string{envAccessToken + "=graph"}, []string{"scan", "--snapshot", snap, "--auth", "token", "--keyvault", vault.URL}, "needs a Key Vault access token in APPAUDIT_KEYVAULT_TOKEN"},
		{"a Graph token", []string{envKeyVaultToken + "=" + graphToken}, []string{"scan", "--snapshot", snap, "--auth", "token", "--keyvault", vault.URL},
			"the token in APPAUDIT_KEYVAULT_TOKEN is for https://graph.microsoft.com, not for Azure Key Vault"},
		{"graph flags with a snapshot", kvEnv, []string{"scan", "--snapshot", snap, "--auth", "token", "--keyvault", vault.URL, "--no-key-fetch"}, "--no-key-fetch reads Microsoft Graph"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runLive(t, kvHooks(vault), tc.env, tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d: %s\nwant %q", code, errOut, tc.want)
			}
		})
	}
	if n := len(vault.Requests()); n != 0 {
		t.Errorf("%d requests reached the vault before a usage error", n)
	}
}

// assertVaultReadOnly holds what reached the vault to appaudit's
// contract: GET only, never under /secrets/ or /keys/.
func assertVaultReadOnly(t *testing.T, vault *kvtest.Server) {
	t.Helper()
	reqs := vault.Requests()
	if len(reqs) == 0 {
		t.Fatal("nothing reached the vault")
	}
	for _, q := range reqs {
		if q.Method != "GET" || strings.Contains(q.Path, "/secrets") || strings.Contains(q.Path, "/keys") || !strings.HasPrefix(q.Path, "/certificates") {
			t.Errorf("sent %s %s", q.Method, q.Path)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// preflight --cert VAULT/CERTIFICATE checks the vault's latest version:
// here Key Vault renewed the certificate and the app has only the old
// version, so the switch is not safe, and the finding names the version.
// With the old version named, the switch to it is safe; the private key
// is Key Vault's, so it is not reported unchecked.
func TestPreflightOfAVaultCertificate(t *testing.T) {
	dir, vault := vaultTenant(t)
	name := strings.TrimPrefix(strings.TrimPrefix(vault.URL, "https://"), "http://")
	ref := vault.URL + "/certificates/payroll"
	code, out, errOut := runLive(t, kvHooks(vault), kvEnv, "preflight", "--snapshot", filepath.Join(dir, "tenant.json"),
		"--keyvault", vault.URL, "--auth", "token", "--as-of", asOf(), "--app", "Payroll", "--cert", ref, "-o", "json")
	if code != exitFindings || !strings.Contains(out, `"cause": "preflight-not-registered"`) ||
		!strings.Contains(out, "(version 0000000000000000000000000000bbbb)") || strings.Contains(out, "preflight-key-unchecked") {
		t.Fatalf("%s: exit %d:\n%s\n%s", name, code, out, errOut)
	}
	code, out, errOut = runLive(t, kvHooks(vault), kvEnv, "preflight", "--snapshot", filepath.Join(dir, "tenant.json"),
		"--keyvault", vault.URL, "--auth", "token", "--as-of", asOf(), "--app", "Payroll", "--cert", ref+"/0000000000000000000000000000aaaa", "-o", "json")
	if code != exitOK || !strings.Contains(out, "safe to switch") {
		t.Fatalf("old version: exit %d:\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = runLive(t, kvHooks(vault), kvEnv, "preflight", "--snapshot", filepath.Join(dir, "tenant.json"),
		"--keyvault", vault.URL, "--auth", "token", "--app", "Payroll", "--cert", ref, "--key", filepath.Join(dir, "renewed.pem"))
	if code != exitUsage || !strings.Contains(errOut, "keeps its own private key") {
		t.Fatalf("--key with a vault certificate: exit %d: %s", code, errOut)
	}
	assertVaultReadOnly(t, vault)
}

// doctor names the thumbprint an error gives by the vault version it is
// (the error's shape: audit/doctor/testdata/errors/700027-invalid-signature-wording.txt,
// from pnp/cli-microsoft365#1621).
func TestDoctorNamesAVaultVersion(t *testing.T) {
	dir, vault := vaultTenant(t)
	block, _ := pem.Decode([]byte(readFile(t, filepath.Join(dir, "renewed.pem"))))
	text := "Error: AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '" +
		audit.ThumbprintsOf(block.Bytes).SHA1 + "', Please visit 'https://developer.microsoft.com/en-us/graph/graph-explorer' and query for " +
		"'https://graph.microsoft.com/beta/applications/00000000-0000-4000-a000-000000000001' to see configured keys]\nTrace ID: c36d5a6e-a82a-49c5-9af1-a6e16de60a00\n"
	write(t, filepath.Join(dir, "error.txt"), []byte(text))
	code, out, errOut := runLive(t, kvHooks(vault), kvEnv, "doctor", "--snapshot", filepath.Join(dir, "tenant.json"),
		"--keyvault", vault.URL, "--auth", "token", "--as-of", asOf(), "--error", filepath.Join(dir, "error.txt"), "-o", "json")
	if code != exitFindings || !strings.Contains(out, "error-thumbprint-unknown") || !strings.Contains(out, "(version 0000000000000000000000000000bbbb)") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
}
