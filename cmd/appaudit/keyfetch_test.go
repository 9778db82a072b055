package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// limitedTenant is a made-up tenant of n applications (2 or 3
// certificates each, bodies and all, as single-object GETs return them)
// and n service principals (one in ten with a SAML certificate, body and
// all), in which one application in 40 has a certificate whose
// customKeyIdentifier is not a thumbprint.
func limitedTenant(n int) *audit.Tenant {
	return graphtest.Synthetic(graphtest.SyntheticSpec{Applications: n, ServicePrincipals: n, BodyEvery: 1, UnidentifiedEvery: 40, Now: audittest.Now()})
}

// certificates counts the certificates of t as audit groups them (a
// Sign/Verify pair is one), and those of the objects fetched is true for.
func certificates(t *audit.Tenant, fetched func(*audit.Principal) bool) (all, ofFetched int) {
	ps := append(principals(t.Applications), spPrincipals(t.ServicePrincipals)...)
	for i := range ps {
		seen := map[string]bool{}
		for _, k := range ps[i].KeyCredentials {
			seen[k.Thumbprints.SHA1] = true
		}
		all += len(seen)
		if fetched(&ps[i]) {
			ofFetched += len(seen)
		}
	}
	return all, ofFetched
}

// keyReads counts what a fake Graph was asked: list pages, the requests
// inside $batch, and the answers 429 (the fake's own limit, inside or
// outside a $batch, is not one of them unless the client broke it).
type keyReads struct{ pages, inBatch, throttled int }

func countReads(srv *graphtest.Server) keyReads {
	var r keyReads
	for _, req := range srv.Requests() {
		switch {
		case req.Method == http.MethodGet:
			r.pages++
		case req.Path == "/v1.0/$batch":
			r.inBatch += len(req.Batch)
		}
		if req.Status == http.StatusTooManyRequests {
			r.throttled++
		}
	}
	return r
}

// A live scan of a 2,000-app tenant with no mapping, against a Graph that
// holds it to 150 keyCredentials reads a minute on the test clock,
// finishes within a minute of that clock by default: it lists, and
// fetches only the bodies of the certificates nothing else identifies.
// The report says how many certificates the weak-key check could not
// examine. With --key-fetch all the same read takes a quarter of an hour,
// and Graph never has to throttle it.
//
// Each read runs in a testing/synctest bubble, against the fake on
// in-memory connections: a request takes none of the bubble's time, so
// the fake counts each keyCredentials read at the instant appaudit's own
// window did, with batches and list pages in flight together. (On a clock
// that never sleeps, a list page sent while a batch waited for the window
// reached the fake stamped with the end of that wait, and the fake now
// and then throttled a read appaudit had rightly sent.)
func TestDefaultScanOfALargeTenantIsFast(t *testing.T) {
	const apps = 2000
	tenant := limitedTenant(apps)
	withCerts := apps + apps/10 // every application, and the SAML service principals
	all, fetchedByDefault := certificates(tenant, func(p *audit.Principal) bool {
		return strings.HasPrefix(p.DisplayName, "app ") && p.ObjectID[0] == 'o' && mustIndex(p.DisplayName)%40 == 0
	})
	for _, tc := range []struct {
		name       string
		args       []string
		reads      keyReads
		min, max   time.Duration
		unexamined int
	}{
		{"default", nil, keyReads{pages: 6, inBatch: apps / 40}, 0, time.Minute, all - fetchedByDefault},
		{"--key-fetch all", []string{"--key-fetch", "all"}, keyReads{pages: 6, inBatch: withCerts},
			graphclient.FetchTime(int64(withCerts+6-150), 150), graphclient.FetchTime(int64(withCerts+6), 150) + time.Minute, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clock := graphtest.NewSleepingClock(audittest.Now())
				srv, err := graphtest.NewPipeServer(tenant, graphtest.Options{Token: fakeToken, KeyReadsPerMinute: graphclient.DefaultKeyReadsPerMinute, Clock: clock})
				if err != nil {
					t.Fatal(err)
				}
				defer srv.Close()
				out := filepath.Join(t.TempDir(), "report.json")
				start := clock.Now()
				code, _, errOut := runLive(t, pipeHooks(srv, clock, nil), tokenEnv, append([]string{"scan", "--auth", "token", "--graph-url", srv.URL,
					"--as-of", asOf(), "--fail-on", "none", "-o", "json=" + out}, tc.args...)...)
				took := clock.Now().Sub(start)
				got := countReads(srv)
				t.Logf("%d objects, %d list pages, %d bodies in $batch, %d throttled, %s of the test clock", 2*apps, got.pages, got.inBatch, got.throttled, took)
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				if got != tc.reads {
					t.Errorf("read %+v, want %+v", got, tc.reads)
				}
				if took < tc.min || took >= tc.max {
					t.Errorf("took %s of the test clock, want %s to %s", took, tc.min, tc.max)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				r := decodeFull(t, string(b))
				if r.Summary.Applications != apps || r.Summary.ServicePrincipals != apps || !r.Complete {
					t.Errorf("report summary %+v, complete %v", r.Summary, r.Complete)
				}
				var weak []string
				for _, w := range r.Warnings {
					if strings.HasPrefix(w, "cert-weak-key could not examine") {
						weak = append(weak, w)
					}
				}
				want := fmt.Sprintf("cert-weak-key could not examine %s whose bodies were not fetched (read the tenant with --key-fetch all, or give the certificate files with --certs)",
					count(int64(tc.unexamined), "certificate"))
				switch {
				case tc.unexamined > 0 && (len(weak) != 1 || weak[0] != want):
					t.Errorf("warnings %q, want %q", r.Warnings, want)
				case tc.unexamined == 0 && len(weak) != 0:
					t.Errorf("every body was fetched, yet %q", weak)
				}
			})
		})
	}
}

