package doctor

import (
	"testing"

	"github.com/appaudit/appaudit/audit"
)

// Diagnose never panics on any evidence, against a tenant or none.
func FuzzDiagnose(f *testing.F) {
	w := newWorld()
	tok := mustSign(f, header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256()), claims(), w.payroll.Key)
	f.Add(tok, "grant_type=client_credentials&client_assertion="+tok, keyNotFound(w.payroll.Thumbprints().SHA1, payrollID, now))
	f.Add("eyJhbGciOiJub25lIn0.e30.", "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&requested_token_use=on_behalf_of&assertion=a.b.c", "AADSTS700016 app Id 'x'")
	odd := w.tenant(true)
	odd.Cloud, odd.Complete, odd.TenantID = "somewhere else", false, ""
	tenants := []*audit.Tenant{w.tenant(false), odd, nil}
	f.Fuzz(func(t *testing.T, assertion, request, errText string) {
		for _, tenant := range tenants {
			in := &Input{Now: now, Assertion: &Evidence{Name: "a", Data: []byte(assertion)},
				Request: &Evidence{Name: "r", Data: []byte(request)}, Error: &Evidence{Name: "e", Data: []byte(errText)}, Tenant: tenant}
			r, err := Diagnose(in)
			if err == nil && r.Verdict == nil {
				t.Fatal("no verdict")
			}
		}
	})
}
