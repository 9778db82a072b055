package doctor

import (
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// The parsers read evidence pasted from anywhere: they never panic, and
// their errors name no more than 80 bytes of it.

func FuzzParseAssertion(f *testing.F) {
	w := newWorld()
	tok := mustSign(f, header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256()), claims(), w.payroll.Key)
	for _, s := range []string{tok, "a.b.c", "a.b.c.d.e", "", "eyJ.eyJ.", tok[:50], strings.ReplaceAll(tok, "-", "+") + "=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAssertion(s)
		if err == nil {
			a.HeaderNames()
			a.Audiences()
			a.ClaimNumber("exp")
			a.verify("PS256", w.payroll.Key.Public())
			a.verify("RS256", audittest.ECKey().Public())
		}
	})
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		"grant_type=client_credentials&client_id=x&client_secret=y",
		"curl -sS -X POST https://login.microsoftonline.com/t/oauth2/v2.0/token \\\n -d 'a=b' --data-urlencode \"c=d e\" -H 'Content-Type: application/json'",
		"POST /t/oauth2/v2.0/token HTTP/1.1\nHost: h\nAuthorization: Basic eDp5\n\nx=y",
		"POST /t HTTP/1.1\nContent-Type: multipart/form-data; boundary=b\n\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--b--",
		"curl $'a\\tb' \"unterminated", "curl -F a=@file", "{\"grant_type\": 3}", "%zz=%zz&&=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequest([]byte(s))
		if err == nil {
			r.Get("client_id")
			r.HasSecret()
		}
	})
}

func FuzzParseError(f *testing.F) {
	for _, s := range []string{
		keyNotFound("D02953830A67536051EFCB073FB05537287D3800", payrollID, time.Now()),
		`{"error":"invalid_client","error_description":"AADSTS700027: x","error_codes":[700027],"timestamp":"2026-01-01 00:00:00Z"}`,
		"AADSTS50012 Found key 'Start=13/45/2023, End=x'", "{{{{", "AADSTS99999999999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseError([]byte(s))
	})
}

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
