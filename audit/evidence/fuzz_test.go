package evidence

import (
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit/audittest"
)

// The parsers read evidence pasted from anywhere: they never panic, and
// their errors name no more than 80 bytes of it.

func FuzzParseAssertion(f *testing.F) {
	tok := mustSign(f, header("PS256", "x5t#S256", "abc"), claims(), audittest.KeyA())
	for _, s := range []string{tok, "a.b.c", "a.b.c.d.e", "", "eyJ.eyJ.", tok[:50], strings.ReplaceAll(tok, "-", "+") + "=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAssertion(s)
		if err == nil {
			a.HeaderNames()
			a.Audiences()
			a.ClaimNumber("exp")
			a.Verify("PS256", audittest.KeyA().Public())
			a.Verify("RS256", audittest.ECKey().Public())
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
		"AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: 'D02953830A67536051EFCB073FB05537287D3800', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '00000000-0000-4000-a000-000000000001'.] Trace ID: c239abbb-de7c-4092-8f1a-6a13382c5500 Correlation ID: 48f14b85-0366-451d-b576-e78bb526ade9 Timestamp: 2026-06-15 11:58:30Z",
		`{"error":"invalid_client","error_description":"AADSTS700027: x","error_codes":[700027],"timestamp":"2026-01-01 00:00:00Z"}`,
		"AADSTS50012 Found key 'Start=13/45/2023, End=x'", "{{{{", "AADSTS99999999999999",
		"AADSTS700024: Client assertion is not within its valid time range. Current time: 2025-08-29T05:47:32.1501147Z, assertion valid from 1970-01-01T00:00:00.0000000Z, expiry time of assertion 2025-08-29T00:30:05.0000000Z. Review the documentation",
		"AADSTS7000222: The provided client secret keys for app 'x' are expired. AADSTS500011: The resource principal named y was not found in the tenant named z.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseError([]byte(s))
	})
}
