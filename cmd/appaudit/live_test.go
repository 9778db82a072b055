package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/audit/demo"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

const fakeToken = "fake-graph-token-value"

var tokenEnv = []string{"APPAUDIT_ACCESS_TOKEN=" + fakeToken}

// serve starts a fake Graph serving the tenant in the snapshot file, one
// object a page whatever $top asks unless opts say otherwise.
func serve(t *testing.T, snapshot string, opts graphtest.Options) *graphtest.Server {
	t.Helper()
	return serveOn(t, snapshot, opts, graphtest.NewServer)
}

// servePipe is serve for a test run in a testing/synctest bubble: the
// fake answers on in-memory connections (graphtest.NewPipeServer), which
// pipeHooks give the client.
func servePipe(t *testing.T, snapshot string, opts graphtest.Options) *graphtest.Server {
	t.Helper()
	return serveOn(t, snapshot, opts, graphtest.NewPipeServer)
}

func serveOn(t *testing.T, snapshot string, opts graphtest.Options, start func(*audit.Tenant, graphtest.Options) (*graphtest.Server, error)) *graphtest.Server {
	t.Helper()
	tenant, err := graphclient.ReadSnapshotFile(snapshot)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Token == "" {
		opts.Token = fakeToken
	}
	if opts.MaxPageSize == 0 {
		opts.MaxPageSize = 1
	}
	srv, err := start(tenant, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// demoSnapshot writes the demo tenant, as of the test clock, as a
// snapshot: 18 applications and 2 service principals, certificate bodies
// and all.
func demoSnapshot(t *testing.T) string {
	t.Helper()
	tenant, _, err := demo.Scenario(audittest.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The live reads the tests hold against it run without --usage, and a
	// snapshot keeps the demo's usage evidence: leave it out.
	tenant.Usage = nil
	path := filepath.Join(t.TempDir(), "demo.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := graphclient.WriteSnapshot(f, tenant, graphclient.SnapshotMeta{Tool: "test"}); err != nil {
		t.Fatal(err)
	}
	return path
}

// finding is what must agree between a live and an offline scan.
type finding struct {
	Check, Severity, Fingerprint, Message string
	App                                   *audit.ObjectRef
	Credential                            *audit.CredentialRef
	Local                                 *audit.LocalRef
}

type fullReport struct {
	Complete   bool          `json:"complete"`
	Incomplete string        `json:"incompleteReason"`
	Source     audit.Source  `json:"source"`
	Summary    audit.Summary `json:"summary"`
	Findings   []finding     `json:"findings"`
	Warnings   []string      `json:"warnings"`
}

func scanJSON(t *testing.T, env []string, args ...string) (int, fullReport, string) {
	t.Helper()
	code, out, errOut := runCLI(t, env, append([]string{"scan", "-o", "json", "--as-of", audittest.Now().Format(time.RFC3339), "--fail-on", "none"}, args...)...)
	var r fullReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("exit %d, report is not JSON: %v\n%s\nstderr: %s", code, err, out, errOut)
	}
	return code, r, errOut
}

// A live scan of the fake serving a snapshot finds exactly what the
// offline scan of the snapshot finds: with bodies on the list pages and
// --no-key-fetch, and with bodies left out of the list pages and fetched
// with $batch.
func TestLiveScanMatchesOfflineScan(t *testing.T) {
	dir := offlineTenant(t)
	local := []string{"--certs", filepath.Join(dir, "certs"), "--deployed", filepath.Join(dir, "deployed.csv")}
	for _, data := range []struct {
		name     string
		snapshot string
		local    []string
	}{
		{"demo tenant", demoSnapshot(t), nil},
		{"certificates and mapping", filepath.Join(dir, "tenant.json"), local},
	} {
		code, offline, _ := scanJSON(t, nil, append([]string{"--snapshot", data.snapshot}, data.local...)...)
		if code != exitOK || len(offline.Findings) == 0 {
			t.Fatalf("%s: offline scan exit %d, %d findings", data.name, code, len(offline.Findings))
		}
		for _, mode := range []struct {
			name string
			opts graphtest.Options
			args []string
		}{
			{"--no-key-fetch, bodies on list pages", graphtest.Options{KeysOnList: true}, []string{"--no-key-fetch"}},
			{"bodies fetched with $batch", graphtest.Options{}, []string{"--key-fetch", "all"}},
		} {
			t.Run(data.name+"/"+mode.name, func(t *testing.T) {
				srv := serve(t, data.snapshot, mode.opts)
				args := append([]string{"--auth", "token", "--graph-url", srv.URL}, mode.args...)
				code, live, errOut := scanJSON(t, tokenEnv, append(args, data.local...)...)
				if code != exitOK || errOut != strings.Join(prefixed(offline.Warnings), "") {
					t.Errorf("exit %d, stderr %q", code, errOut)
				}
				if !live.Complete || live.Source.Kind != "live" || live.Source.Cloud != "public" {
					t.Errorf("live report header %+v %+v", live.Complete, live.Source)
				}
				if !reflect.DeepEqual(live.Summary, offline.Summary) {
					t.Errorf("summary live %+v, offline %+v", live.Summary, offline.Summary)
				}
				sameFindings(t, live.Findings, offline.Findings)
				pages := 0
				for _, r := range srv.Requests() {
					if r.Path == "/v1.0/applications" {
						pages++
					}
				}
				if pages < 2 {
					t.Errorf("%d pages of applications: paging was not exercised", pages)
				}
			})
		}
	}
}

// sameFindings asserts that a live scan found what the offline scan did,
// naming each finding that differs.
func sameFindings(t *testing.T, live, offline []finding) {
	t.Helper()
	if reflect.DeepEqual(live, offline) {
		return
	}
	for i := range max(len(live), len(offline)) {
		var l, o finding
		if i < len(live) {
			l = live[i]
		}
		if i < len(offline) {
			o = offline[i]
		}
		if !reflect.DeepEqual(l, o) {
			t.Errorf("finding %d:\n live    %s %s %s\n offline %s %s %s", i, l.Check, l.Severity, l.Message, o.Check, o.Severity, o.Message)
		}
	}
}

func prefixed(warnings []string) []string {
	var out []string
	for _, w := range warnings {
		out = append(out, "appaudit: warning: "+w+"\n")
	}
	return out
}

func TestLiveScanThatFailsHalfWay(t *testing.T) {
	srv := serve(t, demoSnapshot(t), graphtest.Options{MaxPageSize: 3, Faults: []graphtest.Fault{{Path: "/applications", Page: 3, Status: 500}}})
	code, r, errOut := scanJSON(t, tokenEnv, "--auth", "token", "--graph-url", srv.URL)
	if code != exitIncomplete || r.Complete {
		t.Fatalf("exit %d, complete %v", code, r.Complete)
	}
	if r.Summary.Applications != 6 || r.Summary.ServicePrincipals != 2 {
		t.Errorf("what was read is not reported: %+v", r.Summary)
	}
	if !strings.Contains(r.Incomplete, "listing applications stopped at page 3, after 6 applications") || !strings.Contains(r.Incomplete, "500") {
		t.Errorf("reason %q", r.Incomplete)
	}
	if errOut = withoutWarnings(errOut); !strings.HasPrefix(errOut, "appaudit: audit incomplete: listing applications stopped at page 3") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("stderr %q", errOut)
	}
	// The table says so too.
	_, out, _ := runCLI(t, tokenEnv, "scan", "--auth", "token", "--graph-url", srv.URL)
	if !strings.Contains(out, "AUDIT INCOMPLETE") {
		t.Errorf("the table does not say the audit is incomplete:\n%s", out)
	}
}

func TestLiveSignInAndPermission(t *testing.T) {
	srv := serve(t, demoSnapshot(t), graphtest.Options{})
	expired, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"aud": "https://graph.microsoft.com", "exp": time.Now().Add(-time.Hour).Unix()}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	forbidden := serve(t, demoSnapshot(t), graphtest.Options{Forbidden: true})
	for _, tc := range []struct {
		name string
		env  []string
		url  string
		code int
		want []string
	}{
		{"expired token", []string{"APPAUDIT_ACCESS_TOKEN=" + expired}, srv.URL, exitIncomplete,
			[]string{"appaudit: could not read the tenant: sign-in with token failed: the token in APPAUDIT_ACCESS_TOKEN expired at", "az account get-access-token"}},
		{"token Graph refuses", []string{"APPAUDIT_ACCESS_TOKEN=another-token"}, srv.URL, exitIncomplete,
			[]string{"appaudit: could not read the tenant: Graph answered 401", "invalid or expired"}},
		{"no Application.Read.All", tokenEnv, forbidden.URL, exitIncomplete,
			[]string{"appaudit: could not read the tenant: Graph answered 403 Authorization_RequestDenied", "Application.Read.All", "admin consent"}},
		{"no token", nil, srv.URL, exitUsage, []string{"APPAUDIT_ACCESS_TOKEN"}},
	} {
		// With --usage the usage evidence is read first: it meets the
		// failure first, and the run stops the same way.
		for _, usage := range []string{"", "--usage"} {
			t.Run(tc.name+usage, func(t *testing.T) {
				report := filepath.Join(t.TempDir(), "report.json")
				args := []string{"scan", "--auth", "token", "--graph-url", tc.url, "-o", "json=" + report, "--quiet"}
				if usage != "" {
					args = append(args, usage)
				}
				code, _, errOut := runCLI(t, tc.env, args...)
				if code != tc.code || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "appaudit: ") {
					t.Errorf("exit %d, stderr %q: want exit %d and one line", code, errOut, tc.code)
				}
				for _, w := range tc.want {
					if !strings.Contains(errOut, w) {
						t.Errorf("stderr %q lacks %q", errOut, w)
					}
				}
				if strings.Contains(errOut, expired) || strings.Contains(errOut, fakeToken) {
					t.Error("a token leaked into the error")
				}
				// Nothing of the tenant was read: there is nothing to report.
				if _, err := os.Stat(report); err == nil {
					t.Error("a report was written, though nothing was read")
				}
			})
		}
	}
}

