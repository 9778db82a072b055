package doctor

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/audit/evidence"
)

// keyNotFound is Entra's AADSTS700027 text for a thumbprint the app does
// not have.
func keyNotFound(thumb, app string, at time.Time) string {
	return fmt.Sprintf("AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint.] Trace ID: c239abbb-de7c-4092-8f1a-6a13382c5500 Correlation ID: 48f14b85-0366-451d-b576-e78bb526ade9 Timestamp: %s",
		thumb, app, at.UTC().Format("2006-01-02 15:04:05Z"))
}

func errorInput(text string, tenant *audit.Tenant, certs ...audit.LocalCert) *Input {
	return &Input{Error: &Evidence{Name: "error.txt", Data: []byte(text)}, Tenant: tenant, LocalCerts: certs, Now: now}
}

func TestErrorChecks(t *testing.T) {
	w := newWorld()
	old := w.billing.LocalCert("certs/old.pem")

	t.Run("the thumbprint is a local file registered on another app", func(t *testing.T) {
		r := diagnose(t, errorInput(keyNotFound(w.billing.Thumbprints().SHA1, payrollID, now.Add(-time.Minute)), w.tenant(true), old))
		f := want(t, r, audit.CheckErrorThumbprintUnknown, audit.SeverityCritical,
			"local file certs/old.pem", `registered on no key of "Payroll"`, `registered on "Billing" (`+billingID+`) instead`)
		if f != nil && (f.App == nil || f.App.AppID != payrollID || f.Local == nil || f.Local.Source != "certs/old.pem") {
			t.Errorf("finding refs %+v %+v", f.App, f.Local)
		}
		e := want(t, r, audit.CheckErrorAADSTS, audit.SeverityHigh, "AADSTS700027 (client assertion failed signature validation)",
			`reason "The key was not found"`, "the client signed with certificate", "trace ID c239abbb-de7c-4092-8f1a-6a13382c5500")
		if e != nil && strings.Contains(e.Message, "usual causes") {
			t.Error("usual causes listed although Entra gave the reason")
		}
		if r.Verdict.Cause != audit.CheckErrorThumbprintUnknown {
			t.Errorf("verdict %+v", r.Verdict)
		}
	})
	t.Run("the thumbprint's key had expired at the error's time", func(t *testing.T) {
		tenant := w.tenant(true, w.expired.KeyCredential("k-old", audit.UsageVerify, false))
		text := strings.Replace(keyNotFound(w.expired.Thumbprints().SHA1, payrollID, now), "The key was not found.", "The key used is expired.", 1)
		r := diagnose(t, errorInput(text, tenant))
		want(t, r, audit.CheckErrorThumbprintExpired, audit.SeverityCritical, "does not cover the time of the request", "the error's timestamp")
	})
	t.Run("the thumbprint is registered and valid", func(t *testing.T) {
		r := diagnose(t, errorInput(keyNotFound(w.payroll.Thumbprints().SHA1, payrollID, now), w.tenant(false)))
		none(t, r, audit.CheckErrorThumbprintUnknown)
		if !strings.Contains(strings.Join(r.Warnings, " "), "registered as a valid Verify key") {
			t.Errorf("warnings %q", r.Warnings)
		}
	})
	t.Run("no tenant: the local file is still named", func(t *testing.T) {
		r := diagnose(t, errorInput(keyNotFound(w.billing.Thumbprints().SHA1, payrollID, now), nil, old))
		f := want(t, r, audit.CheckErrorAADSTS, audit.SeverityHigh, "local file certs/old.pem", "for app "+payrollID)
		if f != nil && (f.App == nil || f.App.AppID != payrollID || f.App.DisplayName != "") {
			t.Errorf("without a tenant the finding is about the client ID alone: %+v", f.App)
		}
		if r.Verdict.Text != `most likely cause: AADSTS700027 (client assertion failed signature validation), as Entra says: "The key was not found": the thumbprint in the assertion's header matches no key registered on the app (error-aadsts)` {
			t.Errorf("verdict %q", r.Verdict.Text)
		}
		none(t, r, audit.CheckErrorThumbprintUnknown)
		none(t, r, audit.CheckAppNotInTenant)
	})
	t.Run("the app is not in the tenant", func(t *testing.T) {
		r := diagnose(t, errorInput(keyNotFound(w.billing.Thumbprints().SHA1, "00000000-0000-4000-a000-00000000dead", now), w.tenant(true)))
		want(t, r, audit.CheckAppNotInTenant, audit.SeverityCritical, "00000000-0000-4000-a000-00000000dead (from the error)", "AADSTS700016")
		none(t, r, audit.CheckErrorThumbprintUnknown)
	})
	t.Run("the app is not in an incomplete tenant", func(t *testing.T) {
		tenant := w.tenant(true)
		tenant.Complete = false
		r := diagnose(t, errorInput(keyNotFound(w.billing.Thumbprints().SHA1, "00000000-0000-4000-a000-00000000dead", now), tenant))
		want(t, r, audit.CheckAppNotInTenant, audit.SeverityMedium, "in the part of the tenant that was read")
		if r.Complete || r.Incomplete == "" {
			t.Errorf("complete %v %q", r.Complete, r.Incomplete)
		}
	})
	t.Run("an unknown code and the usual causes", func(t *testing.T) {
		r := diagnose(t, errorInput(`{"error":"invalid_client","error_description":"AADSTS700024: Client assertion is not within its valid time range. AADSTS9999999: something new.","error_codes":[700024,9999999]}`, nil))
		want(t, r, audit.CheckErrorAADSTS, audit.SeverityHigh, "AADSTS700024 (client assertion is not within its valid time range)",
			"AADSTS9999999 (a code appaudit does not know: https://login.microsoftonline.com/error?code=9999999)", "usual causes: a stale or reused assertion")
		if r.Verdict.Cause != audit.CheckErrorAADSTS ||
			r.Verdict.Text != "most likely cause: AADSTS700024 (client assertion is not within its valid time range); usually a stale or reused assertion (built once and cached past its exp) (error-aadsts)" {
			t.Errorf("verdict %+v: with nothing else, the error is named", r.Verdict)
		}
	})
	t.Run("the same thumbprint in the assertion is checked once", func(t *testing.T) {
		in := errorInput(keyNotFound(w.billing.Thumbprints().SHA1, payrollID, now), w.tenant(true))
		in.Assertion = &Evidence{Name: "a.jwt", Data: []byte(mustSign(t, header("RS256", "x5t", w.billing.Thumbprints().X5t()), claims(), w.billing.Key))}
		r := diagnose(t, in)
		want(t, r, audit.CheckAssertionThumbprintUnknown, audit.SeverityCritical)
		none(t, r, audit.CheckErrorThumbprintUnknown)
		if r.Verdict.Cause != audit.CheckAssertionThumbprintUnknown {
			t.Errorf("verdict %+v", r.Verdict)
		}
	})
	t.Run("unreadable evidence is an error naming the file", func(t *testing.T) {
		_, err := Diagnose(errorInput("something failed", nil))
		if err == nil || !strings.HasPrefix(err.Error(), "doctor: error.txt: no AADSTS code") || !errors.Is(err, evidence.ErrNoCode) {
			t.Errorf("error %v: want the file named and evidence.ErrNoCode wrapped", err)
		}
		_, err = Diagnose(requestInput(" \n", nil))
		if !errors.Is(err, evidence.ErrEmpty) || !strings.Contains(err.Error(), "request.txt: the request is empty") {
			t.Errorf("error %v: want evidence.ErrEmpty wrapped", err)
		}
		_, err = Diagnose(&Input{Now: now})
		if err == nil || !strings.Contains(err.Error(), "no evidence") {
			t.Errorf("error %v", err)
		}
	})
}

