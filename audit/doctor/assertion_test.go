package doctor

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// Every form real clients send, signed correctly, diagnoses clean: with a
// tenant that has the certificate body, with one that has only the SHA-1
// customKeyIdentifier and a local copy, and with no tenant at all.
func TestCorrectAssertionsHaveNoFailure(t *testing.T) {
	w := newWorld()
	tp := w.payroll.Thumbprints()
	forms := []struct{ name, token string }{
		{"RS256 + x5t base64url (MSAL Python with PEM, ADFS)", mustSign(t, header("RS256", "x5t", tp.X5t()), claims(), w.payroll.Key)},
		{"PS256 + x5t#S256 base64url (MSAL .NET, MSAL Python with PFX)", mustSign(t, header("PS256", "x5t#S256", tp.X5tS256()), claims(), w.payroll.Key)},
		{"PS256 + x5t#S256 standard base64 with padding (MSAL Go, by golang-jwt)",
			mustSign(t, map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(digest(t, tp.SHA256))}, claims(), w.payroll.Key)},
		{"RS256 + x5t#S256 standard base64 (MSAL Java)",
			mustSign(t, map[string]any{"alg": "RS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(digest(t, tp.SHA256))}, claims(), w.payroll.Key)},
		{"RS256 + x5t standard base64 with padding + x5c", mustSign(t, header("RS256", "x5t", base64.StdEncoding.EncodeToString(digest(t, tp.SHA1)), "x5c", []string{base64.StdEncoding.EncodeToString(w.payroll.DER)}), claims(), w.payroll.Key)},
		{"v1 endpoint as aud, exp 4 minutes ago (within skew)", mustSign(t, header("PS256", "x5t#S256", tp.X5tS256()),
			with(claims(), "aud", "https://login.microsoftonline.com/"+testTenant+"/oauth2/token", "exp", now.Add(-4*time.Minute).Unix(), "nbf", now.Add(-14*time.Minute).Unix()), w.payroll.Key)},
		{"aud as a list", mustSign(t, header("PS256", "x5t#S256", tp.X5tS256()), with(claims(), "aud", []string{"https://example.com", testEndpoint()}), w.payroll.Key)},
	}
	local := w.payroll.LocalCert("certs/payroll.pem")
	setups := []struct {
		name string
		in   func(tok string) *Input
	}{
		{"tenant with the body", func(tok string) *Input { return input(tok, w.tenant(true)) }},
		{"tenant without the body, --cert given", func(tok string) *Input {
			in := input(tok, w.tenant(false))
			in.Cert = &local
			return in
		}},
		{"no tenant, --cert given", func(tok string) *Input {
			in := input(tok, nil)
			in.Cert = &local
			return in
		}},
	}
	for _, f := range forms {
		for _, s := range setups {
			t.Run(f.name+"/"+s.name, func(t *testing.T) {
				in := s.in(f.token)
				in.ClientID, in.TenantID = payrollID, testTenant
				r := diagnose(t, in)
				for _, fd := range r.Findings {
					if fd.Severity > audit.SeverityInfo {
						t.Errorf("%s (%s): %s", fd.Check, fd.Severity, fd.Message)
					}
				}
				if r.Verdict.Cause != "" || !strings.HasPrefix(r.Verdict.Text, "no cause of failure found") {
					t.Errorf("verdict %+v", r.Verdict)
				}
			})
		}
	}
}

// MSAL Go's padded standard base64 is named, as info, not as a failure.
func TestStandardBase64IsInfoOnly(t *testing.T) {
	w := newWorld()
	tok := mustSign(t, map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(digest(t, w.payroll.Thumbprints().SHA256))}, claims(), w.payroll.Key)
	r := diagnose(t, input(tok, w.tenant(true)))
	want(t, r, audit.CheckAssertionThumbprintEncoding, audit.SeverityInfo, "standard base64", "MSAL Go", "Entra accepts it")
}

func TestMalformedAssertions(t *testing.T) {
	w := newWorld()
	tok := mustSign(t, header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256()), claims(), w.payroll.Key)
	parts := strings.Split(tok, ".")
	tests := []struct {
		name, token string
		sev         audit.Severity
		parts       []string
	}{
		{"two parts", parts[0] + "." + parts[1], audit.SeverityCritical, []string{"2 parts"}},
		{"cut short", tok[:len(parts[0])+10], audit.SeverityCritical, []string{"2 parts"}},
		{"unexpanded shell variable", "$CLIENT_ASSERTION", audit.SeverityCritical, []string{"unexpanded variable"}},
		{"unexpanded cmd variable", "%ASSERTION%", audit.SeverityCritical, []string{"unexpanded variable"}},
		{"encrypted", "a.b.c.d.e", audit.SeverityCritical, []string{"JWE"}},
		{"padded parts", parts[0] + "==." + parts[1] + "." + parts[2], audit.SeverityMedium, []string{"padded", "base64url without padding"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := diagnose(t, input(tc.token, w.tenant(true)))
			want(t, r, audit.CheckAssertionMalformed, tc.sev, tc.parts...)
			if tc.sev == audit.SeverityCritical && r.Verdict.Cause != audit.CheckAssertionMalformed {
				t.Errorf("verdict %+v", r.Verdict)
			}
		})
	}
	// Quotes, "Bearer " and a whole form body around the token are taken
	// off before it is read.
	for _, wrapped := range []string{`"` + tok + `"`, "Bearer " + tok, "grant_type=client_credentials&client_assertion=" + tok} {
		r := diagnose(t, input(wrapped, w.tenant(true)))
		if fs := failures(r); len(fs) != 0 {
			t.Errorf("%.30q: %v", wrapped, checksOf(fs))
		}
	}
}

