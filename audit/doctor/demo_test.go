package doctor

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// Every demo case shows what its title promises, on any day.
func TestDemoCases(t *testing.T) {
	wantCause := []string{
		"", audit.CheckAssertionThumbprintEncoding, audit.CheckAssertionKeyExpired, audit.CheckAssertionKeyExpired,
		audit.CheckAssertionHeaderUnsupported, audit.CheckRequestSecretAndAssertion, audit.CheckErrorThumbprintUnknown,
	}
	for _, at := range []time.Time{now, time.Date(2031, 2, 28, 23, 59, 59, 0, time.UTC)} {
		cases := DemoCases(at)
		if len(cases) != len(wantCause) {
			t.Fatalf("%d cases, want %d", len(cases), len(wantCause))
		}
		for i, c := range cases {
			r, err := Diagnose(&c.Input)
			if err != nil {
				t.Fatalf("%s: %v", c.Title, err)
			}
			if r.Verdict.Cause != wantCause[i] {
				t.Errorf("%s: verdict %+v, want %q", c.Title, r.Verdict, wantCause[i])
			}
			out, _ := json.Marshal(r)
			if strings.Contains(string(out), "demo-secret-value-never-shown") {
				t.Errorf("%s: the demo secret is in the result", c.Title)
			}
		}
		// The fixes the demo promises.
		r, _ := Diagnose(&cases[1].Input)
		if r.Verdict.Values["x5t#S256"] == "" {
			t.Errorf("no corrected x5t#S256: %v", r.Verdict.Values)
		}
		r, _ = Diagnose(&cases[5].Input)
		if r.Verdict.Values["scope"] != "api://portal-backend/.default" || r.Verdict.Values["client_assertion_type"] != clientAssertionType {
			t.Errorf("request fixes %v", r.Verdict.Values)
		}
		r, _ = Diagnose(&cases[6].Input)
		if f := want(t, r, audit.CheckErrorThumbprintUnknown, audit.SeverityCritical, "demo/certs/reporting-2027.pem", "not uploaded yet"); f == nil {
			t.Error("the error case does not name the local file")
		}
	}
}