// When sign-in fails the run says so in one line and stops: no report of
// an empty tenant, no warning that the mapping's apps are not in it, no
// finding that the local certificates are registered nowhere in it. "run
// az login" is the hint only when az is installed. The failures are
// azidentity's own, from an Azure CLI that is not there or not signed in.
func TestSignInFailureStops(t *testing.T) {
	dir := offlineTenant(t)
	srv := serve(t, filepath.Join(dir, "tenant.json"), graphtest.Options{})
	signedOut := t.TempDir()
	// What the Azure CLI prints when no one has signed in
	// (Azure/azure-cli#33414, Azure/sap-automation#588).
	write(t, filepath.Join(signedOut, "az"), []byte("#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n"))
	if err := os.Chmod(filepath.Join(signedOut, "az"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		want, not  []string
	}{
		{"az not installed", t.TempDir(),
			[]string{"appaudit: could not read the tenant: sign-in with azure-cli failed: AzureCLICredential: executable not found on path (the Azure CLI (az) is not on the PATH: install it"},
			[]string{"(run az login"}},
		{"az not signed in", signedOut,
			[]string{"appaudit: could not read the tenant: sign-in with azure-cli failed: AzureCLICredential: ERROR: Please run 'az login' to setup account.", "(run az login"},
			[]string{"install"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PATH", tc.path)
			out := t.TempDir()
			for _, args := range [][]string{
				append([]string{"scan", "--certs", filepath.Join(dir, "certs"), "--deployed", filepath.Join(dir, "deployed.csv")}, reportFormats(out)...),
				{"snapshot", "--out", filepath.Join(out, "tenant.json")},
			} {
				args = append(args, "--auth", "azure-cli", "--graph-url", srv.URL)
				code, stdout, stderr := runCLI(t, nil, args...)
				if code != exitIncomplete || stdout != "" || strings.Count(stderr, "\n") != 1 {
					t.Errorf("%s: exit %d, stdout %q, stderr %q: want exit 3 and one line", args[0], code, stdout, stderr)
				}
				for _, w := range tc.want {
					if !strings.Contains(stderr, w) {
						t.Errorf("%s: stderr %q lacks %q", args[0], stderr, w)
					}
				}
				for _, w := range append(tc.not, "not in the tenant", "registered nowhere", "warning") {
					if strings.Contains(stderr, w) {
						t.Errorf("%s: stderr %q has %q", args[0], stderr, w)
					}
				}
			}
			if files, _ := os.ReadDir(out); len(files) != 0 {
				t.Errorf("%d files written, though nothing was read", len(files))
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests reached Graph without a token", n)
			}
		})
	}
}

func TestSnapshotCommand(t *testing.T) {
	snap := demoSnapshot(t)
	srv := serve(t, snap, graphtest.Options{})
	out := filepath.Join(t.TempDir(), "tenant.json")
	code, stdout, errOut := runCLI(t, tokenEnv, "snapshot", "--auth", "token", "--graph-url", srv.URL, "--tenant", demo.TenantID, "--out", out)
	if code != exitOK || stdout != "" || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	got, err := graphclient.ReadSnapshotFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Complete || got.TenantID != demo.TenantID || got.Cloud != "public" || len(got.Applications) != 18 || len(got.ServicePrincipals) != 2 || got.TakenAt.IsZero() {
		t.Errorf("snapshot header %+v, %d applications, %d service principals", got, len(got.Applications), len(got.ServicePrincipals))
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), `"readSeconds":`) || !strings.Contains(string(b), `"tool":"appaudit `) {
		t.Errorf("snapshot header %.200s", b)
	}
	// The saved snapshot audits as the one the fake served.
	_, fromLive, _ := scanJSON(t, nil, "--snapshot", out)
	_, fromSource, _ := scanJSON(t, nil, "--snapshot", snap)
	if !reflect.DeepEqual(fromLive.Findings, fromSource.Findings) {
		t.Errorf("a scan of the live snapshot finds %d findings, of its source %d", len(fromLive.Findings), len(fromSource.Findings))
	}

	failing := serve(t, snap, graphtest.Options{Faults: []graphtest.Fault{{Path: "/servicePrincipals", Status: 500}}})
	code, _, errOut = runCLI(t, tokenEnv, "snapshot", "--auth", "token", "--graph-url", failing.URL, "--out", out,
		"--key-reads-per-minute", "0")
	got, err = graphclient.ReadSnapshotFile(out)
	if code != exitIncomplete || err != nil || got.Complete || !strings.Contains(got.IncompleteReason, "listing service principals stopped at page 1") ||
		len(got.Applications) != 18 {
		t.Errorf("exit %d, %v, %+v", code, err, got)
	}
	if !strings.Contains(errOut, "snapshot incomplete, written to "+out) {
		t.Errorf("stderr %q", errOut)
	}
	if code, _, errOut := runCLI(t, tokenEnv, "snapshot", "--auth", "token", "--graph-url", srv.URL); code != exitUsage || !strings.Contains(errOut, "--out") {
		t.Errorf("no --out: exit %d, %q", code, errOut)
	}
}

