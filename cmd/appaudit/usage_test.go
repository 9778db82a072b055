package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// demoPayroll is the demo's payroll API, whose certificate the usage log
// below says fails to sign in.
const demoPayroll = "00000000-0000-4000-a000-000000000001"

// cmdUsageLog is usage evidence for the demo tenant, dated by the test
// clock: the payroll API's credential in use an hour ago, and failing
// with AADSTS700027 since yesterday; a user's failed sign-in besides,
// which appaudit must not read.
func cmdUsageLog(edit func(*graphtest.UsageLog)) *graphtest.UsageLog {
	now := audittest.Now()
	log := graphtest.StaticUsage([]graphtest.Activity{{KeyID: "6a1f0c2e-0001-4c1e-9f00-000000000001", KeyType: "certificate", KeyUsage: "verify",
		AppID: demoPayroll, CredentialOrigin: "application", LastSignIn: now.Add(-time.Hour)}},
		[]graphtest.SignIn{
			{Created: now.Add(-time.Hour), EventType: "servicePrincipal", AppID: demoPayroll, ServicePrincipalID: "sp-payroll",
				Thumbprint: "0A0B0C0D0E0F101112131415161718191A1B1C1D", ClientCredentialType: "clientAssertion", ErrorCode: 700027,
				ResourceDisplayName: "Microsoft Graph", IPAddress: "192.0.2.77"},
			{Created: now.Add(-20 * time.Hour), EventType: "servicePrincipal", AppID: demoPayroll, ServicePrincipalID: "sp-payroll",
				Thumbprint: "0A0B0C0D0E0F101112131415161718191A1B1C1D", ClientCredentialType: "clientAssertion", ErrorCode: 700027},
			{Created: now.Add(-2 * time.Hour), EventType: "interactiveUser", AppID: demoPayroll, ErrorCode: 50126,
				UserPrincipalName: "alex@contoso.com", IPAddress: "203.0.113.99"},
		})
	log.Now = now
	if edit != nil {
		edit(log)
	}
	return log
}

// runUsage runs appaudit against the fake, on the test clock.
func runUsage(t *testing.T, srv *graphtest.Server, args ...string) (int, string, string) {
	t.Helper()
	return runLive(t, clockHooks(graphtest.NewClock(audittest.Now()), nil), tokenEnv,
		append(args, "--auth", "token", "--graph-url", srv.URL, "--key-reads-per-minute", "0")...)
}

func betaRequests(srv *graphtest.Server) (activity, signIns int) {
	for _, r := range srv.Requests() {
		switch r.Path {
		case "/beta/reports/appCredentialSignInActivities":
			activity++
		case "/beta/auditLogs/signIns":
			signIns++
		}
	}
	return activity, signIns
}

// scan --usage reads both sources with the same sign-in and runs as
// before; without --usage nothing of them is asked for.
func TestScanUsage(t *testing.T) {
	snap := demoSnapshot(t)
	srv := serve(t, snap, graphtest.Options{Usage: cmdUsageLog(nil)})
	code, out, errOut := runUsage(t, srv, "scan", "--usage", "--usage-days", "7", "-o", "json", "--as-of", asOf(), "--fail-on", "none")
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitOK || !r.Complete || withoutUnexamined(errOut) != "" {
		t.Fatalf("exit %d, %v, complete %v, stderr %q", code, err, r.Complete, errOut)
	}
	// The evidence reaches the audit of the tenant as it is read.
	failing := false
	for _, f := range r.Findings {
		failing = failing || f.Check == "signin-failing" && f.App != nil && f.App.AppID == demoPayroll
	}
	if !failing {
		t.Errorf("no signin-failing finding for the payroll API in %+v", r.Findings)
	}
	if a, s := betaRequests(srv); a != 1 || s != 3 {
		t.Errorf("%d activity and %d sign-in requests; want 1 and 3 (7 days in 3-day slices)", a, s)
	}
	for _, req := range srv.Requests() {
		if req.Path == "/beta/auditLogs/signIns" && (!strings.Contains(req.Query.Get("$filter"), "t eq 'servicePrincipal'") || req.Authorization != "Bearer "+fakeToken) {
			t.Errorf("a sign-in log request: %v, %q", req.Query, req.Authorization)
		}
	}

	plain := serve(t, snap, graphtest.Options{Usage: cmdUsageLog(nil)})
	if code, _, _ := runUsage(t, plain, "scan", "-o", "json", "--fail-on", "none"); code != exitOK {
		t.Errorf("scan without --usage: exit %d", code)
	}
	if a, s := betaRequests(plain); a+s != 0 {
		t.Errorf("scan without --usage asked for the usage evidence %d times", a+s)
	}
}

