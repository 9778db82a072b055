package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// faultScenario is one way Graph misbehaves, and what appaudit must make
// of it: a complete audit (every object read, the findings of the offline
// scan) or exit 3 with a report that says where it stopped.
type faultScenario struct {
	name   string
	opts   graphtest.Options
	args   []string
	config func(*graphclient.Config)
	// stopped is what the reason for an incomplete audit must say; ""
	// when the audit must complete.
	stopped string
	// apps and sps are the objects an incomplete audit read.
	apps, sps int
	// warning is what a complete audit must warn of, when bodies could
	// not be fetched.
	warning string
}

// The served tenant: the demo's 18 applications and 2 service principals,
// three objects a page (five pages of applications), certificate bodies
// left out of list pages and fetched with $batch.
const servedApps, servedSPs = 18, 2

func faultScenarios() []faultScenario {
	apps := "/applications"
	timeout := func(c *graphclient.Config) { c.Retry.Timeout = 50 * time.Millisecond }
	return []faultScenario{
		{name: "no fault"},
		{name: "429 storm on list pages, Retry-After 2", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Status: 429, RetryAfter: "2", Times: 6}}}},
		{name: "429 storm on list pages, no Retry-After", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Status: 429, Times: 6}}}},
		{name: "429 on every attempt at page 2", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 2, Status: 429, RetryAfter: "1"}}},
			stopped: "listing applications stopped at page 2, after 3 applications", apps: 3, sps: servedSPs},
		{name: "Retry-After longer than a request may wait", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 2, Status: 429, RetryAfter: "3600"}}},
			stopped: "listing applications stopped at page 2, after 3 applications", apps: 3, sps: servedSPs},
		{name: "429 storm inside $batch", opts: graphtest.Options{Faults: []graphtest.Fault{{InBatch: true, Path: "/", Status: 429, RetryAfter: "1", Times: 30}}}},
		{name: "429 inside $batch on every attempt", opts: graphtest.Options{Faults: []graphtest.Fault{{InBatch: true, Path: "/", Status: 429}}},
			warning: "could not be fetched"},
		{name: "500 on page 3", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 3, Status: 500}}},
			stopped: "listing applications stopped at page 3, after 6 applications", apps: 6, sps: servedSPs},
		{name: "502 run", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 2, Status: 502, Times: 3}}}},
		{name: "503 run, Retry-After 5", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 2, Status: 503, RetryAfter: "5", Times: 3}}}},
		{name: "504 run", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 2, Status: 504, Times: 3}}}},
		{name: "503 on every attempt at page 4", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 4, Status: 503}}},
			stopped: "listing applications stopped at page 4, after 9 applications", apps: 9, sps: servedSPs},
		{name: "503 run on $batch", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: "/$batch", Status: 503, Times: 3}}}},
		{name: "connection dropped before the answer", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 2, Drop: true, Times: 3}}}},
		{name: "connection dropped mid-body", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 2, Truncate: true, Times: 3}}}},
		{name: "connection dropped on every attempt at page 2", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 2, Drop: true}}},
			stopped: "listing applications stopped at page 2, after 3 applications", apps: 3, sps: servedSPs},
		{name: "slow answers past the timeout", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 2, Delay: 2 * time.Second, Times: 2}}},
			config: timeout},
		{name: "slow answer on every attempt at page 2", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 2, Delay: 2 * time.Second}}},
			config: timeout, stopped: "listing applications stopped at page 2, after 3 applications", apps: 3, sps: servedSPs},
		{name: "nextLink loop", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 3, LoopTo: 2}}},
			stopped: "listing applications stopped at page 4, after 9 applications", apps: 9, sps: servedSPs},
		// The first object of page 3 comes whole before the damage, and is
		// kept.
		{name: "page of malformed JSON", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 3, Malformed: true}}},
			stopped: "listing applications stopped at page 3, after 7 applications", apps: 7, sps: servedSPs},
		{name: "token expires mid-run (401 at page 3)", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 3, Status: 401}}},
			stopped: "listing applications stopped at page 3, after 6 applications", apps: 6, sps: servedSPs},
		{name: "403 half-way", opts: graphtest.Options{Faults: []graphtest.Fault{{Path: apps, Page: 3, Status: 403}}},
			stopped: "listing applications stopped at page 3, after 6 applications", apps: 6, sps: servedSPs},
	}
}

