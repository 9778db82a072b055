package localfiles

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/appaudit/appaudit/audit/audittest"
)

const fixturePassword = "appaudit-fixture"

// fixtureCert reads a public certificate of testdata/.
func fixtureCert(t *testing.T, name string) *audittest.Cert {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatalf("testdata/%s: no PEM block", name)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return &audittest.Cert{DER: b.Bytes, X509: c}
}

// The committed fixtures (testdata/gen-pfx.sh), so that PFX decoding is
// tested where openssl is not installed.
func TestPFXFixtures(t *testing.T) {
	leaf, ca := fixtureCert(t, "leaf.pem"), fixtureCert(t, "ca.pem")
	withKey := []wantCert{{cert: leaf, hasKey: true}}
	withChain := []wantCert{{cert: leaf, hasKey: true}, {cert: ca, chain: true}}
	for _, tt := range []struct {
		file, password string
		want           []wantCert
	}{
		{"openssl-default.pfx", fixturePassword, withKey},
		{"openssl-legacy.pfx", fixturePassword, withKey},
		{"openssl-chain.pfx", fixturePassword, withChain},
		{"openssl-nokeys.pfx", fixturePassword, []wantCert{{cert: leaf}, {cert: ca, chain: true}}},
		{"openssl-empty-password.pfx", "", withKey},
		{"openssl-empty-password.pfx", fixturePassword, withKey}, // a password given for other files
		{"gopkcs12-modern.pfx", fixturePassword, withChain},
	} {
		t.Run(tt.file+"/"+tt.password, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			got, err := ReadFile(path, Options{PFXPassword: tt.password, PFXPasswordVar: "APPAUDIT_PFX_PASSWORD"})
			if err != nil {
				t.Fatal(err)
			}
			checkCerts(t, got, path, tt.want)
		})
	}
	t.Run("key pair from a PFX", func(t *testing.T) {
		cert, signer, err := ReadKeyPair(filepath.Join("testdata", "openssl-legacy.pfx"), "", Options{PFXPassword: fixturePassword})
		if err != nil {
			t.Fatal(err)
		}
		if !cert.Equal(leaf.X509) {
			t.Fatalf("got %s, want the leaf", cert.Subject)
		}
		checkSigns(t, cert, signer)
	})
	t.Run("wrong password", func(t *testing.T) {
		path := filepath.Join("testdata", "openssl-default.pfx")
		_, err := ReadFile(path, Options{PFXPassword: "not-the-password", PFXPasswordVar: "APPAUDIT_PFX_PASSWORD"})
		wantErr(t, err, "localfiles: "+path+": wrong PFX password (set APPAUDIT_PFX_PASSWORD to the file's password)")
		if !errors.Is(err, ErrWrongPassword) {
			t.Errorf("%v does not wrap ErrWrongPassword", err)
		}
		if strings.Contains(err.Error(), "not-the-password") {
			t.Errorf("the error shows the password: %v", err)
		}
	})
}

