package doctor

import (
	"crypto"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/audit/demo"
)

// DemoCase is one of the built-in diagnoses `appaudit doctor --demo`
// shows: a sign-in against the demo tenant, and its evidence.
type DemoCase struct {
	Title string
	Input Input
}

// DemoCases builds the demo's sign-ins as of now: one healthy assertion as
// MSAL Go sends it, and broken ones as hand-written clients and rotations
// gone wrong make them, each against the demo tenant (package demo) and
// signed at run time with the key of the demo's certificates.
func DemoCases(now time.Time) []DemoCase {
	now = now.UTC().Truncate(time.Second)
	tenant, inv := demo.Scenario(now)
	appID := func(n int) string { return fmt.Sprintf("00000000-0000-4000-a000-%012d", n) }
	endpoint := tokenEndpoint("login.microsoftonline.com", tenant.TenantID)
	// cert is the n-th certificate of the demo app, with a key that signs
	// for it.
	cert := func(app int, nth int) (*audit.Certificate, crypto.Signer) {
		for _, a := range tenant.Applications {
			if a.AppID != appID(app) {
				continue
			}
			k := a.KeyCredentials[nth]
			for _, key := range []crypto.Signer{audittest.KeyA(), audittest.KeyB()} {
				if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); ok && k.Cert != nil && pub.Equal(k.Cert.PublicKey) {
					return k.Cert, key
				}
			}
		}
		panic(fmt.Sprintf("doctor: the demo tenant has no certificate %d of app %d with a demo key", nth, app))
	}
	claims := func(client string) map[string]any {
		return map[string]any{
			"aud": endpoint, "iss": client, "sub": client, "jti": "3f1c9a52-8d0e-4b7a-9c61-5e2f0a7d4b19",
			"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(),
		}
	}
	mustSign := func(h, c map[string]any, key crypto.Signer) []byte {
		s, err := sign(h, c, key)
		if err != nil {
			panic("doctor: demo: " + err.Error())
		}
		return []byte(s)
	}
	jwt := func(name string, h, c map[string]any, key crypto.Signer) *Evidence {
		return &Evidence{Name: name, Data: mustSign(h, c, key)}
	}
	base := func(client string) Input {
		return Input{ClientID: client, Tenant: tenant, LocalCerts: inv.Certs, Now: now}
	}
	var cases []DemoCase
	add := func(title string, in Input) { cases = append(cases, DemoCase{Title: title, Input: in}) }

	// 1. MSAL Go: PS256, x5t#S256 in standard base64 with padding.
	export, exportKey := cert(7, 0)
	in := base(appID(7))
	in.Assertion = jwt("data-import.jwt", map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": b64std(hexBytes(export.Thumbprints.SHA256))}, claims(appID(7)), exportKey)
	add("Data Import Job signs as MSAL Go does (PS256, x5t#S256 in standard base64): nothing wrong", in)

	// 2. A hand-written client puts base64 of the hex thumbprint text in
	// x5t#S256.
	reporting, reportingKey := cert(3, 0)
	in = base(appID(3))
	in.Assertion = jwt("reporting.jwt", map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(reporting.Thumbprints.SHA256)))}, claims(appID(3)), reportingKey)
	add("Reporting Service's hand-written client encodes x5t#S256 as base64 of the hex text", in)

	// 3. Billing Worker still signs with its expired certificate, and
	// Entra said so.
	billing, billingKey := cert(2, 0)
	in = base(appID(2))
	in.Assertion = jwt("billing.jwt", map[string]any{"alg": "RS256", "typ": "JWT", "x5t": billing.Thumbprints.X5t()}, claims(appID(2)), billingKey)
	in.Error = &Evidence{Name: "billing-error.json", Data: []byte(fmt.Sprintf(`{"error":"invalid_client","error_description":"AADSTS700027: The certificate with identifier used to sign the client assertion is expired on application. [Reason - The key used is expired., Thumbprint of key used by client: '%s', Found key 'Start=%s, End=%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.] Trace ID: 5b14185d-49d6-47f1-be9a-48c578b24d00 Correlation ID: 74445a33-31f6-4b60-8319-db813e3bbe17 Timestamp: %s","error_codes":[700027],"timestamp":"%s"}`,
		billing.Thumbprints.SHA1, billing.NotBefore.Format("01/02/2006 15:04:05"), billing.NotAfter.Format("01/02/2006 15:04:05"), appID(2),
		now.Format("2006-01-02 15:04:05Z"), now.Format("2006-01-02 15:04:05Z")))}
	add("Billing Worker signs with its expired certificate (with Entra's AADSTS700027 response)", in)

	// 4. Inventory Sync switched to the new certificate before its start
	// date.
	syncNew, syncKey := cert(4, 1)
	in = base(appID(4))
	in.Assertion = jwt("inventory-sync.jwt", map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": syncNew.Thumbprints.X5tS256()}, claims(appID(4)), syncKey)
	add("Inventory Sync switched to its new certificate before the certificate's start date", in)

	// 5. Mail Relay's client builds the assertion for the common endpoint,
	// valid for a day, without jti.
	mail, mailKey := cert(10, 0)
	c := claims(appID(10))
	c["aud"] = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
	c["exp"] = now.Add(24 * time.Hour).Unix()
	delete(c, "jti")
	in = base(appID(10))
	in.Assertion = jwt("mail-relay.jwt", map[string]any{"alg": "RS256", "typ": "JWT", "x5t": mail.Thumbprints.X5t(), "jku": "https://mail-relay.contoso.com/keys"}, c, mailKey)
	add("Mail Relay's assertion: a header parameter Entra rejects, the common endpoint as aud, a day-long lifetime, no jti", in)

	// 6. A token request for Customer Portal Backend sends a secret with
	// the assertion and asks for api://.../default.
	portal, portalKey := cert(8, 0)
	assertion := mustSign(map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": portal.Thumbprints.X5tS256()}, claims(appID(8)), portalKey)
	body := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {appID(8)}, "scope": {"api://portal-backend/default"},
		"client_secret": {"demo-secret-value-never-shown"}, "client_assertion": {string(assertion)},
	}
	in = base(appID(8))
	in.Request = &Evidence{Name: "portal-request.sh", Data: []byte("curl -sS -X POST " + endpoint + " \\\n  -H 'Content-Type: application/x-www-form-urlencoded' \\\n  -d '" + body.Encode() + "'")}
	add("Customer Portal Backend's token request (a curl command line): a secret besides the assertion, no client_assertion_type, a scope without the dot", in)

	// 7. Only the error text: the thumbprint Entra reports is a local file
	// that was never uploaded.
	var next *audit.LocalCert
	for i := range inv.Certs {
		if strings.HasSuffix(inv.Certs[i].Source, "reporting-2027.pem") {
			next = &inv.Certs[i]
		}
	}
	if next == nil {
		panic("doctor: demo: the demo inventory has no reporting-2027.pem")
	}
	in = base("")
	in.Error = &Evidence{Name: "reporting-error.txt", Data: []byte(fmt.Sprintf("AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint.] Trace ID: c239abbb-de7c-4092-8f1a-6a13382c5500 Correlation ID: 48f14b85-0366-451d-b576-e78bb526ade9 Timestamp: %s",
		next.Cert.Thumbprints.SHA1, appID(3), now.Format("2006-01-02 15:04:05Z")))}
	add("Only Entra's error text: the certificate the client used was never uploaded", in)
	return cases
}

func b64std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func hexBytes(h string) []byte {
	b, err := hex.DecodeString(h)
	if err != nil {
		panic("doctor: demo: " + err.Error())
	}
	return b
}