// mustIndex is n of the synthetic tenant's "app n".
func mustIndex(name string) int {
	var n int
	if _, err := fmt.Sscanf(name, "app %d", &n); err != nil {
		panic(err)
	}
	return n
}

// snapshot fetches every body by default, for evidence, and says how long
// that will take as soon as the listing tells how many there are, before
// it waits for them; --quiet says nothing.
func TestSnapshotSaysHowLongTheFetchTakes(t *testing.T) {
	snap := demoSnapshot(t)
	tenant, err := graphclient.ReadSnapshotFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	objects := 0
	for _, p := range append(principals(tenant.Applications), spPrincipals(tenant.ServicePrincipals)...) {
		for _, k := range p.KeyCredentials {
			if k.IsCertificate() {
				objects++
				break
			}
		}
	}
	// The bodies are held back a second, so that the listing is done long
	// before the first of them comes.
	srv := serve(t, snap, graphtest.Options{MaxPageSize: 999, Faults: []graphtest.Fault{{Path: "/$batch", Delay: time.Second}}})
	const limit = 5
	want := fmt.Sprintf("appaudit: fetching the certificate bodies of %d objects: %s at Graph's limit of %d keyCredentials reads a minute (--key-fetch needed or none fetch fewer)\n",
		objects, about(graphclient.FetchTime(int64(objects), limit)), limit)
	for _, quiet := range []bool{false, true} {
		args := []string{"snapshot", "--auth", "token", "--graph-url", srv.URL, "--key-reads-per-minute", fmt.Sprint(limit),
			"--out", filepath.Join(t.TempDir(), "tenant.json")}
		if quiet {
			args = append(args, "--quiet")
		}
		code, _, errOut := runLive(t, clockHooks(graphtest.NewClock(audittest.Now()), nil), tokenEnv, args...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if quiet && errOut != "" || !quiet && errOut != want {
			t.Errorf("quiet %v: stderr %q, want %q", quiet, errOut, want)
		}
	}
	if !regexp.MustCompile(`^appaudit: fetching the certificate bodies of \d+ objects: about \d+ minutes at`).MatchString(want) {
		t.Errorf("the demo is too small to take minutes at %d reads a minute: %q", limit, want)
	}
}

func principals(apps []audit.Application) []audit.Principal {
	var out []audit.Principal
	for _, a := range apps {
		out = append(out, a.Principal)
	}
	return out
}

func spPrincipals(sps []audit.ServicePrincipal) []audit.Principal {
	var out []audit.Principal
	for _, sp := range sps {
		out = append(out, sp.Principal)
	}
	return out
}

// By default scan fetches the bodies of the apps the mapping names, of
// certificates a --certs file matches, and of certificates nothing else
// identifies; not the others, whose weak-key check a warning counts.
func TestScanFetchesWhatItsChecksNeed(t *testing.T) {
	now := audittest.Now()
	cert := func(cn string) *audittest.Cert {
		return audittest.Valid(cn+".contoso.com", now, audittest.Days(30), audittest.Days(300))
	}
	named, matched, unknown, other := cert("named"), cert("matched"), cert("unknown"), cert("other")
	tenant := audittest.Tenant(
		audittest.App("00000000-0000-4000-a000-000000000001", "Named", named.KeyCredential("k-1", audit.UsageVerify, true)),
		audittest.App("00000000-0000-4000-a000-000000000002", "Matched", matched.KeyCredential("k-2", audit.UsageVerify, true)),
		audittest.App("00000000-0000-4000-a000-000000000003", "Unknown", unknown.KeyCredential("k-3", audit.UsageVerify, true)),
		audittest.App("00000000-0000-4000-a000-000000000004", "Other", other.KeyCredential("k-4", audit.UsageVerify, true)),
	)
	k := &tenant.Applications[2].KeyCredentials[0]
	k.CustomKeyIdentifier = []byte("chosen by a script")
	k.Identify(k.Key)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "certs", "matched.pem"), matched.CertPEM())
	write(t, filepath.Join(dir, "deployed.csv"), []byte("app,thumbprint\nNamed,"+named.Thumbprints().SHA1+"\n"))
	srv, err := graphtest.NewServer(tenant, graphtest.Options{Token: fakeToken})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	code, r, errOut := scanJSON(t, tokenEnv, "--auth", "token", "--graph-url", srv.URL,
		"--certs", filepath.Join(dir, "certs"), "--deployed", filepath.Join(dir, "deployed.csv"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var fetched []string
	for _, req := range srv.Requests() {
		for _, inner := range req.Batch {
			fetched = append(fetched, strings.TrimSuffix(strings.TrimPrefix(inner, "GET /applications/obj-"), "?$select=id,keyCredentials"))
		}
	}
	slices.Sort(fetched)
	if want := []string{"00000000-0000-4000-a000-000000000001", "00000000-0000-4000-a000-000000000002", "00000000-0000-4000-a000-000000000003"}; !slices.Equal(fetched, want) {
		t.Errorf("bodies fetched for %q, want %q", fetched, want)
	}
	want := "cert-weak-key could not examine 1 certificate whose body was not fetched (read the tenant with --key-fetch all, or give the certificate files with --certs)"
	if !slices.Contains(r.Warnings, want) || r.Summary.Unexamined["cert-weak-key"] != 1 {
		t.Errorf("warnings %q, unexamined %v", r.Warnings, r.Summary.Unexamined)
	}
}