// PFX files go-pkcs12 encodes at test time, with every encoder it has.
func TestPFXGoPKCS12(t *testing.T) {
	c := certs()
	const pw = "go-pkcs12 password"
	chain := []*x509.Certificate{c.inter.X509, c.root.X509}
	leafChain := []wantCert{{cert: c.leaf, hasKey: true}, {cert: c.inter, chain: true}, {cert: c.root, chain: true}}
	for _, tt := range []struct {
		name     string
		encode   func() ([]byte, error)
		password string
		want     []wantCert
	}{
		{"Modern2023 with chain", func() ([]byte, error) { return pkcs12.Modern2023.Encode(c.leaf.Key, c.leaf.X509, chain, pw) }, pw, leafChain},
		{"Modern2026", func() ([]byte, error) { return pkcs12.Modern2026.Encode(c.leaf.Key, c.leaf.X509, nil, pw) }, pw, []wantCert{{cert: c.leaf, hasKey: true}}},
		{"LegacyRC2", func() ([]byte, error) { return pkcs12.LegacyRC2.Encode(c.leaf.Key, c.leaf.X509, chain, pw) }, pw, leafChain},
		{"LegacyDES", func() ([]byte, error) { return pkcs12.LegacyDES.Encode(c.leaf.Key, c.leaf.X509, chain, pw) }, pw, leafChain},
		{"Passwordless", func() ([]byte, error) { return pkcs12.Passwordless.Encode(c.leaf.Key, c.leaf.X509, nil, "") }, "", []wantCert{{cert: c.leaf, hasKey: true}}},
		{"ECDSA key", func() ([]byte, error) { return pkcs12.Modern2023.Encode(c.ec.Key, c.ec.X509, nil, pw) }, pw, []wantCert{{cert: c.ec, hasKey: true}}},
		{"Java trust store", func() ([]byte, error) {
			return pkcs12.Modern2023.EncodeTrustStore([]*x509.Certificate{c.leaf.X509, c.inter.X509}, pw)
		}, pw, []wantCert{{cert: c.leaf}, {cert: c.inter, chain: true}}},
		{"passwordless trust store", func() ([]byte, error) {
			return pkcs12.Passwordless.EncodeTrustStore([]*x509.Certificate{c.root.X509}, "")
		}, "", []wantCert{{cert: c.root}}},
		{"key of another certificate", func() ([]byte, error) { return pkcs12.Modern2023.Encode(audittest.WeakKey(), c.leaf.X509, chain, pw) }, pw,
			[]wantCert{{cert: c.leaf, hasKey: true, mismatch: "does not belong to its certificate (CN=app)"}, {cert: c.inter, chain: true}, {cert: c.root, chain: true}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data, err := tt.encode()
			if err != nil {
				t.Fatal(err)
			}
			path := write(t, t.TempDir(), "app.p12", data)
			got, err := ReadFile(path, Options{PFXPassword: tt.password})
			if err != nil {
				t.Fatal(err)
			}
			checkCerts(t, got, path, tt.want)
		})
	}
}

// PFX files the openssl binary makes at test time from certificates and
// keys generated here.
func TestPFXOpenSSL(t *testing.T) {
	bin, v3 := needOpenSSL(t)
	c := certs()
	dir := t.TempDir()
	leafPEM := write(t, dir, "leaf.pem", c.leaf.CertPEM())
	keyFile := write(t, dir, "leaf-key.pem", keyPEM(t, c.leaf.Key, "pkcs8"))
	chainPEM := write(t, dir, "chain.pem", c.inter.CertPEM(), c.root.CertPEM())
	ecPEM := write(t, dir, "ec.pem", c.ec.CertPEM())
	ecKey := write(t, dir, "ec-key.pem", keyPEM(t, c.ec.Key, "sec1"))
	const pw = "openssl test password"
	modern, legacy := []string{}, []string{"-legacy"}
	if !v3 {
		// OpenSSL 1.1 writes the legacy algorithms by default and has no
		// -legacy; ask it for the OpenSSL 3 defaults instead.
		modern = []string{"-keypbe", "AES-256-CBC", "-certpbe", "AES-256-CBC", "-macalg", "sha256"}
		legacy = nil
	}
	leafChain := []wantCert{{cert: c.leaf, hasKey: true}, {cert: c.inter, chain: true}, {cert: c.root, chain: true}}
	for _, tt := range []struct {
		name     string
		args     []string
		password string
		want     []wantCert
	}{
		{"default", append([]string{"-in", leafPEM, "-inkey", keyFile}, modern...), pw, []wantCert{{cert: c.leaf, hasKey: true}}},
		{"legacy", append([]string{"-in", leafPEM, "-inkey", keyFile}, legacy...), pw, []wantCert{{cert: c.leaf, hasKey: true}}},
		{"with chain", append([]string{"-in", leafPEM, "-inkey", keyFile, "-certfile", chainPEM}, modern...), pw, leafChain},
		{"legacy with chain", append([]string{"-in", leafPEM, "-inkey", keyFile, "-certfile", chainPEM}, legacy...), pw, leafChain},
		{"no keys", append([]string{"-nokeys", "-in", leafPEM, "-certfile", chainPEM}, modern...), pw,
			[]wantCert{{cert: c.leaf}, {cert: c.inter, chain: true}, {cert: c.root, chain: true}}},
		{"legacy, no keys", append([]string{"-nokeys", "-in", leafPEM}, legacy...), pw, []wantCert{{cert: c.leaf}}},
		{"empty password", append([]string{"-in", leafPEM, "-inkey", keyFile}, modern...), "", []wantCert{{cert: c.leaf, hasKey: true}}},
		{"ECDSA", append([]string{"-in", ecPEM, "-inkey", ecKey}, modern...), pw, []wantCert{{cert: c.ec, hasKey: true}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "app.pfx")
			args := append([]string{"pkcs12", "-export", "-out", out, "-passout", "pass:" + tt.password}, tt.args...)
			runOpenSSL(t, bin, args...)
			got, err := ReadFile(out, Options{PFXPassword: tt.password, PFXPasswordVar: "APPAUDIT_PFX_PASSWORD"})
			if err != nil {
				t.Fatal(err)
			}
			checkCerts(t, got, out, tt.want)
		})
	}
	t.Run("key only", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "key.pfx")
		runOpenSSL(t, bin, "pkcs12", "-export", "-nocerts", "-inkey", keyFile, "-out", out, "-passout", "pass:"+pw)
		_, err := ReadFile(out, Options{PFXPassword: pw})
		wantErr(t, err, out+": the PFX file holds a private key but no certificate")
	})
}

