package graphclient_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

func readBody(req *http.Request) ([]byte, error) {
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

func readLive(t *testing.T, c *graphclient.Client, opts graphclient.ReadOptions) (*graphclient.ReadResult, error) {
	t.Helper()
	res, err := c.Read(context.Background(), opts)
	if res == nil || res.Tenant == nil {
		t.Fatalf("Read returned no tenant (err %v)", err)
	}
	if (err == nil) != res.Tenant.Complete {
		t.Errorf("error %v but Complete=%v", err, res.Tenant.Complete)
	}
	if !res.Tenant.Complete && res.Tenant.IncompleteReason == "" {
		t.Error("incomplete tenant without a reason")
	}
	return res, err
}

func appIDs(apps []audit.Application) []string {
	var ids []string
	for _, a := range apps {
		ids = append(ids, a.AppID)
	}
	return ids
}

// listRequests are the requests the fake got for one listing.
func listRequests(srv *graphtest.Server, path string) []graphtest.Request {
	var out []graphtest.Request
	for _, r := range srv.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func TestReadListsEveryPage(t *testing.T) {
	src := liveTenant(5)
	srv := fake(t, src, graphtest.Options{})
	c := client(t, srv.URL, newTestClock())
	res, err := readLive(t, c, graphclient.ReadOptions{ServicePrincipals: true})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Tenant
	if !slices.Equal(appIDs(got.Applications), appIDs(src.Applications)) || len(got.ServicePrincipals) != len(src.ServicePrincipals) {
		t.Fatalf("read %v and %d service principals, want %v and %d", appIDs(got.Applications), len(got.ServicePrincipals), appIDs(src.Applications), len(src.ServicePrincipals))
	}
	if got.TenantID != src.TenantID || got.Cloud != "public" || got.TakenAt.IsZero() {
		t.Errorf("tenant header %q %q %v", got.TenantID, got.Cloud, got.TakenAt)
	}
	// List pages leave the bodies out; without KeyFetch they stay out.
	k := got.Applications[0].KeyCredentials[0]
	if k.Key != nil || k.Source != audit.FromKeyIdentifier || k.Thumbprints.SHA1 != src.Applications[0].KeyCredentials[0].Thumbprints.SHA1 {
		t.Errorf("key credential read as %+v", k)
	}
	if len(got.Applications[0].PasswordCredentials) != 1 || got.ServicePrincipals[0].PreferredTokenSigningKeyThumbprint == "" {
		t.Errorf("members lost: %+v %+v", got.Applications[0], got.ServicePrincipals[0])
	}
	apps := listRequests(srv, "/v1.0/applications")
	if len(apps) != 3 {
		t.Fatalf("%d requests for 5 applications two a page, want 3", len(apps))
	}
	first := apps[0].Query
	if first.Get("$top") != "2" || first.Get("$select") != "id,appId,displayName,signInAudience,keyCredentials,passwordCredentials" {
		t.Errorf("first page query %v", first)
	}
	if apps[1].Query.Get("$skiptoken") == "" || apps[2].Query.Get("$select") != first.Get("$select") {
		t.Errorf("next pages did not follow @odata.nextLink: %v %v", apps[1].Query, apps[2].Query)
	}
	if sps := listRequests(srv, "/v1.0/servicePrincipals"); len(sps) != 1 || !strings.Contains(sps[0].Query.Get("$select"), "preferredTokenSigningKeyThumbprint") {
		t.Errorf("service principal requests %+v", sps)
	}
	for _, r := range srv.Requests() {
		if r.Authorization != "Bearer "+testToken {
			t.Errorf("%s %s carried Authorization %q: the token must reach a loopback --graph-url", r.Method, r.Path, r.Authorization)
		}
	}
	if s := res.Stats; s.Pages != 4 || s.Applications != 5 || s.ServicePrincipals != 2 || s.Requests != 4 || s.Batches != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestReadWithoutServicePrincipals(t *testing.T) {
	srv := fake(t, liveTenant(3), graphtest.Options{})
	res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{})
	if err != nil || len(res.Tenant.ServicePrincipals) != 0 || len(listRequests(srv, "/v1.0/servicePrincipals")) != 0 {
		t.Errorf("service principals were read: %v %d", err, len(res.Tenant.ServicePrincipals))
	}
}

func TestReadFetchesBodiesWithBatch(t *testing.T) {
	src := liveTenant(25)
	srv := fake(t, src, graphtest.Options{})
	c := client(t, srv.URL, newTestClock(), func(c *graphclient.Config) { c.PageSize = 10; c.Concurrency = 2 })
	res, err := readLive(t, c, graphclient.ReadOptions{ServicePrincipals: true, KeyFetch: graphclient.KeyFetchAll})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range res.Tenant.Applications {
		k := a.KeyCredentials[0]
		want := src.Applications[i].KeyCredentials[0]
		if !bytes.Equal(k.Key, want.Key) || k.Cert == nil || k.Source != audit.FromCertificate || k.Thumbprints != want.Thumbprints {
			t.Fatalf("%s: body not fetched: %+v", a.DisplayName, k)
		}
	}
	for _, sp := range res.Tenant.ServicePrincipals {
		for _, k := range sp.KeyCredentials {
			if k.Cert == nil {
				t.Fatalf("%s: body of %s not fetched", sp.DisplayName, k.KeyID)
			}
		}
	}
	// 25 applications and 9 service principals need bodies: two batches
	// of 20 at most.
	var batches []graphtest.Request
	for _, r := range srv.Requests() {
		if r.Path == "/v1.0/$batch" {
			batches = append(batches, r)
		}
	}
	total := 0
	for _, b := range batches {
		if r := b; r.Method != http.MethodPost || len(r.Batch) > 20 {
			t.Errorf("batch %s with %d requests", r.Method, len(r.Batch))
		}
		total += len(b.Batch)
		for _, inner := range b.Batch {
			if !strings.HasPrefix(inner, "GET /applications/obj-") && !strings.HasPrefix(inner, "GET /servicePrincipals/sp-") ||
				!strings.HasSuffix(inner, "?$select=id,keyCredentials") {
				t.Errorf("inner request %q", inner)
			}
		}
	}
	if total != 34 || len(batches) != 2 || res.Stats.Batches != 2 || res.Stats.BodiesFetched != 34 || res.Stats.BodiesWanted != 34 {
		t.Errorf("%d batches carrying %d requests, stats %+v; want 2 carrying 34", len(batches), total, res.Stats)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q", res.Warnings)
	}
}

func TestListPagesWithBodiesNeedNoBatch(t *testing.T) {
	src := liveTenant(4)
	srv := fake(t, src, graphtest.Options{KeysOnList: true})
	res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{ServicePrincipals: true, KeyFetch: graphclient.KeyFetchAll})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.Batches != 0 || res.Tenant.Applications[3].KeyCredentials[0].Cert == nil {
		t.Errorf("bodies on list pages: %d batches, %+v", res.Stats.Batches, res.Tenant.Applications[3].KeyCredentials[0])
	}
}

func TestThrottling(t *testing.T) {
	tests := []struct {
		name  string
		fault graphtest.Fault
		// each wait must lie in [lo, hi]
		lo, hi []time.Duration
	}{
		{"429 with Retry-After seconds", graphtest.Fault{Path: "/applications", Page: 2, Status: 429, RetryAfter: "7", Times: 2},
			[]time.Duration{7 * time.Second, 7 * time.Second}, []time.Duration{7700 * time.Millisecond, 7700 * time.Millisecond}},
		{"429 with Retry-After as a date", graphtest.Fault{Path: "/applications", Page: 1, Status: 429,
			RetryAfter: now.Add(20 * time.Second).Format(http.TimeFormat), Times: 1},
			[]time.Duration{20 * time.Second}, []time.Duration{21 * time.Second}},
		{"429 without Retry-After backs off exponentially", graphtest.Fault{Path: "/applications", Page: 3, Status: 429, Times: 3},
			[]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"503 with Retry-After", graphtest.Fault{Path: "/applications", Page: 2, Status: 503, RetryAfter: "3", Times: 1},
			[]time.Duration{3 * time.Second}, []time.Duration{3300 * time.Millisecond}},
		{"504", graphtest.Fault{Path: "/applications", Page: 1, Status: 504, Times: 2},
			[]time.Duration{500 * time.Millisecond, time.Second}, []time.Duration{time.Second, 2 * time.Second}},
		{"dropped connection", graphtest.Fault{Path: "/applications", Page: 1, Drop: true, Times: 1},
			[]time.Duration{500 * time.Millisecond}, []time.Duration{time.Second}},
		{"connection dropped half-way through the page", graphtest.Fault{Path: "/applications", Page: 2, Truncate: true, Times: 1},
			[]time.Duration{500 * time.Millisecond}, []time.Duration{time.Second}},
		{"slow answer", graphtest.Fault{Path: "/applications", Page: 1, Delay: 400 * time.Millisecond, Times: 1},
			[]time.Duration{500 * time.Millisecond}, []time.Duration{time.Second}},
	}
	for _, tc := range tests {
		// In a bubble, so that the per-attempt timeout of 100ms, which
		// the slow answer's 400ms passes, is 100ms of the bubble's time:
		// an answer that takes no time is never past it, however loaded
		// the machine.
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				src := liveTenant(5)
				srv := fakePipe(t, src, graphtest.Options{Faults: []graphtest.Fault{tc.fault}})
				clock := newSleepingClock()
				c := client(t, srv.URL, clock, onPipe(srv), func(c *graphclient.Config) { c.Retry.Timeout = 100 * time.Millisecond })
				res, err := readLive(t, c, graphclient.ReadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Tenant.Applications) != 5 {
					t.Errorf("read %d applications, want 5", len(res.Tenant.Applications))
				}
				waits := clock.Waits()
				if len(waits) != len(tc.lo) {
					t.Fatalf("waited %v, want %d waits", waits, len(tc.lo))
				}
				for i, w := range waits {
					if w < tc.lo[i] || w > tc.hi[i] {
						t.Errorf("wait %d was %v, want %v to %v", i+1, w, tc.lo[i], tc.hi[i])
					}
				}
				if res.Stats.Retries != int64(len(waits)) {
					t.Errorf("stats count %d retries, want %d", res.Stats.Retries, len(waits))
				}
				if tc.fault.Status == 429 && res.Stats.Throttled != int64(len(waits)) {
					t.Errorf("stats count %d throttled answers, want %d", res.Stats.Throttled, len(waits))
				}
			})
		})
	}
}

