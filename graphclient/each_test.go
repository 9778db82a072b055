package graphclient_test

import (
	"bytes"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// A read that hands each object on as it is whole gives the same objects
// as one that keeps them, applications before service principals, one at
// a time, bodies in place, and keeps none itself.
func TestReadEach(t *testing.T) {
	for name, tc := range map[string]struct {
		fetch     graphclient.KeyFetch
		faults    []graphtest.Fault
		bodies    bool // whether every body arrives
		lookAhead int
	}{
		"no bodies": {fetch: graphclient.KeyFetchNone},
		// The service principals pause, two ahead, until the applications
		// are listed.
		"little look-ahead": {fetch: graphclient.KeyFetchAll, bodies: true, lookAhead: 2},
		// A listing of applications that stops lets them go on.
		"applications stop": {fetch: graphclient.KeyFetchAll, bodies: true, lookAhead: 2, faults: []graphtest.Fault{{Path: "/applications", Page: 3, Status: 500}}},
		"all bodies":        {fetch: graphclient.KeyFetchAll, bodies: true},
		"needed bodies":     {fetch: graphclient.KeyFetchNeeded, bodies: true},
		// Objects whose bodies never come are still handed on, at the end.
		"bodies fail": {fetch: graphclient.KeyFetchAll, faults: []graphtest.Fault{{Path: "/$batch", Status: 500}}},
		// Some inside a batch are throttled, then come.
		"bodies throttled": {fetch: graphclient.KeyFetchAll, bodies: true, faults: []graphtest.Fault{
			{InBatch: true, Path: "/applications/obj-00000004", Status: 429, RetryAfter: "3", Times: 1},
			{InBatch: true, Path: "/servicePrincipals/sp-00000001-0000-4000-8000-000000000000", Status: 503, Times: 1},
		}},
	} {
		t.Run(name, func(t *testing.T) {
			if tc.lookAhead > 0 {
				defer graphclient.SetLookAhead(tc.lookAhead)()
			}
			src := liveTenant(31)
			kept := readWith(t, src, tc.faults, graphclient.ReadOptions{ServicePrincipals: true, KeyFetch: tc.fetch})

			var apps []audit.Application
			var sps []audit.ServicePrincipal
			var inside, overlapped atomic.Int32
			spSeen := false
			opts := graphclient.ReadOptions{ServicePrincipals: true, KeyFetch: tc.fetch, Each: func(o graphclient.Object) {
				if inside.Add(1) > 1 {
					overlapped.Store(1)
				}
				defer inside.Add(-1)
				switch o.Kind {
				case audit.KindApplication:
					if spSeen {
						t.Errorf("application %s handed on after a service principal", o.Application.AppID)
					}
					apps = append(apps, o.Application)
				case audit.KindServicePrincipal:
					spSeen = true
					sps = append(sps, o.ServicePrincipal)
				}
			}}
			streamed := readWith(t, src, tc.faults, opts)
			if overlapped.Load() != 0 {
				t.Error("Each was called by two goroutines at once")
			}
			if n := len(streamed.Tenant.Applications) + len(streamed.Tenant.ServicePrincipals); n != 0 {
				t.Errorf("the tenant kept %d objects it handed on", n)
			}
			if streamed.Tenant.Complete != kept.Tenant.Complete || len(streamed.Warnings) != len(kept.Warnings) {
				t.Errorf("complete %v with warnings %q; kept read: %v with %q", streamed.Tenant.Complete, streamed.Warnings, kept.Tenant.Complete, kept.Warnings)
			}
			if streamed.Stats.Applications != kept.Stats.Applications || streamed.Stats.ServicePrincipals != 11 {
				t.Errorf("stats %+v", streamed.Stats)
			}
			byID := func(a, b audit.Application) int { return bytes.Compare([]byte(a.AppID), []byte(b.AppID)) }
			slices.SortFunc(apps, byID)
			if len(apps) != len(kept.Tenant.Applications) {
				t.Fatalf("%d applications handed on, %d kept", len(apps), len(kept.Tenant.Applications))
			}
			for i, a := range apps {
				samePrincipal(t, a.Principal, kept.Tenant.Applications[i].Principal, tc.bodies && tc.fetch == graphclient.KeyFetchAll)
			}
			slices.SortFunc(sps, func(a, b audit.ServicePrincipal) int { return bytes.Compare([]byte(a.AppID), []byte(b.AppID)) })
			if len(sps) != len(kept.Tenant.ServicePrincipals) {
				t.Fatalf("%d service principals handed on, %d kept", len(sps), len(kept.Tenant.ServicePrincipals))
			}
			for i, sp := range sps {
				samePrincipal(t, sp.Principal, kept.Tenant.ServicePrincipals[i].Principal, tc.bodies && tc.fetch == graphclient.KeyFetchAll)
			}
		})
	}
}

func readWith(t *testing.T, src *audit.Tenant, faults []graphtest.Fault, opts graphclient.ReadOptions) *graphclient.ReadResult {
	t.Helper()
	srv := fake(t, src, graphtest.Options{Faults: faults})
	res, _ := readLive(t, client(t, srv.URL, newTestClock(), func(c *graphclient.Config) { c.PageSize = 4; c.Concurrency = 2 }), opts)
	return res
}

// samePrincipal compares what two reads made of one object; withBodies
// says each certificate must have its body.
func samePrincipal(t *testing.T, got, want audit.Principal, withBodies bool) {
	t.Helper()
	if got.ObjectID != want.ObjectID || len(got.KeyCredentials) != len(want.KeyCredentials) || len(got.PasswordCredentials) != len(want.PasswordCredentials) {
		t.Fatalf("%s read as %+v, want %+v", want.ObjectID, got, want)
	}
	for i, k := range got.KeyCredentials {
		w := want.KeyCredentials[i]
		if k.KeyID != w.KeyID || k.Thumbprints != w.Thumbprints || !bytes.Equal(k.Key, w.Key) || k.Source != w.Source {
			t.Errorf("%s key %s: %+v, kept read %+v", want.ObjectID, w.KeyID, k, w)
		}
		if withBodies && k.Cert == nil {
			t.Errorf("%s key %s: no body", want.ObjectID, k.KeyID)
		}
	}
}

// The objects read one by one (--app) are handed on too.
func TestReadEachApps(t *testing.T) {
	src := liveTenant(7)
	ids := []string{src.Applications[3].AppID, src.Applications[0].AppID}
	var got []string
	res := readWith(t, src, nil, graphclient.ReadOptions{ServicePrincipals: true, AppIDs: ids, Each: func(o graphclient.Object) {
		got = append(got, string(o.Kind)+" "+o.Principal().AppID)
	}})
	want := []string{"application " + ids[0], "application " + ids[1], "servicePrincipal " + ids[0], "servicePrincipal " + ids[1]}
	if !slices.Equal(got, want) || len(res.Tenant.Applications)+len(res.Tenant.ServicePrincipals) != 0 || !res.Tenant.Complete {
		t.Errorf("handed on %q, tenant kept %d+%d, complete %v; want %q", got, len(res.Tenant.Applications), len(res.Tenant.ServicePrincipals), res.Tenant.Complete, want)
	}
}

// The service principals listed ahead of the applications are bounded:
// two ahead, and a page of four fetched ahead of the one being read, the
// listing of service principals asks for no more than its third page
// before the last page of applications.
func TestReadEachLooksAheadBoundedly(t *testing.T) {
	defer graphclient.SetLookAhead(2)()
	src := liveTenant(60) // 15 pages of applications, 5 of service principals
	srv := fake(t, src, graphtest.Options{})
	n := 0
	res, err := readLive(t, client(t, srv.URL, newTestClock(), func(c *graphclient.Config) { c.PageSize = 4 }),
		graphclient.ReadOptions{ServicePrincipals: true, Each: func(graphclient.Object) { n++ }})
	if err != nil || n != 80 {
		t.Fatalf("%d objects handed on, %v", n, err)
	}
	reqs := srv.Requests()
	lastApps := 0
	for i, r := range reqs {
		if r.Path == "/v1.0/applications" {
			lastApps = i
		}
	}
	ahead := 0
	for _, r := range reqs[:lastApps] {
		if r.Path == "/v1.0/servicePrincipals" {
			ahead++
		}
	}
	if ahead > 3 {
		t.Errorf("%d pages of service principals asked for before the last page of applications, want 3 at most", ahead)
	}
	if res.Stats.ServicePrincipals != 20 {
		t.Errorf("stats %+v", res.Stats)
	}
}