// What each format says of an incomplete audit, and whether it carries
// the reason.
var incompleteMarks = []struct {
	format, mark string
	reason       bool
}{
	{"table", "AUDIT INCOMPLETE: ", true}, {"json", `"complete": false`, true}, {"csv", "audit-incomplete", true},
	{"markdown", "**Audit incomplete:** ", true}, {"html", "Audit incomplete: ", true}, {"sarif", `"executionSuccessful": false`, true},
	{"junit", `message="audit incomplete"`, true}, {"prometheus", "appaudit_audit_complete 0", false},
}

// checkReports asserts that every report says the audit is complete, or
// that it is not and where it stopped.
func checkReports(t *testing.T, reps map[string]string, stopped string) {
	t.Helper()
	for _, m := range incompleteMarks {
		rep := reps[m.format]
		switch {
		case stopped == "" && strings.Contains(rep, m.mark):
			t.Errorf("the %s report of a complete audit says %q", m.format, m.mark)
		case stopped != "" && !strings.Contains(rep, m.mark):
			t.Errorf("the %s report of an incomplete audit lacks %q", m.format, m.mark)
		case stopped != "" && m.reason && !strings.Contains(rep, stopped):
			t.Errorf("the %s report does not say where the audit stopped (%q)", m.format, stopped)
		}
	}
	if stopped == "" && !strings.Contains(reps["prometheus"], "appaudit_audit_complete 1") {
		t.Error("the prometheus report of a complete audit does not say so")
	}
}

// Every fault, through appaudit scan and appaudit snapshot: the audit is
// complete, with every object read and the findings of the offline scan
// (or, when only certificate bodies are missing, a warning in every
// report that has room for one), or it exits 3 with every report marked
// incomplete and saying where it stopped. Run with -v for the table of
// docs/reliability.md.
func TestFaultScenarios(t *testing.T) {
	snap := demoSnapshot(t)
	offline := t.TempDir()
	code, _, offlineErr := runCLI(t, nil, append([]string{"scan", "--snapshot", snap, "--as-of", asOf(), "--fail-on", "none"}, reportFormats(offline)...)...)
	if code != exitOK {
		t.Fatalf("offline scan: exit %d: %s", code, offlineErr)
	}
	want := decodeFull(t, readReports(t, offline)["json"])
	if want.Summary.Applications != servedApps || want.Summary.ServicePrincipals != servedSPs {
		t.Fatalf("the demo has %+v", want.Summary)
	}
	t.Log("| scenario | exit | objects read | retries | waited | requests | took |")
	t.Log("|---|---|---|---|---|---|---|")
	for _, sc := range faultScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { runFaultScenario(t, sc, snap, offlineErr, want) })
		})
	}
}

