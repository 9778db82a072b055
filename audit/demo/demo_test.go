package demo_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/audit/demo"
	"github.com/appaudit/appaudit/audit/doctor"
)

func scenario(t *testing.T, at time.Time) (*audit.Tenant, *audit.Inventory) {
	t.Helper()
	tenant, inv, err := demo.Scenario(at)
	if err != nil {
		t.Fatal(err)
	}
	return tenant, inv
}

// The demo must show every scan check firing, and one app with nothing to
// report, on any day it runs.
func TestDemoFiresEveryScanCheck(t *testing.T) {
	for _, now := range []int{0, 100, 1000} {
		at := audittest.Now().Add(audittest.Days(now))
		tenant, inv := scenario(t, at)
		r := audit.Run(tenant, inv, audit.DefaultPolicy(), at)
		fired := map[string]int{}
		apps := map[string]bool{}
		for _, f := range r.Findings {
			fired[f.Check]++
			if f.App != nil {
				apps[f.App.AppID] = true
			}
		}
		for _, c := range audit.Checks() {
			if c.Command == "scan" && fired[c.ID] == 0 {
				t.Errorf("day %d: check %s does not fire in the demo", now, c.ID)
			}
		}
		healthy := 0
		for _, a := range tenant.Applications {
			if !apps[a.AppID] {
				healthy++
				if a.DisplayName != "Contoso Payroll API" {
					t.Errorf("unexpectedly healthy app %q", a.DisplayName)
				}
			}
		}
		if healthy != 1 {
			t.Errorf("day %d: %d healthy apps, want exactly 1", now, healthy)
		}
		if !r.Complete || len(r.Warnings) != 1 {
			t.Errorf("day %d: complete=%v warnings=%q (want the one retired-app row)", now, r.Complete, r.Warnings)
		}
	}
}

// A finding names its object in its own field, which every report shows
// beside the message: the message does not say it again.
func TestMessagesDoNotRepeatTheirObject(t *testing.T) {
	at := audittest.Now()
	tenant, inv := scenario(t, at)
	r := audit.Run(tenant, inv, audit.DefaultPolicy(), at)
	// The checks about one registered credential do not describe it again.
	oneCredential := []string{audit.CheckCertExpired, audit.CheckCertExpiring, audit.CheckCertNotYetValid, audit.CheckCertWeakKey,
		audit.CheckCertLongLived, audit.CheckCertUnidentified, audit.CheckCertUnused, audit.CheckSecretExpired, audit.CheckSecretExpiring,
		audit.CheckSecretLongLived, audit.CheckSAMLCertExpired, audit.CheckSAMLCertExpiring, audit.CheckSAMLCertInactiveExpired, audit.CheckCredentialUnused}
	for _, f := range r.Findings {
		if f.App != nil && strings.Contains(f.Message, f.App.AppID) {
			t.Errorf("%s on %s: message repeats the appId: %s", f.Check, f.App.DisplayName, f.Message)
		}
		if c := f.Credential; c != nil && slices.Contains(oneCredential, f.Check) {
			if strings.Contains(f.Message, c.KeyID) || (c.Thumbprints != nil && c.Thumbprints.SHA1 != "" && strings.Contains(f.Message, c.Thumbprints.SHA1)) {
				t.Errorf("%s on %s: message repeats the credential: %s", f.Check, f.App.DisplayName, f.Message)
			}
		}
	}
}

// The demo is the same all day: at any two instants of one day it has the
// same certificates, so the same findings by fingerprint; on another day
// its certificates are new ones.
func TestDemoIsTheSameAllDay(t *testing.T) {
	morning := time.Date(2026, 6, 15, 0, 0, 1, 0, time.UTC)
	evening := time.Date(2026, 6, 15, 23, 59, 58, 0, time.UTC)
	tomorrow := morning.Add(24 * time.Hour)
	thumbprints := func(at time.Time) []string {
		tenant, inv := scenario(t, at)
		var tps []string
		for _, a := range tenant.Applications {
			for _, k := range a.KeyCredentials {
				tps = append(tps, k.Thumbprints.SHA1+" "+k.Thumbprints.SHA256)
			}
		}
		for _, c := range inv.Certs {
			tps = append(tps, c.Cert.Thumbprints.SHA256)
		}
		return tps
	}
	fingerprints := func(at time.Time) []string {
		tenant, inv := scenario(t, at)
		var fps []string
		for _, f := range audit.Run(tenant, inv, audit.DefaultPolicy(), at).Findings {
			fps = append(fps, f.Fingerprint)
		}
		slices.Sort(fps)
		return fps
	}
	if a, b := thumbprints(morning), thumbprints(evening); !slices.Equal(a, b) {
		t.Errorf("the certificates change during the day:\n%v\n%v", a, b)
	}
	if a, b := fingerprints(morning), fingerprints(evening); !slices.Equal(a, b) || len(a) == 0 {
		t.Errorf("the findings change during the day:\n%v\n%v", a, b)
	}
	if a, b := thumbprints(morning), thumbprints(tomorrow); a[0] == b[0] {
		t.Error("the next day's certificates are the same: they are not made relative to the day")
	}
}

