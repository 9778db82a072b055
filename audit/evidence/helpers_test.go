package evidence

import (
	"crypto"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit/audittest"
)

// The world the parser tests read: a client assertion of Payroll in tenant
// testTenant, as of the fixed test clock.
const (
	testTenant = "11111111-2222-4333-8444-555555555555"
	payrollID  = "00000000-0000-4000-a000-000000000001"
)

var now = audittest.Now()

func testEndpoint() string {
	return "https://login.microsoftonline.com/" + testTenant + "/oauth2/v2.0/token"
}

func claims() map[string]any {
	return map[string]any{
		"aud": testEndpoint(), "iss": payrollID, "sub": payrollID, "jti": "9d8f7e6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a",
		"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(),
	}
}

func header(alg string, kv ...any) map[string]any {
	h := map[string]any{"alg": alg, "typ": "JWT"}
	for i := 0; i < len(kv); i += 2 {
		h[kv[i].(string)] = kv[i+1]
	}
	return h
}

// mustSign signs as MSAL Go does (audittest.SignJWT).
func mustSign(t testing.TB, h, c map[string]any, key crypto.Signer) string {
	t.Helper()
	s, err := audittest.SignJWT(h, c, key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
