package graphtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

func tenant() *audit.Tenant {
	now := audittest.Now()
	c := audittest.Valid("one.contoso.com", now, audittest.Days(10), audittest.Days(100))
	t := audittest.Tenant(
		audittest.App("00000000-0000-4000-a000-000000000001", "One", c.KeyCredential("k1", audit.UsageVerify, true)),
		audittest.App("00000000-0000-4000-a000-000000000002", "Two"),
		audittest.App("00000000-0000-4000-a000-000000000003", "Three"),
	)
	t.ServicePrincipals = []audit.ServicePrincipal{{Principal: audit.Principal{ObjectID: "sp-1", AppID: "00000000-0000-4000-a000-000000000001", DisplayName: "One"}}}
	return t
}

func start(t *testing.T, opts graphtest.Options) *graphtest.Server {
	t.Helper()
	srv, err := graphtest.NewServer(tenant(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// get sends method path with the token and returns the status and body.
func do(t *testing.T, srv *graphtest.Server, method, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, path, b)
	}
	return resp.StatusCode, resp.Header, v
}

func errCode(v map[string]any) string {
	e, _ := v["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestPagingAndSelect(t *testing.T) {
	srv := start(t, graphtest.Options{PageSize: 2})
	status, _, page := do(t, srv, "GET", "/v1.0/applications?$select=id,appId,keyCredentials", "")
	if status != 200 || len(page["value"].([]any)) != 2 {
		t.Fatalf("%d %v", status, page)
	}
	first := page["value"].([]any)[0].(map[string]any)
	if _, ok := first["displayName"]; ok || first["id"] == nil || first["appId"] == nil {
		t.Errorf("$select not honoured: %v", first)
	}
	key := first["keyCredentials"].([]any)[0].(map[string]any)
	if key["key"] != nil || key["customKeyIdentifier"] == nil {
		t.Errorf("a list page carries the body: %v", key)
	}
	next, _ := page["@odata.nextLink"].(string)
	if !strings.HasPrefix(next, srv.URL+"/v1.0/applications?$select=id,appId,keyCredentials&$skiptoken=") {
		t.Fatalf("nextLink %q", next)
	}
	if ctx, _ := page["@odata.context"].(string); ctx != srv.URL+"/v1.0/$metadata#applications(id,appId,keyCredentials)" {
		t.Errorf("context %q", ctx)
	}
	_, _, page = do(t, srv, "GET", strings.TrimPrefix(next, srv.URL), "")
	if len(page["value"].([]any)) != 1 || page["@odata.nextLink"] != nil {
		t.Errorf("last page %v", page)
	}
	for path, want := range map[string]string{
		"/v1.0/servicePrincipals?$select=preferredTokenSigningKeyEndDateTime": "Request_BadRequest",
		"/v1.0/applications?$top=1000":                                        "Request_BadRequest",
		"/v1.0/applications?$skiptoken=bogus":                                 "Request_BadRequest",
		"/v1.0/users":                                                         "Request_ResourceNotFound",
	} {
		if status, _, v := do(t, srv, "GET", path, ""); status >= 200 && status < 300 || errCode(v) != want {
			t.Errorf("%s: %d %v, want %s", path, status, v, want)
		}
	}
}

func TestSingleObjectsCarryTheBody(t *testing.T) {
	srv := start(t, graphtest.Options{})
	for _, path := range []string{"/v1.0/applications/obj-00000000-0000-4000-a000-000000000001?$select=id,keyCredentials",
		"/v1.0/applications(appId='00000000-0000-4000-a000-000000000001')?$select=id,keyCredentials"} {
		status, _, v := do(t, srv, "GET", path, "")
		if status != 200 || v["keyCredentials"].([]any)[0].(map[string]any)["key"] == nil || !strings.HasSuffix(v["@odata.context"].(string), "/$entity") {
			t.Errorf("%s: %d %v", path, status, v)
		}
	}
	if status, _, v := do(t, srv, "GET", "/v1.0/servicePrincipals(appId='99999999-0000-4000-a000-000000000001')", ""); status != 404 || errCode(v) != "Request_ResourceNotFound" {
		t.Errorf("missing object: %d %v", status, v)
	}
}

func TestBatch(t *testing.T) {
	srv := start(t, graphtest.Options{Faults: []graphtest.Fault{{InBatch: true, Path: "/applications/obj-00000000-0000-4000-a000-000000000002", Status: 429, RetryAfter: "3"}}})
	status, _, v := do(t, srv, "POST", "/v1.0/$batch", `{"requests": [
		{"id": "a", "method": "GET", "url": "/applications/obj-00000000-0000-4000-a000-000000000001?$select=id,keyCredentials"},
		{"id": "b", "method": "GET", "url": "/applications/obj-00000000-0000-4000-a000-000000000002?$select=id,keyCredentials"},
		{"id": "c", "method": "PATCH", "url": "/applications/obj-00000000-0000-4000-a000-000000000003"}]}`)
	if status != 200 {
		t.Fatalf("%d %v", status, v)
	}
	got := map[string]float64{}
	for _, r := range v["responses"].([]any) {
		m := r.(map[string]any)
		got[m["id"].(string)] = m["status"].(float64)
		if m["id"] == "b" && m["headers"].(map[string]any)["Retry-After"] != "3" {
			t.Errorf("in-batch 429 without Retry-After: %v", m)
		}
	}
	if got["a"] != 200 || got["b"] != 429 || got["c"] != 405 {
		t.Errorf("statuses %v", got)
	}
	many := `{"requests": [` + strings.Repeat(`{"id": "x", "method": "GET", "url": "/applications"},`, 21)
	if status, _, _ := do(t, srv, "POST", "/v1.0/$batch", strings.TrimSuffix(many, ",")+`]}`); status != 400 {
		t.Errorf("21 requests: %d", status)
	}
}

func TestAuthorizationAndWrites(t *testing.T) {
	srv := start(t, graphtest.Options{Token: "right"})
	if status, h, v := do(t, srv, "GET", "/v1.0/applications", ""); status != 401 || errCode(v) != "InvalidAuthenticationToken" || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("wrong token: %d %v", status, v)
	}
	srv = start(t, graphtest.Options{Forbidden: true})
	if status, _, v := do(t, srv, "GET", "/v1.0/applications", ""); status != 403 || errCode(v) != "Authorization_RequestDenied" {
		t.Errorf("forbidden: %d %v", status, v)
	}
	srv = start(t, graphtest.Options{})
	if status, _, _ := do(t, srv, "DELETE", "/v1.0/applications/obj-00000000-0000-4000-a000-000000000001", ""); status != 405 {
		t.Errorf("DELETE answered %d", status)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != "DELETE" || reqs[0].Status != 405 || reqs[0].Authorization != "Bearer tok" {
		t.Errorf("record %+v", reqs)
	}
}

func TestFaults(t *testing.T) {
	srv := start(t, graphtest.Options{PageSize: 1, Faults: []graphtest.Fault{
		{Path: "/applications", Page: 2, Status: 503, RetryAfter: "9", Times: 1},
		{Path: "/applications", Page: 3, Drop: true, Times: 1},
		{Path: "/servicePrincipals", Delay: 50 * time.Millisecond, Times: 1},
	}})
	_, _, p := do(t, srv, "GET", "/v1.0/applications", "")
	page2 := strings.TrimPrefix(p["@odata.nextLink"].(string), srv.URL)
	if status, h, _ := do(t, srv, "GET", page2, ""); status != 503 || h.Get("Retry-After") != "9" {
		t.Errorf("page 2: %d %v", status, h)
	}
	status, _, p := do(t, srv, "GET", page2, "")
	if status != 200 {
		t.Errorf("page 2 again: %d (Times: 1)", status)
	}
	page3 := strings.TrimPrefix(p["@odata.nextLink"].(string), srv.URL)
	req, _ := http.NewRequest("GET", srv.URL+page3, nil)
	req.Header.Set("Authorization", "Bearer tok")
	// A fresh connection: net/http sends a GET again by itself when a
	// reused connection drops.
	if resp, err := (&http.Transport{DisableKeepAlives: true}).RoundTrip(req); err == nil {
		resp.Body.Close()
		t.Errorf("page 3 was answered %d, want a dropped connection", resp.StatusCode)
	}
	began := time.Now()
	do(t, srv, "GET", "/v1.0/servicePrincipals", "")
	if time.Since(began) < 50*time.Millisecond {
		t.Error("the slow answer came at once")
	}
}

// A fault with Every fires on every Every-th request it matches only.
func TestFaultEvery(t *testing.T) {
	srv := start(t, graphtest.Options{Faults: []graphtest.Fault{{Path: "/applications", Status: 429, RetryAfter: "1", Every: 3}}})
	var got []int
	for range 7 {
		status, _, _ := do(t, srv, "GET", "/v1.0/applications", "")
		got = append(got, status)
	}
	do(t, srv, "GET", "/v1.0/servicePrincipals", "") // not matched: not counted
	status, _, _ := do(t, srv, "GET", "/v1.0/applications", "")
	got = append(got, status)
	if want := []int{200, 200, 429, 200, 200, 429, 200, 200}; !slices.Equal(got, want) {
		t.Errorf("answers %v, want %v", got, want)
	}
}

func TestParseFault(t *testing.T) {
	f, err := graphtest.ParseFault("path=/applications,page=2,status=429,retry-after=5,times=2")
	if err != nil || f != (graphtest.Fault{Path: "/applications", Page: 2, Status: 429, RetryAfter: "5", Times: 2}) {
		t.Errorf("%+v %v", f, err)
	}
	f, err = graphtest.ParseFault("in-batch,drop,truncate,delay=2s,loop-to=1")
	if err != nil || !f.InBatch || !f.Drop || !f.Truncate || f.Delay != 2*time.Second || f.LoopTo != 1 {
		t.Errorf("%+v %v", f, err)
	}
	if f, err = graphtest.ParseFault("status=429,retry-after=1,every=3"); err != nil || f.Every != 3 || f.Status != 429 {
		t.Errorf("%+v %v", f, err)
	}
	for _, bad := range []string{"page=two", "colour=red", "delay=soon", "every=often"} {
		if _, err := graphtest.ParseFault(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestTokenUsesAndMalformedPages(t *testing.T) {
	srv := start(t, graphtest.Options{PageSize: 1, TokenUses: 2, Faults: []graphtest.Fault{{Path: "/servicePrincipals", Malformed: true}}})
	for i, want := range []int{200, 200, 401} {
		status, _, v := do(t, srv, "GET", "/v1.0/applications", "")
		if status != want {
			t.Errorf("request %d: %d %v, want %d", i+1, status, v, want)
		}
		if status == 401 && !strings.Contains(v["error"].(map[string]any)["message"].(string), "expired") {
			t.Errorf("401 %v does not say the token expired", v)
		}
	}
	srv = start(t, graphtest.Options{Faults: []graphtest.Fault{{Path: "/servicePrincipals", Malformed: true}}})
	req, _ := http.NewRequest("GET", srv.URL+"/v1.0/servicePrincipals", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	var v any
	if err != nil || resp.StatusCode != 200 || int64(len(b)) != resp.ContentLength || json.Unmarshal(b, &v) == nil ||
		!strings.HasPrefix(string(b), `{"@odata.context"`) {
		t.Errorf("malformed page: %d, %d of %d bytes (%v): %s", resp.StatusCode, len(b), resp.ContentLength, err, b)
	}
	if f, err := graphtest.ParseFault("page=2,malformed"); err != nil || !f.Malformed || f.Page != 2 {
		t.Errorf("%+v %v", f, err)
	}
}

func TestAccept(t *testing.T) {
	srv := start(t, graphtest.Options{Token: "ignored", Accept: func(tok string) bool { return tok == "tok" }})
	if status, _, v := do(t, srv, "GET", "/v1.0/applications", ""); status != 200 {
		t.Errorf("an accepted token: %d %v", status, v)
	}
	srv = start(t, graphtest.Options{Accept: func(string) bool { return false }})
	if status, _, _ := do(t, srv, "GET", "/v1.0/applications", ""); status != 401 {
		t.Errorf("a refused token: %d", status)
	}
}

// Requests that select keyCredentials past the limit in a minute are
// answered as Graph answers a throttled request (the sample of
// learn.microsoft.com/graph/throttling): 429, TooManyRequests, and a
// Retry-After in seconds with a fraction; other reads are not counted,
// and each request inside a $batch is.
func TestKeyReadsPerMinute(t *testing.T) {
	clock := graphtest.NewClock(audittest.Now())
	srv := start(t, graphtest.Options{KeyReadsPerMinute: 2, Clock: clock})
	keys := "/v1.0/applications?$select=id,keyCredentials"
	for range 2 {
		if status, _, _ := do(t, srv, "GET", keys, ""); status != 200 {
			t.Fatalf("a read within the limit: %d", status)
		}
	}
	if status, _, _ := do(t, srv, "GET", "/v1.0/applications?$select=id,displayName", ""); status != 200 {
		t.Errorf("a read without keyCredentials was throttled: %d", status)
	}
	clock.Sleep(t.Context(), 20*time.Second)
	status, h, body := do(t, srv, "GET", "/v1.0/applications/app-00000000-0000-4000-a000-000000000001?$select=id,keyCredentials", "")
	inner, _ := body["error"].(map[string]any)["innerError"].(map[string]any)
	if status != 429 || errCode(body) != "TooManyRequests" || h.Get("Retry-After") != "40.000" || inner["status"] != "429" {
		t.Fatalf("past the limit: %d %q %v", status, h.Get("Retry-After"), body)
	}
	clock.Sleep(t.Context(), 40*time.Second)
	batch := `{"requests":[{"id":"1","method":"GET","url":"/applications?$select=id,keyCredentials"},` +
		`{"id":"2","method":"GET","url":"/applications?$select=id,keyCredentials"},` +
		`{"id":"3","method":"GET","url":"/applications?$select=id,keyCredentials"}]}`
	status, _, body = do(t, srv, "POST", "/v1.0/$batch", batch)
	statuses := map[string]float64{}
	for _, a := range body["responses"].([]any) {
		a := a.(map[string]any)
		statuses[a["id"].(string)] = a["status"].(float64)
	}
	if status != 200 || statuses["1"] != 200 || statuses["2"] != 200 || statuses["3"] != 429 {
		t.Errorf("a $batch of three with two left in the minute: %d %v", status, statuses)
	}
}