func TestRetriesAreBounded(t *testing.T) {
	srv := fake(t, liveTenant(5), graphtest.Options{Faults: []graphtest.Fault{{Path: "/applications", Page: 2, Status: 503}}})
	clock := newTestClock()
	res, err := readLive(t, client(t, srv.URL, clock), graphclient.ReadOptions{})
	var ge *graphclient.Error
	if !errors.As(err, &ge) || ge.Status != 503 {
		t.Fatalf("error %v, want a Graph 503", err)
	}
	if n := len(listRequests(srv, "/v1.0/applications")); n != 1+4 {
		t.Errorf("%d requests, want the first page and 4 attempts at the second", n)
	}
	reason := res.Tenant.IncompleteReason
	for _, want := range []string{"listing applications stopped at page 2, after 2 applications", "503", "4 attempts"} {
		if !strings.Contains(reason, want) {
			t.Errorf("reason %q lacks %q", reason, want)
		}
	}
	if len(res.Tenant.Applications) != 2 {
		t.Errorf("what was read before the failure is lost: %d applications", len(res.Tenant.Applications))
	}
}

func TestWaitingIsBounded(t *testing.T) {
	// Graph asks for an hour: more than one request may wait.
	srv := fake(t, liveTenant(3), graphtest.Options{Faults: []graphtest.Fault{{Path: "/applications", Status: 429, RetryAfter: "3600"}}})
	clock := newTestClock()
	_, err := readLive(t, client(t, srv.URL, clock), graphclient.ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "allowed for one request") || len(clock.Waits()) != 0 {
		t.Errorf("error %v after waits %v", err, clock.Waits())
	}
	// Many short waits add up to the whole read's budget.
	srv = fake(t, liveTenant(9), graphtest.Options{Faults: []graphtest.Fault{{Path: "/applications", Status: 429, RetryAfter: "20", Times: 100}}})
	clock = newTestClock()
	_, err = readLive(t, client(t, srv.URL, clock, func(c *graphclient.Config) { c.Retry.MaxAttempts = 100; c.Retry.TotalWait = time.Minute }), graphclient.ReadOptions{})
	var total time.Duration
	for _, w := range clock.Waits() {
		total += w
	}
	if err == nil || !strings.Contains(err.Error(), "as long as it may") || total > time.Minute {
		t.Errorf("error %v after waiting %v", err, total)
	}
}

