package doctor

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// requestFor is a client credentials request for Payroll with a good
// assertion, with params set (an empty value deletes).
func requestFor(t *testing.T, w *world, kv ...string) string {
	t.Helper()
	v := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {payrollID}, "scope": {"https://graph.microsoft.com/.default"},
		"client_assertion_type": {clientAssertionType},
		"client_assertion":      {mustSign(t, header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256()), claims(), w.payroll.Key)},
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			v.Del(kv[i])
		} else {
			v.Set(kv[i], kv[i+1])
		}
	}
	return v.Encode()
}

func requestInput(req string, tenant *audit.Tenant) *Input {
	return &Input{Request: &Evidence{Name: "request.txt", Data: []byte(req)}, Tenant: tenant, Now: now}
}

func TestRequestChecks(t *testing.T) {
	w := newWorld()
	basic := "POST " + testEndpoint() + " HTTP/1.1\nHost: login.microsoftonline.com\nAuthorization: Basic " +
		base64.StdEncoding.EncodeToString([]byte(payrollID+":basic-secret")) + "\n\n" + requestFor(t, w)
	tests := []struct {
		name   string
		req    string
		setup  func(*Input)
		check  string
		parts  []string
		values map[string]string
	}{
		{name: "a good request", req: requestFor(t, w)},
		{name: "secret and assertion", req: requestFor(t, w, "client_secret", "s3cret-value"),
			check: audit.CheckRequestSecretAndAssertion, parts: []string{"also client_secret (its value is not shown)"}},
		{name: "Basic credentials and assertion", req: basic,
			check: audit.CheckRequestSecretAndAssertion, parts: []string{"HTTP Basic client credentials"}},
		{name: "wrong assertion type", req: requestFor(t, w, "client_assertion_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
			check: audit.CheckRequestAssertionType, parts: []string{`client_assertion_type "urn:ietf:params:oauth:grant-type:jwt-bearer"`},
			values: map[string]string{"client_assertion_type": clientAssertionType}},
		{name: "no assertion type", req: requestFor(t, w, "client_assertion_type", ""),
			check: audit.CheckRequestAssertionType, parts: []string{"no client_assertion_type"}},
		{name: "no credential", req: requestFor(t, w, "client_assertion", "", "client_assertion_type", ""),
			check: audit.CheckRequestNoCredential, parts: []string{"neither client_assertion nor client_secret", "AADSTS7000218"}},
		{name: "assertion under another name", req: requestFor(t, w, "client_assertion", "", "clientAssertion", "x"),
			check: audit.CheckRequestNoCredential, parts: []string{`it has "clientAssertion"`}},
		{name: "api://x/default", req: requestFor(t, w, "scope", "api://payroll-api/default"),
			check: audit.CheckRequestScopeDefault, parts: []string{"lacks the dot", "AADSTS1002012"}, values: map[string]string{"scope": "api://payroll-api/.default"}},
		{name: "a permission by name", req: requestFor(t, w, "scope", "https://graph.microsoft.com/User.Read.All"),
			check: audit.CheckRequestScopeDefault, parts: []string{"is not {resource}/.default"}, values: map[string]string{"scope": "https://graph.microsoft.com/.default"}},
		{name: "a bare permission", req: requestFor(t, w, "scope", "Mail.Send"),
			check: audit.CheckRequestScopeDefault, values: map[string]string{"scope": "https://graph.microsoft.com/.default"}},
		{name: "two resources", req: requestFor(t, w, "scope", "https://graph.microsoft.com/.default api://payroll-api/.default offline_access"),
			check: audit.CheckRequestScopeDefault, parts: []string{"asks for 2 resources"}, values: map[string]string{"scope": "https://graph.microsoft.com/.default"}},
		{name: "a GUID resource", req: requestFor(t, w, "scope", "00000003-0000-0000-c000-000000000000"),
			check: audit.CheckRequestScopeDefault, values: map[string]string{"scope": "00000003-0000-0000-c000-000000000000/.default"}},
		{name: "no scope", req: requestFor(t, w, "scope", ""), check: audit.CheckRequestMissingParameter, parts: []string{"has no scope", "AADSTS900144"}},
		{name: "v1 endpoint with resource", req: "curl https://login.microsoftonline.com/" + testTenant + "/oauth2/token -d '" + requestFor(t, w, "scope", "", "resource", "https://graph.microsoft.com") + "'"},
		{name: "no grant_type, no client_id", req: requestFor(t, w, "grant_type", "", "client_id", ""), check: audit.CheckRequestMissingParameter, parts: []string{"has no grant_type, no client_id"}},
		{name: "a JSON body", req: "curl " + testEndpoint() + ` -H "Content-Type: application/json" -d '{"grant_type":"client_credentials","client_id":"` + payrollID + `"}'`,
			check: audit.CheckRequestMissingParameter, parts: []string{"as JSON", "application/x-www-form-urlencoded", "'grant_type'"}},
		{name: "client_id is another app", req: requestFor(t, w, "client_id", billingID),
			check: audit.CheckRequestClientIDMismatch, parts: []string{"client_id in request.txt (form body) is " + billingID, "assertion's iss"}},
		{name: "client_id is not --client-id", req: requestFor(t, w), setup: func(in *Input) { in.ClientID = billingID },
			check: audit.CheckRequestClientIDMismatch, parts: []string{"--client-id is " + billingID}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := diagnoseCase(t, requestInput(tc.req, w.tenant(true)), tc.setup)
			expect(t, r, tc.check, audit.SeverityCritical, tc.parts, tc.values)
		})
	}
}

