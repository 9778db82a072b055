package localfiles

import (
	"crypto/x509"
	"errors"
	"strings"
	"sync"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

const fuzzPassword = "fuzz-password"

var fuzzNames = []string{"f.pem", "f.der", "f.pfx", "f"}

// FuzzParseCertFile feeds PEM, DER and PFX bytes to the certificate parser
// and the key pairing: it must return a certificate list or an *Error,
// never panic, and never show the password.
func FuzzParseCertFile(f *testing.F) {
	c := certs()
	pfx, err := pkcs12.Modern2023.Encode(c.leaf.Key, c.leaf.X509, nil, fuzzPassword)
	if err != nil {
		f.Fatal(err)
	}
	store, err := pkcs12.LegacyRC2.EncodeTrustStore([]*x509.Certificate{c.leaf.X509, c.inter.X509}, fuzzPassword)
	if err != nil {
		f.Fatal(err)
	}
	pemKey := append(c.leaf.CertPEM(), keyPEM(f, c.other.Key, "pkcs8")...)
	for _, seed := range []struct {
		data []byte
		kind uint8
	}{
		{c.leaf.CertPEM(), 0},
		{pemKey, 0},
		{append(c.inter.CertPEM(), keyPEM(f, c.ec.Key, "sec1")...), 0},
		{c.leaf.CertPEM()[:300], 0},
		{c.leaf.DER, 1},
		{c.leaf.DER[:100], 3},
		{pfx, 2},
		{store, 3},
		{pfx[:len(pfx)-40], 2},
		{[]byte("-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n"), 0},
		{nil, 3},
	} {
		f.Add(seed.data, seed.kind)
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		name := fuzzNames[int(kind)%len(fuzzNames)]
		b, err := parseBytes(name, data, Options{PFXPassword: fuzzPassword})
		if err != nil {
			checkFuzzError(t, err, name)
			return
		}
		entries, _ := pair(b.certs, b.keys)
		fr := &fileResult{path: name, entries: entries}
		o := keyOwners{}
		o.add(fr)
		if got := o.localCerts(fr); len(got) != len(b.certs) {
			t.Fatalf("%d certificates became %d", len(b.certs), len(got))
		}
	})
}

func checkFuzzError(t *testing.T, err error, name string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v, want *Error", err, err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "localfiles: "+name) || strings.Contains(msg, fuzzPassword) {
		t.Fatalf("error %q: want it to start with localfiles: %s and not show the password", msg, name)
	}
}

// fuzzLoader stands for the certificate files of cert rows, without disk.
var fuzzLoader = sync.OnceValue(func() certLoader {
	c := certs()
	entries, _ := pair([]*x509.Certificate{c.leaf.X509}, nil)
	f := &fileResult{path: "app.pem", entries: entries}
	return func(path string) (*fileResult, int, error) {
		if strings.Contains(path, "bad") {
			return nil, 0, errorf(path, 0, "", "no such file or folder")
		}
		return f, 0, nil
	}
})

func fuzzMapping(t *testing.T, name string, data []byte) {
	rows, warnings, err := parseMapping(name, data, fuzzLoader())
	if err != nil {
		checkFuzzError(t, err, name)
		return
	}
	for _, w := range warnings {
		if !strings.HasPrefix(w, name) {
			t.Fatalf("warning %q does not name the file", w)
		}
	}
	for _, d := range deployments(rows, keyOwners{}, nil) {
		if d.App == "" || !strings.HasPrefix(d.Source, name+":") || strings.HasSuffix(d.Source, ":0") || !d.Thumbprints.Known() {
			t.Fatalf("deployment %+v", d)
		}
	}
}

func FuzzReadDeployedCSV(f *testing.F) {
	tp := certs().leaf.Thumbprints()
	for _, s := range []string{
		"app,thumbprint\nmy app," + tp.SHA1 + "\n",
		"\ufeffApp , CERT,notes\r\n\"a, b\",app.pem,\"x\"\"y\"\r\n,,\r\n",
		"app,thumbprint,cert\na," + tp.X5tS256() + ",\nb,,bad.pem\n",
		"app,thumbprint\n\"unterminated," + tp.SHA1 + "\n",
		"thumbprint\n" + tp.SHA1 + "\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzMapping(t, "deployed.csv", data) })
}

func FuzzReadDeployedYAML(f *testing.F) {
	tp := certs().leaf.Thumbprints()
	for _, s := range []string{
		"- app: a\n  thumbprint: " + tp.SHA1 + "\n- app: b\n  cert: app.pem\n  owner: me\n",
		"- &x\n  app: a\n  thumbprint: \"\u200e" + tp.SHA1 + "\"\n- *x\n-\n",
		"app: not a list\n",
		"- app: [a, b]\n",
		"- app: a\n  thumbprint: x\n---\n- app: b\n",
		"- app: a\n cert: bad.pem\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzMapping(t, "deployed.yaml", data) })
}

// FuzzParseSuppressions: a suppression file either gives entries that
// each name what they hide, why and until when, or fails with an *Error
// naming the file.
func FuzzParseSuppressions(f *testing.F) {
	for _, s := range []string{
		"- check: cert-long-lived\n  app: SAML Portal\n  reason: vendor\n  expires: 2026-12-31\n  owner: me\n",
		"- keyId: 33333333-0000-4000-8000-000000000001\n  reason: \"CHG-42\"\n  expires: 2026-07-01T00:00:00+02:00\n  ticket: CHG-42\n",
		"- &e\n  app: a\n  reason: r\n  expires: 2026-01-01\n- *e\n",
		"- check: no-such-check\n  reason: r\n  expires: 2026-01-01\n",
		"- app: a\n  reason: r\n  expires: 31/12/2026\n",
		"- app: [a, b]\n  reason: r\n  expires: 2026-01-01\n",
		"- app: a\n  reson: typo\n", "check: not a list\n", "[]\n", "", "- \n", "- app: a\n\treason: tab\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseSuppressions("ignore.yaml", data)
		if err != nil {
			checkFuzzError(t, err, "ignore.yaml")
			return
		}
		for _, s := range got {
			if s.Check == "" && s.App == "" && s.KeyID == "" || s.Reason == "" || s.Expires.IsZero() || !strings.HasPrefix(s.Source, "ignore.yaml:") {
				t.Fatalf("suppression %+v", s)
			}
		}
	})
}
