package audit_test

import (
	"crypto/ed25519"
	"regexp"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// FuzzParseThumbprint: any string either parses into exactly one known
// digest of the right length, or fails with ErrThumbprint; never a panic.
func FuzzParseThumbprint(f *testing.F) {
	for _, seed := range []string{
		"1DAEBE672DF6547D0015251835 01C6C952F1B08F", "\u200e1d ae be 67 2d f6 54 7d 00 15 25 18 35 01 c6 c9 52 f1 b0 8f",
		"HaS+Zy32VH0AFSUYNQHGyVLxsI8=", "HaS-Zy32VH0AFSUYNQHGyVLxsI8", "MURBRUJFNjcyREY2NTQ3RDAwMTUyNTE4MzUwMUM2Qzk1MkYxQjA4Rg",
		"", "==", ":::", "AA-BB", strings.Repeat("f", 64), strings.Repeat("A", 43),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := audit.ParseThumbprint(s)
		if err != nil {
			return
		}
		switch {
		case p.SHA1 != "" && p.SHA256 == "" && len(p.SHA1) == 40:
		case p.SHA256 != "" && p.SHA1 == "" && len(p.SHA256) == 64:
		default:
			t.Fatalf("%q parsed into %+v", s, p.Thumbprints)
		}
		if strings.ToUpper(p.SHA1+p.SHA256) != p.SHA1+p.SHA256 {
			t.Fatalf("%q: thumbprint not upper-case: %+v", s, p.Thumbprints)
		}
	})
}

// FuzzKeyIdentifier: customKeyIdentifier bytes from the tenant never
// panic and give at most one digest of the right length.
func FuzzKeyIdentifier(f *testing.F) {
	f.Add([]byte("MyCert-2026"))
	f.Add([]byte(strings.Repeat("a", 40)))
	f.Add(make([]byte, 20))
	f.Add(make([]byte, 30))
	f.Fuzz(func(t *testing.T, b []byte) {
		tp := audit.ThumbprintsFromKeyIdentifier(b)
		if (tp.SHA1 != "" && len(tp.SHA1) != 40) || (tp.SHA256 != "" && len(tp.SHA256) != 64) || (tp.SHA1 != "" && tp.SHA256 != "") {
			t.Fatalf("%x gave %+v", b, tp)
		}
	})
}

// FuzzCertificateBody: a keyCredential's key, the certificate body Graph
// returns (or whatever a tenant or a snapshot holds there), is identified
// and audited, against a deployment that signs with it too, without a
// panic: a body that parses gives the thumbprints of its bytes, one that
// does not gives a reason.
func FuzzCertificateBody(f *testing.F) {
	now := audittest.Now()
	_, edKey, _ := ed25519.GenerateKey(nil)
	for _, c := range []*audittest.Cert{
		audittest.Valid("payroll.contoso.com", now, audittest.Days(30), audittest.Days(300)),
		audittest.MustCert(audittest.Spec{CommonName: "", NotBefore: now.Add(audittest.Days(9)), NotAfter: now.Add(-audittest.Days(9)), Key: audittest.WeakKey()}),
		audittest.MustCert(audittest.Spec{CommonName: "ec", NotBefore: now, NotAfter: now.Add(audittest.Days(1)), Key: audittest.ECKey()}),
		audittest.MustCert(audittest.Spec{CommonName: "ed", NotBefore: now, NotAfter: now.Add(audittest.Days(1)), Key: edKey}),
	} {
		f.Add(c.DER, uint8(0))
		f.Add(c.DER[:len(c.DER)/2], uint8(1))
	}
	f.Add([]byte("not a certificate"), uint8(2))
	f.Add([]byte{}, uint8(3))
	types := []string{audit.TypeAsymmetricX509Cert, audit.TypeX509CertAndPassword, audit.TypeSymmetric, "Other"}
	usages := []string{audit.UsageVerify, audit.UsageSign}
	f.Fuzz(func(t *testing.T, der []byte, shape uint8) {
		k := audit.KeyCredential{KeyID: "k", Type: types[int(shape)%len(types)], Usage: usages[int(shape/4)%len(usages)],
			Start: now.Add(-audittest.Days(1)), End: now.Add(audittest.Days(int(shape))), CustomKeyIdentifier: der}
		k.Identify(der)
		switch {
		case k.Cert != nil && (k.Thumbprints != audit.ThumbprintsOf(der) || k.Source != audit.FromCertificate):
			t.Fatalf("a body that parses gave %+v from %s", k.Thumbprints, k.Source)
		case k.Cert == nil && len(der) > 0 && k.Type != audit.TypeSymmetric && k.CertError == "":
			t.Fatal("a body that does not parse has no reason")
		}
		app := audittest.App("00000000-0000-4000-a000-000000000001", "App", k)
		sp := audit.ServicePrincipal{Principal: audit.Principal{ObjectID: "sp", AppID: app.AppID, DisplayName: "App", KeyCredentials: []audit.KeyCredential{k}},
			PreferredTokenSigningKeyThumbprint: k.Thumbprints.SHA1}
		tenant := audittest.Tenant(app)
		tenant.ServicePrincipals = []audit.ServicePrincipal{sp}
		inv := &audit.Inventory{Deployments: []audit.Deployment{{App: app.AppID, Source: "deployed.csv:2", Thumbprints: k.Thumbprints}}}
		if k.Cert != nil {
			local := audit.LocalCert{Source: "app.pem", Path: "app.pem", Cert: k.Cert}
			inv.Certs = []audit.LocalCert{local}
			inv.Deployments[0].Cert = &local
		}
		r := audit.Run(tenant, inv, audit.DefaultPolicy(), now)
		for _, fd := range r.Findings {
			if fd.Check == "" || fd.Message == "" {
				t.Fatalf("finding %+v", fd)
			}
		}
	})
}

var aadstsForm = regexp.MustCompile(`^AADSTS[1-9][0-9]{0,8}$`)

// FuzzNormalizeAADSTS: an AADSTS code as a user types it for explain is
// either refused or written the one way Entra writes it.
func FuzzNormalizeAADSTS(f *testing.F) {
	for _, s := range []string{"AADSTS700027", "aadsts700027", "700027", " AADSTS: 0050012 ", "AADSTS", "AADSTS4294967296", "١٢٣", "+7", "-7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := audit.NormalizeAADSTS(s)
		if !ok {
			return
		}
		if !aadstsForm.MatchString(code) {
			t.Fatalf("%q normalised to %q", s, code)
		}
		if again, ok := audit.NormalizeAADSTS(code); !ok || again != code {
			t.Fatalf("%q normalised to %q, then to %q", s, code, again)
		}
	})
}
