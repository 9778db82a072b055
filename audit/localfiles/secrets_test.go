package localfiles

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

// No error, warning or result ever holds the PFX password or key material,
// whatever fails.
func TestSecretsNeverLeak(t *testing.T) {
	c := certs()
	const secret = "Zq7-s3cret-PFX-pa55w0rd"
	const otherSecret = "another-pa55w0rd-9Xk"
	dir := t.TempDir()
	pfxOther, err := pkcs12.Modern2023.Encode(c.leaf.Key, c.leaf.X509, nil, otherSecret)
	if err != nil {
		t.Fatal(err)
	}
	pfxLegacy, err := pkcs12.LegacyRC2.Encode(c.leaf.Key, c.leaf.X509, nil, otherSecret)
	if err != nil {
		t.Fatal(err)
	}
	pfxRight, err := pkcs12.Modern2023.Encode(c.other.Key, c.leaf.X509, nil, secret)
	if err != nil {
		t.Fatal(err)
	}
	keyDER := mustPKCS8(t, c.leaf.Key)
	keyB64 := base64.StdEncoding.EncodeToString(keyDER)
	brokenKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: keyDER}) // PKCS #8 bytes under a PKCS #1 label

	wrong := write(t, dir, "wrong.pfx", pfxOther)
	legacy := write(t, dir, "legacy.p12", pfxLegacy)
	cut := write(t, dir, "cut.pfx", pfxOther[:len(pfxOther)-100])
	right := write(t, dir, "right.pfx", pfxRight)
	broken := write(t, dir, "broken.pem", c.leaf.CertPEM(), brokenKey)
	mapping := write(t, dir, "deployed.csv", []byte("app,cert\na,wrong.pfx\n"))
	folder := filepath.Join(dir, "folder")
	write(t, folder, "app.pfx", pfxOther)

	var warnings []string
	opts := Options{PFXPassword: secret, PFXPasswordVar: "APPAUDIT_PFX_PASSWORD", Warn: func(w string) { warnings = append(warnings, w) }}
	var seen []string
	fail := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		seen = append(seen, fmt.Sprintf("%s: %v / %+v / %#v", what, err, err, err))
	}
	_, err = ReadFile(wrong, opts)
	fail("wrong password", err)
	_, err = ReadFile(legacy, opts)
	fail("wrong password, legacy", err)
	_, err = ReadFile(cut, opts)
	fail("truncated", err)
	_, err = ReadFile(broken, opts)
	fail("broken key", err)
	_, _, err = ReadKeyPair(right, "", opts)
	fail("key pair with the wrong key", err)
	_, err = ReadPair(broken, wrong, opts)
	fail("pair", err)
	_, err = Load([]string{folder}, "", opts)
	fail("walked folder", err)
	_, err = Load(nil, mapping, opts)
	fail("mapping", err)
	_, _, err = ReadDeployedWith(mapping, opts)
	fail("mapping alone", err)
	// What works must not hold the secret either.
	got, err := ReadFile(right, opts)
	if err != nil {
		t.Fatal(err)
	}
	seen = append(seen, fmt.Sprintf("%+v %+v", got, *got[0].Cert))
	seen = append(seen, warnings...)

	for _, s := range seen {
		for _, leak := range []string{secret, otherSecret, keyB64[:24], keyB64[len(keyB64)-24:]} {
			if strings.Contains(s, leak) {
				t.Errorf("%q shows a secret (%q)", s, leak)
			}
		}
	}
}
