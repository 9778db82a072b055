package doctor

import (
	"fmt"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// A diagnosis against a 100,000-app tenant whose certificate the client
// does not have: the worst case, since the thumbprint is then looked up on
// every app to say where else it is registered.
func BenchmarkDiagnoseLargeTenant(b *testing.B) {
	w := newWorld()
	key := w.payroll.KeyCredential("k", audit.UsageVerify, false)
	apps := make([]audit.Application, 100_000)
	for i := range apps {
		k := key
		k.KeyID = fmt.Sprintf("k-%d", i)
		k.CustomKeyIdentifier = []byte(fmt.Sprintf("%020d", i))
		k.Identify(nil)
		apps[i] = audittest.App(fmt.Sprintf("00000000-0000-4000-a000-%012d", i), fmt.Sprintf("app %d", i), k)
	}
	tenant := audittest.Tenant(apps...)
	tenant.TenantID = testTenant
	tok := mustSign(b, header("PS256", "x5t#S256", w.stray.Thumbprints().X5tS256()), with(claims(), "iss", apps[42].AppID, "sub", apps[42].AppID), w.stray.Key)
	local := w.stray.LocalCert("certs/stray.pem")
	b.ResetTimer()
	for range b.N {
		r, err := Diagnose(&Input{Assertion: &Evidence{Name: "a.jwt", Data: []byte(tok)}, Tenant: tenant, Cert: &local, Now: now})
		if err != nil || r.Verdict.Cause != audit.CheckAssertionThumbprintUnknown {
			b.Fatalf("%v %+v", err, r.Verdict)
		}
	}
}