func TestLiveScanOfSomeApps(t *testing.T) {
	srv := serve(t, demoSnapshot(t), graphtest.Options{})
	payroll, samlPortal := "00000000-0000-4000-a000-000000000001", "00000000-0000-4000-a000-000000000015"
	code, r, _ := scanJSON(t, tokenEnv, "--auth", "token", "--graph-url", srv.URL, "--app", payroll, "--app", samlPortal)
	if code != exitOK || !r.Complete || r.Summary.Applications != 1 || r.Summary.ServicePrincipals != 1 {
		t.Fatalf("exit %d, %+v", code, r.Summary)
	}
	for _, f := range r.Findings {
		if f.App == nil || f.App.AppID != samlPortal {
			t.Errorf("a finding about another app: %+v", f.App)
		}
	}
	for _, req := range srv.Requests() {
		if req.Path == "/v1.0/applications" || req.Path == "/v1.0/servicePrincipals" {
			t.Errorf("--app listed the tenant: %s", req.Path)
		}
	}
	missing := "99999999-0000-4000-a000-000000000099"
	code, r, errOut := scanJSON(t, tokenEnv, "--auth", "token", "--graph-url", srv.URL, "--app", missing)
	if code != exitIncomplete || r.Complete || !strings.Contains(errOut, "no application or service principal has appId "+missing) {
		t.Errorf("an appId the tenant does not have: exit %d, %q", code, errOut)
	}
}

