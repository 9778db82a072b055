package localfiles

import (
	"crypto"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit/audittest"
)

func TestReadFilePEMAndDER(t *testing.T) {
	c := certs()
	ecParams := []byte("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n")
	bagAttrs := []byte("Bag Attributes\n    localKeyID: 01 02\nsubject=CN = app\n")
	encPKCS8 := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x00}})
	encPKCS1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}, Bytes: []byte{1, 2, 3}})
	trust, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 2}})
	if err != nil {
		t.Fatal(err)
	}
	trusted := pem.EncodeToMemory(&pem.Block{Type: "TRUSTED CERTIFICATE", Bytes: append(append([]byte{}, c.leaf.DER...), trust...)})

	tests := []struct {
		name     string
		file     string
		data     [][]byte
		want     []wantCert
		warnings []string // substrings, one per expected warning
	}{
		{name: "one certificate", file: "app.pem", data: [][]byte{c.leaf.CertPEM()},
			want: []wantCert{{cert: c.leaf}}},
		{name: "chain bundle, leaf first", file: "bundle.pem", data: [][]byte{c.leaf.CertPEM(), c.inter.CertPEM(), c.root.CertPEM()},
			want: []wantCert{{cert: c.leaf}, {cert: c.inter, chain: true}, {cert: c.root, chain: true}}},
		{name: "chain bundle, root first, key last", file: "bundle.pem", data: [][]byte{c.root.CertPEM(), c.leaf.CertPEM(), keyPEM(t, c.leaf.Key, "pkcs8")},
			want: []wantCert{{cert: c.root, chain: true}, {cert: c.leaf, hasKey: true}}},
		{name: "certificate and PKCS#8 key", file: "app.pem", data: [][]byte{c.leaf.CertPEM(), keyPEM(t, c.leaf.Key, "pkcs8")},
			want: []wantCert{{cert: c.leaf, hasKey: true}}},
		{name: "PKCS#1 key before the certificate", file: "app.pem", data: [][]byte{keyPEM(t, c.leaf.Key, "pkcs1"), c.leaf.CertPEM()},
			want: []wantCert{{cert: c.leaf, hasKey: true}}},
		{name: "EC certificate, SEC 1 key and EC PARAMETERS", file: "ec.pem", data: [][]byte{ecParams, keyPEM(t, c.ec.Key, "sec1"), c.ec.CertPEM()},
			want: []wantCert{{cert: c.ec, hasKey: true}}},
		{name: "Ed25519 certificate and key", file: "ed.pem", data: [][]byte{c.ed.CertPEM(), keyPEM(t, c.ed.Key, "pkcs8")},
			want: []wantCert{{cert: c.ed, hasKey: true}}},
		{name: "openssl text around the blocks", file: "app.pem", data: [][]byte{bagAttrs, c.leaf.CertPEM(), []byte("trailing notes\n")},
			want: []wantCert{{cert: c.leaf}}},
		{name: "CRLF line endings", file: "app.pem", data: [][]byte{crlf(c.leaf.CertPEM()), crlf(keyPEM(t, c.leaf.Key, "pkcs8"))},
			want: []wantCert{{cert: c.leaf, hasKey: true}}},
		{name: "another certificate's key", file: "app.pem", data: [][]byte{c.leaf.CertPEM(), keyPEM(t, c.other.Key, "pkcs1")},
			want: []wantCert{{cert: c.leaf, hasKey: true, mismatch: "the private key in DIR/app.pem does not belong to its certificate (CN=app)"}}},
		{name: "key of another kind", file: "app.pem", data: [][]byte{c.leaf.CertPEM(), keyPEM(t, c.ec.Key, "pkcs8")},
			want: []wantCert{{cert: c.leaf, hasKey: true, mismatch: "it is an ECDSA key, the certificate's is RSA"}}},
		{name: "wrong key goes to the leaf, not the chain", file: "bundle.pem", data: [][]byte{c.inter.CertPEM(), c.leaf.CertPEM(), keyPEM(t, c.other.Key, "pkcs8")},
			want: []wantCert{{cert: c.inter, chain: true}, {cert: c.leaf, hasKey: true, mismatch: "does not belong"}}},
		{name: "a key for no certificate beside a matched one", file: "app.pem", data: [][]byte{c.leaf.CertPEM(), keyPEM(t, c.leaf.Key, "pkcs8"), keyPEM(t, c.other.Key, "pkcs8")},
			want:     []wantCert{{cert: c.leaf, hasKey: true}},
			warnings: []string{"DIR/app.pem: the private key in DIR/app.pem belongs to none of its certificates"}},
		{name: "self-signed CA:TRUE certificate is the leaf", file: "self.pem", data: [][]byte{c.selfCA.CertPEM()},
			want: []wantCert{{cert: c.selfCA}}},
		{name: "two unrelated certificates are both leaves", file: "two.pem", data: [][]byte{c.leaf.CertPEM(), c.other.CertPEM()},
			want: []wantCert{{cert: c.leaf}, {cert: c.other}}},
		{name: "CA bundle without a leaf", file: "cas.pem", data: [][]byte{c.inter.CertPEM(), c.root.CertPEM()},
			want: []wantCert{{cert: c.inter}, {cert: c.root, chain: true}}},
		{name: "the same certificate twice", file: "dup.pem", data: [][]byte{c.leaf.CertPEM(), c.leaf.CertPEM()},
			want: []wantCert{{cert: c.leaf}, {cert: c.leaf}}},
		{name: "encrypted PKCS#8 key", file: "app.pem", data: [][]byte{c.leaf.CertPEM(), encPKCS8},
			want:     []wantCert{{cert: c.leaf, hasKey: true}},
			warnings: []string{"DIR/app.pem: the private key in DIR/app.pem is encrypted, so it was not checked"}},
		{name: "encrypted legacy PEM key", file: "app.pem", data: [][]byte{c.leaf.CertPEM(), encPKCS1},
			want:     []wantCert{{cert: c.leaf, hasKey: true}},
			warnings: []string{"is encrypted, so it was not checked"}},
		{name: "TRUSTED CERTIFICATE", file: "trusted.pem", data: [][]byte{trusted},
			want: []wantCert{{cert: c.leaf}}},
		{name: "DER .cer", file: "app.cer", data: [][]byte{c.leaf.DER}, want: []wantCert{{cert: c.leaf}}},
		{name: "DER .der", file: "app.der", data: [][]byte{c.ec.DER}, want: []wantCert{{cert: c.ec}}},
		{name: "DER named .crt", file: "app.crt", data: [][]byte{c.leaf.DER}, want: []wantCert{{cert: c.leaf}}},
		{name: "DER without a known name", file: "app.bin", data: [][]byte{c.leaf.DER}, want: []wantCert{{cert: c.leaf}}},
		{name: "concatenated DER", file: "chain.der", data: [][]byte{c.leaf.DER, c.inter.DER},
			want: []wantCert{{cert: c.leaf}, {cert: c.inter, chain: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := write(t, dir, tt.file, tt.data...)
			var warnings []string
			got, err := ReadFile(path, Options{Warn: func(w string) { warnings = append(warnings, w) }})
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].mismatch = strings.ReplaceAll(tt.want[i].mismatch, "DIR", dir)
			}
			checkCerts(t, got, path, tt.want)
			if len(warnings) != len(tt.warnings) {
				t.Fatalf("warnings %q, want %d", warnings, len(tt.warnings))
			}
			for i, w := range tt.warnings {
				if w = strings.ReplaceAll(w, "DIR", dir); !strings.Contains(warnings[i], w) {
					t.Errorf("warning %q, want it to contain %q", warnings[i], w)
				}
			}
		})
	}
}