func TestHalfWayFailure(t *testing.T) {
	srv := fake(t, liveTenant(7), graphtest.Options{Faults: []graphtest.Fault{{Path: "/applications", Page: 3, Status: 500}}})
	res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{ServicePrincipals: true})
	if err == nil || res.Tenant.Complete {
		t.Fatal("a listing that failed half-way is complete")
	}
	if len(res.Tenant.Applications) != 4 || len(res.Tenant.ServicePrincipals) != 3 {
		t.Errorf("read %d applications and %d service principals, want the 4 before page 3 and all 3", len(res.Tenant.Applications), len(res.Tenant.ServicePrincipals))
	}
	if !strings.Contains(res.Tenant.IncompleteReason, "listing applications stopped at page 3, after 4 applications: Graph answered 500") {
		t.Errorf("reason %q", res.Tenant.IncompleteReason)
	}
	if res.NotRead {
		t.Error("a read that got half-way is NotRead")
	}
}

// A page that arrives whole but is not JSON ends the listing, and the
// message does not tell the user to save a file again.
func TestMalformedPage(t *testing.T) {
	srv := fake(t, liveTenant(7), graphtest.Options{Faults: []graphtest.Fault{{Path: "/applications", Page: 3, Malformed: true}}})
	res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{})
	reason := res.Tenant.IncompleteReason
	if err == nil || !strings.HasPrefix(reason, "listing applications stopped at page 3, after ") || !strings.Contains(reason, "applications page 3:") {
		t.Fatalf("error %v, reason %q", err, reason)
	}
	if strings.Contains(reason, "file") || !strings.Contains(reason, "proxy") {
		t.Errorf("reason %q: the hint is about files, not about Graph's answer", reason)
	}
	// Page 4 may have been asked for while page 3 was decoded.
	if n := len(listRequests(srv, "/v1.0/applications")); n < 3 || n > 4 {
		t.Errorf("%d requests: a whole answer that does not parse is not sent again", n)
	}
}

