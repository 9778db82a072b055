package graphclient_test

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/golang-jwt/jwt/v5"

	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
)

const (
	tenantID = "11111111-2222-4333-8444-555555555555"
	clientID = "66666666-7777-4888-9999-000000000000"
	secret   = "s3cr3t-value-never-printed"
	graphRes = "https://graph.microsoft.com"
)

// accessToken is a JWT as Entra issues them (signed with a key nobody
// checks here), for tenant tid.
func accessToken(t *testing.T, tid, aud string, exp time.Time) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"tid": tid, "aud": aud, "exp": exp.Unix()}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tokenEndpoint is a fake Entra authority over TLS: OpenID metadata, the
// token endpoint (client secret, client certificate assertion, federated
// assertion, device code) and the device-code endpoint.
type tokenEndpoint struct {
	t    *testing.T
	srv  *httptest.Server
	cert *audittest.Cert // the certificate client assertions must be signed with

	mu   sync.Mutex
	got  []map[string][]string // token request forms
	fail string                // answer every token request with this error description
}

func newTokenEndpoint(t *testing.T) *tokenEndpoint {
	e := &tokenEndpoint{t: t}
	e.srv = httptest.NewTLSServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *tokenEndpoint) authority() string { return e.srv.URL + "/" }

func (e *tokenEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	base := e.srv.URL + "/" + tenantID
	switch {
	case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		_ = json.NewEncoder(w).Encode(map[string]string{
			"token_endpoint": base + "/oauth2/v2.0/token", "authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"device_authorization_endpoint": base + "/oauth2/v2.0/devicecode", "issuer": base + "/v2.0",
		})
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/devicecode"):
		_ = json.NewEncoder(w).Encode(map[string]any{"device_code": "dc", "user_code": "CODE123",
			"verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900, "interval": 0,
			"message": "To sign in, open https://microsoft.com/devicelogin and enter CODE123."})
	case r.URL.Path == "/"+tenantID+"/oauth2/v2.0/token":
		_ = r.ParseForm()
		e.mu.Lock()
		e.got = append(e.got, r.PostForm)
		fail := e.fail
		e.mu.Unlock()
		if msg := e.check(r, fail); msg != "" {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": "invalid_client", "error_codes": []int{7000215},
				"error_description": msg + " Trace ID: 0000 Correlation ID: 1111 Timestamp: 2026-06-15 12:00:00Z"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
			"access_token": accessToken(e.t, tenantID, graphRes, time.Now().Add(time.Hour))})
	default:
		http.NotFound(w, r)
	}
}

// check says what is wrong with a token request, "" when nothing.
func (e *tokenEndpoint) check(r *http.Request, fail string) string {
	f := r.PostForm
	if fail != "" {
		return fail
	}
	if f.Get("scope") == "" || !strings.Contains(f.Get("scope"), graphRes+"/.default") {
		return "AADSTS70011: The provided scope is not valid: " + f.Get("scope")
	}
	switch f.Get("grant_type") {
	case "urn:ietf:params:oauth:grant-type:device_code", "device_code":
		return ""
	case "client_credentials":
	default:
		return "AADSTS70003: unsupported grant " + f.Get("grant_type")
	}
	if f.Get("client_id") != clientID {
		return "AADSTS700016: Application with identifier '" + f.Get("client_id") + "' was not found in the directory."
	}
	if f.Get("client_secret") != "" {
		if f.Get("client_secret") != secret {
			return "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID."
		}
		return ""
	}
	assertion := f.Get("client_assertion")
	if assertion == "federated-token-from-file" {
		return ""
	}
	if e.cert == nil {
		return "AADSTS7000218: The request body must contain client_assertion or client_secret."
	}
	tok, err := jwt.Parse(assertion, func(tok *jwt.Token) (any, error) { return e.cert.X509.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256", "PS256"}), jwt.WithAudience(e.srv.URL+"/"+tenantID+"/oauth2/v2.0/token"), jwt.WithIssuer(clientID))
	if err != nil {
		return "AADSTS700027: Client assertion failed signature validation: " + err.Error()
	}
	// x5t#S256 or x5t, in base64url or (as MSAL Go writes it) standard
	// base64.
	s256, s1 := sha256.Sum256(e.cert.DER), sha1.Sum(e.cert.DER)
	for header, want := range map[string][]byte{"x5t#S256": s256[:], "x5t": s1[:]} {
		v, _ := tok.Header[header].(string)
		for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
			if got, err := enc.DecodeString(v); err == nil && string(got) == string(want) {
				return ""
			}
		}
	}
	return "AADSTS700027: Client assertion failed signature validation. The key was not found."
}

func (e *tokenEndpoint) requests() []map[string][]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]map[string][]string(nil), e.got...)
}