func TestThumbprintHeaders(t *testing.T) {
	w := newWorld()
	tp := w.payroll.Thumbprints()
	s1, s256 := digest(t, tp.SHA1), digest(t, tp.SHA256)
	tests := []struct {
		name   string
		header map[string]any
		check  string
		sev    audit.Severity
		parts  []string
		values map[string]string
	}{
		{"no thumbprint", header("PS256"), audit.CheckAssertionNoThumbprint, audit.SeverityCritical,
			[]string{"neither x5t nor x5t#S256"}, map[string]string{"x5t#S256": tp.X5tS256()}},
		{"kid holding the keyId", header("RS256", "kid", payrollKey1), audit.CheckAssertionNoThumbprint, audit.SeverityCritical,
			[]string{"keyId of", `"Payroll"`, "does not look keys up by keyId"}, map[string]string{"x5t#S256": tp.X5tS256()}},
		{"kid holding the thumbprint", header("RS256", "kid", tp.SHA1), audit.CheckAssertionNoThumbprint, audit.SeverityCritical,
			[]string{"kid holds a thumbprint", "payroll.contoso.com"}, nil},
		{"base64 of the hex text in x5t#S256", header("PS256", "x5t#S256", b64url([]byte(strings.ToLower(tp.SHA256)))), audit.CheckAssertionThumbprintEncoding, audit.SeverityCritical,
			[]string{"base64 of the hex text of a SHA-256 thumbprint", "64 hex characters", `"CN=payroll.contoso.com"`}, map[string]string{"x5t#S256": tp.X5tS256()}},
		{"base64 of the hex text in x5t", header("RS256", "x5t", base64.StdEncoding.EncodeToString([]byte(tp.SHA1))), audit.CheckAssertionThumbprintEncoding, audit.SeverityCritical,
			[]string{"base64 of the hex text of a SHA-1 thumbprint", "40 hex characters"}, map[string]string{"x5t": tp.X5t()}},
		{"raw hex", header("RS256", "x5t", tp.SHA1), audit.CheckAssertionThumbprintEncoding, audit.SeverityCritical,
			[]string{"as hex text (40 characters)", "20 digest bytes"}, map[string]string{"x5t": tp.X5t()}},
		{"SHA-1 in the x5t#S256 slot", header("PS256", "x5t#S256", b64url(s1)), audit.CheckAssertionThumbprintEncoding, audit.SeverityCritical,
			[]string{"x5t#S256 holds a SHA-1 digest (20 bytes)", "SHA-256 digest (32 bytes)"}, map[string]string{"x5t#S256": tp.X5tS256()}},
		{"SHA-256 in the x5t slot", header("RS256", "x5t", b64url(s256)), audit.CheckAssertionThumbprintEncoding, audit.SeverityCritical,
			[]string{"x5t holds a SHA-256 digest (32 bytes)"}, map[string]string{"x5t": tp.X5t()}},
		{"wrong length", header("RS256", "x5t", b64url(s1[:16])), audit.CheckAssertionThumbprintEncoding, audit.SeverityCritical,
			[]string{"decodes to 16 bytes, but a SHA-1 digest is 20"}, nil},
		{"not a string", header("RS256", "x5t", 12345), audit.CheckAssertionThumbprintEncoding, audit.SeverityCritical, []string{"x5t is not a string"}, nil},
		{"empty", header("RS256", "x5t", ""), audit.CheckAssertionThumbprintEncoding, audit.SeverityCritical, []string{"x5t is empty"}, nil},
		{"not base64", header("RS256", "x5t", "not*base64!"), audit.CheckAssertionThumbprintEncoding, audit.SeverityCritical, []string{"neither base64 nor hex"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := diagnose(t, input(mustSign(t, tc.header, claims(), w.payroll.Key), w.tenant(true)))
			want(t, r, tc.check, tc.sev, tc.parts...)
			if r.Verdict.Cause != tc.check {
				t.Errorf("verdict %+v, want cause %s", r.Verdict, tc.check)
			}
			wantValues(t, r, tc.values)
			// A header Entra cannot read is not also reported as unknown.
			none(t, r, audit.CheckAssertionThumbprintUnknown)
		})
	}
}