func TestNextLinkLoop(t *testing.T) {
	srv := fake(t, liveTenant(7), graphtest.Options{Faults: []graphtest.Fault{{Path: "/applications", Page: 3, LoopTo: 2}}})
	res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{})
	if err == nil || !strings.Contains(res.Tenant.IncompleteReason, "page 3's @odata.nextLink is the link to page 2 again") {
		t.Fatalf("error %v, reason %q", err, res.Tenant.IncompleteReason)
	}
	if n := len(listRequests(srv, "/v1.0/applications")); n != 3 {
		t.Errorf("%d requests: the loop was followed", n)
	}
	if len(res.Tenant.Applications) != 6 {
		t.Errorf("read %d applications, want the 6 of the three pages", len(res.Tenant.Applications))
	}
}

func TestNextLinkToAnotherHostIsNotFollowed(t *testing.T) {
	var hits []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits = append(hits, r.URL.String())
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"@odata.nextLink": "https://graph.example.net/v1.0/applications?$skiptoken=x", "value": [{"id": "o1", "appId": "a1", "displayName": "One"}]}`)
	}))
	defer srv.Close()
	res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "leads to https://graph.example.net, not to "+strings.TrimPrefix(srv.URL, "http://")) {
		t.Fatalf("error %v", err)
	}
	if len(hits) != 1 || len(res.Tenant.Applications) != 1 {
		t.Errorf("hits %v, %d applications", hits, len(res.Tenant.Applications))
	}
}

// A nextLink is followed only to the endpoint's own scheme, host and
// port: the token goes with it.
func TestNextLinkOffTheEndpointIsNotFollowed(t *testing.T) {
	var link string
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"@odata.nextLink": %q, "value": [{"id": "o1", "appId": "a1"}]}`, link)
	}))
	defer srv.Close()
	hostPort := strings.TrimPrefix(srv.URL, "http://")
	_, port, _ := strings.Cut(hostPort, ":")
	for _, tc := range []struct{ link, leads string }{
		{"https://" + hostPort + "/v1.0/applications?$skiptoken=x", "https://" + hostPort},
		{"http://127.0.0.1:1/v1.0/applications?$skiptoken=x", "http://127.0.0.1:1"},
		{"http://localhost:" + port + "/v1.0/applications?$skiptoken=x", "http://localhost:" + port},
		{"/v1.0/applications?$skiptoken=x", "something that is not a URL"},
		{"::not a url", "something that is not a URL"},
	} {
		link, hits = tc.link, 0
		res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), "leads to "+tc.leads+", not to "+hostPort+": it was not followed") {
			t.Errorf("%s: error %v", tc.link, err)
		}
		if hits != 1 || len(res.Tenant.Applications) != 1 {
			t.Errorf("%s: %d requests, %d applications", tc.link, hits, len(res.Tenant.Applications))
		}
	}
}