func (e *tokenEndpoint) options(mode graphclient.AuthMode) graphclient.AuthOptions {
	c, _ := graphclient.LookupCloud("public")
	c.AuthorityHost = e.authority()
	return graphclient.AuthOptions{Mode: mode, Cloud: c, TenantID: tenantID, ClientID: clientID,
		Transport: e.srv.Client(), DisableInstanceDiscovery: true}
}

func getToken(t *testing.T, cred *graphclient.Credential) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{graphRes + "/.default"}})
	return tok.Token, err
}

func mustCredential(t *testing.T, o graphclient.AuthOptions) *graphclient.Credential {
	t.Helper()
	cred, err := graphclient.NewCredential(o)
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func TestClientSecret(t *testing.T) {
	e := newTokenEndpoint(t)
	o := e.options(graphclient.AuthClientSecret)
	o.ClientSecret = secret
	cred := mustCredential(t, o)
	if _, err := getToken(t, cred); err != nil {
		t.Fatal(err)
	}
	if cred.TenantID() != tenantID {
		t.Errorf("tenant from the token: %q", cred.TenantID())
	}
	form := e.requests()[0]
	if form["client_id"][0] != clientID || form["scope"][0] != graphRes+"/.default offline_access openid profile" && !strings.HasPrefix(form["scope"][0], graphRes+"/.default") {
		t.Errorf("token request %v", form)
	}

	o.ClientSecret = "wrong-secret-value"
	_, err := getToken(t, mustCredential(t, o))
	var se *graphclient.SignInError
	if !errors.As(err, &se) || se.Code != "AADSTS7000215" || se.Mode != graphclient.AuthClientSecret {
		t.Fatalf("error %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"sign-in with client-secret failed", "AADSTS7000215", "Invalid client secret provided", "not its ID"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "wrong-secret-value") || strings.Contains(msg, "\n") || strings.Contains(msg, "Trace ID") {
		t.Errorf("not one clean line: %q", msg)
	}
}

func TestClientSecretNeedsItsSettings(t *testing.T) {
	o := graphclient.AuthOptions{Mode: graphclient.AuthClientSecret, ClientID: clientID}
	_, err := graphclient.NewCredential(o)
	var ce *graphclient.ConfigError
	if !errors.As(err, &ce) || ce.Setting != graphclient.SettingAuth || ce.Value != "client-secret" ||
		ce.Msg != "needs a tenant ID (AZURE_TENANT_ID or --tenant) and a client secret (AZURE_CLIENT_SECRET)" {
		t.Errorf("error %v: want the two that are missing", err)
	}
}

func TestClientCertificate(t *testing.T) {
	e := newTokenEndpoint(t)
	e.cert = audittest.Valid("appaudit-reader", time.Now(), 24*time.Hour, 24*time.Hour)
	o := e.options(graphclient.AuthClientCertificate)
	o.Certificates, o.PrivateKey = []*x509.Certificate{e.cert.X509}, e.cert.Key
	if _, err := getToken(t, mustCredential(t, o)); err != nil {
		t.Fatal(err)
	}
	if form := e.requests()[0]; form["client_assertion_type"][0] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		t.Errorf("token request %v", form)
	}
	// Another certificate's key: Entra's answer, in one line.
	other := audittest.Valid("other", time.Now(), 24*time.Hour, 24*time.Hour)
	o.Certificates, o.PrivateKey = []*x509.Certificate{other.X509}, other.Key
	_, err := getToken(t, mustCredential(t, o))
	var se *graphclient.SignInError
	if !errors.As(err, &se) || se.Code != "AADSTS700027" || !strings.Contains(err.Error(), "not registered on the app") {
		t.Errorf("error %v", err)
	}
	o.PrivateKey = nil
	if _, err := graphclient.NewCredential(o); err == nil || !strings.Contains(err.Error(), "--client-cert") {
		t.Errorf("no key: %v", err)
	}
}

func TestStaticToken(t *testing.T) {
	c, _ := graphclient.LookupCloud("public")
	at := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	opts := func(tok string) graphclient.AuthOptions {
		return graphclient.AuthOptions{Mode: graphclient.AuthToken, Cloud: c, AccessToken: tok, TokenVar: "APPAUDIT_ACCESS_TOKEN", Now: clock}
	}
	good := accessToken(t, tenantID, graphRes, at.Add(time.Hour))
	cred := mustCredential(t, opts("Bearer "+good+"\n"))
	tok, err := getToken(t, cred)
	if err != nil || tok != good || cred.TenantID() != tenantID {
		t.Errorf("token %q %v, tenant %q", tok, err, cred.TenantID())
	}
	// Graph's app ID is an audience too; an opaque token is taken as it is.
	for _, tok := range []string{accessToken(t, tenantID, "00000003-0000-0000-c000-000000000000", at.Add(time.Hour)), "opaque-token"} {
		if _, err := getToken(t, mustCredential(t, opts(tok))); err != nil {
			t.Errorf("%s: %v", tok, err)
		}
	}
	for name, tc := range map[string]struct{ tok, want string }{
		"expired":        {accessToken(t, tenantID, graphRes, at.Add(-time.Minute)), "the token in APPAUDIT_ACCESS_TOKEN expired at 2026-06-15T11:59:00Z"},
		"Azure Resource": {accessToken(t, tenantID, "https://management.core.windows.net/", at.Add(time.Hour)), "is for https://management.core.windows.net/, not for Microsoft Graph"},
	} {
		_, err := getToken(t, mustCredential(t, opts(tc.tok)))
		var se *graphclient.SignInError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--resource-type ms-graph") || strings.Contains(err.Error(), tc.tok) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for bad, want := range map[string]string{
		"":          "graphclient: sign-in mode token: needs an access token in APPAUDIT_ACCESS_TOKEN (for example from `az account get-access-token --resource-type ms-graph --query accessToken -o tsv`)",
		"two words": "graphclient: sign-in mode token: APPAUDIT_ACCESS_TOKEN holds more than one word (give the access token alone)",
	} {
		_, err := graphclient.NewCredential(opts(bad))
		var ce *graphclient.ConfigError
		if !errors.As(err, &ce) || ce.Setting != graphclient.SettingAuth || err.Error() != want {
			t.Errorf("%q: %v\nwant %s", bad, err, want)
		}
	}
}

func TestDefaultChainFromTheEnvironment(t *testing.T) {
	e := newTokenEndpoint(t)
	t.Setenv("AZURE_TENANT_ID", tenantID)
	t.Setenv("AZURE_CLIENT_ID", clientID)
	t.Setenv("AZURE_CLIENT_SECRET", secret)
	cred := mustCredential(t, e.options(graphclient.AuthDefault))
	if _, err := getToken(t, cred); err != nil {
		t.Fatal(err)
	}
	if len(e.requests()) != 1 || e.requests()[0]["client_secret"][0] != secret {
		t.Errorf("token requests %v", e.requests())
	}
}

func TestWorkloadIdentity(t *testing.T) {
	e := newTokenEndpoint(t)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("federated-token-from-file"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", file)
	if _, err := getToken(t, mustCredential(t, e.options(graphclient.AuthWorkloadIdentity))); err != nil {
		t.Fatal(err)
	}
	if f := e.requests()[0]; f["client_assertion"][0] != "federated-token-from-file" || f["client_id"][0] != clientID {
		t.Errorf("token request %v", f)
	}
}

func TestDeviceCode(t *testing.T) {
	e := newTokenEndpoint(t)
	o := e.options(graphclient.AuthDeviceCode)
	var shown []string
	o.DeviceCodePrompt = func(m string) { shown = append(shown, m) }
	if _, err := getToken(t, mustCredential(t, o)); err != nil {
		t.Fatal(err)
	}
	if len(shown) != 1 || !strings.Contains(shown[0], "CODE123") {
		t.Errorf("prompt %q", shown)
	}
}

// managedIdentityRuns numbers the runs of TestManagedIdentity in this
// process.
var managedIdentityRuns atomic.Int32

func TestManagedIdentity(t *testing.T) {
	// MSAL Go keeps managed identity tokens in one cache for the whole
	// process (apps/managedidentity/managedidentity.go, v1.10.1:
	// "var cacheManager"), by client ID and resource: a second run of this
	// test under -count would be given the first run's token without a
	// request. Each run is another user-assigned identity.
	clientID := fmt.Sprintf("66666666-7777-4888-9999-%012d", managedIdentityRuns.Add(1))
	var got []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"access_token": accessToken(t, tenantID, graphRes, time.Now().Add(time.Hour)),
			"expires_on": fmt.Sprint(time.Now().Add(time.Hour).Unix()), "resource": graphRes, "token_type": "Bearer"})
	}))
	defer srv.Close()
	// An App Service managed identity endpoint.
	t.Setenv("IDENTITY_ENDPOINT", srv.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", "header-value")
	o := graphclient.AuthOptions{Mode: graphclient.AuthManagedIdentity, ClientID: clientID}
	cred := mustCredential(t, o)
	if _, err := getToken(t, cred); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].URL.Query().Get("resource") != graphRes || got[0].URL.Query().Get("client_id") != clientID ||
		got[0].Header.Get("X-Identity-Header") != "header-value" {
		t.Errorf("managed identity requests %v", got)
	}
	if cred.TenantID() != tenantID {
		t.Errorf("tenant %q", cred.TenantID())
	}
}

