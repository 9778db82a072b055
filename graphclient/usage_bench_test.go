package graphclient_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// BenchmarkUsageRead reads the usage evidence of a large tenant from the
// fake Graph, which answers every request latency late: an activity report
// of 100,000 credentials (in Graph's pages, 1,000 each in the fake) and a
// sign-in log holding 1,000,000 failed service principal sign-ins over 30
// days (and 111,111 others the filter leaves out), of 1,000 apps in 2,700
// groups. Graph's limit of five report requests every ten seconds is
// lifted here: with it the time is requests / 5 x 10 s, whatever the
// machine. Run with:
//
//	go test -run='^$' -bench=UsageRead -benchtime=1x ./graphclient/
func BenchmarkUsageRead(b *testing.B) {
	const latency = 20 * time.Millisecond
	clock := time.Now()
	log := graphtest.SyntheticUsage(graphtest.UsageSpec{Credentials: 100_000, FailedSignIns: 1_000_000, Apps: 1000, Days: 30, Now: clock})
	srv, err := graphtest.NewServer(liveTenant(1), graphtest.Options{Usage: log, Latency: latency})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for b.Loop() {
		c := benchClient(b, srv.URL)
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := sampleHeap()
		start := time.Now()
		u, err := c.ReadUsage(context.Background(), graphclient.UsageOptions{Days: 30, ReportReadsPer10s: -1})
		wall := time.Since(start)
		peak := stop()
		if err != nil || len(u.Credentials) != 100_000 || u.FailedTotal != 1_000_000 || u.FailedCapped {
			b.Fatalf("%v: %d credentials, %d failed sign-ins (capped %v)", err, len(u.Credentials), u.FailedTotal, u.FailedCapped)
		}
		st := c.Stats()
		b.ReportMetric(float64(st.Requests), "requests")
		b.ReportMetric(float64(u.Activity.Pages), "activity-pages")
		b.ReportMetric(float64(u.Failures.Pages), "sign-in-pages")
		b.ReportMetric(float64(len(u.Failed)), "groups")
		b.ReportMetric(wall.Seconds(), "s/read")
		b.ReportMetric((time.Duration(st.Requests) * latency).Seconds(), "s-sequential-floor")
		b.ReportMetric(float64(st.Requests)/5*10, "s-at-graph-limit")
		b.ReportMetric(peak, "MiB-peak-heap")
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(u)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "MiB-usage")
	}
}