// Without AuditLog.Read.All or without the licence, scan --usage reports
// what it read, marked incomplete, exits 3, and says what is missing in
// one line.
func TestScanUsageRefused(t *testing.T) {
	snap := demoSnapshot(t)
	for _, tc := range []struct {
		name string
		edit func(*graphtest.UsageLog)
		want []string
	}{
		{"no AuditLog.Read.All", func(l *graphtest.UsageLog) { l.Forbidden = true },
			[]string{"audit incomplete: reading the credential sign-in activity report stopped at page 1", "403 Authentication_MSGraphPermissionMissing", "AuditLog.Read.All", "Entra ID P1"}},
		{"no P1 licence", func(l *graphtest.UsageLog) { l.Unlicensed = true },
			[]string{"403 Authentication_RequestFromNonPremiumTenantOrB2CTenant", "P1 or P2 licence", "without --usage"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, snap, graphtest.Options{Usage: cmdUsageLog(tc.edit)})
			file := filepath.Join(t.TempDir(), "report.json")
			code, _, errOut := runUsage(t, srv, "scan", "--usage", "-o", "json="+file, "--as-of", asOf())
			errOut = withoutUnexamined(errOut)
			// The summary line, then the one that says why the audit is incomplete.
			if code != exitIncomplete || strings.Count(errOut, "\n") != 2 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
			b, _ := os.ReadFile(file)
			var r report
			if err := json.Unmarshal(b, &r); err != nil || r.Complete || !strings.Contains(r.Incomplete, "AuditLog.Read.All") && !strings.Contains(r.Incomplete, "licence") ||
				r.Summary.Applications == 0 {
				t.Errorf("report: %v, complete %v, %q, %d applications", err, r.Complete, r.Incomplete, r.Summary.Applications)
			}
		})
	}
}

// snapshot --usage keeps the evidence, and scan --snapshot reads it: an
// incomplete one makes the scan incomplete too. Nothing of the user's
// failed sign-in reaches the file.
func TestSnapshotUsage(t *testing.T) {
	snap := demoSnapshot(t)
	srv := serve(t, snap, graphtest.Options{Usage: cmdUsageLog(nil)})
	out := filepath.Join(t.TempDir(), "tenant.json")
	if code, _, errOut := runUsage(t, srv, "snapshot", "--usage", "--out", out); code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	got, err := graphclient.ReadSnapshotFile(out)
	if err != nil || got.Usage == nil || !got.Usage.Complete {
		t.Fatalf("%v: %+v", err, got)
	}
	if f := got.Usage.FailuresOf(demoPayroll); len(f) != 1 || f[0].Count != 2 || f[0].ErrorCode != 700027 || f[0].Sources != 1 {
		t.Errorf("failed sign-ins of the payroll API: %+v", f)
	}
	if last, ok := got.Usage.LastSignIn("6a1f0c2e-0001-4c1e-9f00-000000000001"); !ok || !last.Equal(audittest.Now().Add(-time.Hour)) {
		t.Errorf("last sign-in %v, %v", last, ok)
	}
	b, _ := os.ReadFile(out)
	for _, leak := range []string{"alex@contoso.com", "203.0.113.99", "192.0.2.77"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("the snapshot holds %q", leak)
		}
	}
	if code, _, errOut := runCLI(t, nil, "scan", "--snapshot", out, "-o", "json", "--fail-on", "none", "--unused-days", "30"); code != exitOK {
		t.Errorf("scan of the snapshot: exit %d, %q", code, errOut)
	}

	unlicensed := serve(t, snap, graphtest.Options{Usage: cmdUsageLog(func(l *graphtest.UsageLog) { l.Unlicensed = true })})
	code, _, errOut := runUsage(t, unlicensed, "snapshot", "--usage", "--out", out)
	if code != exitIncomplete || !strings.Contains(errOut, "usage evidence incomplete, written to "+out) || !strings.Contains(errOut, "licence") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	got, err = graphclient.ReadSnapshotFile(out)
	if err != nil || !got.Complete || got.Usage == nil || got.Usage.Complete {
		t.Fatalf("%v: tenant complete %v, usage %+v", err, got.Complete, got.Usage)
	}
	code, out2, errOut := runCLI(t, nil, "scan", "--snapshot", out, "-o", "json", "--fail-on", "none")
	if code != exitIncomplete || !strings.Contains(errOut, "audit incomplete: reading the credential sign-in activity report") || !strings.Contains(errOut, "licence") ||
		!strings.Contains(out2, `"complete": false`) {
		t.Errorf("scan of a snapshot with incomplete usage: exit %d, stderr %q", code, errOut)
	}
}

