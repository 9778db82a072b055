package graphclient_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
)

var now = audittest.Now()

func days(n int) time.Duration { return audittest.Days(n) }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func read(t *testing.T, name, in string) *audit.Tenant {
	t.Helper()
	tn, err := graphclient.ReadSnapshot(strings.NewReader(in), name)
	if err != nil {
		t.Fatalf("ReadSnapshot(%s): %v", name, err)
	}
	return tn
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// The output of `az ad app list --all`: Graph's camelCase objects with
// every member Graph returns, key null as list pages give it.
func TestReadAzAppList(t *testing.T) {
	tn, err := graphclient.ReadSnapshotFile(filepath.Join("testdata", "az-ad-app-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !tn.Complete || tn.IncompleteReason != "" {
		t.Errorf("an array is the whole listing: complete %v %q", tn.Complete, tn.IncompleteReason)
	}
	if len(tn.Applications) != 3 || len(tn.ServicePrincipals) != 0 {
		t.Fatalf("%d applications, %d service principals; want 3, 0", len(tn.Applications), len(tn.ServicePrincipals))
	}
	payroll := tn.Applications[0]
	if payroll.AppID != "11111111-1111-4111-8111-111111111111" || payroll.ObjectID != "aaaaaaaa-0001-4000-8000-000000000001" ||
		payroll.DisplayName != "Contoso Payroll API" || payroll.SignInAudience != "AzureADMyOrg" {
		t.Errorf("payroll: %+v", payroll.Principal)
	}
	if len(payroll.KeyCredentials) != 2 || len(payroll.PasswordCredentials) != 1 {
		t.Fatalf("payroll credentials: %d keys, %d secrets", len(payroll.KeyCredentials), len(payroll.PasswordCredentials))
	}
	k := payroll.KeyCredentials[0]
	want := audit.KeyCredential{
		KeyID: "c0000001-0000-4000-8000-000000000001", DisplayName: "CN=payroll-api.contoso.com",
		Type: audit.TypeAsymmetricX509Cert, Usage: audit.UsageVerify,
		Start: date("2025-03-01T09:00:00Z"), End: date("2027-03-01T09:00:00Z"),
		CustomKeyIdentifier: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
		Thumbprints:         audit.Thumbprints{SHA1: "0102030405060708090A0B0C0D0E0F1011121314"},
		Source:              audit.FromKeyIdentifier,
	}
	if !reflect.DeepEqual(k, want) {
		t.Errorf("key credential\n got %+v\nwant %+v", k, want)
	}
	// Arbitrary customKeyIdentifier bytes identify nothing; fractional
	// seconds (Graph writes seven digits) are kept.
	k = payroll.KeyCredentials[1]
	if k.Source != audit.FromNothing || k.Thumbprints.Known() || string(k.CustomKeyIdentifier) != "cert for payroll 2025" {
		t.Errorf("arbitrary identifier: %+v", k)
	}
	if !k.End.Equal(date("2026-01-31T23:59:59.1234567Z")) {
		t.Errorf("end %v", k.End)
	}
	s := payroll.PasswordCredentials[0]
	if s != (audit.PasswordCredential{KeyID: "d0000001-0000-4000-8000-000000000001", DisplayName: "runbook",
		Start: date("2026-03-01T00:00:00Z"), End: date("2026-09-01T00:00:00Z")}) {
		t.Errorf("secret %+v", s)
	}
	// customKeyIdentifier holding the thumbprint's hex text.
	k = tn.Applications[1].KeyCredentials[0]
	if k.Thumbprints.SHA1 != "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B" || k.Source != audit.FromKeyIdentifier {
		t.Errorf("hex-text identifier: %+v", k)
	}
	legacy := tn.Applications[2]
	if legacy.DisplayName != `Legacy "quoted" app é` || legacy.KeyCredentials != nil {
		t.Errorf("legacy: %+v", legacy.Principal)
	}
	if p := legacy.PasswordCredentials[0]; !p.End.Equal(date("2022-01-01T00:00:00Z")) || p.DisplayName != "" || !p.Start.Equal(date("2020-01-01T00:00:00Z")) {
		t.Errorf("null name: %+v", p)
	}
}

// `az ad sp list --all` prints service principals; they are told from
// applications by their members.
func TestReadAzServicePrincipalList(t *testing.T) {
	tn, err := graphclient.ReadSnapshotFile(filepath.Join("testdata", "az-ad-sp-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tn.Applications) != 0 || len(tn.ServicePrincipals) != 2 || !tn.Complete {
		t.Fatalf("%d applications, %d service principals, complete %v", len(tn.Applications), len(tn.ServicePrincipals), tn.Complete)
	}
	sp := tn.ServicePrincipals[0]
	if sp.AppDisplayName != "Contoso SAML Portal" || sp.ServicePrincipalType != "Application" ||
		sp.AppOwnerOrganizationID != "00000000-0000-0000-0000-00000000cafe" || sp.AccountDisabled ||
		sp.PreferredTokenSigningKeyThumbprint != "0102030405060708090A0B0C0D0E0F1011121314" ||
		!sp.PreferredTokenSigningKeyEndDateTime.IsZero() {
		t.Errorf("SAML service principal: %+v", sp)
	}
	if len(sp.KeyCredentials) != 2 || sp.KeyCredentials[0].Usage != audit.UsageSign || sp.KeyCredentials[0].Type != audit.TypeX509CertAndPassword ||
		sp.KeyCredentials[1].Usage != audit.UsageVerify || !sp.KeyCredentials[0].Thumbprints.Matches(sp.KeyCredentials[1].Thumbprints) {
		t.Errorf("sign/verify pair: %+v", sp.KeyCredentials)
	}
	if old := tn.ServicePrincipals[1]; !old.AccountDisabled || old.PreferredTokenSigningKeyThumbprint != "" {
		t.Errorf("disabled service principal: %+v", old)
	}
}

// A Graph page as Graph Explorer or the live client sees it, with
// certificate bodies (key present), as a single-object GET or a list with
// $select=keyCredentials returns them.
func TestReadGraphPageWithBodies(t *testing.T) {
	cert := audittest.Valid("payroll-api.contoso.com", now, days(30), days(300))
	other := audittest.Valid("other.contoso.com", now, days(10), days(100))
	tp := cert.Thumbprints()
	page := fmt.Sprintf(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications(id,appId,displayName,keyCredentials,passwordCredentials)",
"value":[{"@odata.type":"#microsoft.graph.application","id":"o1","appId":"a1","displayName":"Payroll","keyCredentials":[
{"customKeyIdentifier":%q,"displayName":"CN=payroll-api.contoso.com","endDateTime":"2027-04-11T12:00:00Z","key":%q,"keyId":"k1","startDateTime":"2026-05-16T12:00:00.000Z","type":"AsymmetricX509Cert","usage":"Verify"},
{"customKeyIdentifier":null,"displayName":"CN=other","endDateTime":"2026-09-23T12:00:00Z","key":%q,"keyId":"k2","startDateTime":null,"type":"AsymmetricX509Cert","usage":"Verify"},
{"customKeyIdentifier":%q,"displayName":"mismatch","endDateTime":"2026-09-23T12:00:00Z","key":%q,"keyId":"k3","type":"AsymmetricX509Cert","usage":"Verify"}],
"passwordCredentials":[]}]}`,
		b64(mustHex(tp.SHA1)), b64(cert.DER), b64(other.DER), b64(mustHex(tp.SHA1)), b64(other.DER))
	tn := read(t, "page.json", page)
	if !tn.Complete || tn.Cloud != "public" || len(tn.Applications) != 1 {
		t.Fatalf("complete %v cloud %q apps %d", tn.Complete, tn.Cloud, len(tn.Applications))
	}
	ks := tn.Applications[0].KeyCredentials
	if ks[0].Source != audit.FromCertificate || ks[0].Thumbprints != tp || ks[0].Thumbprints.SHA256 == "" ||
		ks[0].Cert == nil || ks[0].Cert.Subject != "CN=payroll-api.contoso.com" || !bytes.Equal(ks[0].Key, cert.DER) {
		t.Errorf("with body: %+v", ks[0])
	}
	if ks[1].Source != audit.FromCertificate || ks[1].Thumbprints != other.Thumbprints() || ks[1].CustomKeyIdentifier != nil || !ks[1].Start.IsZero() {
		t.Errorf("body, null identifier: %+v", ks[1])
	}
	// The body wins over an identifier that names another certificate.
	if ks[2].Thumbprints != other.Thumbprints() || ks[2].Source != audit.FromCertificate {
		t.Errorf("body and a mismatched identifier: %+v", ks[2])
	}
}

func TestReadServicePrincipalPage(t *testing.T) {
	saml := audittest.Valid("Microsoft Azure Federated SSO Certificate", now, days(400), days(20))
	tp := saml.Thumbprints()
	end := saml.X509.NotAfter.UTC().Format(time.RFC3339)
	// $select leaves nothing that tells a service principal from an
	// application but the context URL.
	page := fmt.Sprintf(`{"@odata.context":"https://graph.microsoft.us/v1.0/$metadata#servicePrincipals(id,appId,displayName,keyCredentials,preferredTokenSigningKeyThumbprint,preferredTokenSigningKeyEndDateTime)",
"value":[{"id":"sp1","appId":"a1","displayName":"SAML app","preferredTokenSigningKeyThumbprint":%q,"preferredTokenSigningKeyEndDateTime":%q,
"keyCredentials":[
{"customKeyIdentifier":%q,"displayName":"CN=Microsoft Azure Federated SSO Certificate","endDateTime":%q,"key":null,"keyId":"sign","startDateTime":"2025-05-11T12:00:00Z","type":"X509CertAndPassword","usage":"Sign"},
{"customKeyIdentifier":%q,"displayName":"CN=Microsoft Azure Federated SSO Certificate","endDateTime":%q,"key":%q,"keyId":"verify","startDateTime":"2025-05-11T12:00:00Z","type":"AsymmetricX509Cert","usage":"Verify"}]}]}`,
		tp.SHA1, end, b64(mustHex(tp.SHA1)), end, b64(mustHex(tp.SHA1)), end, b64(saml.DER))
	tn := read(t, "sp-page.json", page)
	if len(tn.ServicePrincipals) != 1 || len(tn.Applications) != 0 || tn.Cloud != "usgov" {
		t.Fatalf("%d service principals, %d applications, cloud %q", len(tn.ServicePrincipals), len(tn.Applications), tn.Cloud)
	}
	sp := tn.ServicePrincipals[0]
	if sp.PreferredTokenSigningKeyThumbprint != tp.SHA1 || !sp.PreferredTokenSigningKeyEndDateTime.Equal(saml.X509.NotAfter) {
		t.Errorf("preferred token signing key: %q %v", sp.PreferredTokenSigningKeyThumbprint, sp.PreferredTokenSigningKeyEndDateTime)
	}
	sign, verify := sp.KeyCredentials[0], sp.KeyCredentials[1]
	// Without the body only SHA-1 is known; with it, SHA-256 too.
	if sign.Source != audit.FromKeyIdentifier || sign.Thumbprints.SHA256 != "" || sign.Thumbprints.SHA1 != tp.SHA1 {
		t.Errorf("sign key: %+v", sign.Thumbprints)
	}
	if verify.Source != audit.FromCertificate || verify.Thumbprints != tp {
		t.Errorf("verify key: %+v", verify.Thumbprints)
	}
}

func TestReadIncompletePage(t *testing.T) {
	for _, tc := range []struct{ context, list string }{
		{"https://graph.microsoft.com/v1.0/$metadata#applications", "az ad app list --all"},
		{"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals", "az ad sp list --all"},
	} {
		page := `{"@odata.context":"` + tc.context + `","value":[{"id":"o1","appId":"a1","displayName":"A"}],` +
			`"@odata.nextLink":"https://graph.microsoft.com/v1.0/applications?$skiptoken=RFNwdAIAAQAAAB"}`
		tn := read(t, "page1.json", page)
		if tn.Complete {
			t.Errorf("%s: a page with @odata.nextLink is complete", tc.context)
		}
		for _, want := range []string{"page1.json", "@odata.nextLink", tc.list, "appaudit snapshot"} {
			if !strings.Contains(tn.IncompleteReason, want) {
				t.Errorf("reason %q lacks %q", tn.IncompleteReason, want)
			}
		}
		if strings.Contains(tn.IncompleteReason, "skiptoken") {
			t.Errorf("reason quotes the next link: %q", tn.IncompleteReason)
		}
	}
	// A last page, @odata.count and other annotations: complete.
	tn := read(t, "last.json", `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications","@odata.count":1,"value":[{"appId":"a1","displayName":"A","@odata.etag":"W/1"}]}`)
	if !tn.Complete || len(tn.Applications) != 1 {
		t.Errorf("last page: complete %v, %d apps", tn.Complete, len(tn.Applications))
	}
}

// A mixed array, and @odata.type deciding over members.
func TestKindOfEachObject(t *testing.T) {
	tn := read(t, "mixed.json", `[
 {"appId":"a1","displayName":"App"},
 {"appId":"a2","displayName":"SP","servicePrincipalType":"Application"},
 {"@odata.type":"#microsoft.graph.servicePrincipal","appId":"a3","displayName":"typed"},
 {"@odata.type":"#microsoft.graph.application","appId":"a4","displayName":"typed app"}
]`)
	if len(tn.Applications) != 2 || len(tn.ServicePrincipals) != 2 ||
		tn.Applications[1].AppID != "a4" || tn.ServicePrincipals[0].AppID != "a2" || tn.ServicePrincipals[1].AppID != "a3" {
		t.Errorf("apps %+v\nsps %+v", tn.Applications, tn.ServicePrincipals)
	}
}

// syntheticTenant is a tenant as a live read gives it: applications and
// service principals, certificates with and without bodies, identifiers of
// every kind, secrets.
func syntheticTenant(t testing.TB) *audit.Tenant {
	t.Helper()
	a := audittest.Valid("payroll-api.contoso.com", now, days(60), days(300))
	b := audittest.Valid("billing.contoso.com", now, days(370), -days(5))
	saml := audittest.Valid("Microsoft Azure Federated SSO Certificate", now, days(1000), days(20))

	hexText := a.KeyCredential("k-hex", audit.UsageVerify, false)
	hexText.CustomKeyIdentifier = []byte(a.Thumbprints().SHA1)
	hexText.Identify(nil)
	arbitrary := b.KeyCredential("k-arb", audit.UsageVerify, false)
	arbitrary.CustomKeyIdentifier = []byte{0xff, 0x00, 0x7f, 'x'}
	arbitrary.Identify(nil)
	null := b.KeyCredential("k-null", audit.UsageVerify, false)
	null.CustomKeyIdentifier = nil
	null.Identify(nil)
	notCert := audit.KeyCredential{KeyID: "k-junk", Type: audit.TypeAsymmetricX509Cert, Usage: audit.UsageVerify, Start: now.Add(-time.Hour).Add(123 * time.Millisecond), End: now.Add(days(30))}
	notCert.Identify([]byte("not a certificate"))
	if notCert.CertError == "" {
		t.Fatal("junk key has no CertError")
	}

	payroll := audittest.App("11111111-0000-4000-8000-000000000001", "Payroll",
		a.KeyCredential("k-body", audit.UsageVerify, true), a.KeyCredential("k-nobody", audit.UsageVerify, false), hexText)
	payroll.SignInAudience = "AzureADMyOrg"
	payroll.PasswordCredentials = []audit.PasswordCredential{audittest.Secret("s1", now.Add(-days(10)), now.Add(days(170)))}
	billing := audittest.App("11111111-0000-4000-8000-000000000002", "Billing <&> \"quoted\"", arbitrary, null, notCert)
	empty := audittest.App("11111111-0000-4000-8000-000000000003", "")

	tn := audittest.Tenant(payroll, billing, empty)
	tn.Cloud, tn.TakenAt = "public", now
	tn.ServicePrincipals = []audit.ServicePrincipal{{
		Principal: audit.Principal{ObjectID: "sp-1", AppID: "11111111-0000-4000-8000-000000000004", DisplayName: "SAML Portal",
			KeyCredentials: []audit.KeyCredential{saml.KeyCredential("sign", audit.UsageSign, true), saml.KeyCredential("verify", audit.UsageVerify, false)}},
		AppDisplayName: "SAML Portal", ServicePrincipalType: "Application", AppOwnerOrganizationID: tn.TenantID,
		PreferredTokenSigningKeyThumbprint: saml.Thumbprints().SHA1, PreferredTokenSigningKeyEndDateTime: saml.X509.NotAfter.UTC(),
	}, {
		Principal:       audit.Principal{ObjectID: "sp-2", AppID: payroll.AppID, DisplayName: "Payroll"},
		AccountDisabled: true, ServicePrincipalType: "Application",
	}}
	return tn
}

func roundTrip(t *testing.T, tn *audit.Tenant) (*audit.Tenant, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := graphclient.WriteSnapshot(&buf, tn, graphclient.SnapshotMeta{Tool: "appaudit test"}); err != nil {
		t.Fatal(err)
	}
	back, err := graphclient.ReadSnapshot(bytes.NewReader(buf.Bytes()), "snap.json")
	if err != nil {
		t.Fatalf("reading back: %v\n%s", err, buf.String())
	}
	return back, buf.String()
}

func TestSnapshotRoundTrip(t *testing.T) {
	tn := syntheticTenant(t)
	back, text := roundTrip(t, tn)
	if !reflect.DeepEqual(back, tn) {
		diffTenants(t, back, tn)
	}
	for _, want := range []string{`"appauditSnapshot":1`, `"tool":"appaudit test"`, `"complete":true`, `"tenantId":"` + tn.TenantID + `"`,
		`"key":"` + b64(tn.Applications[0].KeyCredentials[0].Key) + `"`, `"accountEnabled":false`} {
		if !strings.Contains(text, want) {
			t.Errorf("snapshot lacks %s", want)
		}
	}
	// One object a line.
	objects := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, `{"id":`) && strings.HasSuffix(strings.TrimSuffix(line, ","), "}") {
			objects++
		}
	}
	if objects != len(tn.Applications)+len(tn.ServicePrincipals) {
		t.Errorf("%d objects on lines of their own:\n%s", objects, text)
	}
}

func TestSnapshotRoundTripIncomplete(t *testing.T) {
	tn := syntheticTenant(t)
	tn.Complete, tn.IncompleteReason = false, "listing servicePrincipals: 503 Service Unavailable after 5 tries"
	back, _ := roundTrip(t, tn)
	if !reflect.DeepEqual(back, tn) {
		diffTenants(t, back, tn)
	}
	empty := &audit.Tenant{Complete: true}
	back, text := roundTrip(t, empty)
	if !reflect.DeepEqual(back, empty) {
		t.Errorf("empty tenant: %+v\n%s", back, text)
	}
}

// Completeness comes from the file: a snapshot that claims nothing is not
// complete.
func TestSnapshotCompleteness(t *testing.T) {
	for _, tc := range []struct {
		doc      string
		complete bool
		reason   string
	}{
		{`{"appauditSnapshot":1,"complete":true,"applications":[]}`, true, ""},
		{`{"appauditSnapshot":1,"complete":false,"incompleteReason":"stopped at page 7","applications":[]}`, false, "stopped at page 7"},
		{`{"appauditSnapshot":1,"complete":false}`, false, "says it does not hold the whole tenant"},
		{`{"appauditSnapshot":1,"applications":[],"servicePrincipals":[]}`, false, "does not say whether"},
		{`{"applications":[],"complete":true,"appauditSnapshot":1}`, true, ""},
		{`{"appauditSnapshot":1,"complete":true,"applications":null,"servicePrincipals":null}`, true, ""},
	} {
		tn := read(t, "s.json", tc.doc)
		if tn.Complete != tc.complete || !strings.Contains(tn.IncompleteReason, tc.reason) || (tc.reason == "") != (tn.IncompleteReason == "") {
			t.Errorf("%s: complete %v reason %q", tc.doc, tn.Complete, tn.IncompleteReason)
		}
	}
}

func diffTenants(t *testing.T, got, want *audit.Tenant) {
	t.Helper()
	g, w := *got, *want
	g.Applications, g.ServicePrincipals, w.Applications, w.ServicePrincipals = nil, nil, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("tenant header\n got %+v\nwant %+v", g, w)
	}
	if len(got.Applications) != len(want.Applications) || len(got.ServicePrincipals) != len(want.ServicePrincipals) {
		t.Fatalf("%d/%d apps, %d/%d service principals", len(got.Applications), len(want.Applications), len(got.ServicePrincipals), len(want.ServicePrincipals))
	}
	for i := range want.Applications {
		if !reflect.DeepEqual(got.Applications[i], want.Applications[i]) {
			t.Errorf("application %d\n got %+v\nwant %+v", i, got.Applications[i], want.Applications[i])
		}
	}
	for i := range want.ServicePrincipals {
		if !reflect.DeepEqual(got.ServicePrincipals[i], want.ServicePrincipals[i]) {
			t.Errorf("service principal %d\n got %+v\nwant %+v", i, got.ServicePrincipals[i], want.ServicePrincipals[i])
		}
	}
}

