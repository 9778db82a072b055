package audit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
)

var usageNow = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) time.Time { return usageNow.Add(-d) }

const day = 24 * time.Hour

func usageFixture() *audit.Usage {
	return &audit.Usage{
		From: ago(30 * day), To: usageNow,
		Activity: audit.UsageSource{Read: true}, Failures: audit.UsageSource{Read: true}, Complete: true,
		Credentials: []audit.CredentialActivity{
			{KeyID: "6FBB1CD2-FC70-4E4C-B3AE-DA576580A240", KeyType: "certificate", KeyUsage: "verify", AppID: "app-a", LastSignIn: ago(time.Hour)},
			{KeyID: "88cdb829-ffcc-43d9-b78c-2eb3ba1795dd", KeyType: "password", KeyUsage: "verify", AppID: "app-a", LastSignIn: ago(400 * day)},
			{KeyID: "5edf7a8d-06a0-4031-85be-04a31e1f650a", KeyType: "certificate", KeyUsage: "verify", AppID: "app-b"},
			// The same keyId listed for the service principal too, with a later sign-in.
			{KeyID: "88cdb829-ffcc-43d9-b78c-2eb3ba1795dd", KeyType: "password", AppID: "app-a", Origin: "servicePrincipal", LastSignIn: ago(2 * day)},
		},
		Failed: []audit.FailedSignIns{
			{AppID: "app-a", ErrorCode: 700027, Thumbprint: "0102030405060708090A0B0C0D0E0F1011121314", Count: 40, Last: ago(time.Hour)},
			{AppID: "app-b", ErrorCode: 7000222, KeyID: "5edf7a8d-06a0-4031-85be-04a31e1f650a", Count: 2, Last: ago(3 * day)},
			{AppID: "APP-A", ErrorCode: 7000215, Count: 1, Last: ago(5 * day)},
		},
	}
}