func TestUnauthorizedAndForbidden(t *testing.T) {
	t.Run("401", func(t *testing.T) {
		srv := fake(t, liveTenant(3), graphtest.Options{Token: "another-token"})
		res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{ServicePrincipals: true, KeyFetch: graphclient.KeyFetchAll})
		var ge *graphclient.Error
		if !errors.As(err, &ge) || ge.Status != 401 || ge.Code != "InvalidAuthenticationToken" {
			t.Fatalf("error %v", err)
		}
		for _, want := range []string{"invalid or expired", "https://graph.microsoft.com", "az account get-access-token --resource-type ms-graph"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q lacks %q", err, want)
			}
		}
		if strings.Contains(err.Error(), testToken) || strings.Contains(res.Tenant.IncompleteReason, testToken) {
			t.Error("the token leaked into the error")
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("%d requests: a 401 is not retried (want one per listing)", n)
		}
		if !res.NotRead {
			t.Error("a read refused at once is not NotRead")
		}
	})
	t.Run("403", func(t *testing.T) {
		srv := fake(t, liveTenant(3), graphtest.Options{Forbidden: true})
		res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{})
		if !res.NotRead {
			t.Error("a read refused at once is not NotRead")
		}
		if statusErr(err) != 403 || !strings.Contains(err.Error(), "Application.Read.All") || !strings.Contains(err.Error(), "admin consent") ||
			!strings.Contains(err.Error(), "Authorization_RequestDenied") || strings.Count(err.Error(), "\n") != 0 {
			t.Fatalf("error %q", err)
		}
	})
}