func mustHex(h string) []byte {
	b, err := hex.DecodeString(h)
	if err != nil {
		panic(err)
	}
	return b
}

// A client secret's text and hint never survive decoding: not in the
// Tenant, not in a snapshot written from it, not in an error.
func TestSecretsDropped(t *testing.T) {
	const secret, hint = "Q~s3cr3tV4lu3-never-shown", "Q~s"
	in := `[{"appId":"a1","displayName":"A","passwordCredentials":[{"keyId":"p1","hint":"` + hint + `","secretText":"` + secret + `","endDateTime":"2027-01-01T00:00:00Z"}]}]`
	tn := read(t, "s.json", in)
	if fmt.Sprintf("%#v", tn) != strings.NewReplacer(secret, "", hint, "").Replace(fmt.Sprintf("%#v", tn)) {
		t.Errorf("the tenant holds the secret or its hint: %#v", tn)
	}
	var buf bytes.Buffer
	if err := graphclient.WriteSnapshot(&buf, tn, graphclient.SnapshotMeta{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), secret) || strings.Contains(buf.String(), `"hint"`) || strings.Contains(buf.String(), "secretText") {
		t.Errorf("snapshot holds the secret: %s", buf.String())
	}
	bad := strings.Replace(in, `"2027-01-01T00:00:00Z"`, `"soon"`, 1)
	_, err := graphclient.ReadSnapshot(strings.NewReader(bad), "s.json")
	if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), hint) {
		t.Errorf("error %v", err)
	}
	if !strings.Contains(err.Error(), "passwordCredentials[0].endDateTime") {
		t.Errorf("error does not name the field: %v", err)
	}
	// A syntax error inside the secret names none of its characters.
	bad = strings.Replace(in, secret, "Q~s3cr3t", 1)
	_, err = graphclient.ReadSnapshot(strings.NewReader(bad), "s.json")
	if err == nil || strings.Contains(err.Error(), "\x01") || strings.Contains(err.Error(), "'") || !strings.Contains(err.Error(), "inside a string") {
		t.Errorf("error %v", err)
	}
}

