package reports_test

import (
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"io"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

// largeResult audits a synthetic tenant of n applications with 2 or 3
// certificates each and a secret on every third, dated so that the checks
// fire often, like audit's BenchmarkRun100k.
func largeResult(n int) *audit.Result {
	t := &audit.Tenant{Complete: true, Applications: make([]audit.Application, n)}
	for i := range n {
		appID := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		a := &t.Applications[i]
		a.AppID, a.ObjectID, a.DisplayName = appID, "o"+appID, fmt.Sprintf("app %d", i)
		for c := range 2 + i%2 {
			var seed [8]byte
			binary.LittleEndian.PutUint64(seed[:], uint64(i*4+c))
			sum := sha1.Sum(seed[:])
			k := audit.KeyCredential{KeyID: fmt.Sprintf("%s-%d", appID, c), DisplayName: fmt.Sprintf("CN=app-%d", i),
				Type: audit.TypeAsymmetricX509Cert, Usage: audit.UsageVerify,
				Start: fixtureDays(-300 + 40*c), End: fixtureDays(-20 + 50*c + i%60), CustomKeyIdentifier: sum[:]}
			k.Identify(nil)
			a.KeyCredentials = append(a.KeyCredentials, k)
		}
		if i%3 == 0 {
			a.PasswordCredentials = []audit.PasswordCredential{{KeyID: appID + "-s", Start: fixtureDays(-100), End: fixtureDays(i % 400)}}
		}
	}
	return audit.Run(t, nil, audit.DefaultPolicy(), fixtureNow)
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return io.Discard.Write(p)
}

// BenchmarkFormats100k renders the audit of 100,000 applications in every
// format. Run with:
//
//	go test -run='^$' -bench=Formats100k -benchmem -benchtime=3x ./reports/
func BenchmarkFormats100k(b *testing.B) {
	r := largeResult(100_000)
	for _, f := range reports.Formats() {
		b.Run(f.Name, func(b *testing.B) {
			rep := f.New(reports.Options{ToolVersion: "bench"})
			var out countingWriter
			b.ReportAllocs()
			for b.Loop() {
				out.n = 0
				if err := rep.Write(&out, r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.n)/1e6, "MB")
			b.ReportMetric(float64(len(r.Findings)), "findings")
			b.ReportMetric(float64(len(r.Objects)), "objects")
		})
	}
}
