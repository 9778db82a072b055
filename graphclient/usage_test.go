package graphclient_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// readUsage reads the usage evidence and checks what every read must
// hold: a Usage always, incomplete with a reason exactly when there is an
// error.
func readUsage(t *testing.T, c *graphclient.Client, opts graphclient.UsageOptions) (*audit.Usage, error) {
	t.Helper()
	u, err := c.ReadUsage(context.Background(), opts)
	if u == nil {
		t.Fatalf("ReadUsage returned no Usage (err %v)", err)
	}
	if (err == nil) != u.Complete || (u.Complete != (u.IncompleteReason == "")) {
		t.Errorf("error %v, Complete %v, reason %q", err, u.Complete, u.IncompleteReason)
	}
	return u, err
}

// rawGraph serves the files of testdata/usage as Graph would: page 1 of
// each source links to page 2 on the same server.
func rawGraph(t *testing.T, status int, errorFile string) (*httptest.Server, *[]*url.URL) {
	t.Helper()
	var mu sync.Mutex
	var seen []*url.URL
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL)
		mu.Unlock()
		name := errorFile
		if name == "" {
			switch r.URL.Path {
			case "/beta/reports/appCredentialSignInActivities":
				name = "activity-page1.json"
			case "/beta/auditLogs/signIns":
				name = "signins-page1.json"
			}
			if r.URL.Query().Get("$skiptoken") == "2" {
				name = strings.Replace(name, "page1", "page2", 1)
			}
		}
		b, err := os.ReadFile(filepath.Join("testdata", "usage", name))
		if err != nil || r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		b = bytes.ReplaceAll(b, []byte("NEXTLINK"), []byte(srv.URL+r.URL.Path+"?$skiptoken=2"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

// What Graph really answers (testdata/usage/SOURCES.md) is read right:
// nulls, keyType password, milliseconds of any length, two pages of each
// source, and the aggregation of the failed sign-ins.
func TestUsageReadsGraphShapes(t *testing.T) {
	srv, seen := rawGraph(t, http.StatusOK, "")
	c := client(t, srv.URL, newTestClock())
	u, err := readUsage(t, c, graphclient.UsageOptions{Days: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !u.From.Equal(now.Add(-days(3))) || !u.To.Equal(now) || u.Activity.Pages != 2 || u.Failures.Pages != 2 {
		t.Errorf("window %v to %v, %d and %d pages", u.From, u.To, u.Activity.Pages, u.Failures.Pages)
	}
	if len(u.Credentials) != 3 {
		t.Fatalf("%d credentials: %+v", len(u.Credentials), u.Credentials)
	}
	cert := u.Credentials[0]
	if cert.KeyID != "3a9b6e12-47f0-4c2a-b8d1-6e7f90a1b2c3" || !cert.IsCertificate() || cert.KeyUsage != "verify" || cert.Origin != "application" ||
		cert.ServicePrincipalObjectID != "" || !cert.LastSignIn.Equal(time.Date(2026, 6, 15, 11, 2, 41, 70e6, time.UTC)) ||
		!cert.Expires.Equal(time.Date(2027, 5, 2, 0, 0, 0, 0, time.UTC)) || cert.LastSignInRequestID != "9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a" {
		t.Errorf("the certificate: %+v", cert)
	}
	if secret := u.Credentials[1]; secret.KeyType != "password" || secret.IsCertificate() {
		t.Errorf("the secret: %+v", secret)
	}
	if never, ok := u.LastSignIn("D1E2F3A4-B5C6-4D7E-8F9A-0B1C2D3E4F5A"); !ok || !never.IsZero() {
		t.Errorf("a credential listed with a null sign-in: %v, %v", never, ok)
	}
	if u.Credentials[2].Origin != "servicePrincipal" || u.Credentials[2].ServicePrincipalObjectID != "f0e1d2c3-b4a5-4968-8776-655443322110" {
		t.Errorf("the service principal's credential: %+v", u.Credentials[2])
	}

	if u.FailedTotal != 3 || len(u.Failed) != 2 || u.FailedCapped {
		t.Fatalf("%d failed sign-ins in %d groups: %+v", u.FailedTotal, len(u.Failed), u.Failed)
	}
	stale := u.FailuresOf("7c4f1a9e-52d3-4b8e-9a61-0d2e5f3b8c47")
	if len(stale) != 1 || stale[0].ErrorCode != 700027 || stale[0].Count != 2 || stale[0].KeyID != "" ||
		stale[0].Thumbprint != "5F3A9C0B7D21E4F6A8B0C2D4E6F8091A2B3C4D5E" || stale[0].Sources != 2 ||
		!stale[0].Last.Equal(time.Date(2026, 6, 15, 10, 58, 3, 0, time.UTC)) || !stale[0].First.Equal(time.Date(2026, 6, 15, 9, 12, 40, 0, time.UTC)) ||
		strings.Join(stale[0].Resources, ",") != "Microsoft Graph,Azure Key Vault" || stale[0].ClientCredentialType != "clientAssertion" {
		t.Errorf("the 700027 group: %+v", stale)
	}
	expired := u.FailuresOf("2f6e8d1c-9b7a-4e5d-8c3b-1a0f9e8d7c6b")
	if len(expired) != 1 || expired[0].ErrorCode != 7000222 || expired[0].KeyID != "b4c5d6e7-f890-4a1b-9c2d-3e4f5a6b7c8d" ||
		expired[0].Reason != "The provided client secret keys are expired." {
		t.Errorf("the 7000222 group: %+v", expired)
	}

	// The requests: the beta paths, the exact filter and $select, no $top
	// on the activity report (its page size is not documented).
	var signIns, activity []*url.URL
	for _, r := range *seen {
		switch r.Path {
		case "/beta/auditLogs/signIns":
			signIns = append(signIns, r)
		case "/beta/reports/appCredentialSignInActivities":
			activity = append(activity, r)
		default:
			t.Errorf("a request to %s", r.Path)
		}
	}
	if len(signIns) != 2 || len(activity) != 2 {
		t.Fatalf("%d sign-in and %d activity requests", len(signIns), len(activity))
	}
	q := signIns[0].Query()
	want := "signInEventTypes/any(t: t eq 'servicePrincipal') and createdDateTime ge 2026-06-12T12:00:00Z and createdDateTime le 2026-06-15T12:00:00Z and status/errorCode ne 0"
	if q.Get("$filter") != want || q.Get("$top") != "1000" ||
		q.Get("$select") != "createdDateTime,appId,servicePrincipalId,servicePrincipalCredentialKeyId,servicePrincipalCredentialThumbprint,clientCredentialType,status,resourceDisplayName,ipAddress" {
		t.Errorf("the sign-in query: %v", q)
	}
	if activity[0].RawQuery != "" {
		t.Errorf("the activity query: %q", activity[0].RawQuery)
	}
}

// The dates the docs' examples write (expirationDate, a one-digit offset
// hour) are read too.
func TestUsageReadsTheDocsExample(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := "activity-docs-example.json"
		if r.URL.Path == "/beta/auditLogs/signIns" {
			name = "signins-page2.json"
		}
		b, _ := os.ReadFile(filepath.Join("testdata", "usage", name))
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	u, err := readUsage(t, client(t, srv.URL, newTestClock()), graphclient.UsageOptions{Days: 1})
	if err != nil || len(u.Credentials) != 1 {
		t.Fatalf("%v: %+v", err, u.Credentials)
	}
	a := u.Credentials[0]
	if !a.Expires.Equal(time.Date(2026, 9, 2, 5, 36, 48, 0, time.UTC)) || !a.LastSignIn.Equal(time.Date(2026, 6, 10, 8, 0, 0, 0, time.UTC)) ||
		a.LastSignInRequestID != "guid1" || a.KeyUsage != "sign" {
		t.Errorf("the docs' example: %+v", a)
	}
}

// Without AuditLog.Read.All, or without a P1 licence, Graph answers 403
// (the real bodies, testdata/usage): the usage read is incomplete, and the
// reason names the permission or the licence.
func TestUsageForbidden(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"error-no-auditlog.json", []string{"403 Authentication_MSGraphPermissionMissing", "AuditLog.Read.All", "P1 or P2", "Permissions"}},
		{"error-no-licence.json", []string{"403 Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Microsoft Entra ID P1 or P2 licence", "without --usage"}},
		{"error-no-directory.json", []string{"403 Authentication_ApplicationHasNoDirectory", "Failed to do premium license check", "Directory.Read.All"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			srv, seen := rawGraph(t, http.StatusForbidden, tc.file)
			u, err := readUsage(t, client(t, srv.URL, newTestClock()), graphclient.UsageOptions{Days: 30})
			var ge *graphclient.Error
			if !errors.As(err, &ge) || ge.Status != http.StatusForbidden {
				t.Fatalf("error %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(u.IncompleteReason, w) {
					t.Errorf("reason %q lacks %q", u.IncompleteReason, w)
				}
			}
			if !strings.Contains(u.IncompleteReason, "reading the credential sign-in activity report stopped at page 1") ||
				!strings.Contains(u.IncompleteReason, "reading failed service principal sign-ins from 2026-06-12T12:00:00Z") {
				t.Errorf("reason %q does not say which reads failed", u.IncompleteReason)
			}
			// A 403 is not retried, and the sign-in log is still tried: a
			// licence may let one source through and not the other. The
			// sign-in log stops at its first slice.
			if len(*seen) != 2 || u.Activity.Read || u.Failures.Read {
				t.Errorf("%d requests, activity read %v, failures read %v", len(*seen), u.Activity.Read, u.Failures.Read)
			}
		})
	}
}

// The same against the fake Graph, which answers as Graph does.
func TestUsageForbiddenByTheFake(t *testing.T) {
	for _, tc := range []struct {
		log  graphtest.UsageLog
		want string
	}{
		{graphtest.UsageLog{Forbidden: true}, "AuditLog.Read.All"},
		{graphtest.UsageLog{Unlicensed: true}, "P1 or P2 licence"},
	} {
		srv := fake(t, liveTenant(1), graphtest.Options{Usage: &tc.log})
		u, err := readUsage(t, client(t, srv.URL, newTestClock()), graphclient.UsageOptions{Days: 7})
		if err == nil || !strings.Contains(u.IncompleteReason, tc.want) || statusOf(err) != http.StatusForbidden {
			t.Errorf("%+v: %v, %q", tc.log, err, u.IncompleteReason)
		}
	}
}

func statusOf(err error) int {
	var ge *graphclient.Error
	if errors.As(err, &ge) {
		return ge.Status
	}
	return 0
}

// usageLog is a small log: credentials of three apps, and sign-ins of
// every kind the filter must tell apart.
func usageLog() *graphtest.UsageLog {
	appA, appB, appC := "0000000a-0000-4000-8000-000000000000", "0000000b-0000-4000-8000-000000000000", "0000000c-0000-4000-8000-000000000000"
	var acts []graphtest.Activity
	for i, app := range []string{appA, appA, appB, appC, appC} {
		a := graphtest.Activity{KeyID: fmt.Sprintf("%08d-1111-4000-8000-000000000000", i), KeyType: "certificate", KeyUsage: "verify",
			AppID: app, CredentialOrigin: "application", Expires: now.Add(days(40))}
		if i != 2 {
			a.LastSignIn = now.Add(-time.Duration(i) * time.Hour)
		}
		acts = append(acts, a)
	}
	sp := func(ago time.Duration, app string, code int, thumb string) graphtest.SignIn {
		return graphtest.SignIn{Created: now.Add(-ago), EventType: "servicePrincipal", AppID: app, ServicePrincipalID: "sp-" + app,
			ErrorCode: code, Thumbprint: thumb, ClientCredentialType: "clientAssertion", IPAddress: "192.0.2.1", ResourceDisplayName: "Microsoft Graph"}
	}
	signIns := []graphtest.SignIn{
		sp(time.Hour, appA, 700027, "AA"), sp(2*time.Hour, appA, 700027, "AA"), sp(days(4), appA, 700027, "AA"),
		sp(days(6), appB, 7000215, ""), sp(days(8), appB, 7000215, ""), // 8 days back: outside a 7-day window
		sp(3*time.Hour, appA, 0, ""), // a success
		{Created: now.Add(-time.Hour), EventType: "interactiveUser", AppID: appC, ErrorCode: 50126, UserPrincipalName: "someone@contoso.com", IPAddress: "203.0.113.5"},
		{Created: now.Add(-time.Hour), EventType: "managedIdentity", AppID: appC, ErrorCode: 1},
	}
	log := graphtest.StaticUsage(acts, signIns)
	log.Now = now
	return log
}

// Against the fake: the window filters the log, successes and users' and
// managed identities' sign-ins are left out, pages are followed, --app
// keeps only its apps, and the requests say no more than they need.
func TestUsageAgainstTheFake(t *testing.T) {
	log := usageLog()
	log.ActivityPageSize = 2
	srv := fake(t, liveTenant(1), graphtest.Options{Usage: log})
	u, err := readUsage(t, client(t, srv.URL, newTestClock()), graphclient.UsageOptions{Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Credentials) != 5 || u.Activity.Pages != 3 || u.FailedTotal != 4 || len(u.Failed) != 2 {
		t.Fatalf("%d credentials in %d pages, %d failed sign-ins in %d groups: %+v", len(u.Credentials), u.Activity.Pages, u.FailedTotal, len(u.Failed), u.Failed)
	}
	if f := u.FailuresOf("0000000a-0000-4000-8000-000000000000"); len(f) != 1 || f[0].Count != 3 || f[0].Thumbprint != "AA" || f[0].Sources != 1 {
		t.Errorf("app a: %+v", f)
	}
	if f := u.FailuresOf("0000000b-0000-4000-8000-000000000000"); len(f) != 1 || f[0].Count != 1 {
		t.Errorf("app b (one of its two failures is before the window): %+v", f)
	}
	// A 7-day window is three slices, newest first, each its own query.
	var windows []string
	for _, r := range srv.Requests() {
		if r.Path == "/beta/auditLogs/signIns" {
			windows = append(windows, r.Query.Get("$filter"))
		}
	}
	wantWindows := []string{
		graphclient.FailedSignInsFilter(now.Add(-days(3)), now),
		graphclient.FailedSignInsFilter(now.Add(-days(6)), now.Add(-days(3)-time.Second)),
		graphclient.FailedSignInsFilter(now.Add(-days(7)), now.Add(-days(6)-time.Second)),
	}
	if !slices.Equal(windows, wantWindows) {
		t.Errorf("sign-in queries:\n%s\nwant\n%s", strings.Join(windows, "\n"), strings.Join(wantWindows, "\n"))
	}

	only, err := readUsage(t, client(t, srv.URL, newTestClock()), graphclient.UsageOptions{Days: 7, AppIDs: []string{"0000000C-0000-4000-8000-000000000000"}})
	if err != nil || len(only.Credentials) != 2 || only.FailedTotal != 0 || !strings.Contains(only.Activity.Note, "--app") {
		t.Errorf("--app: %v, %d credentials, %d failures, note %q", err, len(only.Credentials), only.FailedTotal, only.Activity.Note)
	}
}

// A national cloud does not serve the activity report: it is not asked
// for, and the Usage says so without being incomplete.
func TestUsageNationalCloud(t *testing.T) {
	srv := fake(t, liveTenant(1), graphtest.Options{Usage: usageLog()})
	c := client(t, srv.URL, newTestClock(), func(cfg *graphclient.Config) {
		ep, err := graphclient.ResolveEndpoint("usgov", srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Endpoint = ep
	})
	u, err := readUsage(t, c, graphclient.UsageOptions{Days: 7})
	if err != nil || u.Activity.Read || !strings.Contains(u.Activity.Note, "global cloud only") || !u.Failures.Read || u.FailedTotal != 4 {
		t.Errorf("%v: %+v", err, u)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "appCredentialSignInActivities") {
			t.Errorf("the activity report was asked for: %s", r.Path)
		}
	}
	// A cloud that answers the report with "Resource not found for the
	// segment" (the real answer, testdata) says why.
	raw, _ := rawGraph(t, http.StatusBadRequest, "error-segment-not-found.json")
	u, _ = readUsage(t, client(t, raw.URL, newTestClock()), graphclient.UsageOptions{Days: 1})
	if !strings.Contains(u.IncompleteReason, "Resource not found for the segment 'appCredentialSignInActivities'") ||
		!strings.Contains(u.IncompleteReason, "does not serve it") {
		t.Errorf("reason %q", u.IncompleteReason)
	}
}

// Throttling: a 429 with Retry-After and one without, on the second and
// third pages of the sign-in log, are waited out and the read completes.
func TestUsageThrottled(t *testing.T) {
	log := graphtest.SyntheticUsage(graphtest.UsageSpec{Credentials: 10, FailedSignIns: 4500, Apps: 10, Days: 3, Now: now})
	srv := fake(t, liveTenant(1), graphtest.Options{Usage: log, Faults: []graphtest.Fault{
		{Path: "/auditLogs/signIns", Page: 2, Status: 429, RetryAfter: "7", Times: 1},
		{Path: "/auditLogs/signIns", Page: 3, Status: 429, Times: 1},
	}})
	clock := newTestClock()
	c := client(t, srv.URL, clock)
	u, err := readUsage(t, c, graphclient.UsageOptions{Days: 3})
	if err != nil || u.FailedTotal != 4500 || u.Failures.Pages != 5 {
		t.Fatalf("%v: %d failed sign-ins in %d pages", err, u.FailedTotal, u.Failures.Pages)
	}
	waits := clock.Waits()
	if !slices.ContainsFunc(waits, func(d time.Duration) bool { return d >= 7*time.Second && d <= 8*time.Second }) {
		t.Errorf("Retry-After 7 was not honoured: waits %v", waits)
	}
	if st := c.Stats(); st.Throttled != 2 || st.Retries != 2 || st.Requests != 8 {
		t.Errorf("stats %+v", st)
	}
}

// Graph allows five report requests every ten seconds (per app and
// tenant): a read of eleven pages (one of the activity report, ten of the
// sign-in log) keeps to it, on the client's clock.
func TestUsageKeepsTheReportLimit(t *testing.T) {
	log := graphtest.SyntheticUsage(graphtest.UsageSpec{Credentials: 1, FailedSignIns: 9900, Apps: 10, Days: 3, Now: now})
	srv := fake(t, liveTenant(1), graphtest.Options{Usage: log})
	clock := newTestClock()
	var mu sync.Mutex
	var sent []time.Time
	c := client(t, srv.URL, clock, func(cfg *graphclient.Config) {
		cfg.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			sent = append(sent, clock.Now())
			mu.Unlock()
			return http.DefaultTransport.RoundTrip(r)
		})
	})
	if u, err := readUsage(t, c, graphclient.UsageOptions{Days: 3}); err != nil || u.FailedTotal != 9900 {
		t.Fatalf("%v", err)
	}
	if len(sent) != 11 {
		t.Fatalf("%d requests", len(sent))
	}
	for i := 5; i < len(sent); i++ {
		if d := sent[i].Sub(sent[i-5]); d < 10*time.Second {
			t.Errorf("requests %d to %d went out within %v", i-5, i, d)
		}
	}
	if st := c.Stats(); st.Waited < 10*time.Second {
		t.Errorf("waited %v in all for eleven requests", st.Waited)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A large failure log is paged through, and the aggregation stays within
// its bounds however many sign-ins there are: here 60,000 sign-ins of 200
// apps, 1,200 groups, capped at 500.
func TestUsageLargeFailureLog(t *testing.T) {
	log := graphtest.SyntheticUsage(graphtest.UsageSpec{FailedSignIns: 60_000, Apps: 200, Days: 30, Now: now})
	srv := fake(t, liveTenant(1), graphtest.Options{Usage: log})
	u, err := readUsage(t, client(t, srv.URL, newTestClock()), graphclient.UsageOptions{Days: 30, MaxFailureGroups: 500, ReportReadsPer10s: -1})
	if err != nil {
		t.Fatal(err)
	}
	var counted int64
	for _, g := range u.Failed {
		counted += g.Count
		if len(g.Resources) > audit.MaxSampledResources || g.Sources > audit.MaxCountedSources {
			t.Fatalf("a group outgrew its samples: %+v", g)
		}
	}
	if u.FailedTotal != 60_000 || len(u.Failed) != 500 || !u.FailedCapped || counted+u.FailedDropped != u.FailedTotal || u.FailedDropped == 0 {
		t.Errorf("%d sign-ins, %d groups, capped %v, %d counted, %d dropped", u.FailedTotal, len(u.Failed), u.FailedCapped, counted, u.FailedDropped)
	}
	// Ten 3-day slices, each read in pages of 1,000 (6,667 entries, a
	// tenth of them left out by the filter, in each).
	if u.Failures.Pages < 60 || u.Failures.Pages > 70 {
		t.Errorf("%d pages", u.Failures.Pages)
	}
}

// A read that stops part-way says where; the evidence read before stays.
func TestUsageStopsPartWay(t *testing.T) {
	log := graphtest.SyntheticUsage(graphtest.UsageSpec{Credentials: 5, FailedSignIns: 3000, Apps: 5, Days: 3, Now: now})
	srv := fake(t, liveTenant(1), graphtest.Options{Usage: log, Faults: []graphtest.Fault{{Path: "/auditLogs/signIns", Page: 3, Status: 500}}})
	u, err := readUsage(t, client(t, srv.URL, newTestClock()), graphclient.UsageOptions{Days: 3})
	if err == nil || !strings.Contains(u.IncompleteReason, "stopped at page 3, after 2000 entries") || u.FailedTotal != 2000 || len(u.Credentials) != 5 {
		t.Errorf("%v: %q, %d failed sign-ins, %d credentials", err, u.IncompleteReason, u.FailedTotal, len(u.Credentials))
	}
	// Throttling that does not end: the reason says so, and what to do.
	throttled := fake(t, liveTenant(1), graphtest.Options{Usage: log, Faults: []graphtest.Fault{{Path: "/auditLogs/signIns", Status: 429, RetryAfter: "1"}}})
	u, _ = readUsage(t, client(t, throttled.URL, newTestClock()), graphclient.UsageOptions{Days: 3})
	if !strings.Contains(u.IncompleteReason, "429") || !strings.Contains(u.IncompleteReason, "shorter --usage-days") || strings.Contains(u.IncompleteReason, "--no-key-fetch") {
		t.Errorf("reason %q", u.IncompleteReason)
	}
	// A nextLink to another host is never followed.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, `{"@odata.nextLink":"https://graph.example.org/beta/auditLogs/signIns?$skiptoken=x","value":[]}`)
	}))
	defer evil.Close()
	u, _ = readUsage(t, client(t, evil.URL, newTestClock()), graphclient.UsageOptions{Days: 1})
	if !strings.Contains(u.IncompleteReason, "leads to https://graph.example.org") {
		t.Errorf("reason %q", u.IncompleteReason)
	}
	if _, err := client(t, srv.URL, newTestClock()).ReadUsage(context.Background(), graphclient.UsageOptions{Days: 31}); err == nil {
		t.Error("a 31-day window was read")
	}
}
