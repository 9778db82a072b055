package main

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// BenchmarkLiveScan20k scans, with the real clock, a made-up tenant of
// 20,000 applications and 20,000 service principals from the fake Graph
// answering every request 40 ms late and throttling every 9th (429,
// Retry-After: 1), with a JSON report. The network floor is what the
// requests cost one after the other: requests x 40 ms + 1 s for each
// throttled one; floor-x reports how far above it the scan's wall time
// is (the audit and the report add to the listing). Run with:
//
//	go test -run='^$' -bench=LiveScan20k -benchtime=1x ./cmd/appaudit/
func BenchmarkLiveScan20k(b *testing.B) {
	const latency, wait = 40 * time.Millisecond, time.Second
	tenant := graphtest.Synthetic(graphtest.SyntheticSpec{Applications: 20_000, ServicePrincipals: 20_000, BodyEvery: 10, Now: audittest.Now()})
	for b.Loop() {
		srv, err := graphtest.NewServer(tenant, graphtest.Options{Token: fakeToken, Latency: latency,
			Faults: []graphtest.Fault{{Status: http.StatusTooManyRequests, RetryAfter: "1", Every: 9}}})
		if err != nil {
			b.Fatal(err)
		}
		out := filepath.Join(b.TempDir(), "report.json")
		s, _, errOut := testStreams("", tokenEnv...)
		began := time.Now()
		code := run(context.Background(), []string{"scan", "--auth", "token", "--graph-url", srv.URL, "--fail-on", "none", "--quiet", "-o", "json=" + out}, s)
		wall := time.Since(began)
		if code != exitOK {
			b.Fatalf("exit %d: %s", code, errOut)
		}
		reqs, throttled := 0, 0
		for _, r := range srv.Requests() {
			reqs++
			if r.Status == http.StatusTooManyRequests {
				throttled++
			}
		}
		srv.Close()
		floor := time.Duration(reqs)*latency + time.Duration(throttled)*wait
		b.ReportMetric(float64(reqs), "requests")
		b.ReportMetric(float64(throttled), "throttled")
		b.ReportMetric(floor.Seconds(), "floor-s")
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(wall.Seconds()/floor.Seconds(), "floor-x")
	}
}