func TestThumbprintRegistration(t *testing.T) {
	w := newWorld()
	ps := func(c *audittest.Cert) string {
		return mustSign(t, header("PS256", "x5t#S256", c.Thumbprints().X5tS256()), claims(), c.Key)
	}
	signLocal := w.stray.LocalCert("certs/stray.pem")
	signWithSign := w.payroll.KeyCredential("k-sign", audit.UsageSign, true)

	t.Run("registered on another app", func(t *testing.T) {
		r := diagnose(t, input(ps(w.billing), w.tenant(true)))
		f := want(t, r, audit.CheckAssertionThumbprintUnknown, audit.SeverityCritical,
			`"CN=billing.contoso.com"`, `matches no key of "Payroll"`, `registered on "Billing" (`+billingID+`) instead`, "the app's only Verify certificate is")
		if f != nil && (f.App == nil || f.App.AppID != payrollID) {
			t.Errorf("finding about %+v", f.App)
		}
		if r.Verdict.Cause != audit.CheckAssertionThumbprintUnknown {
			t.Errorf("verdict %+v", r.Verdict)
		}
	})
	t.Run("a local file registered nowhere", func(t *testing.T) {
		r := diagnose(t, input(ps(w.stray), w.tenant(true), signLocal))
		f := want(t, r, audit.CheckAssertionThumbprintUnknown, audit.SeverityCritical, "local file certs/stray.pem", "registered on no app of this tenant")
		if f != nil && (f.Local == nil || f.Local.Source != "certs/stray.pem") {
			t.Errorf("local %+v", f.Local)
		}
	})
	t.Run("registered for Sign only", func(t *testing.T) {
		tenant := w.tenant(true)
		tenant.Applications[0].KeyCredentials = []audit.KeyCredential{signWithSign}
		r := diagnose(t, input(ps(w.payroll), tenant))
		want(t, r, audit.CheckAssertionThumbprintUnknown, audit.SeverityCritical, "only as AsymmetricX509Cert/Sign", "usage Verify")
	})
	t.Run("on the service principal", func(t *testing.T) {
		tenant := w.tenant(true)
		tenant.Applications[0].KeyCredentials = nil
		tenant.ServicePrincipals = []audit.ServicePrincipal{{Principal: audit.Principal{ObjectID: "sp-1", AppID: payrollID, DisplayName: "Payroll",
			KeyCredentials: []audit.KeyCredential{w.payroll.KeyCredential("k-sp", audit.UsageVerify, true)}}}}
		r := diagnose(t, input(ps(w.payroll), tenant))
		if fs := failures(r); len(fs) != 0 {
			t.Errorf("a Verify key on the service principal authenticates the client: %v", checksOf(fs))
		}
	})
	t.Run("only SHA-1 known for the app's certificates", func(t *testing.T) {
		// x5t#S256 of a certificate not registered, against an app whose
		// only certificate Graph returned without body.
		r := diagnose(t, input(ps(w.stray), w.tenant(false)))
		want(t, r, audit.CheckAssertionThumbprintUnknown, audit.SeverityMedium, "cannot be compared", "give the certificate file")
	})
	t.Run("rotation: the app has an older certificate with the same subject", func(t *testing.T) {
		next := audittest.MustCert(audittest.Spec{CommonName: "payroll.contoso.com", NotBefore: now.Add(-audittest.Days(1)), NotAfter: now.Add(audittest.Days(360))})
		r := diagnose(t, input(ps(next), w.tenant(true), next.LocalCert("certs/payroll-2027.pem")))
		want(t, r, audit.CheckAssertionThumbprintUnknown, audit.SeverityCritical, "older certificate with the same subject", "not uploaded yet")
	})
	t.Run("expired registration", func(t *testing.T) {
		tenant := w.tenant(true, w.expired.KeyCredential("k-old", audit.UsageVerify, true))
		r := diagnose(t, input(ps(w.expired), tenant))
		want(t, r, audit.CheckAssertionKeyExpired, audit.SeverityCritical, "does not cover the time of the request", "the key used is expired")
		if r.Verdict.Cause != audit.CheckAssertionKeyExpired {
			t.Errorf("verdict %+v", r.Verdict)
		}
	})
	t.Run("not yet valid", func(t *testing.T) {
		tenant := w.tenant(true, w.future.KeyCredential("k-new", audit.UsageVerify, true))
		r := diagnose(t, input(ps(w.future), tenant))
		want(t, r, audit.CheckAssertionKeyExpired, audit.SeverityCritical, "from "+now.Add(audittest.Days(3)).Format("2006-01-02"))
	})
	t.Run("registration window ends before the certificate does", func(t *testing.T) {
		k := w.payroll.KeyCredential(payrollKey1, audit.UsageVerify, true)
		k.End = now.Add(-time.Hour)
		tenant := w.tenant(true)
		tenant.Applications[0].KeyCredentials = []audit.KeyCredential{k}
		r := diagnose(t, input(ps(w.payroll), tenant))
		want(t, r, audit.CheckAssertionKeyExpired, audit.SeverityCritical)
	})
	t.Run("no tenant: the local copy has expired", func(t *testing.T) {
		old := w.expired.LocalCert("certs/old.pem")
		in := input(ps(w.expired), nil)
		in.Cert = &old
		r := diagnose(t, in)
		want(t, r, audit.CheckAssertionKeyExpired, audit.SeverityCritical, "local file certs/old.pem", "caps a registration at the certificate's own validity")
		if !strings.Contains(strings.Join(r.Warnings, "\n"), "no tenant was read") {
			t.Errorf("warnings %q", r.Warnings)
		}
	})
	t.Run("the error's timestamp, not now, decides", func(t *testing.T) {
		// Expired two days ago, but the failure was a week ago: the key was
		// valid then.
		tenant := w.tenant(true, w.expired.KeyCredential("k-old", audit.UsageVerify, true))
		c := with(claims(), "nbf", now.Add(-audittest.Days(7)).Unix(), "exp", now.Add(-audittest.Days(7)+9*time.Minute).Unix())
		in := input(mustSign(t, header("PS256", "x5t#S256", w.expired.Thumbprints().X5tS256()), c, w.expired.Key), tenant)
		in.Error = &Evidence{Name: "error.txt", Data: []byte("AADSTS700027: Client assertion failed signature validation. Timestamp: " + now.Add(-audittest.Days(7)+time.Minute).Format("2006-01-02 15:04:05") + "Z")}
		r := diagnose(t, in)
		none(t, r, audit.CheckAssertionKeyExpired)
		none(t, r, audit.CheckAssertionTime)
	})
}

