package graphclient_test

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// Reads that select keyCredentials stay within the limit Graph sets per
// minute: list pages and each request inside a $batch count.
func TestKeyReadsStayWithinTheLimit(t *testing.T) {
	srv := fake(t, liveTenant(13), graphtest.Options{})
	clock := newTestClock()
	start := clock.Now()
	c := client(t, srv.URL, clock, func(c *graphclient.Config) { c.KeyReadsPerMinute = 3 })
	res, err := readLive(t, c, graphclient.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 13 applications two a page: 7 pages, 3 a minute: the 7th goes out
	// two minutes after the first.
	if len(res.Tenant.Applications) != 13 || clock.Now().Sub(start) != 2*time.Minute {
		t.Errorf("7 pages took %v of the clock, want 2m0s", clock.Now().Sub(start))
	}
	if res.Stats.Waited != 2*time.Minute {
		t.Errorf("stats say %v waited", res.Stats.Waited)
	}

	// Each request in a $batch counts.
	srv = fake(t, liveTenant(13), graphtest.Options{})
	clock = newTestClock()
	start = clock.Now()
	// One batch at a time: the test clock moves on by every sleeper's wait.
	c = client(t, srv.URL, clock, func(c *graphclient.Config) { c.KeyReadsPerMinute = 10; c.PageSize = 999; c.Concurrency = 1 })
	res, err = readLive(t, c, graphclient.ReadOptions{KeyFetch: graphclient.KeyFetchAll})
	if err != nil || res.Stats.BodiesFetched != 13 {
		t.Fatalf("%v, %d bodies", err, res.Stats.BodiesFetched)
	}
	// A batch holds no more than a minute allows: the page, then 10
	// bodies once the page has left the window, then the other 3 once
	// those have.
	if d := clock.Now().Sub(start); d != 2*time.Minute || res.Stats.Batches != 2 {
		t.Errorf("took %v of the clock and %d batches, want 2m0s and 2", d, res.Stats.Batches)
	}
}

// With a limit on the objects fetched, those whose certificates nothing
// else identifies go first, then those with a certificate still valid.
func TestMaxKeyBodies(t *testing.T) {
	src := liveTenant(10) // every third certificate has expired
	for _, i := range []int{7, 8} {
		k := &src.Applications[i].KeyCredentials[0]
		k.CustomKeyIdentifier = []byte("chosen by a script")
		k.Identify(k.Key)
	}
	srv := fake(t, src, graphtest.Options{})
	c := client(t, srv.URL, newTestClock(), func(c *graphclient.Config) { c.PageSize = 999 })
	res, err := readLive(t, c, graphclient.ReadOptions{KeyFetch: graphclient.KeyFetchAll, MaxKeyBodies: 3})
	if err != nil {
		t.Fatal(err)
	}
	var fetched []string
	for _, a := range res.Tenant.Applications {
		if a.KeyCredentials[0].Cert != nil {
			fetched = append(fetched, a.DisplayName)
		}
	}
	if !slices.Equal(fetched, []string{"App 01", "App 08", "App 09"}) {
		t.Errorf("fetched %v, want the two unidentified and the first valid", fetched)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "7 more objects were not fetched, past the limit of 3 objects") {
		t.Errorf("warnings %q", res.Warnings)
	}
}

// When Graph throttles a read the client did not count (another run, or
// another tool, read keyCredentials in the same minute), the fetch waits
// what Graph asks and completes. (window_internal_test.go shows that the
// other requests wait too.) In a bubble, with the fake on in-memory
// connections: a request takes none of the bubble's time, so the fake
// counts each read at the instant the client's window did, with batches
// and list pages in flight together. (On a clock that never sleeps, a
// request in flight while another goroutine waited reached the fake
// stamped with the end of that wait, and a run alone was now and then
// throttled.)
func TestThrottledFetchWaitsWhatGraphAsks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newSleepingClock()
		srv := fakePipe(t, liveTenant(120), graphtest.Options{KeyReadsPerMinute: 30, Clock: clock})
		read := func() *graphclient.ReadResult {
			c := client(t, srv.URL, clock, onPipe(srv), func(c *graphclient.Config) { c.PageSize = 999; c.KeyReadsPerMinute = 30 })
			res, err := readLive(t, c, graphclient.ReadOptions{ServicePrincipals: true, KeyFetch: graphclient.KeyFetchAll})
			if err != nil || res.Stats.BodiesFetched != 120+40 {
				t.Fatalf("%v: %d bodies", err, res.Stats.BodiesFetched)
			}
			return res
		}
		first := read()
		// The second run starts in the same minute: Graph still counts the
		// first run's last reads, which its client knows nothing of.
		second := read()
		if first.Stats.Throttled != 0 || first.Stats.Retries != 0 {
			t.Errorf("a run alone was throttled: %+v", first.Stats)
		}
		if second.Stats.Throttled == 0 || second.Stats.Retries == 0 || len(second.Warnings) != 0 {
			t.Errorf("the second run: %+v, %q", second.Stats, second.Warnings)
		}
	})
}