// Certificate bodies that are not certificates: kept when harmless (the
// audit reports them), dropped when they may be secret.
func TestKeysThatAreNotCertificates(t *testing.T) {
	c := audittest.Valid("x", now, days(1), days(1))
	pkcs8 := c.KeyPEM() // PEM; the DER is what a careless upload would put in key
	der := pemBody(t, pkcs8)
	in := fmt.Sprintf(`[{"appId":"a1","displayName":"A","keyCredentials":[
{"keyId":"junk","type":"AsymmetricX509Cert","usage":"Verify","endDateTime":"2027-01-01T00:00:00Z","key":%q},
{"keyId":"priv","type":"AsymmetricX509Cert","usage":"Verify","endDateTime":"2027-01-01T00:00:00Z","key":%q},
{"keyId":"sym","type":"Symmetric","usage":"Verify","endDateTime":"2027-01-01T00:00:00Z","key":%q}]}]`,
		b64([]byte("hello, not DER")), b64(der), b64([]byte("shared-secret-bytes")))
	ks := read(t, "k.json", in).Applications[0].KeyCredentials
	if ks[0].CertError == "" || string(ks[0].Key) != "hello, not DER" || ks[0].Cert != nil {
		t.Errorf("junk key: %+v", ks[0])
	}
	if ks[1].Key != nil || !strings.Contains(ks[1].CertError, "private key") {
		t.Errorf("private key kept: %+v", ks[1])
	}
	if ks[2].Key != nil || ks[2].CertError != "" {
		t.Errorf("symmetric key kept: %+v", ks[2])
	}
}