func TestUsageLastSignIn(t *testing.T) {
	u := usageFixture()
	for _, tc := range []struct {
		keyID string
		want  time.Time
		ok    bool
	}{
		{"6fbb1cd2-fc70-4e4c-b3ae-da576580a240", ago(time.Hour), true}, // any case
		{"88CDB829-FFCC-43D9-B78C-2EB3BA1795DD", ago(2 * day), true},   // the later of two entries
		{"5edf7a8d-06a0-4031-85be-04a31e1f650a", time.Time{}, true},    // listed, never signed in
		{"00000000-0000-0000-0000-000000000000", time.Time{}, false},   // not listed
	} {
		got, ok := u.LastSignIn(tc.keyID)
		if !got.Equal(tc.want) || ok != tc.ok {
			t.Errorf("LastSignIn(%s) = %v, %v; want %v, %v", tc.keyID, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := (*audit.Usage)(nil).LastSignIn("6fbb1cd2-fc70-4e4c-b3ae-da576580a240"); ok {
		t.Error("a nil Usage knows a sign-in")
	}
	notRead := usageFixture()
	notRead.Activity = audit.UsageSource{Note: "not served in this cloud"}
	if _, ok := notRead.LastSignIn("6fbb1cd2-fc70-4e4c-b3ae-da576580a240"); ok {
		t.Error("a report that was not read knows a sign-in")
	}
}

func TestUsageFailuresOf(t *testing.T) {
	u := usageFixture()
	got := u.FailuresOf("App-A")
	if len(got) != 2 || got[0].ErrorCode != 700027 || got[1].ErrorCode != 7000215 {
		t.Fatalf("FailuresOf(app-a) = %+v", got)
	}
	if !got[0].Presented("", "01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14") || got[0].Presented("", "FFFF") {
		t.Error("Presented does not match the thumbprint Entra recorded, or matches another")
	}
	if b := u.FailuresOf("app-b"); len(b) != 1 || !b[0].Presented("5EDF7A8D-06A0-4031-85BE-04A31E1F650A", "") {
		t.Errorf("FailuresOf(app-b) = %+v", b)
	}
	if u.FailuresOf("app-c") != nil {
		t.Error("an app without failures has some")
	}
	u.Failures.Read = false
	if u.FailuresOf("app-a") != nil {
		t.Error("failures that were not read are returned")
	}
}

func TestFailureAggregator(t *testing.T) {
	a := audit.NewFailureAggregator(0)
	old := audit.FailedSignIn{Time: ago(10 * day), AppID: "APP-A", ServicePrincipalID: "SP-A", ErrorCode: 700027,
		Thumbprint: "01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14", ClientCredentialType: "clientAssertion",
		Reason: "Client assertion failed signature validation.", Resource: "Microsoft Graph", Source: "203.0.113.7"}
	a.Add(old)
	recent := old
	recent.Time, recent.Reason, recent.Resource, recent.Source = ago(time.Hour), "The key was not found.", "Azure Key Vault", "203.0.113.8"
	recent.Thumbprint = "0102030405060708090A0B0C0D0E0F1011121314"
	a.Add(recent)
	a.Add(recent) // the same address and resource again
	other := recent
	other.ErrorCode, other.Thumbprint, other.KeyID = 7000222, "", "88CDB829-FFCC-43D9-B78C-2EB3BA1795DD"
	a.Add(other)

	groups, total, dropped := a.Result()
	if total != 4 || dropped != 0 || len(groups) != 2 {
		t.Fatalf("%d groups, %d total, %d dropped: %+v", len(groups), total, dropped, groups)
	}
	g := groups[0]
	if g.ErrorCode != 700027 || g.Count != 3 || !g.First.Equal(old.Time) || !g.Last.Equal(recent.Time) {
		t.Errorf("the 700027 group: %+v", g)
	}
	if g.AppID != "app-a" || g.ServicePrincipalID != "sp-a" || g.Thumbprint != "0102030405060708090A0B0C0D0E0F1011121314" ||
		g.Reason != "The key was not found." || g.ClientCredentialType != "clientAssertion" {
		t.Errorf("the 700027 group's identity: %+v", g)
	}
	if fmt.Sprint(g.Resources) != "[Microsoft Graph Azure Key Vault]" || g.MoreResources || g.Sources != 2 || g.SourcesCapped {
		t.Errorf("the 700027 group's resources and sources: %+v", g)
	}
	if groups[1].KeyID != "88cdb829-ffcc-43d9-b78c-2eb3ba1795dd" || groups[1].Count != 1 {
		t.Errorf("the 7000222 group: %+v", groups[1])
	}
}

// Memory grows with the groups, never with the sign-ins: past the cap,
// sign-ins are counted and dropped, and samples stay bounded.
func TestFailureAggregatorBounds(t *testing.T) {
	a := audit.NewFailureAggregator(5)
	for i := range 100_000 {
		a.Add(audit.FailedSignIn{Time: ago(time.Duration(i) * time.Second), AppID: fmt.Sprintf("app-%d", i%8), ErrorCode: 700027,
			Resource: fmt.Sprintf("resource %d", i%50), Source: fmt.Sprintf("198.51.100.%d", i%200)})
	}
	groups, total, dropped := a.Result()
	if len(groups) != 5 || total != 100_000 {
		t.Fatalf("%d groups of %d sign-ins", len(groups), total)
	}
	var counted int64
	for _, g := range groups {
		counted += g.Count
		if len(g.Resources) != audit.MaxSampledResources || !g.MoreResources || g.Sources != audit.MaxCountedSources || !g.SourcesCapped {
			t.Errorf("group %s: %d resources (more %v), %d sources (capped %v)", g.AppID, len(g.Resources), g.MoreResources, g.Sources, g.SourcesCapped)
		}
	}
	if dropped != 3*12_500 || counted+dropped != total {
		t.Errorf("dropped %d, counted %d, total %d", dropped, counted, total)
	}
	for i := 1; i < len(groups); i++ {
		if groups[i].Last.After(groups[i-1].Last) {
			t.Errorf("groups are not most recent first: %v after %v", groups[i].Last, groups[i-1].Last)
		}
	}
}

func TestNormalizeSignInThumbprint(t *testing.T) {
	for in, want := range map[string]string{
		"0a:0b:0c":   "0A0B0C",
		" 0a0b0c ":   "0A0B0C",
		"not hex!":   "not hex!",
		"":           "",
		"0A-0B-0C-0": "0A-0B-0C-0", // odd length: not hex bytes
	} {
		if got := audit.NormalizeSignInThumbprint(in); got != want {
			t.Errorf("NormalizeSignInThumbprint(%q) = %q, want %q", in, got, want)
		}
	}
}