func TestOnBehalfOf(t *testing.T) {
	w := newWorld()
	userToken := func(c map[string]any) string {
		// Entra's own tokens are signed by keys appaudit never has; the
		// checks read the claims only.
		return mustSign(t, header("RS256", "kid", "entra-key"), c, audittest.KeyB())
	}
	user := map[string]any{
		"iss": "https://login.microsoftonline.com/" + testTenant + "/v2.0", "aud": payrollID, "sub": "user-object",
		"exp": now.Add(30 * time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(),
	}
	obo := func(assertion string, kv ...string) string {
		return requestFor(t, w, append([]string{"grant_type", grantJWTBearer, "requested_token_use", "on_behalf_of", "assertion", assertion, "scope", "https://graph.microsoft.com/.default"}, kv...)...)
	}
	tests := []struct {
		name      string
		assertion string
		parts     []string
	}{
		{"a token for this API", userToken(user), nil},
		{"api:// App ID URI of this API", userToken(with(user, "aud", "api://"+payrollID)), nil},
		{"a Graph token", userToken(with(user, "aud", "00000003-0000-0000-c000-000000000000")), []string{"a token for Microsoft Graph"}},
		{"a token for another app", userToken(with(user, "aud", billingID)), []string{"issued for the app " + billingID, "AADSTS500131"}},
		{"self-signed", userToken(with(user, "iss", "https://my-idp.contoso.com")), []string{`its issuer is "https://my-idp.contoso.com", not Entra`}},
		{"the client's own assertion", mustSign(t, header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256()), claims(), w.payroll.Key), []string{"it is a client assertion"}},
		{"expired", userToken(with(user, "exp", now.Add(-time.Hour).Unix())), []string{"it expired at"}},
		{"not a JWT", "opaque-token", []string{"not a JWT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := diagnose(t, requestInput(obo(tc.assertion), w.tenant(true)))
			if tc.parts == nil {
				none(t, r, audit.CheckRequestOBOAssertion)
				return
			}
			want(t, r, audit.CheckRequestOBOAssertion, audit.SeverityCritical, append(tc.parts, "the client certificate is not the problem")...)
		})
	}
	// With the AADSTS50013 error, the user assertion is named the cause,
	// before a lesser problem of the client assertion.
	client := mustSign(t, header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256()), with(claims(), "jti", nil), w.payroll.Key)
	in := requestInput(obo(userToken(with(user, "aud", "https://graph.microsoft.com")), "client_assertion", client), w.tenant(true))
	in.Assertion = &Evidence{Name: "client.jwt", Data: []byte(client)}
	in.Error = &Evidence{Name: "e.txt", Data: []byte("AADSTS50013: Assertion failed signature validation. [Reason - Key was found, but use of the key to verify the signature failed.]")}
	r := diagnose(t, in)
	want(t, r, audit.CheckAssertionJTIMissing, audit.SeverityHigh)
	if r.Verdict.Cause != audit.CheckRequestOBOAssertion {
		t.Errorf("verdict %+v, want request-obo-assertion", r.Verdict)
	}
	if strings.Contains(strings.Join(r.Warnings, " "), "is not the assertion given") {
		t.Error("the OBO user assertion was taken for the client assertion")
	}
}