func crlf(b []byte) []byte { return []byte(strings.ReplaceAll(string(b), "\n", "\r\n")) }

func TestSiblingKeyFiles(t *testing.T) {
	c := certs()
	tests := []struct {
		name     string
		files    map[string][]byte
		read     string
		mismatch string
	}{
		{name: "app.crt and app.key", files: map[string][]byte{"app.crt": c.leaf.CertPEM(), "app.key": keyPEM(t, c.leaf.Key, "pkcs1")}, read: "app.crt"},
		{name: "DER app.cer and app.key.pem", files: map[string][]byte{"app.cer": c.leaf.DER, "app.key.pem": keyPEM(t, c.leaf.Key, "pkcs8")}, read: "app.cer"},
		{name: "cfssl's app.pem and app-key.pem", files: map[string][]byte{"app.pem": c.ec.CertPEM(), "app-key.pem": keyPEM(t, c.ec.Key, "sec1")}, read: "app.pem"},
		{name: "DER key file", files: map[string][]byte{"app.crt": c.leaf.CertPEM(), "app.key": mustPKCS8(t, c.leaf.Key)}, read: "app.crt"},
		{name: "wrong key file", files: map[string][]byte{"app.crt": c.leaf.CertPEM(), "app.key": keyPEM(t, c.other.Key, "pkcs1")}, read: "app.crt",
			mismatch: "the private key in DIR/app.key does not belong to its certificate (CN=app)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.files {
				write(t, dir, name, data)
			}
			path := filepath.Join(dir, tt.read)
			got, err := ReadFile(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := c.leaf
			if tt.read == "app.pem" {
				want = c.ec
			}
			checkCerts(t, got, path, []wantCert{{cert: want, hasKey: true, mismatch: strings.ReplaceAll(tt.mismatch, "DIR", dir)}})
		})
	}
}

