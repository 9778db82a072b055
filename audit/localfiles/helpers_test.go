package localfiles

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// The certificates of these tests, made once, valid around the fixed clock.
type testCerts struct {
	root, inter, leaf *audittest.Cert // root CA → intermediate CA → leaf (KeyA)
	other             *audittest.Cert // self-signed, KeyB
	ec                *audittest.Cert // self-signed, ECDSA P-256
	ed                *audittest.Cert // self-signed, Ed25519
	selfCA            *audittest.Cert // self-signed with CA:TRUE and KeyA, as openssl req -x509 makes
}

var certs = sync.OnceValue(func() *testCerts {
	now := audittest.Now()
	nb, na := now.Add(-audittest.Days(30)), now.Add(audittest.Days(335))
	root := audittest.MustCert(audittest.Spec{CommonName: "Test Root CA", NotBefore: nb, NotAfter: na, Key: audittest.KeyB(), IsCA: true, Serial: 1})
	inter := audittest.MustCert(audittest.Spec{CommonName: "Test Intermediate CA", NotBefore: nb, NotAfter: na, Key: audittest.ECKey(), IsCA: true, Parent: root, Serial: 2})
	leaf := audittest.MustCert(audittest.Spec{CommonName: "app", NotBefore: nb, NotAfter: na, Key: audittest.KeyA(), Parent: inter, Serial: 3})
	other := audittest.MustCert(audittest.Spec{CommonName: "other", NotBefore: nb, NotAfter: na, Key: audittest.KeyB(), Serial: 4})
	ec := audittest.MustCert(audittest.Spec{CommonName: "ec-app", NotBefore: nb, NotAfter: na, Key: audittest.ECKey(), Serial: 5})
	ed := audittest.MustCert(audittest.Spec{CommonName: "ed-app", NotBefore: nb, NotAfter: na, Key: edKey(), Serial: 6})
	selfCA := audittest.MustCert(audittest.Spec{CommonName: "self-ca-app", NotBefore: nb, NotAfter: na, Key: audittest.KeyA(), IsCA: true, Serial: 7})
	return &testCerts{root: root, inter: inter, leaf: leaf, other: other, ec: ec, ed: ed, selfCA: selfCA}
})

func edKey() ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "appaudit inventory test key")
	return ed25519.NewKeyFromSeed(seed)
}

// keyPEM renders a key in the given PEM form: "pkcs8", "pkcs1" or "sec1".
func keyPEM(t testing.TB, k crypto.Signer, form string) []byte {
	t.Helper()
	var b *pem.Block
	switch form {
	case "pkcs8":
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		b = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	case "pkcs1":
		c := &audittest.Cert{Key: k}
		return c.KeyPEMPKCS1()
	case "sec1":
		ek, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			t.Fatalf("sec1 needs an ECDSA key, got %T", k)
		}
		der, err := x509.MarshalECPrivateKey(ek)
		if err != nil {
			t.Fatal(err)
		}
		b = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	default:
		t.Fatalf("unknown key form %q", form)
	}
	return pem.EncodeToMemory(b)
}

// write creates dir/name holding the concatenation of parts.
func write(t testing.TB, dir, name string, parts ...[]byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	var data []byte
	for _, part := range parts {
		data = append(data, part...)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantCert is what a test expects of one LocalCert.
type wantCert struct {
	cert     *audittest.Cert
	chain    bool
	hasKey   bool
	mismatch string // a substring of KeyMismatch; "" wants none
}

func checkCerts(t *testing.T, got []audit.LocalCert, path string, want []wantCert) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d certificates, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		src := path
		if len(want) > 1 {
			src += "#" + string(rune('1'+i))
		}
		if g.Source != src || g.Path != path {
			t.Errorf("#%d: Source %q Path %q, want %q and %q", i+1, g.Source, g.Path, src, path)
		}
		if g.Cert == nil || g.Cert.Thumbprints != w.cert.Thumbprints() {
			t.Errorf("#%d: got certificate %+v, want %s", i+1, g.Cert, w.cert.X509.Subject)
			continue
		}
		if g.Chain != w.chain || g.HasKey != w.hasKey {
			t.Errorf("#%d (%s): Chain=%v HasKey=%v, want Chain=%v HasKey=%v", i+1, g.Cert.Subject, g.Chain, g.HasKey, w.chain, w.hasKey)
		}
		switch {
		case w.mismatch == "" && g.KeyMismatch != "":
			t.Errorf("#%d (%s): unexpected KeyMismatch %q", i+1, g.Cert.Subject, g.KeyMismatch)
		case w.mismatch != "" && !strings.Contains(g.KeyMismatch, w.mismatch):
			t.Errorf("#%d (%s): KeyMismatch %q, want it to contain %q", i+1, g.Cert.Subject, g.KeyMismatch, w.mismatch)
		}
	}
}

// wantErr checks that err is an *Error whose text holds every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	if _, ok := err.(*Error); !ok {
		t.Errorf("error %T (%v), want *Error", err, err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "localfiles: ") {
		t.Errorf("error %q lacks the package prefix", msg)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q does not contain %q", msg, p)
		}
	}
}

// needOpenSSL returns the openssl binary, skipping the test when there is
// none, unless APPAUDIT_REQUIRE_OPENSSL=1 (CI) makes that a failure.
func needOpenSSL(t *testing.T) (bin string, v3 bool) {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("APPAUDIT_REQUIRE_OPENSSL") == "1" {
			t.Fatal("openssl is required (APPAUDIT_REQUIRE_OPENSSL=1) but not on PATH")
		}
		t.Skip("openssl not on PATH")
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("openssl version: %v", err)
	}
	return bin, strings.HasPrefix(string(out), "OpenSSL ") && !strings.HasPrefix(string(out), "OpenSSL 1.")
}

func runOpenSSL(t *testing.T, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func b64(der []byte) string { return base64.StdEncoding.EncodeToString(der) }

func itoa(n int) string { return strconv.Itoa(n) }