func TestSignature(t *testing.T) {
	w := newWorld()
	tp := w.payroll.Thumbprints()
	h := header("PS256", "x5t#S256", tp.X5tS256())
	billingLocal := w.billing.LocalCert("certs/billing.pem")

	t.Run("another private key", func(t *testing.T) {
		r := diagnose(t, input(mustSign(t, h, claims(), audittest.KeyB()), w.tenant(true)))
		want(t, r, audit.CheckAssertionSignature, audit.SeverityCritical, "does not verify with the key of certificate", "signs with another private key")
		if r.Verdict.Cause != audit.CheckAssertionSignature {
			t.Errorf("verdict %+v", r.Verdict)
		}
	})
	t.Run("the key of --cert, while the header names another certificate", func(t *testing.T) {
		in := input(mustSign(t, h, claims(), audittest.KeyB()), w.tenant(true))
		in.Cert = &billingLocal
		r := diagnose(t, in)
		want(t, r, audit.CheckAssertionSignature, audit.SeverityCritical, `signed with the key of certificate "CN=billing.contoso.com"`, "names one certificate and signs with another's key")
		if r.Verdict.Values["x5t#S256"] != w.billing.Thumbprints().X5tS256() {
			t.Errorf("values %v: want the x5t#S256 of the certificate that signs", r.Verdict.Values)
		}
	})
	t.Run("PSS with the wrong salt length", func(t *testing.T) {
		tok := signWith(t, h, claims(), func(d []byte) ([]byte, error) {
			return rsa.SignPSS(rand.Reader, w.payroll.Key.(*rsa.PrivateKey), crypto.SHA256, d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		})
		r := diagnose(t, input(tok, w.tenant(true)))
		want(t, r, audit.CheckAssertionSignature, audit.SeverityCritical, "salt length other than the hash length")
	})
	t.Run("PKCS #1 v1.5 signature under PS256", func(t *testing.T) {
		tok := signWith(t, h, claims(), func(d []byte) ([]byte, error) {
			return rsa.SignPKCS1v15(rand.Reader, w.payroll.Key.(*rsa.PrivateKey), crypto.SHA256, d)
		})
		r := diagnose(t, input(tok, w.tenant(true)))
		want(t, r, audit.CheckAssertionSignature, audit.SeverityCritical, "says PS256", "PKCS #1 v1.5 (RS256)")
	})
	t.Run("EC certificate with RS256", func(t *testing.T) {
		tenant := w.tenant(true, w.ec.KeyCredential("k-ec", audit.UsageVerify, true))
		tok := signWith(t, header("RS256", "x5t", w.ec.Thumbprints().X5t()), claims(), func(d []byte) ([]byte, error) {
			return w.ec.Key.Sign(rand.Reader, d, crypto.SHA256)
		})
		r := diagnose(t, input(tok, tenant))
		want(t, r, audit.CheckAssertionSignature, audit.SeverityCritical, "an EC P-256 key", "AADSTS5002730")
	})
	t.Run("empty signature", func(t *testing.T) {
		tok := mustSign(t, h, claims(), w.payroll.Key)
		r := diagnose(t, input(tok[:strings.LastIndex(tok, ".")+1], w.tenant(true)))
		want(t, r, audit.CheckAssertionSignature, audit.SeverityCritical, "empty signature")
	})
	t.Run("not checkable without a copy of the certificate", func(t *testing.T) {
		r := diagnose(t, input(mustSign(t, h, claims(), audittest.KeyB()), w.tenant(false)))
		none(t, r, audit.CheckAssertionSignature)
		if !strings.Contains(strings.Join(r.Warnings, "\n"), "signature of assertion.jwt was not checked") {
			t.Errorf("warnings %q", r.Warnings)
		}
	})
}

// signWith signs header and claims with a given signing function.
func signWith(t *testing.T, h, c map[string]any, signFn func([]byte) ([]byte, error)) string {
	t.Helper()
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(c)
	input := b64url(hb) + "." + b64url(cb)
	d := sha256.Sum256([]byte(input))
	sig, err := signFn(d[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64url(sig)
}

func TestAlgAndHeader(t *testing.T) {
	w := newWorld()
	x5t := w.payroll.Thumbprints().X5t()
	tests := []struct {
		name   string
		header map[string]any
		check  string
		sev    audit.Severity
		parts  []string
	}{
		{"none", header("none", "x5t", x5t), audit.CheckAssertionAlg, audit.SeverityCritical, []string{"not signed at all"}},
		{"HS256", header("HS256", "x5t", x5t), audit.CheckAssertionAlg, audit.SeverityHigh, []string{"shared secret"}},
		{"ES256", header("ES256", "x5t", x5t), audit.CheckAssertionAlg, audit.SeverityCritical, []string{`"ES256"`, "AADSTS5002738"}},
		{"lower case", header("rs256", "x5t", x5t), audit.CheckAssertionAlg, audit.SeverityCritical, []string{"case-sensitive"}},
		{"missing", with(header("RS256", "x5t", x5t), "alg", nil), audit.CheckAssertionAlg, audit.SeverityCritical, []string{"no alg"}},
		{"jku and crit", header("RS256", "x5t", x5t, "jku", "https://x/keys", "crit", []string{"b64"}), audit.CheckAssertionHeaderUnsupported, audit.SeverityCritical,
			[]string{`"crit", "jku"`, "AADSTS5002726"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The signature is RS256 whatever alg says.
			tok := signWith(t, tc.header, claims(), func(d []byte) ([]byte, error) {
				return rsa.SignPKCS1v15(rand.Reader, w.payroll.Key.(*rsa.PrivateKey), crypto.SHA256, d)
			})
			r := diagnose(t, input(tok, w.tenant(true)))
			want(t, r, tc.check, tc.sev, tc.parts...)
		})
	}
	// x5t#S256, x5c, kid and typ are accepted.
	tok := mustSign(t, header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256(), "kid", "x", "x5c", []string{"AA=="}), claims(), w.payroll.Key)
	none(t, diagnose(t, input(tok, w.tenant(true))), audit.CheckAssertionHeaderUnsupported)
}

func TestClaims(t *testing.T) {
	w := newWorld()
	h := header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256())
	v1 := "https://login.microsoftonline.com/" + testTenant + "/oauth2/token"
	tests := []struct {
		name   string
		claims map[string]any
		setup  func(*Input)
		check  string
		sev    audit.Severity
		parts  []string
		values map[string]string
	}{
		{name: "another tenant", claims: with(claims(), "aud", "https://login.microsoftonline.com/99999999-2222-4333-8444-555555555555/oauth2/v2.0/token"),
			check: audit.CheckAssertionAudience, sev: audit.SeverityCritical, parts: []string{"names tenant 99999999-", "the tenant data"}, values: map[string]string{"aud": testEndpoint()}},
		{name: "common", claims: with(claims(), "aud", "https://login.microsoftonline.com/common/oauth2/v2.0/token"),
			check: audit.CheckAssertionAudience, sev: audit.SeverityCritical, parts: []string{"names common instead of a tenant"}, values: map[string]string{"aud": testEndpoint()}},
		{name: "US Government host for a public tenant", claims: with(claims(), "aud", "https://login.microsoftonline.us/"+testTenant+"/oauth2/v2.0/token"),
			check: audit.CheckAssertionAudience, sev: audit.SeverityCritical, parts: []string{"usgov cloud", "public cloud", "AADSTS900384"}, values: map[string]string{"aud": testEndpoint()}},
		{name: "a public endpoint for a tenant said to be in China", claims: claims(), setup: func(in *Input) { in.Cloud = "china" },
			check: audit.CheckAssertionAudience, sev: audit.SeverityCritical, parts: []string{"china cloud (from --cloud)"},
			values: map[string]string{"aud": "https://login.chinacloudapi.cn/" + testTenant + "/oauth2/v2.0/token"}},
		{name: "a cloud name appaudit does not know says nothing", claims: claims(), setup: func(in *Input) { in.Tenant.Cloud = "AzureGermanCloud" }},
		{name: "the authorize endpoint", claims: with(claims(), "aud", "https://login.microsoftonline.com/"+testTenant+"/oauth2/v2.0/authorize"),
			check: audit.CheckAssertionAudience, sev: audit.SeverityCritical, parts: []string{"not a token endpoint"}},
		{name: "the client ID as aud", claims: with(claims(), "aud", payrollID),
			check: audit.CheckAssertionAudience, sev: audit.SeverityCritical, parts: []string{"not a URL"}, values: map[string]string{"aud": testEndpoint()}},
		{name: "an unknown host", claims: with(claims(), "aud", "https://login.contoso.com/"+testTenant+"/oauth2/v2.0/token"),
			check: audit.CheckAssertionAudience, sev: audit.SeverityCritical, parts: []string{"sign-in host of no Entra cloud"}},
		{name: "a domain appaudit cannot resolve", claims: with(claims(), "aud", "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"),
			check: audit.CheckAssertionAudience, sev: audit.SeverityMedium, parts: []string{"cannot tell offline"}},
		{name: "the domain given with --tenant", claims: with(claims(), "aud", "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token"),
			setup: func(in *Input) { in.TenantID = "contoso.onmicrosoft.com" }},
		{name: "v1 form", claims: with(claims(), "aud", v1)},
		{name: "no aud", claims: with(claims(), "aud", nil), check: audit.CheckAssertionAudience, sev: audit.SeverityCritical, parts: []string{"no aud claim"}},
		{name: "iss and sub differ", claims: with(claims(), "sub", billingID),
			check: audit.CheckAssertionIssuerSubject, sev: audit.SeverityCritical, parts: []string{"differ", "AADSTS50048"}},
		{name: "no sub", claims: with(claims(), "sub", nil), check: audit.CheckAssertionIssuerSubject, sev: audit.SeverityCritical, parts: []string{"no sub claim"}},
		{name: "iss is not --client-id", claims: with(claims(), "iss", billingID, "sub", billingID), setup: func(in *Input) { in.ClientID = payrollID },
			check: audit.CheckAssertionIssuerSubject, sev: audit.SeverityCritical, parts: []string{"but the client is " + payrollID + " (from --client-id)"},
			values: map[string]string{"iss": payrollID, "sub": payrollID}},
		{name: "expired, judged against now", claims: with(claims(), "nbf", now.Add(-2*time.Hour).Unix(), "exp", now.Add(-time.Hour).Unix()),
			check: audit.CheckAssertionTime, sev: audit.SeverityHigh, parts: []string{"expired at", "60 minutes before", "captured a while ago"}},
		{name: "expired at the error's timestamp", claims: with(claims(), "nbf", now.Add(-2*time.Hour).Unix(), "exp", now.Add(-time.Hour).Unix()),
			setup: func(in *Input) {
				in.Error = &Evidence{Name: "e.txt", Data: []byte("AADSTS700024: Client assertion is not within its valid time range. Timestamp: " + now.Format("2006-01-02 15:04:05") + "Z")}
			},
			check: audit.CheckAssertionTime, sev: audit.SeverityCritical, parts: []string{"the error's timestamp"}},
		{name: "local time written as UTC", claims: with(claims(), "nbf", now.Add(2*time.Hour).Unix(), "exp", now.Add(2*time.Hour+10*time.Minute).Unix()),
			check: audit.CheckAssertionTime, sev: audit.SeverityCritical, parts: []string{"not valid before", "local time as if it were UTC"}},
		{name: "exp in milliseconds", claims: with(claims(), "exp", now.Add(10*time.Minute).UnixMilli()),
			check: audit.CheckAssertionTime, sev: audit.SeverityCritical, parts: []string{"in milliseconds"}},
		{name: "exp a string that is no number", claims: with(claims(), "exp", "tomorrow"),
			check: audit.CheckAssertionTime, sev: audit.SeverityCritical, parts: []string{"exp is not a number"}},
		{name: "exp and nbf numbers in strings, as MSAL .NET writes them", claims: with(claims(), "exp", fmt.Sprint(now.Add(9*time.Minute).Unix()), "nbf", fmt.Sprint(now.Add(-time.Minute).Unix()))},
		{name: "exp a number in a string, expired", claims: with(claims(), "exp", fmt.Sprint(now.Add(-time.Hour).Unix()), "nbf", fmt.Sprint(now.Add(-2*time.Hour).Unix())),
			check: audit.CheckAssertionTime, sev: audit.SeverityHigh, parts: []string{"expired at", "60 minutes before"}},
		{name: "no exp", claims: with(claims(), "exp", nil), check: audit.CheckAssertionTime, sev: audit.SeverityCritical, parts: []string{"no exp claim"}},
		{name: "exp before nbf", claims: with(claims(), "nbf", now.Add(time.Minute).Unix(), "exp", now.Unix()),
			check: audit.CheckAssertionTime, sev: audit.SeverityCritical, parts: []string{"is not after its start"}},
		{name: "a day-long lifetime", claims: with(claims(), "exp", now.Add(24*time.Hour).Unix()),
			check: audit.CheckAssertionTime, sev: audit.SeverityLow, parts: []string{"valid for 24 hours", "10 minutes MSAL uses"}},
		{name: "no jti", claims: with(claims(), "jti", nil), check: audit.CheckAssertionJTIMissing, sev: audit.SeverityHigh, parts: []string{"no jti claim"}},
		{name: "empty jti", claims: with(claims(), "jti", ""), check: audit.CheckAssertionJTIMissing, sev: audit.SeverityHigh, parts: []string{"empty"}},
		{name: "jti not a GUID", claims: with(claims(), "jti", "42"), check: audit.CheckAssertionJTIMissing, sev: audit.SeverityLow, parts: []string{"not a GUID"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := diagnoseCase(t, input(mustSign(t, h, tc.claims, w.payroll.Key), w.tenant(true)), tc.setup)
			expect(t, r, tc.check, tc.sev, tc.parts, tc.values)
		})
	}
}

// MSAL .NET (4.60 and later, src/client/Microsoft.Identity.Client/Internal/
// JsonWebToken.cs) writes nbf and exp as JSON strings holding the seconds:
// {"aud":"…","iss":"…","sub":"…","nbf":"1718445600","exp":"1718446200","jti":"…"}.
// Entra takes them; the doctor notes them, as info, and judges the times
// they hold. A time claim that holds no number is critical, and the
// verdict says what the finding says.
func TestTimeClaimsAsStrings(t *testing.T) {
	w := newWorld()
	h := header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256())
	net := with(claims(), "nbf", fmt.Sprint(now.Add(-time.Minute).Unix()), "exp", fmt.Sprint(now.Add(9*time.Minute).Unix()))
	r := diagnose(t, input(mustSign(t, h, net, w.payroll.Key), w.tenant(true)))
	noFailure(t, r)
	want(t, r, audit.CheckAssertionTime, audit.SeverityInfo, "exp and nbf are JSON strings", "MSAL .NET")
	if r.Verdict.Cause != "" {
		t.Errorf("verdict %+v", r.Verdict)
	}

	for _, tc := range []struct {
		name   string
		claims map[string]any
		says   string
	}{
		{"exp no number", with(net, "exp", "in ten minutes"), "exp is not a number"},
		{"nbf no number", with(net, "nbf", "now"), "nbf is not a number"},
		{"exp in milliseconds", with(net, "exp", now.Add(10*time.Minute).UnixMilli()), "exp is in milliseconds"},
		{"no exp", with(net, "exp", nil), "it has no exp claim"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := diagnose(t, input(mustSign(t, h, tc.claims, w.payroll.Key), w.tenant(true)))
			want(t, r, audit.CheckAssertionTime, audit.SeverityCritical, strings.TrimPrefix(tc.says, "it has "))
			if r.Verdict.Cause != audit.CheckAssertionTime || !strings.Contains(r.Verdict.Text, tc.says) || strings.Contains(r.Verdict.Text, "outside its valid time range") {
				t.Errorf("verdict %q: want it to say what the finding says, %q", r.Verdict.Text, tc.says)
			}
		})
	}
}

// aud is held to the request's own URL and cloud when the request is known.
func TestAudienceAgainstTheRequest(t *testing.T) {
	w := newWorld()
	tok := mustSign(t, header("PS256", "x5t#S256", w.payroll.Thumbprints().X5tS256()), claims(), w.payroll.Key)
	gov := "https://login.microsoftonline.us/" + testTenant + "/oauth2/v2.0/token"
	in := input(tok, nil)
	in.Request = &Evidence{Name: "req.txt", Data: []byte("curl " + gov + " -d grant_type=client_credentials -d client_id=" + payrollID +
		" -d scope=https://graph.microsoft.us/.default -d client_assertion_type=" + clientAssertionType + " -d client_assertion=" + tok)}
	r := diagnose(t, in)
	want(t, r, audit.CheckAssertionAudience, audit.SeverityCritical, "public cloud", "usgov cloud (from the request URL)")
	if r.Verdict.Values["aud"] != gov {
		t.Errorf("aud value %q, want the request's endpoint", r.Verdict.Values["aud"])
	}
	// The given assertion and the request's are the same one: no warning.
	if strings.Contains(strings.Join(r.Warnings, " "), "is not the assertion given") {
		t.Errorf("warnings %q", r.Warnings)
	}
}
