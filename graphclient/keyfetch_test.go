package graphclient_test

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// fetched lists the display names of the objects whose first certificate
// came with its body, service principals marked "(sp)".
func fetched(t *audit.Tenant) []string {
	var out []string
	for _, a := range t.Applications {
		if len(a.KeyCredentials) > 0 && a.KeyCredentials[0].Cert != nil {
			out = append(out, a.DisplayName)
		}
	}
	for _, sp := range t.ServicePrincipals {
		if len(sp.KeyCredentials) > 0 && sp.KeyCredentials[0].Cert != nil {
			out = append(out, sp.DisplayName+" (sp)")
		}
	}
	return out
}

// identify gives k the customKeyIdentifier cki, as an uploader chose it.
func identify(k *audit.KeyCredential, cki []byte) {
	k.CustomKeyIdentifier = cki
	k.Identify(k.Key)
}

// By default a live scan fetches only the bodies a check needs and the
// listing lacks: those of the apps the mapping names (by appId or display
// name, the app and its service principal), of certificates whose
// thumbprint the caller holds, and of certificates whose
// customKeyIdentifier is not a SHA-1 thumbprint.
func TestKeyFetchNeeded(t *testing.T) {
	src := liveTenant(9) // a SAML service principal for apps 1, 4 and 7
	identify(&src.Applications[3].KeyCredentials[0], []byte("chosen by a script"))
	sha256Hex := strings.ToUpper(hex.EncodeToString(make([]byte, 32)))
	identify(&src.Applications[4].KeyCredentials[0], []byte(sha256Hex)) // the hex text of a SHA-256 digest
	held := src.Applications[2].KeyCredentials[0].Thumbprints
	held.SHA256 = ""
	srv := fake(t, src, graphtest.Options{})
	c := client(t, srv.URL, newTestClock(), func(c *graphclient.Config) { c.PageSize = 999 })
	var listed []graphclient.Stats
	res, err := readLive(t, c, graphclient.ReadOptions{ServicePrincipals: true, KeyFetch: graphclient.KeyFetchNeeded,
		Deployed:    []string{" " + strings.ToUpper(src.Applications[0].AppID), "App 02", "", "App 99"},
		Thumbprints: []audit.Thumbprints{{SHA1: strings.ToLower(held.SHA1)}},
		Listed:      func(s graphclient.Stats) { listed = append(listed, s) }})
	if err != nil {
		t.Fatal(err)
	}
	// Apps 3, 6 and 9 share the certificate whose thumbprint is held.
	want := []string{"App 01", "App 02", "App 03", "App 04", "App 05", "App 06", "App 09", "App 01 (sp)"}
	if got := fetched(res.Tenant); !slices.Equal(got, want) {
		t.Errorf("bodies fetched for %v, want %v", got, want)
	}
	var inner []string
	for _, r := range srv.Requests() {
		inner = append(inner, r.Batch...)
	}
	if len(inner) != len(want) || res.Stats.BodiesFetched != int64(len(want)) || res.Stats.BodiesLeft != 0 {
		t.Errorf("$batch requests %v, stats %+v", inner, res.Stats)
	}
	if len(listed) != 1 || !listed[0].Listed || listed[0].BodiesWanted != int64(len(want)) {
		t.Errorf("Listed called with %+v", listed)
	}

	// With nothing deployed or held, only what nothing else identifies.
	res, err = readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{ServicePrincipals: true, KeyFetch: graphclient.KeyFetchNeeded})
	if got := fetched(res.Tenant); err != nil || !slices.Equal(got, []string{"App 04", "App 05"}) {
		t.Errorf("%v: bodies fetched for %v, want the two unidentified", err, got)
	}
	// All: every object with a certificate; none: no $batch at all.
	res, err = readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{ServicePrincipals: true, KeyFetch: graphclient.KeyFetchAll})
	if got := fetched(res.Tenant); err != nil || len(got) != 9+3 {
		t.Errorf("%v: --key-fetch all fetched %v", err, got)
	}
	before := len(srv.Requests())
	res, err = readLive(t, client(t, srv.URL, newTestClock()), graphclient.ReadOptions{ServicePrincipals: true})
	if got := fetched(res.Tenant); err != nil || len(got) != 0 || res.Stats.Batches != 0 {
		t.Errorf("%v: without KeyFetch fetched %v in %d batches", err, got, res.Stats.Batches)
	}
	for _, r := range srv.Requests()[before:] {
		if r.Method != "GET" {
			t.Errorf("without KeyFetch: %s %s", r.Method, r.Path)
		}
	}
}

func TestParseKeyFetch(t *testing.T) {
	for _, k := range graphclient.KeyFetches() {
		if got, err := graphclient.ParseKeyFetch(" " + strings.ToUpper(k.String())); err != nil || got != k {
			t.Errorf("%s: %v %v", k, got, err)
		}
	}
	if _, err := graphclient.ParseKeyFetch("some"); err == nil || !strings.Contains(err.Error(), "none, needed, all") {
		t.Errorf("error %v", err)
	}
}

// Once listed, the stats say how many bodies are left and how long they
// take at Graph's limit; FetchTime is that rate.
func TestFetchTime(t *testing.T) {
	for _, tc := range []struct {
		n     int64
		limit int
		want  time.Duration
	}{{1500, 150, 10 * time.Minute}, {2200, 150, 14*time.Minute + 40*time.Second}, {0, 150, 0}, {100, 0, 0}} {
		if got := graphclient.FetchTime(tc.n, tc.limit); got != tc.want {
			t.Errorf("FetchTime(%d, %d) = %v, want %v", tc.n, tc.limit, got, tc.want)
		}
	}
	src := liveTenant(30)
	srv := fake(t, src, graphtest.Options{})
	clock := newTestClock()
	c := client(t, srv.URL, clock, func(c *graphclient.Config) { c.PageSize = 999; c.KeyReadsPerMinute = 6; c.Concurrency = 1 })
	var at graphclient.Stats
	res, err := readLive(t, c, graphclient.ReadOptions{KeyFetch: graphclient.KeyFetchAll, MaxKeyBodies: 25,
		Listed: func(s graphclient.Stats) { at = s }})
	if err != nil {
		t.Fatal(err)
	}
	// 25 of 30 at most, some fetched while the page was decoded, and 6
	// reads a minute for the rest.
	if at.BodiesWanted != 30 || at.BodiesLeft != 25-at.BodiesFetched || at.Left != graphclient.FetchTime(at.BodiesLeft, 6) || at.KeyReadsPerMinute != 6 {
		t.Errorf("when listed: %+v", at)
	}
	if s := res.Stats; s.BodiesFetched != 25 || s.BodiesLeft != 0 || s.Left != 0 {
		t.Errorf("at the end: %+v", s)
	}
}