func mustPKCS8(t testing.TB, k crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestReadFileErrors(t *testing.T) {
	c := certs()
	certB64 := strings.Split(string(c.leaf.CertPEM()), "\n")
	truncated := []byte(strings.Join(certB64[:len(certB64)/2], "\n"))
	badBody := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER at all")})
	csr := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{0x30, 0}})
	p7 := pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: []byte{0x30, 0}})
	x25519, err := x509.MarshalPKCS8PrivateKey(mustX25519(t))
	if err != nil {
		t.Fatal(err)
	}
	x25519PEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: x25519})
	badKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("garbage")})

	tests := []struct {
		name  string
		file  string
		data  [][]byte
		parts []string // in the error, after "localfiles: DIR/FILE"
	}{
		{name: "empty file", file: "empty.pem", parts: []string{"the file is empty"}},
		{name: "only white space", file: "blank.crt", data: [][]byte{[]byte("\n \r\n")}, parts: []string{"the file is empty"}},
		{name: "truncated PEM", file: "app.pem", data: [][]byte{truncated}, parts: []string{":1: the PEM block -----BEGIN CERTIFICATE----- is truncated or malformed", "cut short"}},
		{name: "truncated first block of two", file: "app.pem", data: [][]byte{[]byte("# comment\n"), truncated, []byte("\n"), c.inter.CertPEM()}, parts: []string{":2: the PEM block", "truncated"}},
		{name: "second block broken", file: "app.pem", data: [][]byte{c.leaf.CertPEM(), badBody}, parts: []string{":" + strconv.Itoa(lines(c.leaf.CertPEM())+1) + ": the CERTIFICATE block is not a valid certificate"}},
		{name: "garbage .pem", file: "garbage.pem", data: [][]byte{[]byte("this is not a certificate\n")}, parts: []string{"not a certificate file", "appaudit reads PEM, DER and PFX/P12"}},
		{name: "garbage without a name", file: "garbage", data: [][]byte{{0x01, 0x02, 0x03}}, parts: []string{"not a certificate file"}},
		{name: "key only", file: "app.key", data: [][]byte{keyPEM(t, c.leaf.Key, "pkcs8")}, parts: []string{"holds a private key but no certificate", "app.key beside app.crt"}},
		{name: "a certificate request", file: "app.pem", data: [][]byte{csr}, parts: []string{"holds no certificate, only PEM blocks of type CERTIFICATE REQUEST", "a certificate request is not a certificate"}},
		{name: "PKCS#7", file: "app.p7b.pem", data: [][]byte{p7}, parts: []string{"PKCS7", "openssl pkcs7 -print_certs"}},
		{name: "X25519 key", file: "app.pem", data: [][]byte{c.leaf.CertPEM(), x25519PEM}, parts: []string{"X25519/ECDH key, which cannot sign"}},
		{name: "unreadable key block", file: "app.pem", data: [][]byte{c.leaf.CertPEM(), badKey}, parts: []string{"the RSA PRIVATE KEY block cannot be read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := write(t, dir, tt.file, tt.data...)
			_, err := ReadFile(path, Options{})
			wantErr(t, err, append([]string{"localfiles: " + path}, tt.parts...)...)
		})
	}

	t.Run("no such file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing.pem")
		_, err := ReadFile(path, Options{})
		wantErr(t, err, "localfiles: "+path+": no such file or folder")
		if !errorsIsNotExist(err) {
			t.Errorf("error %v does not wrap fs.ErrNotExist", err)
		}
	})
	t.Run("folder", func(t *testing.T) {
		dir := t.TempDir()
		_, err := ReadFile(dir, Options{})
		wantErr(t, err, dir+": is a folder")
	})
	t.Run("oversized file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "huge.pem")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(MaxCertFileSize + 1); err != nil {
			t.Fatal(err)
		}
		f.Close()
		_, err = ReadFile(path, Options{})
		wantErr(t, err, path+": larger than the 16 MiB a certificate file may be", "not at an archive")
	})
	t.Run("unreadable sibling key", func(t *testing.T) {
		dir := t.TempDir()
		path := write(t, dir, "app.crt", c.leaf.CertPEM())
		key := write(t, dir, "app.key", []byte("-----BEGIN PRIVATE KEY-----\nnot base64!\n"))
		_, err := ReadFile(path, Options{})
		wantErr(t, err, "localfiles: "+key+":1: the PEM block")
	})
}

func errorsIsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

func mustX25519(t testing.TB) *ecdh.PrivateKey {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func lines(b []byte) int { return strings.Count(string(b), "\n") }

func TestReadPair(t *testing.T) {
	c := certs()
	dir := t.TempDir()
	bundle := write(t, dir, "bundle.pem", c.leaf.CertPEM(), c.inter.CertPEM())
	right := write(t, dir, "right.key", keyPEM(t, c.leaf.Key, "pkcs1"))
	wrong := write(t, dir, "wrong.key", keyPEM(t, c.other.Key, "pkcs8"))
	enc := write(t, dir, "enc.key", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0}}))
	nokey := write(t, dir, "nokey.pem", c.other.CertPEM())
	keyOnly := write(t, dir, "only.key", keyPEM(t, c.leaf.Key, "pkcs8"))
	two := write(t, dir, "two.pem", c.leaf.CertPEM(), c.other.CertPEM())
	ecKey := write(t, dir, "ec.key", keyPEM(t, c.ec.Key, "sec1"))

	got, err := ReadPair(bundle, right, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Cert.Thumbprints != c.leaf.Thumbprints() || !got.HasKey || got.KeyMismatch != "" || got.Chain || got.Source != bundle+"#1" {
		t.Errorf("matching pair: got %+v", got)
	}

	got, err = ReadPair(bundle, wrong, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !got.HasKey || !strings.Contains(got.KeyMismatch, "the private key in "+wrong+" does not belong to its certificate (CN=app)") {
		t.Errorf("mismatched pair: got %+v", got)
	}

	// Two leaves: the key says which one is meant.
	got, err = ReadPair(two, right, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Cert.Thumbprints != c.leaf.Thumbprints() {
		t.Errorf("two leaves: got %s, want the one the key belongs to", got.Cert.Subject)
	}

	for _, tt := range []struct {
		name      string
		cert, key string
		parts     []string
	}{
		{"encrypted key", bundle, enc, []string{enc + ": the private key is encrypted", "openssl pkey"}},
		{"key file without a key", bundle, nokey, []string{nokey + ": holds no private key"}},
		{"certificate file without a certificate", keyOnly, right, []string{keyOnly + ": holds a private key but no certificate"}},
		{"no key file", bundle, "", []string{bundle + ": no private key file given"}},
		{"two leaves, neither the key's", two, ecKey, []string{two + ": holds 2 certificates that could each be the one in use (CN=app; CN=other)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadPair(tt.cert, tt.key, Options{})
			wantErr(t, err, tt.parts...)
		})
	}
}

func TestReadKeyPair(t *testing.T) {
	c := certs()
	dir := t.TempDir()
	combined := write(t, dir, "combined.pem", c.leaf.CertPEM(), c.inter.CertPEM(), keyPEM(t, c.leaf.Key, "pkcs8"))
	sibling := write(t, dir, "ec.crt", c.ec.CertPEM())
	write(t, dir, "ec.key", keyPEM(t, c.ec.Key, "sec1"))
	edCert := write(t, dir, "ed.pem", c.ed.CertPEM())
	edKey := write(t, dir, "ed-private.pem", keyPEM(t, c.ed.Key, "pkcs8"))
	wrongKey := write(t, dir, "wrong.key", keyPEM(t, c.other.Key, "pkcs8"))
	bare := write(t, dir, "bare.pem", c.other.CertPEM())
	encCert := write(t, dir, "enc.pem", c.leaf.CertPEM(), pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0}}))

	for _, tt := range []struct {
		name      string
		cert, key string
		want      *audittest.Cert
	}{
		{"certificate and key in one PEM", combined, "", c.leaf},
		{"key file named after the certificate", sibling, "", c.ec},
		{"separate key file", edCert, edKey, c.ed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cert, signer, err := ReadKeyPair(tt.cert, tt.key, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !cert.Equal(tt.want.X509) {
				t.Fatalf("got certificate %s, want %s", cert.Subject, tt.want.X509.Subject)
			}
			checkSigns(t, cert, signer)
		})
	}
	for _, tt := range []struct {
		name      string
		cert, key string
		parts     []string
	}{
		{"key of another certificate", combined, wrongKey, []string{combined + ": the private key in " + wrongKey + " does not belong to its certificate (CN=app)"}},
		{"no key", bare, "", []string{bare + ": no private key found for the certificate (CN=other)", "give the key file too"}},
		{"encrypted key", encCert, "", []string{encCert + ": the private key is encrypted"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadKeyPair(tt.cert, tt.key, Options{})
			wantErr(t, err, tt.parts...)
		})
	}
}

// checkSigns proves signer is the certificate's key by signing with it.
func checkSigns(t *testing.T, cert *x509.Certificate, signer crypto.Signer) {
	t.Helper()
	msg := []byte("client assertion")
	var digest []byte
	opts := crypto.SignerOpts(crypto.SHA256)
	alg := x509.SHA256WithRSA
	switch cert.PublicKeyAlgorithm {
	case x509.Ed25519:
		digest, opts, alg = msg, crypto.Hash(0), x509.PureEd25519
	case x509.ECDSA:
		alg = x509.ECDSAWithSHA256
	}
	if digest == nil {
		sum := sha256.Sum256(msg)
		digest = sum[:]
	}
	sig, err := signer.Sign(rand.Reader, digest, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.CheckSignature(alg, msg, sig); err != nil {
		t.Errorf("the key returned does not sign for the certificate: %v", err)
	}
}