// runFaultScenario runs one scenario, in a testing/synctest bubble: the
// fake answers on in-memory connections and every wait (Retry-After,
// backoff, a slow answer, the per-attempt timeout) is measured by the
// bubble's clock, so that the outcome does not hang on how fast the
// machine runs, and the waits of concurrent requests overlap as they do
// against Graph.
func runFaultScenario(t *testing.T, sc faultScenario, snap, offlineErr string, want fullReport) {
	opts := sc.opts
	opts.MaxPageSize = 3
	srv := servePipe(t, snap, opts)
	clock := graphtest.NewSleepingClock(audittest.Now())
	dir := t.TempDir()
	// Every body is fetched, as the offline scan of the demo has
	// them all.
	args := append([]string{"scan", "--auth", "token", "--graph-url", srv.URL, "--key-fetch", "all", "--as-of", asOf(), "--fail-on", "none"}, sc.args...)
	began := time.Now()
	code, out, errOut := runLive(t, pipeHooks(srv, clock, sc.config), tokenEnv, append(args, reportFormats(dir)...)...)
	// The bubble's time: how long the run would take against Graph.
	took := time.Since(began)
	reps := readReports(t, dir)
	got := decodeFull(t, reps["json"])
	var waited time.Duration
	for _, w := range clock.Waits() {
		waited += w
	}
	t.Logf("| %s | %d | %d of %d | %d | %s | %d | %s |", sc.name, code, got.Summary.Applications+got.Summary.ServicePrincipals,
		servedApps+servedSPs, len(clock.Waits()), waited.Round(100*time.Millisecond), len(srv.Requests()), took.Round(100*time.Millisecond))
	if out != "" {
		t.Errorf("stdout %q: every report went to a file", out)
	}
	// Off a terminal, a read that goes on says so every 30 seconds, and
	// only then.
	errOut, lines := withoutProgress(errOut)
	if n := int(took / progressEvery); lines != n {
		t.Errorf("%d progress lines in a run of %s, want %d", lines, took.Round(time.Millisecond), n)
	}
	checkReports(t, reps, sc.stopped)
	if sc.stopped != "" {
		checkStopped(t, sc, code, errOut, got, want)
	} else {
		checkComplete(t, sc, code, errOut, offlineErr, got, want, reps)
	}
	checkSnapshot(t, sc, snap, got)
}

