package graphclient_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
)

// benchTenant is n applications with 2 or 3 certificates each and a secret
// on every third, as a large tenant's listing holds them. One credential in
// bodyEvery carries its certificate body (0: none, as on list pages).
func benchTenant(b *testing.B, n, bodyEvery int) *audit.Tenant {
	b.Helper()
	var bodies []*audittest.Cert
	if bodyEvery > 0 {
		for i := range 16 {
			bodies = append(bodies, audittest.Valid(fmt.Sprintf("app-%d.contoso.com", i), now, days(100+i), days(200+i)))
		}
	}
	t := &audit.Tenant{TenantID: "00000000-0000-0000-0000-00000000cafe", Cloud: "public", TakenAt: now, Complete: true,
		Applications: make([]audit.Application, n)}
	cred := 0
	for i := range n {
		appID := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		a := &t.Applications[i]
		a.AppID, a.ObjectID, a.DisplayName, a.SignInAudience = appID, "o"+appID, fmt.Sprintf("app %d", i), "AzureADMyOrg"
		for c := range 2 + i%2 {
			cred++
			if bodyEvery > 0 && cred%bodyEvery == 0 {
				a.KeyCredentials = append(a.KeyCredentials, bodies[cred%len(bodies)].KeyCredential(fmt.Sprintf("%s-%d", appID, c), audit.UsageVerify, true))
				continue
			}
			var seed [8]byte
			binary.LittleEndian.PutUint64(seed[:], uint64(cred))
			sum := sha1.Sum(seed[:])
			k := audit.KeyCredential{
				KeyID: fmt.Sprintf("%s-%d", appID, c), DisplayName: fmt.Sprintf("CN=app-%d", i),
				Type: audit.TypeAsymmetricX509Cert, Usage: audit.UsageVerify,
				Start: now.Add(-days(300 - 40*c)), End: now.Add(days(-20 + 50*c + i%60)),
				CustomKeyIdentifier: sum[:],
			}
			k.Identify(nil)
			a.KeyCredentials = append(a.KeyCredentials, k)
		}
		if i%3 == 0 {
			a.PasswordCredentials = []audit.PasswordCredential{audittest.Secret(appID+"-s", now.Add(-days(100)), now.Add(days(i%400)))}
		}
	}
	return t
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