// Graph's error code and message are Graph's to choose: what of them
// reaches an error or a warning is clipped.
func TestGraphErrorTextIsBounded(t *testing.T) {
	long := strings.Repeat("Authorization_RequestDenied", 400)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"error": {"code": %q, "message": %q}}`, long, long)
	}))
	defer srv.Close()
	_, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{})
	if statusErr(err) != 403 || len(err.Error()) > 1000 {
		t.Errorf("error of %d bytes: %.300s", len(err.Error()), err)
	}
	batch := fmt.Sprintf(`{"responses": [{"id": "1", "status": 500, "body": {"error": {"code": %q}}}, {"id": "2", "status": 500, "body": {"error": {"code": %q}}}]}`, long, long)
	res, err := readLive(t, client(t, badBatch(t, batch), newTestClock()), graphclient.ReadOptions{KeyFetch: graphclient.KeyFetchAll})
	if err != nil || len(res.Warnings) != 1 || len(res.Warnings[0]) > 1000 {
		t.Errorf("%v; warnings %.300q", err, res.Warnings)
	}
}

func statusErr(err error) int {
	var ge *graphclient.Error
	if errors.As(err, &ge) {
		return ge.Status
	}
	return 0
}

func TestBatchAnswersInsideAreRetried(t *testing.T) {
	src := liveTenant(6)
	srv := fake(t, src, graphtest.Options{Faults: []graphtest.Fault{
		{InBatch: true, Path: "/applications/obj-00000002", Status: 429, RetryAfter: "5", Times: 1},
		{InBatch: true, Path: "/applications/obj-00000004", Status: 503, Times: 1},
	}})
	clock := newTestClock()
	res, err := readLive(t, client(t, srv.URL, clock, func(c *graphclient.Config) { c.PageSize = 999 }), graphclient.ReadOptions{KeyFetch: graphclient.KeyFetchAll})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Tenant.Applications {
		if a.KeyCredentials[0].Cert == nil {
			t.Errorf("%s: no body", a.DisplayName)
		}
	}
	var batches [][]string
	for _, r := range srv.Requests() {
		if r.Path == "/v1.0/$batch" {
			batches = append(batches, r.Batch)
		}
	}
	if len(batches) != 2 || len(batches[0]) != 6 || len(batches[1]) != 2 {
		t.Errorf("batches %v: want all six, then the two Graph refused", batches)
	}
	if w := clock.Waits(); len(w) != 1 || w[0] < 5*time.Second || w[0] > 5500*time.Millisecond {
		t.Errorf("waits %v: the longer of Retry-After 5 and the backoff", w)
	}
	if res.Stats.Throttled != 1 {
		t.Errorf("throttled %d", res.Stats.Throttled)
	}
}

// A storm of 429s inside $batch, while several batches are in flight:
// every body Graph serves once the storm is over arrives. The batches
// Graph throttled together go again together, when the longest
// Retry-After among them ends (the others are held until then, rather
// than each be throttled in turn), so the 30 refusals are spent in two
// rounds and the third gets every body. In a bubble, so that the batches'
// waits overlap as on a real clock: on a clock that never sleeps, a batch
// that ran ahead in wall time did all its attempts before another had
// begun its first wait, took every refusal left, and lost its bodies.
func TestBatchesShareA429Storm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := fakePipe(t, liveTenant(17), graphtest.Options{Faults: []graphtest.Fault{{InBatch: true, Path: "/", Status: 429, RetryAfter: "1", Times: 30}}})
		var mu sync.Mutex
		var sent []time.Time // when each $batch went out
		stamp := &stamper{base: srv.Transport(), stamp: func(r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/$batch") {
				mu.Lock()
				sent = append(sent, time.Now())
				mu.Unlock()
			}
		}}
		// 150 reads a minute: batches of 15, so 17 objects go out in two.
		c := client(t, srv.URL, newSleepingClock(), func(c *graphclient.Config) { c.Transport = stamp; c.KeyReadsPerMinute = 150 })
		began := time.Now()
		res, err := readLive(t, c, graphclient.ReadOptions{KeyFetch: graphclient.KeyFetchAll})
		if err != nil || len(res.Warnings) != 0 || res.Stats.BodiesFetched != 17 {
			t.Fatalf("%v, warnings %q: %d bodies of 17", err, res.Warnings, res.Stats.BodiesFetched)
		}
		if res.Stats.Throttled != 30 {
			t.Errorf("%d throttled answers, want the 30 of the storm", res.Stats.Throttled)
		}
		var rounds []time.Duration
		for _, at := range sent {
			if d := at.Sub(began); !slices.Contains(rounds, d) {
				rounds = append(rounds, d)
			}
		}
		if len(rounds) != 3 || rounds[0] != 0 || rounds[1] < time.Second || rounds[2]-rounds[1] < time.Second {
			t.Errorf("$batch requests went out at %v after the start, want at three instants: at once, then each round at least the Retry-After (1s) after the one before", rounds)
		}
	})
}

// stamper calls stamp with every request before it sends it.
type stamper struct {
	base  http.RoundTripper
	stamp func(*http.Request)
}

func (s *stamper) RoundTrip(r *http.Request) (*http.Response, error) {
	s.stamp(r)
	return s.base.RoundTrip(r)
}

func TestBatchFailureIsAWarning(t *testing.T) {
	srv := fake(t, liveTenant(3), graphtest.Options{Faults: []graphtest.Fault{{Path: "/$batch", Status: 500}}})
	res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{KeyFetch: graphclient.KeyFetchAll})
	if err != nil || !res.Tenant.Complete {
		t.Fatalf("the listing is complete; bodies are not: %v", err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "certificate bodies of 3 objects could not be fetched") ||
		!strings.Contains(res.Warnings[0], "500") {
		t.Errorf("warnings %q", res.Warnings)
	}
}

// badBatch answers list pages from the fake, and $batch with answer.
func badBatch(t *testing.T, answer string) string {
	inner := fake(t, liveTenant(2), graphtest.Options{})
	target, _ := url.Parse(inner.URL)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/$batch") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, answer)
			return
		}
		r.URL.Scheme, r.URL.Host, r.RequestURI = target.Scheme, target.Host, ""
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(bytes.ReplaceAll(b, []byte(inner.URL), []byte("http://"+r.Host)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestBatchAnswersAreChecked(t *testing.T) {
	// A body that is another object's, certificate and all.
	other := base64.StdEncoding.EncodeToString(audittest.Valid("other.contoso.com", now, days(10), days(100)).DER)
	swapped := fmt.Sprintf(`{"responses": [{"id": "1", "status": 200, "body": {"id": "obj-somebody-else", "keyCredentials": [{"keyId": "k", "endDateTime": "2027-01-01T00:00:00Z", "type": "AsymmetricX509Cert", "usage": "Verify", "key": %q}]}}]}`, other)
	for name, tc := range map[string]struct{ answer, want string }{
		"another object": {swapped, `is about another object, "obj-somebody-else"`},
		"unknown id":     {`{"responses": [{"id": "7", "status": 200, "body": {"id": "x"}}]}`, "a request that was not sent"},
		"twice":          {`{"responses": [{"id": "1", "status": 200, "body": {"id": "x"}}, {"id": "1", "status": 200, "body": {"id": "x"}}]}`, "twice"},
		"too many":       {`{"responses": [{"id": "1", "status": 200}, {"id": "2", "status": 200}, {"id": "3", "status": 200}]}`, "with 3 answers"},
		"not JSON":       {`<html>`, "not JSON"},
		"wrong objects":  {`{"responses": [{"id": "1", "status": 200, "body": {"id": "x", "keyCredentials": "no"}}]}`, "keyCredentials"},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := readLive(t, client(t, badBatch(t, tc.answer), newTestClock()), graphclient.ReadOptions{KeyFetch: graphclient.KeyFetchAll})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], tc.want) {
				t.Errorf("warnings %q, want one saying %q", res.Warnings, tc.want)
			}
			for _, a := range res.Tenant.Applications {
				if a.KeyCredentials[0].Cert != nil {
					t.Errorf("%s got a body from a bad answer", a.DisplayName)
				}
			}
		})
	}
}

func TestReadApps(t *testing.T) {
	src := liveTenant(4)
	srv := fake(t, src, graphtest.Options{})
	wanted := []string{src.Applications[0].AppID, src.Applications[1].AppID}
	res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{ServicePrincipals: true, AppIDs: wanted})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(appIDs(res.Tenant.Applications), wanted) || len(res.Tenant.ServicePrincipals) != 1 {
		t.Fatalf("read %v and %d service principals", appIDs(res.Tenant.Applications), len(res.Tenant.ServicePrincipals))
	}
	if res.Tenant.Applications[0].KeyCredentials[0].Cert == nil {
		t.Error("a single-object GET selecting keyCredentials returns the body")
	}
	for _, r := range srv.Requests() {
		if r.Path == "/v1.0/applications" || r.Path == "/v1.0/servicePrincipals" {
			t.Errorf("the tenant was listed: %s", r.Path)
		}
	}
	if n := len(srv.Requests()); n != 4 {
		t.Errorf("%d requests, want an application and a service principal GET per appId", n)
	}

	missing := "99999999-0000-4000-8000-000000000000"
	res, err = readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{ServicePrincipals: true, AppIDs: []string{missing, wanted[0]}})
	if err == nil || !strings.Contains(res.Tenant.IncompleteReason, "no application or service principal has appId "+missing) || len(res.Tenant.Applications) != 1 {
		t.Errorf("an appId that is not there: %v, %q", err, res.Tenant.IncompleteReason)
	}
	res, err = readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{AppIDs: []string{"payroll"}})
	if err == nil || !strings.Contains(res.Tenant.IncompleteReason, `"payroll" is not an appId`) {
		t.Errorf("a name for an appId: %v", err)
	}
}

func TestOnlyReadsEverLeave(t *testing.T) {
	src := liveTenant(6)
	srv := fake(t, src, graphtest.Options{Faults: []graphtest.Fault{{Path: "/servicePrincipals", Page: 1, Status: 503, Times: 1}}})
	rec := &recorder{base: http.DefaultTransport}
	for _, opts := range []graphclient.ReadOptions{
		{ServicePrincipals: true, KeyFetch: graphclient.KeyFetchAll},
		{ServicePrincipals: true, AppIDs: []string{src.Applications[0].AppID}},
	} {
		c := client(t, srv.URL, newTestClock(), func(c *graphclient.Config) { c.Transport = rec })
		if _, err := readLive(t, c, opts); err != nil {
			t.Fatal(err)
		}
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	batches := 0
	for i, r := range rec.reqs {
		if r.URL.Host != host {
			t.Errorf("a request went to %s", r.URL.Host)
		}
		switch {
		case r.Method == http.MethodGet:
			// Query options go as Graph documents them, as the SDK's own
			// pipeline sends them.
			if !strings.Contains(r.URL.RawQuery, "$select=") || strings.Contains(r.URL.RawQuery, "%24") {
				t.Errorf("GET %s?%s", r.URL.Path, r.URL.RawQuery)
			}
		case r.Method == http.MethodPost && r.URL.Path == "/v1.0/$batch":
			batches++
			if err := graphclient.CheckReadOnly(r, rec.body[i]); err != nil || strings.Count(string(rec.body[i]), `"method":"GET"`) == 0 {
				t.Errorf("a $batch that does not only read: %v %s", err, rec.body[i])
			}
		default:
			t.Errorf("%s %s left the client", r.Method, r.URL.Path)
		}
	}
	if batches == 0 || len(rec.reqs) < 5 {
		t.Errorf("%d requests, %d batches: the test did not exercise the client", len(rec.reqs), batches)
	}
	for _, r := range srv.Requests() {
		if r.Status == http.StatusMethodNotAllowed {
			t.Errorf("the fake refused %s %s", r.Method, r.Path)
		}
	}
}

// The transport refuses writes before they leave, whoever builds them.
func TestTransportRefusesWrites(t *testing.T) {
	for _, tc := range []struct{ method, path, body string }{
		{"PATCH", "/v1.0/applications/x", `{}`},
		{"DELETE", "/v1.0/applications/x", ``},
		{"POST", "/v1.0/applications/x/addKey", `{}`},
		{"POST", "/v1.0/$batch", `{"requests": [{"id": "1", "method": "GET", "url": "/applications"}, {"id": "2", "method": "DELETE", "url": "/applications/x"}]}`},
		{"POST", "/v1.0/$batch", `not json`},
	} {
		req := httptest.NewRequest(tc.method, "http://127.0.0.1"+tc.path, strings.NewReader(tc.body))
		if err := graphclient.CheckReadOnly(req, []byte(tc.body)); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("%s %s %s: %v", tc.method, tc.path, tc.body, err)
		}
	}
	ok := httptest.NewRequest("POST", "http://127.0.0.1/v1.0/$batch", nil)
	if err := graphclient.CheckReadOnly(ok, []byte(`{"requests": [{"id": "1", "method": "get", "url": "/applications/x"}]}`)); err != nil {
		t.Error(err)
	}
}

// The token reaches a fake Graph on a loopback --graph-url (the SDK would
// drop it for a host not allowed), and only that host.
func TestTokenReachesLoopbackGraphOnly(t *testing.T) {
	e := newTokenEndpoint(t)
	o := e.options(graphclient.AuthClientSecret)
	o.ClientSecret = secret
	srv, err := graphtest.NewServer(liveTenant(2), graphtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ep, err := graphclient.ResolveEndpoint("public", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := graphclient.NewClient(graphclient.Config{Endpoint: ep, Credential: mustCredential(t, o), KeyReadsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Read(context.Background(), graphclient.ReadOptions{})
	if err != nil || len(res.Tenant.Applications) != 2 || res.Tenant.TenantID != tenantID {
		t.Fatalf("%v %+v", err, res.Tenant)
	}
	for _, r := range srv.Requests() {
		tok, ok := strings.CutPrefix(r.Authorization, "Bearer ")
		if !ok || strings.Count(tok, ".") != 2 {
			t.Errorf("%s carried %q", r.Path, r.Authorization)
		}
	}
}

// Bodies go back into the right list, whichever is longer.
func TestBodiesOfMoreServicePrincipalsThanApplications(t *testing.T) {
	src := liveTenant(18) // 6 service principals
	src.Applications = src.Applications[:2]
	srv := fake(t, src, graphtest.Options{})
	res, err := readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{ServicePrincipals: true, KeyFetch: graphclient.KeyFetchAll})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tenant.ServicePrincipals) != 6 || res.Stats.BodiesFetched != 8 {
		t.Fatalf("%d service principals, %d bodies", len(res.Tenant.ServicePrincipals), res.Stats.BodiesFetched)
	}
	for _, sp := range res.Tenant.ServicePrincipals {
		if sp.KeyCredentials[0].Cert == nil {
			t.Errorf("%s: no body", sp.DisplayName)
		}
	}
}