func pemBody(t *testing.T, p []byte) []byte {
	t.Helper()
	s := string(p)
	s = s[strings.Index(s, "\n")+1 : strings.LastIndex(s, "-----END")]
	b, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(s, "\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDates(t *testing.T) {
	for in, want := range map[string]time.Time{
		`"2026-01-31T12:00:00Z"`:           date("2026-01-31T12:00:00Z"),
		`"2026-01-31T12:00:00.5Z"`:         date("2026-01-31T12:00:00.5Z"),
		`"2026-01-31T12:00:00.1234567Z"`:   date("2026-01-31T12:00:00.1234567Z"),
		`"2026-01-31T14:00:00+02:00"`:      date("2026-01-31T12:00:00Z"),
		`"2026-01-31T12:00:00"`:            date("2026-01-31T12:00:00Z"),
		`"2026-01-31T12:00:00.25"`:         date("2026-01-31T12:00:00.25Z"),
		`null`:                             {},
		`""`:                               {},
		`"0001-01-01T00:00:00Z"`:           {},
		`"2026-01-31T12:00:00.000000000Z"`: date("2026-01-31T12:00:00Z"),
	} {
		tn := read(t, "d.json", `[{"appId":"a","keyCredentials":[{"keyId":"k","endDateTime":"2030-01-01T00:00:00Z","startDateTime":`+in+`}]}]`)
		got := tn.Applications[0].KeyCredentials[0].Start
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: %v, want %v", in, got, want)
		}
	}
}