// The verdict prefers a finding that predicts the error's code, then the
// more severe, then the cause that Entra meets first.
func TestVerdict(t *testing.T) {
	w := newWorld()
	h := header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256())
	t.Run("first in the order", func(t *testing.T) {
		// Wrong aud and no jti: aud comes first.
		tok := mustSign(t, h, with(claims(), "aud", "https://login.microsoftonline.com/common/oauth2/v2.0/token", "jti", nil), w.payroll.Key)
		r := diagnose(t, input(tok, w.tenant(true)))
		if r.Verdict.Cause != audit.CheckAssertionAudience || !strings.Contains(r.Verdict.Text, "1 other problem") {
			t.Errorf("verdict %+v", r.Verdict)
		}
	})
	t.Run("the error's code decides", func(t *testing.T) {
		tok := mustSign(t, h, with(claims(), "aud", "https://login.microsoftonline.com/common/oauth2/v2.0/token", "exp", now.Add(-time.Hour).Unix(), "nbf", now.Add(-2*time.Hour).Unix()), w.payroll.Key)
		in := input(tok, w.tenant(true))
		in.Error = &Evidence{Name: "e.txt", Data: []byte("AADSTS700024: Client assertion is not within its valid time range. Timestamp: " + now.Format("2006-01-02 15:04:05") + "Z")}
		r := diagnose(t, in)
		if r.Verdict.Cause != audit.CheckAssertionTime {
			t.Errorf("verdict %+v, want assertion-time for AADSTS700024", r.Verdict)
		}
	})
	t.Run("medium is a possible cause", func(t *testing.T) {
		tok := mustSign(t, h, with(claims(), "aud", "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token"), w.payroll.Key)
		r := diagnose(t, input(tok, w.tenant(true)))
		if r.Verdict.Cause != audit.CheckAssertionAudience || !strings.HasPrefix(r.Verdict.Text, "possible cause: ") {
			t.Errorf("verdict %+v", r.Verdict)
		}
	})
	t.Run("severity before order", func(t *testing.T) {
		// assertion-time at high (judged against now) and a low jti note:
		// the high one.
		tok := mustSign(t, h, with(claims(), "jti", "42", "exp", now.Add(-time.Hour).Unix(), "nbf", now.Add(-2*time.Hour).Unix()), w.payroll.Key)
		r := diagnose(t, input(tok, w.tenant(true)))
		if r.Verdict.Cause != audit.CheckAssertionTime || !strings.HasPrefix(r.Verdict.Text, "most likely cause: client assertion is outside its valid time range") {
			t.Errorf("verdict %+v", r.Verdict)
		}
	})
}

