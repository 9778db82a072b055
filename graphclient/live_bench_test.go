package graphclient_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// BenchmarkLiveRead reads a made-up tenant of n applications (2 or 3
// certificates each, a secret on every third) and n service principals
// (one in ten with a SAML certificate) from the fake Graph, which answers
// every request latency late, as a distant Graph does. key-null lists
// with --no-key-fetch; bodies-batch leaves the bodies out of the list
// pages (one credential in ten has one) and fetches them with $batch,
// without the limit on keyCredentials reads (which alone would make the
// fetch take n/150 minutes). Run with:
//
//	go test -run='^$' -bench=LiveRead -benchtime=1x ./graphclient/
func BenchmarkLiveRead(b *testing.B) {
	const latency = 20 * time.Millisecond
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			tenant := graphtest.Synthetic(graphtest.SyntheticSpec{Applications: n, ServicePrincipals: n, BodyEvery: 10, Now: now})
			srv, err := graphtest.NewServer(tenant, graphtest.Options{Latency: latency})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			tenant = nil
			for _, mode := range []struct {
				name   string
				bodies bool
			}{{"key-null", false}, {"bodies-batch", true}} {
				b.Run(mode.name, func(b *testing.B) { benchRead(b, srv.URL, n, mode.bodies, latency) })
			}
		})
	}
}

func benchRead(b *testing.B, url string, n int, bodies bool, latency time.Duration) {
	var res *graphclient.ReadResult
	var peak float64
	var base uint64
	for b.Loop() {
		res = nil
		c := benchClient(b, url)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base = ms.HeapAlloc
		stop := sampleHeap()
		opts := graphclient.ReadOptions{ServicePrincipals: true}
		if bodies {
			opts.KeyFetch = graphclient.KeyFetchAll
		}
		var err error
		res, err = c.Read(context.Background(), opts)
		peak = stop()
		if err != nil || len(res.Tenant.Applications) != n || len(res.Tenant.ServicePrincipals) != n {
			b.Fatalf("%v: %d applications", err, len(res.Tenant.Applications))
		}
	}
	st := res.Stats
	pages := 2 * ((n + 998) / 999)
	batches := 0
	if bodies {
		batches = (int(st.BodiesWanted) + 19) / 20
	}
	b.ReportMetric(float64(st.Requests), "requests")
	b.ReportMetric(float64(pages+batches), "floor-requests")
	b.ReportMetric(st.Elapsed.Seconds(), "s/read")
	b.ReportMetric((time.Duration(st.Requests) * latency).Seconds(), "s-sequential-floor")
	b.ReportMetric(peak, "MiB-peak-heap")
	// The heap the tenant read holds, above what was there before.
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(res)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(base))/(1<<20), "MiB-tenant")
}

func benchClient(b *testing.B, url string, edit ...func(*graphclient.Config)) *graphclient.Client {
	b.Helper()
	ep, err := graphclient.ResolveEndpoint("public", url)
	if err != nil {
		b.Fatal(err)
	}
	cred, err := graphclient.NewCredential(graphclient.AuthOptions{Mode: graphclient.AuthToken, AccessToken: "bench", Cloud: ep.Cloud})
	if err != nil {
		b.Fatal(err)
	}
	cfg := graphclient.Config{Endpoint: ep, Credential: cred, KeyReadsPerMinute: -1}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := graphclient.NewClient(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// sampleHeap watches the heap in use until the function it returns is
// called, which returns the most it grew above where it started, in MiB.
func sampleHeap() func() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	done := make(chan struct{})
	var peak uint64
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() float64 {
		close(done)
		wg.Wait()
		return float64(int64(peak)-int64(base)) / (1 << 20)
	}
}

// BenchmarkKeyFetchAtGraphsLimit reads a made-up tenant of n applications
// (2 or 3 certificates each, one in 40 with a certificate whose
// customKeyIdentifier is not a thumbprint) and n service principals (one
// in ten with a SAML certificate) from the fake Graph, which holds
// keyCredentials reads to Graph's 150 a minute on a test clock, with each
// --key-fetch and no deployed mapping. It reports the requests sent, the
// keyCredentials reads among them (list pages and objects in $batch), the
// 429s Graph had to answer, and the minutes the read takes on the test
// clock: Graph's limit, not the network, is what sets a large fetch's
// pace. One $batch is in flight at a time, so that the test clock, which
// jumps to the end of each wait, stamps every request when it is sent.
// Run with:
//
//	go test -run='^$' -bench=KeyFetchAtGraphsLimit -benchtime=1x ./graphclient/
func BenchmarkKeyFetchAtGraphsLimit(b *testing.B) {
	for _, n := range []int{2_000, 20_000} {
		tenant := graphtest.Synthetic(graphtest.SyntheticSpec{Applications: n, ServicePrincipals: n, BodyEvery: 1, UnidentifiedEvery: 40, Now: now})
		for _, fetch := range graphclient.KeyFetches() {
			b.Run(fmt.Sprintf("%dk/%s", n/1000, fetch), func(b *testing.B) {
				var st graphclient.Stats
				var reads, throttled int
				var took time.Duration
				for b.Loop() {
					clock := graphtest.NewClock(now)
					srv, err := graphtest.NewServer(tenant, graphtest.Options{KeyReadsPerMinute: graphclient.DefaultKeyReadsPerMinute, Clock: clock})
					if err != nil {
						b.Fatal(err)
					}
					c := benchClient(b, srv.URL, func(c *graphclient.Config) {
						c.KeyReadsPerMinute, c.Clock, c.Concurrency = 0, clock, 1
					})
					res, err := c.Read(context.Background(), graphclient.ReadOptions{ServicePrincipals: true, KeyFetch: fetch})
					if err != nil || len(res.Tenant.Applications) != n {
						b.Fatalf("%v: %d applications", err, len(res.Tenant.Applications))
					}
					st, took = res.Stats, clock.Now().Sub(now)
					reads, throttled = 0, 0
					for _, r := range srv.Requests() {
						if r.Method == "GET" {
							reads++
						}
						reads += len(r.Batch)
						if r.Status == 429 {
							throttled++
						}
					}
					srv.Close()
				}
				b.ReportMetric(float64(st.Requests), "requests")
				b.ReportMetric(float64(reads), "key-reads")
				b.ReportMetric(float64(st.BodiesFetched), "bodies")
				b.ReportMetric(float64(throttled+int(st.Throttled)), "throttled")
				b.ReportMetric(took.Minutes(), "test-clock-min")
			})
		}
	}
}
