package graphtest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// A pipe server answers what a loopback one does, on its own transport,
// and in a bubble a slow answer and a client's timeout take the bubble's
// time, exactly.
func TestPipeServer(t *testing.T) {
	const page = "/v1.0/applications?$select=displayName,keyCredentials"
	loopback := start(t, graphtest.Options{PageSize: 2})
	req, _ := http.NewRequest("GET", loopback.URL+page, nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	synctest.Test(t, func(t *testing.T) {
		srv, err := graphtest.NewPipeServer(tenant(), graphtest.Options{PageSize: 2, Faults: []graphtest.Fault{
			{Path: "/servicePrincipals", Delay: 2 * time.Second, Times: 1},
			{Path: "/applications/", Drop: true, Times: 1},
		}})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		client := &http.Client{Transport: srv.Transport()}
		get := func(ctx context.Context, path string) (int, string, error) {
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer tok")
			resp, err := client.Do(req)
			if err != nil {
				return 0, "", err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b), err
		}
		ctx := context.Background()
		began := time.Now()
		status, body, err := get(ctx, page)
		if err != nil || status != 200 || strings.ReplaceAll(body, srv.URL, loopback.URL) != string(want) {
			t.Errorf("a page: %d %v\n%s\nwant, as on loopback\n%s", status, err, body, want)
		}
		// The answer held back 2s is past a timeout of 100ms, by the
		// bubble's clock, to the nanosecond.
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		_, _, err = get(short, "/v1.0/servicePrincipals")
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(began) != 100*time.Millisecond {
			t.Errorf("the slow answer: %v after %v, want the timeout after 100ms", err, time.Since(began))
		}
		if status, _, err := get(ctx, "/v1.0/servicePrincipals"); err != nil || status != 200 || time.Since(began) != 100*time.Millisecond {
			t.Errorf("the next answer: %d %v after %v, want 200 at once", status, err, time.Since(began))
		}
		// A dropped connection is the client's error, on a fresh
		// connection (net/http sends a GET again by itself when a reused
		// one drops).
		req, _ := http.NewRequest("GET", srv.URL+"/v1.0/applications/obj-00000000-0000-4000-a000-000000000001", nil)
		req.Header.Set("Authorization", "Bearer tok")
		fresh := srv.Transport().(*http.Transport).Clone()
		if resp, err := fresh.RoundTrip(req); err == nil {
			resp.Body.Close()
			t.Errorf("answered %d, want a dropped connection", resp.StatusCode)
		}
		fresh.CloseIdleConnections()
	})
}

// NewClock's waits add up: concurrent sleepers each move its one time on
// by their own wait, at once. NewSleepingClock's overlap, in a bubble, as
// on a real clock.
func TestClocks(t *testing.T) {
	start := audittest.Now()
	sleepBoth := func(c *graphtest.Clock) {
		var wg sync.WaitGroup
		for _, d := range []time.Duration{time.Second, 2 * time.Second} {
			wg.Go(func() { _ = c.Sleep(context.Background(), d) })
		}
		wg.Wait()
	}
	jumping := graphtest.NewClock(start)
	sleepBoth(jumping)
	if got := jumping.Now().Sub(start); got != 3*time.Second {
		t.Errorf("NewClock after concurrent waits of 1s and 2s: %v on, want 3s", got)
	}
	synctest.Test(t, func(t *testing.T) {
		c := graphtest.NewSleepingClock(start)
		sleepBoth(c)
		if got := c.Now().Sub(start); got != 2*time.Second {
			t.Errorf("NewSleepingClock after concurrent waits of 1s and 2s: %v on, want 2s", got)
		}
		if err := c.SleepUntil(context.Background(), start.Add(5*time.Second)); err != nil || c.Now().Sub(start) != 5*time.Second {
			t.Errorf("SleepUntil: %v, %v on", err, c.Now().Sub(start))
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || c.Now().Sub(start) != 5*time.Second {
			t.Errorf("a sleep whose context is done: %v, %v on", err, c.Now().Sub(start))
		}
		if w := c.Waits(); len(w) != 4 || w[0]+w[1] != 3*time.Second || w[2] != 3*time.Second || w[3] != time.Hour {
			t.Errorf("waits %v", w)
		}
	})
}