func TestEncodings(t *testing.T) {
	doc := `[{"appId":"a1","displayName":"Zoë"}]`
	utf16le := []byte{0xFF, 0xFE}
	for _, r := range doc {
		utf16le = append(utf16le, byte(r), byte(r>>8))
	}
	for name, in := range map[string][]byte{
		"utf-8 with BOM": append([]byte{0xEF, 0xBB, 0xBF}, doc...),
		"utf-16le":       utf16le,
	} {
		tn, err := graphclient.ReadSnapshot(bytes.NewReader(in), name)
		if err != nil || len(tn.Applications) != 1 || tn.Applications[0].DisplayName != "Zoë" {
			t.Errorf("%s: %v %+v", name, err, tn)
		}
	}
}

func TestReadSnapshotFileMissing(t *testing.T) {
	_, err := graphclient.ReadSnapshotFile(filepath.Join(t.TempDir(), "nope.json"))
	if err == nil || !strings.Contains(err.Error(), "nope.json") || !strings.HasPrefix(err.Error(), "graphclient: ") {
		t.Errorf("error %v", err)
	}
}

func TestWriteSnapshotFileReadsBack(t *testing.T) {
	tn := syntheticTenant(t)
	path := filepath.Join(t.TempDir(), "tenant.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := graphclient.WriteSnapshot(f, tn, graphclient.SnapshotMeta{Tool: "appaudit"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	back, err := graphclient.ReadSnapshotFile(path)
	if err != nil || !reflect.DeepEqual(back, tn) {
		t.Errorf("%v", err)
	}
	if err := graphclient.WriteSnapshot(&bytes.Buffer{}, nil, graphclient.SnapshotMeta{}); err == nil {
		t.Error("writing a nil tenant succeeded")
	}
}