func TestAzureCLI(t *testing.T) {
	dir := t.TempDir()
	args := filepath.Join(dir, "args")
	tok := accessToken(t, tenantID, graphRes, time.Now().Add(time.Hour))
	script := fmt.Sprintf("#!/bin/sh\necho \"$@\" > %s\necho '{\"accessToken\": \"%s\", \"expires_on\": %d, \"tokenType\": \"Bearer\"}'\n",
		args, tok, time.Now().Add(time.Hour).Unix())
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	got, err := getToken(t, mustCredential(t, graphclient.AuthOptions{Mode: graphclient.AuthAzureCLI, TenantID: tenantID}))
	if err != nil || got != tok {
		t.Fatalf("token %q, %v", got, err)
	}
	b, _ := os.ReadFile(args)
	if !strings.Contains(string(b), "account get-access-token") || !strings.Contains(string(b), "--resource "+graphRes) || !strings.Contains(string(b), "--tenant "+tenantID) {
		t.Errorf("az called with %q", b)
	}
	// az not signed in: its own words (the Azure CLI's stderr, as pasted
	// in Azure/azure-cli#33414), and what to do.
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte("#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = getToken(t, mustCredential(t, graphclient.AuthOptions{Mode: graphclient.AuthAzureCLI}))
	if err == nil || !strings.Contains(err.Error(), "sign-in with azure-cli failed: AzureCLICredential: ERROR: Please run 'az login' to setup account.") ||
		!strings.Contains(err.Error(), "(run az login") || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q", err)
	}
	// az not installed: azidentity's shell cannot find it, and neither
	// can appaudit, so the hint is not to run it.
	t.Setenv("PATH", t.TempDir())
	_, err = getToken(t, mustCredential(t, graphclient.AuthOptions{Mode: graphclient.AuthAzureCLI}))
	if err == nil || !strings.Contains(err.Error(), "AzureCLICredential: executable not found on path (the Azure CLI (az) is not on the PATH: install it") ||
		strings.Contains(err.Error(), "(run az login") {
		t.Errorf("error %q", err)
	}
}