// No secret of the request, no private key and no token appears in any
// finding, warning, verdict or error.
func TestSecretsNeverLeak(t *testing.T) {
	w := newWorld()
	const (
		secret   = "Sup3r~Secret.Value_8Q"
		password = "P@ssw0rd-never-shown"
		basic    = "B4sic-secret-value"
		refresh  = "0.AXEA-refresh-token-value"
	)
	assertion := mustSign(t, header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256()), with(claims(), "jti", nil), audittest.KeyB())
	userToken := mustSign(t, header("RS256", "kid", "k"), map[string]any{"iss": "https://evil", "aud": "https://graph.microsoft.com", "exp": 1}, audittest.KeyB())
	sig := assertion[strings.LastIndex(assertion, ".")+1:]
	keyPEM := string(w.payroll.KeyPEM())
	requests := []string{
		requestFor(t, w, "client_secret", secret, "password", password, "refresh_token", refresh, "client_assertion", assertion),
		"curl -u '" + payrollID + ":" + basic + "' " + testEndpoint() + " -d '" + requestFor(t, w, "client_assertion", assertion, "grant_type", grantJWTBearer, "requested_token_use", "on_behalf_of", "assertion", userToken) + "'",
		"curl " + testEndpoint() + ` -H 'Content-Type: application/json' -d '{"client_secret":"` + secret + `","client_assertion":"` + assertion + `"}'`,
	}
	local := w.payroll.LocalCert("certs/payroll.pem")
	for i, req := range requests {
		in := requestInput(req, w.tenant(true))
		in.Cert = &local
		in.Error = &Evidence{Name: "e.json", Data: []byte(keyNotFound(w.billing.Thumbprints().SHA1, payrollID, now))}
		r := diagnose(t, in)
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{secret, password, basic, refresh, assertion, sig, userToken, keyPEM, "PRIVATE KEY"} {
			if strings.Contains(string(out), s) {
				t.Errorf("request %d: the result holds %.24q", i, s)
			}
		}
		if len(r.Findings) == 0 {
			t.Errorf("request %d: no findings: the test checks nothing", i)
		}
	}
	// Unreadable evidence: the error quotes none of it.
	for _, bad := range []string{
		"curl -d 'client_secret=" + secret + " " + testEndpoint(),
		"POST /x HTTP/1.1\n" + secret + "\n\nclient_secret=" + secret,
		"curl --data-urlencode client_secret@" + secret,
	} {
		_, err := Diagnose(requestInput(bad, nil))
		if err == nil {
			t.Errorf("%.30q was read", bad)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error quotes the secret: %v", err)
		}
	}
}