func TestPFXErrors(t *testing.T) {
	c := certs()
	const pw = "the-right-password"
	data, err := pkcs12.Modern2023.Encode(c.leaf.Key, c.leaf.X509, nil, pw)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := write(t, dir, "app.pfx", data)
	cut := write(t, dir, "cut.pfx", data[:len(data)/2])
	garbage := write(t, dir, "garbage.p12", []byte("\x30\x03\x02\x01\x05 not a pfx"))

	for _, tt := range []struct {
		name  string
		path  string
		opts  Options
		parts []string
	}{
		{"wrong password", good, Options{PFXPassword: "nope", PFXPasswordVar: "APPAUDIT_PFX_PASSWORD"},
			[]string{"localfiles: " + good + ": wrong PFX password (set APPAUDIT_PFX_PASSWORD to the file's password)"}},
		{"no password", good, Options{PFXPasswordVar: "MY_PFX_PW"},
			[]string{good + ": the PFX file needs a password, and none was given (set MY_PFX_PW to the file's password)"}},
		{"no variable named", good, Options{PFXPassword: "nope"},
			[]string{good + ": wrong PFX password (give the file's password in the environment variable --pfx-password-env names)"}},
		{"truncated", cut, Options{PFXPassword: pw}, []string{cut + ": not a PFX file appaudit can read", "re-export it"}},
		{"garbage", garbage, Options{PFXPassword: pw}, []string{garbage + ": not a PFX file appaudit can read"}},
		{"password beyond UCS-2", good, Options{PFXPassword: "pw-\U0001F511"}, []string{good + ": the PFX password cannot be used"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFile(tt.path, tt.opts)
			wantErr(t, err, tt.parts...)
			if tt.opts.PFXPassword != "" && strings.Contains(err.Error(), tt.opts.PFXPassword) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	if _, err := ReadFile(good, Options{PFXPassword: pw}); err != nil {
		t.Errorf("the right password: %v", err)
	}
}

func TestPFXIterationLimit(t *testing.T) {
	c := certs()
	for _, enc := range []struct {
		name string
		enc  *pkcs12.Encoder
	}{{"PBES2", pkcs12.Modern2023.WithIterations(1234)}, {"PKCS #12 PBE", pkcs12.LegacyRC2.WithIterations(1234)}} {
		data, err := enc.enc.Encode(c.leaf.Key, c.leaf.X509, nil, "pw")
		if err != nil {
			t.Fatal(err)
		}
		// The MAC, the certificates' encryption and the key's.
		if got := pfxIterations(data); got != 3*1234 {
			t.Errorf("%s: counted %d iterations, want %d", enc.name, got, 3*1234)
		}
	}

	// A file whose MAC asks for millions of iterations is refused before
	// any of them runs.
	data, err := pkcs12.Modern2023.Encode(c.leaf.Key, c.leaf.X509, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	var pfx pfxPDU
	if _, err := asn1.Unmarshal(data, &pfx); err != nil {
		t.Fatal(err)
	}
	var md pfxMacData
	if _, err := asn1.Unmarshal(pfx.MacData.FullBytes, &md); err != nil {
		t.Fatal(err)
	}
	md.Iterations = 50_000_000
	if pfx.MacData.FullBytes, err = asn1.Marshal(md); err != nil {
		t.Fatal(err)
	}
	if data, err = asn1.Marshal(pfx); err != nil {
		t.Fatal(err)
	}
	path := write(t, t.TempDir(), "slow.pfx", data)
	_, err = ReadFile(path, Options{PFXPassword: "pw"})
	wantErr(t, err, path+": the PFX file asks for", "key-derivation iterations, more than the 4000000 appaudit allows")
}