// checkStopped asserts what an incomplete scan must say.
func checkStopped(t *testing.T, sc faultScenario, code int, errOut string, got, want fullReport) {
	t.Helper()
	if code != exitIncomplete || got.Complete || !strings.HasPrefix(got.Incomplete, sc.stopped) {
		t.Errorf("exit %d, complete %v, reason %q: want exit 3 and a reason starting %q", code, got.Complete, got.Incomplete, sc.stopped)
	}
	// Every report went to a file: a line says what was found, and the
	// next where the audit stopped (warnings aside).
	lines := strings.Split(strings.TrimSuffix(withoutWarnings(errOut), "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "appaudit: ") || !strings.HasPrefix(lines[1], "appaudit: audit incomplete: "+sc.stopped) {
		t.Errorf("stderr %q: want the summary, then one line saying where the audit stopped", errOut)
	}
	if got.Summary.Applications != sc.apps || got.Summary.ServicePrincipals != sc.sps {
		t.Errorf("read %d applications and %d service principals, want %d and %d", got.Summary.Applications, got.Summary.ServicePrincipals, sc.apps, sc.sps)
	}
	// What was read is audited as the offline scan audits it.
	offline := map[string]finding{}
	for _, f := range want.Findings {
		offline[f.Fingerprint] = f
	}
	for _, f := range got.Findings {
		if o, ok := offline[f.Fingerprint]; !ok || o.Check != f.Check || o.Severity != f.Severity {
			t.Errorf("finding %s %s %q is not the offline scan's", f.Check, f.Severity, f.Message)
		}
	}
}

// checkComplete asserts what a complete scan must say.
func checkComplete(t *testing.T, sc faultScenario, code int, errOut, offlineErr string, got, want fullReport, reps map[string]string) {
	t.Helper()
	if code != exitOK || !got.Complete || got.Incomplete != "" {
		t.Errorf("exit %d, complete %v (%q): want a complete audit", code, got.Complete, got.Incomplete)
	}
	if got.Summary.Applications != servedApps || got.Summary.ServicePrincipals != servedSPs {
		t.Errorf("read %d applications and %d service principals of %d and %d", got.Summary.Applications, got.Summary.ServicePrincipals, servedApps, servedSPs)
	}
	if sc.warning == "" {
		if errOut != offlineErr {
			t.Errorf("stderr %q, offline %q", errOut, offlineErr)
		}
		sameFindings(t, got.Findings, want.Findings)
		return
	}
	if !strings.Contains(errOut, "appaudit: warning: ") || !strings.Contains(errOut, sc.warning) {
		t.Errorf("stderr %q lacks the warning %q", errOut, sc.warning)
	}
	for _, format := range []string{"table", "json", "markdown", "html", "sarif"} {
		if !strings.Contains(reps[format], sc.warning) {
			t.Errorf("the %s report lacks the warning %q", format, sc.warning)
		}
	}
	// Without the bodies, no key could be checked: the weak-key check is
	// skipped in JUnit, not passed, on the demo's app with a 1024-bit key.
	const weak = `<testcase name="cert-weak-key" classname="application.00000000-0000-4000-a000-000000000011" time="0">` + "\n" + `      <skipped message="not checked`
	if !strings.Contains(reps["junit"], weak) {
		t.Error("the JUnit report does not show cert-weak-key as skipped where no certificate body is known")
	}
}

// checkSnapshot runs appaudit snapshot against a fake with the same
// faults: the file is complete and audits as the live scan did, or it is
// marked incomplete with the same reason and what was read.
func checkSnapshot(t *testing.T, sc faultScenario, snap string, scanned fullReport) {
	t.Helper()
	opts := sc.opts
	opts.MaxPageSize = 3
	srv := servePipe(t, snap, opts)
	out := filepath.Join(t.TempDir(), "tenant.json")
	code, _, errOut := runLive(t, pipeHooks(srv, graphtest.NewSleepingClock(audittest.Now()), sc.config), tokenEnv,
		append([]string{"snapshot", "--auth", "token", "--graph-url", srv.URL, "--out", out}, sc.args...)...)
	errOut, _ = withoutProgress(errOut)
	saved, err := graphclient.ReadSnapshotFile(out)
	if err != nil {
		t.Fatalf("snapshot: exit %d, %v (stderr %q)", code, err, errOut)
	}
	if sc.stopped != "" {
		if code != exitIncomplete || saved.Complete || !strings.HasPrefix(saved.IncompleteReason, sc.stopped) ||
			len(saved.Applications) != sc.apps || len(saved.ServicePrincipals) != sc.sps {
			t.Errorf("snapshot: exit %d, complete %v, %q, %d applications and %d service principals", code, saved.Complete,
				saved.IncompleteReason, len(saved.Applications), len(saved.ServicePrincipals))
		}
		if !strings.Contains(errOut, "snapshot incomplete, written to "+out) {
			t.Errorf("snapshot: stderr %q", errOut)
		}
		return
	}
	if code != exitOK || !saved.Complete || len(saved.Applications) != servedApps || len(saved.ServicePrincipals) != servedSPs {
		t.Errorf("snapshot: exit %d, complete %v, %d applications and %d service principals", code, saved.Complete, len(saved.Applications), len(saved.ServicePrincipals))
	}
	if sc.warning != "" && !strings.Contains(errOut, sc.warning) {
		t.Errorf("snapshot: stderr %q lacks the warning %q", errOut, sc.warning)
	}
	_, again, _ := scanJSON(t, nil, "--snapshot", out)
	sameFindings(t, again.Findings, scanned.Findings)
}

func decodeFull(t *testing.T, s string) fullReport {
	t.Helper()
	var r fullReport
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("the JSON report: %v\n%.300s", err, s)
	}
	return r
}

