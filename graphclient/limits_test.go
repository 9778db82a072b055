package graphclient_test

import (
	"testing"
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
	c = client(t, srv.URL, clock, func(c *graphclient.Config) { c.KeyReadsPerMinute = 10; c.PageSize = 999 })
	res, err = readLive(t, c, graphclient.ReadOptions{KeyBodies: true})
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
