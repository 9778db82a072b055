package audit_test

import (
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// syntheticTenant builds a tenant of n applications with 2 or 3
// credentials each, the way a large tenant's list pages look: certificates
// without bodies (key null, SHA-1 customKeyIdentifier) spread over the
// validity states, one secret on every third app, and a deployed mapping
// for one app in a hundred.
func syntheticTenant(n int) (*audit.Tenant, *audit.Inventory) {
	t := &audit.Tenant{Complete: true, Applications: make([]audit.Application, n)}
	inv := &audit.Inventory{}
	for i := range n {
		appID := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		a := &t.Applications[i]
		a.AppID, a.ObjectID, a.DisplayName = appID, "o"+appID, fmt.Sprintf("app %d", i)
		creds := 2 + i%2
		for c := range creds {
			var seed [8]byte
			binary.LittleEndian.PutUint64(seed[:], uint64(i*4+c))
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
		if i%100 == 0 {
			inv.Deployments = append(inv.Deployments, audit.Deployment{
				App: appID, Source: fmt.Sprintf("deployed.csv:%d", len(inv.Deployments)+2),
				Thumbprints: a.KeyCredentials[i%creds].Thumbprints,
			})
		}
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