// A token that expires part-way through a read. appaudit cannot renew a
// token it was given (--auth token): the read stops where Graph, or the
// token's own exp, refuses it, and says to get a new one. A credential
// renews its tokens before they end (Microsoft's libraries get a new one
// within five minutes of the old one's expiry), so a read that outlasts
// many tokens goes on. A token Graph refuses although it has not expired
// stops the read whatever the sign-in: appaudit does not send a refused
// request again. Run with -v for the rows of docs/reliability.md.
func TestTokenExpiresMidRun(t *testing.T) {
	snap := demoSnapshot(t)
	sequential := []string{"--no-service-principals", "--no-key-fetch"}
	expiry := audittest.Now().Add(time.Hour)
	jwtToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"aud": "https://graph.microsoft.com", "exp": expiry.Unix()}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	// The token's exp passes after three requests.
	calls := 0
	passing := func(o *graphclient.AuthOptions) {
		o.Now = func() time.Time {
			calls++
			if calls > 3 {
				return expiry.Add(time.Second)
			}
			return expiry.Add(-time.Minute)
		}
	}
	for _, tc := range []struct {
		name      string
		opts      graphtest.Options
		env, args []string
		auth      func(*graphclient.AuthOptions)
		token     *graphtest.TokenOptions
		stopped   string // "" for a complete read
		apps      int
	}{
		{name: "static token, Graph refuses it as expired after 4 requests", opts: graphtest.Options{TokenUses: 4}, env: tokenEnv,
			args: sequential, stopped: "listing applications stopped at page 5, after 12 applications: Graph answered 401 InvalidAuthenticationToken: Lifetime validation failed, the token is expired.", apps: 12},
		{name: "static token whose exp passes after 3 requests", opts: graphtest.Options{Token: jwtToken}, env: []string{envAccessToken + "=" + jwtToken},
			args: sequential, auth: passing, stopped: "listing applications stopped at page 4, after 9 applications: sign-in with token failed: the token in APPAUDIT_ACCESS_TOKEN expired at", apps: 9},
		{name: "client secret, 2-minute tokens, each accepted for 1 request", opts: graphtest.Options{TokenUses: 1},
			token: &graphtest.TokenOptions{Lifetime: 2 * time.Minute}, apps: servedApps},
		{name: "client secret, 1-hour tokens, Graph refuses one after 3 requests", opts: graphtest.Options{TokenUses: 3}, args: sequential,
			token: &graphtest.TokenOptions{}, stopped: "listing applications stopped at page 4, after 9 applications: Graph answered 401", apps: 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls = 0
			opts := tc.opts
			opts.MaxPageSize = 3
			hooks := clockHooks(graphtest.NewClock(audittest.Now()), nil)
			env, args := tc.env, []string{"--auth", "token"}
			var ts *graphtest.TokenServer
			if tc.token != nil {
				o := *tc.token
				o.TenantID, o.ClientID, o.ClientSecret = signInTenant, signInClient, "the-secret-of-the-test-app"
				ts = graphtest.NewTokenServer(o)
				defer ts.Close()
				opts.Accept = ts.Issued
				hooks.signInAt(ts, nil)
				env, args = signInEnv(o.ClientSecret), []string{"--auth", "client-secret"}
			}
			if tc.auth != nil {
				hooks.auth = tc.auth
			}
			srv := serve(t, snap, opts)
			began := time.Now()
			code, out, errOut := runLive(t, hooks, env, append(append([]string{"scan", "-o", "json", "--as-of", asOf(), "--fail-on", "none",
				"--graph-url", srv.URL}, args...), tc.args...)...)
			wall := time.Since(began)
			r := decodeFull(t, out)
			served := servedApps
			if !slices.Contains(tc.args, "--no-service-principals") {
				served += servedSPs
			}
			t.Logf("| %s | %d | %d of %d | 0 | 0s | %d | %s |", tc.name, code, r.Summary.Applications+r.Summary.ServicePrincipals,
				served, len(srv.Requests()), wall.Round(time.Millisecond))
			if r.Summary.Applications != tc.apps {
				t.Errorf("read %d applications, want %d", r.Summary.Applications, tc.apps)
			}
			if tc.stopped == "" {
				if code != exitOK || !r.Complete || r.Summary.ServicePrincipals != servedSPs {
					t.Errorf("exit %d, complete %v, %+v, stderr %q", code, r.Complete, r.Summary, errOut)
				}
				if n, reqs := len(ts.Tokens()), len(srv.Requests()); n < reqs {
					t.Errorf("%d tokens for %d requests: a token was used twice", n, reqs)
				}
				return
			}
			if code != exitIncomplete || r.Complete || !strings.HasPrefix(r.Incomplete, tc.stopped) || !strings.Contains(errOut, tc.stopped) {
				t.Errorf("exit %d, complete %v, reason %q, stderr %q: want %q", code, r.Complete, r.Incomplete, errOut, tc.stopped)
			}
			if tc.token == nil && !strings.Contains(r.Incomplete, "az account get-access-token") {
				t.Errorf("reason %q does not say how to get a new token", r.Incomplete)
			}
		})
	}
}