// AADSTS50013 "Key was found, but use of the key to verify the signature
// failed", in the shape microsoftgraph/msgraph-sdk-php#1585 shows for an
// app-only sign-in with a certificate: the client's key is the problem,
// not only an on-behalf-of user assertion.
func TestKeyFoundSignatureFailed(t *testing.T) {
	w := newWorld()
	text := func(thumb string) string {
		return fmt.Sprintf("AADSTS50013: Assertion failed signature validation. [Reason - Key was found, but use of the key to verify the signature failed., Thumbprint of key used by client: '%s', Found key 'Start=%s, End=%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/%s']. Trace ID: 62d60ed5-56c3-45a0-b960-93d4ec917d00 Correlation ID: 23f6c5a9-1ff9-4e6a-9dc8-b8b5fa539613 Timestamp: %s",
			thumb, w.payroll.X509.NotBefore.Format("01/02/2006 15:04:05"), w.payroll.X509.NotAfter.Format("01/02/2006 15:04:05"), payrollID, payrollID, now.Format("2006-01-02 15:04:05Z"))
	}
	t.Run("the error alone, the certificate registered", func(t *testing.T) {
		r := diagnose(t, errorInput(text(w.payroll.Thumbprints().SHA1), w.tenant(true)))
		if !strings.Contains(r.Verdict.Text, "signs with another private key") || strings.Contains(r.Verdict.Text, "not the problem") {
			t.Errorf("verdict %q", r.Verdict.Text)
		}
		// The key Entra found is the app's valid key: that is what the error
		// says, not a sign of another tenant.
		if strings.Contains(strings.Join(r.Warnings, " "), "registered as a valid Verify key") {
			t.Errorf("warnings %q", r.Warnings)
		}
	})
	t.Run("with the assertion signed by another key", func(t *testing.T) {
		in := errorInput(text(w.payroll.Thumbprints().SHA1), w.tenant(true))
		in.Assertion = &Evidence{Name: "client.jwt", Data: []byte(mustSign(t, header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256()), with(claims(), "jti", nil), audittest.KeyB()))}
		r := diagnose(t, in)
		want(t, r, audit.CheckAssertionSignature, audit.SeverityCritical, "signs with another private key")
		if r.Verdict.Cause != audit.CheckAssertionSignature {
			t.Errorf("verdict %+v: the signature finding predicts AADSTS50013, before the missing jti", r.Verdict)
		}
	})
}
