package graphtest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

const (
	tsTenant = "11111111-2222-4333-8444-555555555555"
	tsClient = "66666666-7777-4888-9999-000000000000"
)

// tokenRequest posts form to the token endpoint and returns the status
// and the answer.
func tokenRequest(t *testing.T, s *graphtest.TokenServer, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := s.Client().PostForm(s.Authority()+tsTenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, v
}

func TestTokenServer(t *testing.T) {
	now := audittest.Now()
	cert := audittest.Valid("signer.contoso.com", now, audittest.Days(1), audittest.Days(100))
	s := graphtest.NewTokenServer(graphtest.TokenOptions{TenantID: tsTenant, ClientID: tsClient, ClientSecret: "right-secret",
		Certificate: cert.X509, Lifetime: 2 * time.Minute})
	defer s.Close()
	resp, err := s.Client().Get(s.Authority() + tsTenant + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&meta)
	resp.Body.Close()
	if meta["token_endpoint"] != s.Authority()+tsTenant+"/oauth2/v2.0/token" {
		t.Errorf("metadata %v", meta)
	}

	secretForm := url.Values{"grant_type": {"client_credentials"}, "client_id": {tsClient}, "scope": {"https://graph.microsoft.com/.default"}, "client_secret": {"right-secret"}}
	status, v := tokenRequest(t, s, secretForm)
	tok1, _ := v["access_token"].(string)
	if status != 200 || v["expires_in"] != float64(120) || !s.Issued(tok1) {
		t.Fatalf("client secret: %d %v", status, v)
	}
	_, v = tokenRequest(t, s, secretForm)
	if tok2, _ := v["access_token"].(string); tok2 == tok1 || !s.Issued(tok2) || len(s.Tokens()) != 2 {
		t.Errorf("a second token is the first again, or not recorded: %v", s.Tokens())
	}

	sum := sha256.Sum256(cert.DER)
	assertion := func(key any, x5t string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodPS256, jwt.MapClaims{"aud": s.Authority() + tsTenant + "/oauth2/v2.0/token",
			"iss": tsClient, "sub": tsClient, "exp": time.Now().Add(10 * time.Minute).Unix(), "jti": "j"})
		tok.Header["x5t#S256"] = x5t
		signed, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	assertionForm := func(a string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {tsClient}, "scope": {"https://graph.microsoft.com/.default"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}
	}
	if status, v := tokenRequest(t, s, assertionForm(assertion(cert.Key, base64.StdEncoding.EncodeToString(sum[:])))); status != 200 {
		t.Errorf("client assertion: %d %v", status, v)
	}
	for name, tc := range map[string]struct {
		form url.Values
		code float64
	}{
		"wrong secret":     {url.Values{"grant_type": {"client_credentials"}, "client_id": {tsClient}, "scope": {"https://graph.microsoft.com/.default"}, "client_secret": {"wrong"}}, 7000215},
		"wrong key":        {assertionForm(assertion(audittest.KeyB(), base64.StdEncoding.EncodeToString(sum[:]))), 700027},
		"wrong thumbprint": {assertionForm(assertion(cert.Key, "AAAA")), 700027},
		"wrong client":     {url.Values{"grant_type": {"client_credentials"}, "client_id": {"x"}, "scope": {"https://graph.microsoft.com/.default"}, "client_secret": {"right-secret"}}, 700016},
		"no credential":    {url.Values{"grant_type": {"client_credentials"}, "client_id": {tsClient}, "scope": {"https://graph.microsoft.com/.default"}}, 7000218},
	} {
		status, v := tokenRequest(t, s, tc.form)
		codes, _ := v["error_codes"].([]any)
		if status != http.StatusUnauthorized || len(codes) != 1 || codes[0] != tc.code || strings.Contains(v["error_description"].(string), "wrong") {
			t.Errorf("%s: %d %v", name, status, v)
		}
	}
	if n := len(s.Requests()); n != 8 {
		t.Errorf("%d requests recorded, want 8", n)
	}

	echo := graphtest.NewTokenServer(graphtest.TokenOptions{TenantID: tsTenant, ClientID: tsClient, ClientSecret: "right-secret", Echo: true})
	defer echo.Close()
	bad := url.Values{"grant_type": {"client_credentials"}, "client_id": {tsClient}, "scope": {"https://graph.microsoft.com/.default"}, "client_secret": {"the-wrong-one"}}
	if status, v := tokenRequest(t, echo, bad); status != 401 || !strings.Contains(v["error_description"].(string), "client_secret=the-wrong-one") {
		t.Errorf("echo: %d %v", status, v)
	}
}