// MSAL adds the reserved OpenID scopes to a client credentials request, and
// Entra takes them beside one {resource}/.default. Each body is the scope
// parameter exactly as the library builds it, the rest of the request as
// requestFor makes it.
func TestClientCredentialsScopeAsMSALSendsIt(t *testing.T) {
	w := newWorld()
	for _, tc := range []struct{ source, scope string }{
		// MSAL Go v1.10.1 (azidentity v1.15.0), apps/internal/oauth/ops/accesstokens/accesstokens.go:
		// AppendDefaultScopes adds "openid", "offline_access", "profile".
		{"MSAL Go v1.10.1", "https://graph.microsoft.com/.default openid offline_access profile"},
		// msal4j 1.17.2, OAuthAuthorizationGrant.addCommonScopes: a HashSet
		// of "openid profile offline_access" and the scopes, in any order.
		{"msal4j 1.17.2", "openid profile offline_access https://graph.microsoft.com/.default"},
		// msal-node 1.0.0-alpha.5 (msal-common 1.2.0), RequestParameterBuilder.addScopes.
		{"msal-node 1.0.0-alpha.5", "https://graph.microsoft.com/.default openid profile"},
	} {
		t.Run(tc.source, func(t *testing.T) {
			r := diagnose(t, requestInput(requestFor(t, w, "scope", tc.scope, "client_info", "1"), w.tenant(true)))
			noFailure(t, r)
			none(t, r, audit.CheckRequestScopeDefault)
		})
	}
	// The reserved scopes alone are not a client credentials scope:
	// Entra's answer, as MSAL Go's oauth.go quotes it, is "AADSTS1002012:
	// The provided value for scope openid offline_access profile is not
	// valid. Client credential flows must have a scope value with
	// /.default suffixed to the resource identifier".
	r := diagnose(t, requestInput(requestFor(t, w, "scope", "openid offline_access profile"), w.tenant(true)))
	want(t, r, audit.CheckRequestScopeDefault, audit.SeverityCritical, "only the OpenID scopes", "AADSTS1002012")
	// Two resources are still two.
	r = diagnose(t, requestInput(requestFor(t, w, "scope", "https://graph.microsoft.com/.default https://vault.azure.net/.default openid"), w.tenant(true)))
	want(t, r, audit.CheckRequestScopeDefault, audit.SeverityCritical, "asks for 2 resources")
}

// An on-behalf-of request for api://.../default (no dot) is almost always a
// typo of /.default: medium, with the corrected value. The body is an
// on-behalf-of request as MSAL Go v1.10.1 builds it
// (FromUserAssertionClientCertificate in apps/internal/oauth/ops/accesstokens/accesstokens.go:
// grant_type, client_assertion_type, client_assertion, client_id,
// assertion, client_info=1, requested_token_use, and the scope with the
// OpenID scopes added).
func TestOnBehalfOfDefaultTypo(t *testing.T) {
	w := newWorld()
	user := mustSign(t, header("RS256", "kid", "entra-key"), map[string]any{
		"iss": "https://login.microsoftonline.com/" + testTenant + "/v2.0", "aud": payrollID, "sub": "user-object",
		"exp": now.Add(30 * time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(),
	}, audittest.KeyB())
	obo := func(scope string) string {
		return requestFor(t, w, "grant_type", grantJWTBearer, "requested_token_use", "on_behalf_of", "assertion", user,
			"client_info", "1", "scope", scope+" openid offline_access profile")
	}
	for _, tc := range []struct{ scope, fix string }{
		{"api://payroll-api/default", "api://payroll-api/.default"},
		{"https://contoso.onmicrosoft.com/payroll-api/default", "https://contoso.onmicrosoft.com/payroll-api/.default"},
		{billingID + "/default", billingID + "/.default"},
	} {
		t.Run(tc.scope, func(t *testing.T) {
			r := diagnose(t, requestInput(obo(tc.scope), w.tenant(true)))
			want(t, r, audit.CheckRequestScopeDefault, audit.SeverityMedium, "on-behalf-of", "/.default")
			wantValues(t, r, map[string]string{"scope": tc.fix})
		})
	}
	for _, scope := range []string{"api://payroll-api/.default", "api://payroll-api/Payroll.Read", "https://graph.microsoft.com/User.Read"} {
		r := diagnose(t, requestInput(obo(scope), w.tenant(true)))
		none(t, r, audit.CheckRequestScopeDefault)
	}
}
