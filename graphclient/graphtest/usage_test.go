package graphtest_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

func usageServer(t *testing.T, log *graphtest.UsageLog, faults ...graphtest.Fault) *graphtest.Server {
	t.Helper()
	return start(t, graphtest.Options{Usage: log, Faults: faults})
}

func signInsQuery(filter string, extra ...string) string {
	q := url.Values{"$filter": {filter}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/beta/auditLogs/signIns?" + strings.ReplaceAll(q.Encode(), "+", "%20")
}

func values(page map[string]any) []map[string]any {
	var out []map[string]any
	for _, v := range page["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

// The filter appaudit sends is the one the fake understands; what Graph
// refuses, it refuses with Graph's 400.
func TestUsageFilters(t *testing.T) {
	now := audittest.Now()
	log := graphtest.SyntheticUsage(graphtest.UsageSpec{FailedSignIns: 90, Apps: 3, Days: 9, Now: now})
	srv := usageServer(t, log)
	sent := graphclient.FailedSignInsFilter(now.Add(-3*24*time.Hour), now)
	status, _, page := do(t, srv, "GET", signInsQuery(sent, "$top", "1000"), "")
	if status != 200 {
		t.Fatalf("%d %v", status, page)
	}
	got := values(page)
	want := 0
	for i := range log.SignIns {
		if s := log.SignIn(i); s.EventType == "servicePrincipal" && s.ErrorCode != 0 && !s.Created.Before(now.Add(-3*24*time.Hour)) {
			want++
		}
	}
	if len(got) != want || want < 25 || want > 35 {
		t.Errorf("%d sign-ins in the last 3 of 9 days, want %d", len(got), want)
	}
	for _, s := range got {
		created, _ := time.Parse(time.RFC3339, s["createdDateTime"].(string))
		status := s["status"].(map[string]any)
		if created.Before(now.Add(-3*24*time.Hour)) || status["errorCode"].(float64) == 0 || s["signInEventTypes"].([]any)[0] != "servicePrincipal" {
			t.Errorf("a sign-in the filter should have left out: %v", s)
		}
	}
	for _, tc := range []struct {
		name, query, want string
	}{
		{"an unknown clause", signInsQuery(sent + " and userPrincipalName eq 'x'"), "Invalid filter clause"},
		{"or", signInsQuery("status/errorCode eq 1 or status/errorCode eq 2"), "Invalid filter clause"},
		{"a date more than 90 days back", signInsQuery(graphclient.FailedSignInsFilter(now.Add(-91*24*time.Hour), now)), "Invalid filter clause"},
		{"a date that is not one", signInsQuery("createdDateTime ge 2026-13-01"), "Invalid filter clause"},
		{"an unknown property", signInsQuery(sent, "$select", "appId,ipAddres"), "Could not find a property named 'ipAddres' on type 'microsoft.graph.signIn'"},
		{"a page too large", signInsQuery(sent, "$top", "1001"), "Invalid page size"},
		{"another segment", "/beta/reports/servicePrincipalSignInActivities", "Resource not found for the segment 'servicePrincipalSignInActivities'"},
		{"an unknown activity filter", "/beta/reports/appCredentialSignInActivities?$filter=" + url.QueryEscape("keyType eq 'certificate'"), "Invalid filter clause"},
	} {
		status, _, body := do(t, srv, "GET", tc.query, "")
		msg, _ := body["error"].(map[string]any)["message"].(string)
		if status != 400 || errCode(body) != "BadRequest" || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %d %v", tc.name, status, body)
		}
	}
	// Without a signInEventTypes clause, Graph lists interactive user
	// sign-ins only.
	_, _, page = do(t, srv, "GET", signInsQuery("status/errorCode ne 0"), "")
	for _, s := range values(page) {
		if s["signInEventTypes"].([]any)[0] != "interactiveUser" || s["userPrincipalName"] == nil {
			t.Errorf("without a type filter: %v", s)
		}
	}
}

// Pages follow each other through @odata.nextLink, which keeps the query;
// $select keeps only the members asked for; faults fire by page.
func TestUsagePagingAndFaults(t *testing.T) {
	now := audittest.Now()
	log := graphtest.SyntheticUsage(graphtest.UsageSpec{Credentials: 5, FailedSignIns: 2500, Apps: 4, Days: 2, Now: now})
	log.ActivityPageSize = 2
	srv := usageServer(t, log, graphtest.Fault{Path: "/auditLogs/signIns", Page: 3, Status: 429, RetryAfter: "2", Times: 1})
	q := signInsQuery(graphclient.FailedSignInsFilter(now.Add(-2*24*time.Hour), now), "$select", "appId,status")
	seen := 0
	for page := 1; q != ""; page++ {
		status, h, body := do(t, srv, "GET", strings.TrimPrefix(q, srv.URL), "")
		if page == 3 && status == 429 {
			if h.Get("Retry-After") != "2" {
				t.Errorf("429 without its Retry-After: %v", h)
			}
			continue // the same page again
		}
		if status != 200 {
			t.Fatalf("page %d: %d %v", page, status, body)
		}
		for _, s := range values(body) {
			if len(s) != 2 || s["appId"] == nil || s["status"] == nil {
				t.Fatalf("$select appId,status gave %v", s)
			}
			seen++
		}
		q, _ = body["@odata.nextLink"].(string)
		if q != "" && (!strings.HasPrefix(q, srv.URL+"/beta/auditLogs/signIns?") || !strings.Contains(q, "%24select=appId%2Cstatus") || !strings.Contains(q, "errorCode%20ne%200")) {
			t.Fatalf("nextLink %q", q)
		}
	}
	if seen != 2500 {
		t.Errorf("%d failed sign-ins over the pages, want 2500", seen)
	}
	_, _, page := do(t, srv, "GET", "/beta/reports/appCredentialSignInActivities", "")
	entries := values(page)
	if len(entries) != 2 || page["@odata.nextLink"] == nil || entries[0]["servicePrincipalObjectId"] != nil || entries[0]["keyType"] != "certificate" {
		t.Errorf("activity page: %v", page)
	}
}

func TestUsageRefusals(t *testing.T) {
	for _, tc := range []struct {
		log        graphtest.UsageLog
		path, code string
		status     int
	}{
		{graphtest.UsageLog{Forbidden: true}, "/beta/auditLogs/signIns", "Authentication_MSGraphPermissionMissing", 403},
		{graphtest.UsageLog{Unlicensed: true}, "/beta/reports/appCredentialSignInActivities", "Authentication_RequestFromNonPremiumTenantOrB2CTenant", 403},
		{graphtest.UsageLog{ActivityUnavailable: true}, "/beta/reports/appCredentialSignInActivities", "BadRequest", 400},
	} {
		srv := usageServer(t, &tc.log)
		status, _, body := do(t, srv, "GET", tc.path, "")
		if status != tc.status || errCode(body) != tc.code {
			t.Errorf("%+v: %d %v", tc.log, status, body)
		}
	}
	// No usage log at all: the beta paths are not there.
	srv := start(t, graphtest.Options{})
	if status, _, body := do(t, srv, "GET", "/beta/auditLogs/signIns", ""); status != 400 || errCode(body) != "BadRequest" {
		t.Errorf("without a usage log: %d %v", status, body)
	}
}
