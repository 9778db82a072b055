package audit_test

import (
	"fmt"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// syntheticTenant is audittest.LargeTenant with a deployed mapping row
// for one app in a hundred.
func syntheticTenant(n int) (*audit.Tenant, *audit.Inventory) {
	t := audittest.LargeTenant(n, now, 0)
	inv := &audit.Inventory{}
	for i := 0; i < n; i += 100 {
		a := &t.Applications[i]
		inv.Deployments = append(inv.Deployments, audit.Deployment{
			App: a.AppID, Source: fmt.Sprintf("deployed.csv:%d", len(inv.Deployments)+2),
			Thumbprints: a.KeyCredentials[i%len(a.KeyCredentials)].Thumbprints,
		})
	}
	return t, inv
}

// BenchmarkRun100k audits 100,000 applications (about 250,000
// credentials). Run with:
//
//	go test -run=^$ -bench=Run100k -benchmem ./audit/
func BenchmarkRun100k(b *testing.B) {
	const n = 100_000
	t, inv := syntheticTenant(n)
	p := audit.DefaultPolicy()
	b.ReportAllocs()
	b.ResetTimer()
	var findings int
	for b.Loop() {
		r := audit.Run(t, inv, p, now)
		findings = len(r.Findings)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "apps/s")
	b.ReportMetric(float64(findings), "findings")
}