// Every doctor case shows what its title promises, on any day.
func TestDoctorCases(t *testing.T) {
	wantCause := []string{
		"", audit.CheckAssertionThumbprintEncoding, audit.CheckAssertionKeyExpired, audit.CheckAssertionKeyExpired,
		audit.CheckAssertionHeaderUnsupported, audit.CheckRequestSecretAndAssertion, audit.CheckErrorThumbprintUnknown,
	}
	for _, at := range []time.Time{audittest.Now(), time.Date(2031, 2, 28, 23, 59, 59, 0, time.UTC)} {
		cases, err := demo.DoctorCases(at)
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != len(wantCause) {
			t.Fatalf("%d cases, want %d", len(cases), len(wantCause))
		}
		results := make([]*audit.Result, len(cases))
		for i, c := range cases {
			r, err := doctor.Diagnose(&c.Input)
			if err != nil {
				t.Fatalf("%s: %v", c.Title, err)
			}
			results[i] = r
			if r.Verdict.Cause != wantCause[i] {
				t.Errorf("%s: verdict %+v, want %q", c.Title, r.Verdict, wantCause[i])
			}
			out, _ := json.Marshal(r)
			if strings.Contains(string(out), "demo-secret-value-never-shown") {
				t.Errorf("%s: the demo secret is in the result", c.Title)
			}
		}
		// The fixes the demo promises.
		if results[1].Verdict.Values["x5t#S256"] == "" {
			t.Errorf("no corrected x5t#S256: %v", results[1].Verdict.Values)
		}
		if v := results[5].Verdict.Values; v["scope"] != "api://portal-backend/.default" || v["client_assertion_type"] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			t.Errorf("request fixes %v", v)
		}
		found := false
		for _, f := range results[6].Findings {
			if f.Check == audit.CheckErrorThumbprintUnknown && f.Severity == audit.SeverityCritical &&
				strings.Contains(f.Message, "demo/certs/reporting-2027.pem") && strings.Contains(f.Message, "not uploaded yet") {
				found = true
			}
		}
		if !found {
			t.Errorf("the error case does not name the local file: %+v", results[6].Findings)
		}
	}
}

// Every preflight case reaches the verdict its title promises: one safe
// switch, and each way of getting one wrong.
func TestPreflightCases(t *testing.T) {
	want := []string{audit.CheckPreflightNotYetValid, "", audit.CheckPreflightNotRegistered, audit.CheckPreflightWrongUsage, audit.CheckPreflightKeyMismatch}
	for _, at := range []time.Time{audittest.Now(), time.Date(2031, 2, 28, 23, 59, 59, 0, time.UTC)} {
		cases, err := demo.PreflightCases(at)
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != len(want) {
			t.Fatalf("%d cases, want %d", len(cases), len(want))
		}
		for i, c := range cases {
			r := doctor.Preflight(&c.Input)
			if r.Verdict.Cause != want[i] {
				t.Errorf("%s: verdict %+v, want cause %q; findings %v", c.Title, r.Verdict, want[i], r.Findings)
			}
			if want[i] == "" && !strings.HasPrefix(r.Verdict.Text, "safe to switch") {
				t.Errorf("%s: verdict %q", c.Title, r.Verdict.Text)
			}
		}
	}
}

// The demo ships in the binary: it must return its errors, never panic,
// and build its certificates without the test helpers.
func TestDemoHasNoPanicAndNoTestHelpers(t *testing.T) {
	fset := token.NewFileSet()
	for _, dir := range []string{".", "democert"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, name, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				if strings.HasSuffix(strings.Trim(imp.Path.Value, `"`), "test") {
					t.Errorf("%s imports %s", name, imp.Path.Value)
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" {
						t.Errorf("%s: panic at %s", name, fset.Position(call.Pos()))
					}
				}
				return true
			})
		}
	}
}