// The national clouds do not serve the activity report: scan --usage
// there reads the failed sign-ins only, complete, with a warning.
func TestScanUsageNationalCloud(t *testing.T) {
	srv := serve(t, demoSnapshot(t), graphtest.Options{Usage: cmdUsageLog(nil)})
	code, out, errOut := runUsage(t, srv, "scan", "--usage", "--cloud", "usgov", "-o", "json", "--fail-on", "none")
	if code != exitOK || !strings.Contains(errOut, "warning: usage evidence: credential sign-in activity not read: Microsoft Graph serves") ||
		!strings.Contains(out, "global cloud only") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if a, s := betaRequests(srv); a != 0 || s == 0 {
		t.Errorf("%d activity and %d sign-in requests", a, s)
	}
}

func TestUsageFlags(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "x.json")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--snapshot", snap, "--usage"}, "--usage reads Microsoft Graph and cannot be used with --snapshot or --demo"},
		{[]string{"scan", "--demo", "--usage"}, "--usage reads Microsoft Graph"},
		{[]string{"scan", "--usage", "--usage-days", "31"}, "--usage-days must be 1 to 30, got 31"},
		{[]string{"scan", "--usage", "--usage-days", "0"}, "--usage-days must be 1 to 30"},
		{[]string{"scan", "--usage-days", "7"}, "--usage-days goes with --usage"},
		{[]string{"scan", "--snapshot", snap, "--unused-days", "0"}, "--unused-days must be at least 1"},
		{[]string{"snapshot", "--out", snap, "--usage", "--usage-days", "90"}, "Entra keeps sign-in logs 30 days"},
		{[]string{"snapshot", "--out", snap, "--unused-days", "9"}, "unknown flag: --unused-days"},
	} {
		code, out, errOut := runCLI(t, tokenEnv, tc.args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// On a terminal, and without --quiet, a progress line says the usage
// evidence is being read, and is cleared; off one, nothing is said.
func TestUsageProgress(t *testing.T) {
	srv := serve(t, demoSnapshot(t), graphtest.Options{Usage: cmdUsageLog(nil)})
	for _, tty := range []bool{true, false} {
		s, _, errOut := testStreams("", tokenEnv...)
		s.ErrTTY = tty
		s.live = clockHooks(graphtest.NewClock(audittest.Now()), nil)
		args := []string{"scan", "--auth", "token", "--graph-url", srv.URL, "--no-key-fetch", "--usage", "--usage-days", "3", "-o", "json", "--fail-on", "none"}
		if code := run(context.Background(), args, s); code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		got := withoutUnexamined(errOut.String())
		shown := strings.Contains(got, "\rappaudit: reading credential sign-in activity and 3 days of failed sign-ins")
		if shown != tty || (tty && !strings.HasSuffix(got, "\r\x1b[K")) || (!tty && got != "") {
			t.Errorf("tty %v: stderr %q", tty, got)
		}
	}
}

// --unused-days is the policy credential-unused applies to the usage
// evidence: the demo's analytics certificate has not signed in for 150
// days.
func TestUnusedDays(t *testing.T) {
	unused := func(args ...string) int {
		t.Helper()
		code, out, errOut := runCLI(t, nil, append([]string{"scan", "--demo", "-o", "json", "--fail-on", "none"}, args...)...)
		var r report
		if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitOK {
			t.Fatalf("exit %d, %v, %s", code, err, errOut)
		}
		n := 0
		for _, f := range r.Findings {
			if f.Check == "credential-unused" {
				n++
			}
		}
		return n
	}
	if def, long := unused(), unused("--unused-days", "200"); def == 0 || long >= def {
		t.Errorf("credential-unused: %d findings by default, %d with --unused-days 200", def, long)
	}
}
