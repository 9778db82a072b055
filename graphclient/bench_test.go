package graphclient_test

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// benchTenant is n applications with 2 or 3 certificates each and a secret
// on every third, as a large tenant's listing holds them. One credential in
// bodyEvery carries its certificate body (0: none, as on list pages).
func benchTenant(b *testing.B, n, bodyEvery int) *audit.Tenant {
	b.Helper()
	return graphtest.Synthetic(graphtest.SyntheticSpec{Applications: n, BodyEvery: bodyEvery, Now: now})
}

// BenchmarkDecodeSnapshot100k reads an appaudit snapshot of 100,000
// applications (about 250,000 keyCredentials), without certificate bodies
// and with one credential in ten carrying its body. Run with:
//
//	go test -run=^$ -bench=DecodeSnapshot100k -benchmem ./graphclient/
func BenchmarkDecodeSnapshot100k(b *testing.B) {
	const n = 100_000
	for _, bc := range []struct {
		name      string
		bodyEvery int
	}{{"key-null", 0}, {"bodies-10pct", 10}} {
		b.Run(bc.name, func(b *testing.B) {
			var buf bytes.Buffer
			if err := graphclient.WriteSnapshot(&buf, benchTenant(b, n, bc.bodyEvery), graphclient.SnapshotMeta{Tool: "bench"}); err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			live := liveMiB(b, data)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				t, err := graphclient.ReadSnapshot(bytes.NewReader(data), "bench.json")
				if err != nil || len(t.Applications) != n {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "apps/s")
			b.ReportMetric(float64(len(data))/(1<<20), "MiB/file")
			b.ReportMetric(live, "MiB/tenant")
		})
	}
}

// liveMiB is the heap a decoded tenant holds on to.
func liveMiB(b *testing.B, data []byte) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t, err := graphclient.ReadSnapshot(bytes.NewReader(data), "bench.json")
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(t)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
}

// BenchmarkWriteSnapshot100k writes the key-null tenant above.
func BenchmarkWriteSnapshot100k(b *testing.B) {
	t := benchTenant(b, 100_000, 0)
	var buf bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := graphclient.WriteSnapshot(&buf, t, graphclient.SnapshotMeta{}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(100_000*float64(b.N)/b.Elapsed().Seconds(), "apps/s")
}
