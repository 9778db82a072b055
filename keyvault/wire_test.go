package keyvault

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"

	"github.com/appaudit/appaudit/audit"
)

// The answers in testdata are the real service's (testdata/README.md):
// they decode into what appaudit keeps.

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestRealBundles(t *testing.T) {
	for _, tc := range []struct {
		file, version, sha1, subject string
		policy                       audit.VaultPolicy
	}{
		// The REST example's certificate has a negative serial number,
		// which Go refuses to parse: its thumbprints are still known.
		{"get-certificate.json", "f60f2a4f8ae442cfb41ca2090bd4b769", "7CB8B7539D87BA7215357B9B9049DFF2D3FA59BA", "",
			audit.VaultPolicy{Issuer: "Unknown", Subject: "CN=KeyVaultTest", ValidityMonths: 297,
				LifetimeActions: []audit.LifetimeAction{{Action: "EmailContacts", LifetimePercentage: 80}}}},
		{"certificate-bundle-autorenew.json", "ea2af52b445a4fa69938d9ef638c89ba", "A8562BD297276520908A37739A0001D3377B12D0", "CN=MyCert",
			audit.VaultPolicy{Issuer: "Self", Subject: "cn=MyCert", ValidityMonths: 12,
				LifetimeActions: []audit.LifetimeAction{{Action: "AutoRenew", LifetimePercentage: 80}}}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var c azcertificates.Certificate
			readJSON(t, tc.file, &c)
			v, ok := versionOf(c.ID, c.X509Thumbprint, c.Attributes)
			if !ok || v.Version != tc.version || v.Thumbprints.SHA1 != tc.sha1 || !v.Enabled || v.NotBefore.IsZero() || v.Expires.IsZero() || v.Created.IsZero() {
				t.Fatalf("version %+v (ok %v)", v, ok)
			}
			addCER(&v, c.CER)
			if v.Subject != tc.subject || v.Thumbprints.SHA256 != audit.ThumbprintsOf(c.CER).SHA256 || len(v.CER) == 0 {
				t.Errorf("the public certificate was not read: %+v", v)
			}
			if tc.subject != "" && (v.Cert == nil || !v.Cert.NotAfter.Equal(v.Expires)) {
				t.Errorf("the certificate's dates are not Key Vault's: %+v", v.Cert)
			}
			p := policyOf(c.Policy)
			if p == nil || p.Issuer != tc.policy.Issuer || p.Subject != tc.policy.Subject || p.ValidityMonths != tc.policy.ValidityMonths ||
				len(p.LifetimeActions) != 1 || p.LifetimeActions[0] != tc.policy.LifetimeActions[0] {
				t.Errorf("policy %+v, want %+v", p, tc.policy)
			}
			var pol azcertificates.CertificatePolicy
			readJSON(t, "get-certificate-policy.json", &pol)
			if got := policyOf(&pol); got.Issuer != "Unknown" || got.LifetimeActions[0].LifetimePercentage != 80 {
				t.Errorf("GET .../policy decodes to %+v", got)
			}
		})
	}
}

func TestACERThatContradictsX5tIsLeftOut(t *testing.T) {
	var a, b azcertificates.Certificate
	readJSON(t, "get-certificate.json", &a)
	readJSON(t, "certificate-bundle-autorenew.json", &b)
	v, _ := versionOf(a.ID, a.X509Thumbprint, a.Attributes)
	addCER(&v, b.CER)
	if v.Cert != nil || v.Thumbprints.SHA256 != "" {
		t.Errorf("a body whose SHA-1 is not the x5t was taken: %+v", v)
	}
	v.Thumbprints.SHA1 = ""
	addCER(&v, []byte("not DER"))
	if v.Cert != nil || v.Subject != "" {
		t.Error("a body that does not parse gave a certificate")
	}
}