func TestLiveUsageErrors(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "x.json")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--auth", "password"}, "appaudit: --auth password: unknown sign-in mode (want one of default, client-secret, client-certificate, managed-identity, workload-identity, azure-cli, device-code, token)\n"},
		{[]string{"--cloud", "mars"}, "appaudit: --cloud mars: unknown cloud (want one of public, usgov, usgovdod, china)\n"},
		{[]string{"--graph-url", "http://graph.contoso.com"}, "appaudit: --graph-url http://graph.contoso.com: plain http is allowed only for localhost, 127.0.0.1 and ::1, since requests carry an access token (use https)\n"},
		{[]string{"--app", "Payroll"}, "appaudit: --app Payroll: not an appId (an appId is a GUID such as 11111111-2222-3333-4444-555555555555)\n"},
		{[]string{"--snapshot", snap, "--app", "00000000-0000-4000-a000-000000000001"}, "--app reads Microsoft Graph and cannot be used with --snapshot"},
		{[]string{"--demo", "--no-key-fetch"}, "--no-key-fetch reads Microsoft Graph"},
		{[]string{"--auth", "client-secret"}, "appaudit: --auth client-secret: needs a tenant ID (AZURE_TENANT_ID or --tenant) and a client ID (AZURE_CLIENT_ID or --client-id)\n"},
		{[]string{"--auth", "client-certificate", "--tenant", "t", "--client-id", "c"}, "needs --client-cert FILE"},
		{[]string{"--auth", "token", "--client-cert", "x.pem"}, "--client-cert is for --auth client-certificate"},
		{[]string{"--auth", "client-certificate", "--client-cert", filepath.Join(t.TempDir(), "none.pfx")}, "none.pfx"},
		{[]string{"--key-reads-per-minute", "-1"}, "must not be negative"},
		{[]string{"--key-fetch-max", "-1"}, "appaudit: --key-fetch-max -1: must not be negative\n"},
		{[]string{"--key-fetch", "some"}, `--key-fetch some: unknown way of fetching certificate bodies (want one of none, needed, all)`},
		{[]string{"--no-key-fetch", "--key-fetch", "all"}, "--no-key-fetch is --key-fetch none: it cannot go with --key-fetch all"},
		{[]string{"--key-fetch", "none", "--key-fetch-max", "10"}, "--key-fetch-max limits the certificate bodies fetched, and --key-fetch none"},
		{[]string{"--demo", "--key-fetch", "all"}, "--key-fetch reads Microsoft Graph"},
	} {
		code, out, errOut := runCLI(t, []string{"AZURE_CLIENT_SECRET=super-secret-value"}, append([]string{"scan"}, tc.args...)...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, "super-secret-value") {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestClientCertificateFile(t *testing.T) {
	// The key pair (here an OpenSSL 3 PFX, its password in the variable
	// --client-cert-password-env names) is read before anything is sent,
	// and a wrong password stops there.
	pfx := filepath.Join(t.TempDir(), "app.pfx")
	write(t, pfx, pfxFixture(t))
	code, _, errOut := runCLI(t, []string{"APPAUDIT_CLIENT_CERT_PASSWORD=wrong-password-1234"}, "scan", "--auth", "client-certificate", "--client-cert", pfx,
		"--tenant", "t", "--client-id", "c")
	if code != exitUsage || !strings.Contains(errOut, "wrong PFX password") || !strings.Contains(errOut, "APPAUDIT_CLIENT_CERT_PASSWORD") ||
		strings.Contains(errOut, "wrong-password-1234") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

// withoutWarnings is stderr without its warning lines.
func withoutWarnings(stderr string) string {
	return regexp.MustCompile(`appaudit: warning: [^\n]*\n`).ReplaceAllString(stderr, "")
}

// withoutProgress is stderr without the progress lines a long read writes
// off a terminal ("appaudit: reading Graph: 4 pages, ..., 30s so far"),
// and how many there were.
func withoutProgress(stderr string) (string, int) {
	re := regexp.MustCompile(`(?m)^appaudit: reading Graph: [^\n]* so far[^\n]*\n`)
	return re.ReplaceAllString(stderr, ""), len(re.FindAllString(stderr, -1))
}

// withoutUnexamined is stderr without the warning that says how many
// certificates cert-weak-key could not examine for want of their bodies.
func withoutUnexamined(stderr string) string {
	return regexp.MustCompile(`appaudit: warning: cert-weak-key could not examine [^\n]*\n`).ReplaceAllString(stderr, "")
}

func TestProgressOnlyOnATerminal(t *testing.T) {
	srv := serve(t, demoSnapshot(t), graphtest.Options{MaxPageSize: 3, Latency: 60 * time.Millisecond})
	for _, tc := range []struct {
		tty, quiet bool
		want       bool
	}{{true, false, true}, {true, true, false}, {false, false, false}} {
		s, _, errOut := testStreams("", tokenEnv...)
		s.ErrTTY = tc.tty
		args := []string{"scan", "--auth", "token", "--graph-url", srv.URL, "--no-key-fetch", "-o", "json"}
		if tc.quiet {
			args = append(args, "--quiet")
		}
		if code := run(context.Background(), args, s); code != exitFindings {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		// The weak-key check's warning, of the bodies not fetched, comes
		// after the progress line is cleared.
		got := withoutWarnings(errOut.String())
		if shown := strings.Contains(got, "\rappaudit: reading Graph: "); shown != tc.want {
			t.Errorf("tty %v quiet %v: stderr %q", tc.tty, tc.quiet, got)
		}
		if tc.want && (!strings.Contains(got, "application") || !strings.HasSuffix(got, "\r\x1b[K")) {
			t.Errorf("progress line %q is not cleared at the end", got)
		}
		if !tc.want && got != "" {
			t.Errorf("stderr %q: nothing but errors off a terminal or with --quiet", got)
		}
	}
}
