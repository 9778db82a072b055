package demo

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit/demo/democert"
	"github.com/appaudit/appaudit/audit/doctor"
)

// Case is one of the diagnoses the demo of doctor or preflight shows: its
// title, and what it diagnoses (a doctor.Input or a
// doctor.PreflightInput) against the demo tenant.
type Case[In any] struct {
	Title string
	Input In
}

// DoctorCases builds the sign-ins `appaudit doctor --demo` diagnoses, as
// of now, each with its evidence: one healthy assertion
// as MSAL Go sends it, and broken ones as hand-written clients and
// rotations gone wrong make them, each against the demo tenant and signed
// with the key of the demo's certificate, as golang-jwt (which MSAL Go
// uses) signs.
func DoctorCases(now time.Time) ([]Case[doctor.Input], error) {
	now = now.UTC().Truncate(time.Second)
	s, err := build(now)
	if err != nil {
		return nil, err
	}
	tenant, inv, c := s.tenant, s.inv, s.certs
	endpoint := "https://login.microsoftonline.com/" + tenant.TenantID + "/oauth2/v2.0/token"
	claims := func(client string) map[string]any {
		return map[string]any{
			"aud": endpoint, "iss": client, "sub": client, "jti": "3f1c9a52-8d0e-4b7a-9c61-5e2f0a7d4b19",
			"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(),
		}
	}
	var cases []Case[doctor.Input]
	var failed error
	// assertion signs claims under header h with cert's key, as MSAL Go
	// does; the first failure is kept and ends the build.
	assertion := func(h map[string]any, cl map[string]any, cert *democert.Cert) string {
		if failed != nil {
			return ""
		}
		out, err := democert.SignJWT(h, cl, cert.Key)
		if err != nil {
			failed = fmt.Errorf("demo: signing an assertion for %q: %w", cert.X509.Subject.CommonName, err)
		}
		return out
	}
	jwtFile := func(name string, h map[string]any, cl map[string]any, cert *democert.Cert) *doctor.Evidence {
		return &doctor.Evidence{Name: name, Data: []byte(assertion(h, cl, cert))}
	}
	base := func(client string) doctor.Input {
		return doctor.Input{ClientID: client, Tenant: tenant, LocalCerts: inv.Certs, Now: now}
	}
	add := func(title string, in doctor.Input) {
		cases = append(cases, Case[doctor.Input]{Title: title, Input: in})
	}

	// 1. MSAL Go: PS256, x5t#S256 in standard base64 with padding.
	export := c["export"]
	sum, err := hex.DecodeString(export.Thumbprints().SHA256)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	in := base(AppID(7))
	in.Assertion = jwtFile("data-import.jwt", map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(sum)}, claims(AppID(7)), export)
	add("Data Import Job signs as MSAL Go does (PS256, x5t#S256 in standard base64): nothing wrong", in)

	// 2. A hand-written client puts base64 of the hex thumbprint text in
	// x5t#S256.
	reporting := c["reporting"]
	in = base(AppID(3))
	in.Assertion = jwtFile("reporting.jwt", map[string]any{"alg": "PS256", "typ": "JWT",
		"x5t#S256": base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(reporting.Thumbprints().SHA256)))}, claims(AppID(3)), reporting)
	add("Reporting Service's hand-written client encodes x5t#S256 as base64 of the hex text", in)

	// 3. Billing Worker still signs with its expired certificate, and
	// Entra said so.
	billing := c["billing"]
	in = base(AppID(2))
	in.Assertion = jwtFile("billing.jwt", map[string]any{"alg": "RS256", "typ": "JWT", "x5t": billing.Thumbprints().X5t()}, claims(AppID(2)), billing)
	in.Error = &doctor.Evidence{Name: "billing-error.json", Data: []byte(fmt.Sprintf(`{"error":"invalid_client","error_description":"AADSTS700027: The certificate with identifier used to sign the client assertion is expired on application. [Reason - The key used is expired., Thumbprint of key used by client: '%s', Found key 'Start=%s, End=%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.] Trace ID: 5b14185d-49d6-47f1-be9a-48c578b24d00 Correlation ID: 74445a33-31f6-4b60-8319-db813e3bbe17 Timestamp: %s","error_codes":[700027],"timestamp":"%s"}`,
		billing.Thumbprints().SHA1, billing.X509.NotBefore.Format("01/02/2006 15:04:05"), billing.X509.NotAfter.Format("01/02/2006 15:04:05"), AppID(2),
		now.Format("2006-01-02 15:04:05Z"), now.Format("2006-01-02 15:04:05Z")))}
	add("Billing Worker signs with its expired certificate (with Entra's AADSTS700027 response)", in)

	// 4. Inventory Sync switched to the new certificate before its start
	// date.
	syncNew := c["syncNew"]
	in = base(AppID(4))
	in.Assertion = jwtFile("inventory-sync.jwt", map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": syncNew.Thumbprints().X5tS256()}, claims(AppID(4)), syncNew)
	add("Inventory Sync switched to its new certificate before the certificate's start date", in)

	// 5. Mail Relay's client builds the assertion for the common endpoint,
	// valid for a day, without jti.
	mail := c["mail"]
	cl := claims(AppID(10))
	cl["aud"] = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
	cl["exp"] = now.Add(24 * time.Hour).Unix()
	delete(cl, "jti")
	in = base(AppID(10))
	in.Assertion = jwtFile("mail-relay.jwt", map[string]any{"alg": "RS256", "typ": "JWT", "x5t": mail.Thumbprints().X5t(), "jku": "https://mail-relay.contoso.com/keys"}, cl, mail)
	add("Mail Relay's assertion: a header parameter Entra rejects, the common endpoint as aud, a day-long lifetime, no jti", in)

	// 6. A token request for Customer Portal Backend sends a secret with
	// the assertion and asks for api://.../default.
	portal := c["portalOld"]
	body := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {AppID(8)}, "scope": {"api://portal-backend/default"},
		"client_secret":    {"demo-secret-value-never-shown"},
		"client_assertion": {assertion(map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": portal.Thumbprints().X5tS256()}, claims(AppID(8)), portal)},
	}
	in = base(AppID(8))
	in.Request = &doctor.Evidence{Name: "portal-request.sh", Data: []byte("curl -sS -X POST " + endpoint + " \\\n  -H 'Content-Type: application/x-www-form-urlencoded' \\\n  -d '" + body.Encode() + "'")}
	add("Customer Portal Backend's token request (a curl command line): a secret besides the assertion, no client_assertion_type, a scope without the dot", in)

	// 7. Only the error text: the thumbprint Entra reports is a local file
	// that was never uploaded.
	in = base("")
	in.Error = &doctor.Evidence{Name: "reporting-error.txt", Data: []byte(fmt.Sprintf("AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint.] Trace ID: c239abbb-de7c-4092-8f1a-6a13382c5500 Correlation ID: 48f14b85-0366-451d-b576-e78bb526ade9 Timestamp: %s",
		c["reportingNext"].Thumbprints().SHA1, AppID(3), now.Format("2006-01-02 15:04:05Z")))}
	add("Only Entra's error text: the certificate the client used was never uploaded", in)
	if failed != nil {
		return nil, failed
	}
	return cases, nil
}