func TestRealListingAndVersions(t *testing.T) {
	var page azcertificates.CertificatePropertiesListResult
	readJSON(t, "list-certificates-page.json", &page)
	if len(page.Value) != 14 || page.NextLink == nil {
		t.Fatalf("page: %d items, nextLink %v", len(page.Value), page.NextLink)
	}
	pending := 0
	for _, p := range page.Value {
		name, ver, ok := parseID(idOf(p.ID))
		if !ok || name == "" || ver != "" {
			t.Errorf("listing ID %q: %q %q %v", idOf(p.ID), name, ver, ok)
		}
		if len(p.X509Thumbprint) == 0 {
			pending++
		}
	}
	if pending != 1 {
		t.Errorf("%d items without x5t, want the 1 pending certificate", pending)
	}
	// Key Vault writes the port into its nextLink; it is the vault's host.
	ep, err := ResolveVault("https://keyvault_name.vault.azure.net", "public")
	if err != nil {
		t.Fatal(err)
	}
	next, _ := url.Parse(*page.NextLink)
	if !ep.onHost(next) {
		t.Errorf("the real nextLink %s is not on %s", next.Host, ep.URL)
	}
	other, _ := url.Parse("https://keyvault_name.vault.azure.net.evil.example/certificates")
	if ep.onHost(other) {
		t.Error("another host passed as the vault's")
	}

	var versions azcertificates.CertificatePropertiesListResult
	readJSON(t, "get-certificate-versions.json", &versions)
	c := audit.VaultCertificate{}
	for _, p := range versions.Value {
		v, ok := versionOf(p.ID, p.X509Thumbprint, p.Attributes)
		if !ok {
			t.Fatalf("version %q not read", idOf(p.ID))
		}
		c.Versions = append(c.Versions, v)
	}
	c.SortVersions()
	if c.Versions[0].Version != "002ade539442463aba45c0efb42e3e84" {
		t.Errorf("newest first: %v", c.Versions[0].Version)
	}
}

func TestParseIDNeverPanics(t *testing.T) {
	for _, id := range []string{"", "https://kv.vault.azure.net", "https://kv.vault.azure.net/", "https://kv.vault.azure.net/certificates",
		"https://kv.vault.azure.net/certificates/", "https://kv.vault.azure.net/secrets/a/b", "::", "https://kv.vault.azure.net/certificates/a/b/c/d"} {
		if name, _, ok := parseID(id); ok {
			t.Errorf("parseID(%q) = %q, ok", id, name)
		}
	}
}

// The 403 of a vault that uses Azure RBAC is said in one line, with the
// permission to grant, and without the caller's details.
func TestReal403(t *testing.T) {
	body, err := os.ReadFile("testdata/403-forbidden-by-rbac.json")
	if err != nil {
		t.Fatal(err)
	}
	resp := &http.Response{StatusCode: 403, Status: "403 Forbidden", Header: http.Header{}, Body: nopCloser{bytes.NewReader(body)},
		Request: &http.Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "kv.vault.azure.net", Path: "/certificates"}}}
	f := responseFailure(&azcore.ResponseError{StatusCode: 403, ErrorCode: "Forbidden", RawResponse: resp})
	for _, want := range []string{"Key Vault answered 403 Forbidden Forbidden (ForbiddenByRbac): Caller is not authorized to perform action on resource.", "Key Vault Reader", "Get and List"} {
		if !strings.Contains(f.msg, want) {
			t.Errorf("message %q lacks %q", f.msg, want)
		}
	}
	if !f.fatal || strings.Contains(f.msg, "oid=") || strings.ContainsAny(f.msg, "\r\n") {
		t.Errorf("message %q (fatal %v)", f.msg, f.fatal)
	}
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// The fake's challenge has the real one's form.
func TestRealChallengeForm(t *testing.T) {
	f, err := os.Open("testdata/401-challenge.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	resp, err := http.ReadResponse(bufio.NewReader(f), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header.Get("WWW-Authenticate")
	if !strings.HasPrefix(h, `Bearer authorization="https://login.windows.net/`) || !strings.HasSuffix(h, `", resource="https://vault.azure.net"`) {
		t.Errorf("the recorded challenge is %q", h)
	}
}
