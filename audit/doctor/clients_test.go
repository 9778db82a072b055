package doctor

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// clientFile is one file of testdata/clients: what a client library
// sends (see testdata/clients/README.md).
type clientFile struct {
	name                     string
	client, source, verdict  string
	header, claims, template string
}

func readClientFiles(t *testing.T) []clientFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "clients", "*.http"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no client files: %v", err)
	}
	var out []clientFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := clientFile{name: filepath.Base(p)}
		lines := strings.Split(string(b), "\n")
		i := 0
		for ; i < len(lines) && strings.HasPrefix(lines[i], "# "); i++ {
			key, value, _ := strings.Cut(strings.TrimPrefix(lines[i], "# "), ": ")
			switch key {
			case "client":
				f.client = value
			case "source":
				f.source = value
			case "verdict":
				f.verdict = value
			case "header":
				f.header = value
			case "claims":
				f.claims = value
			default:
				t.Fatalf("%s: unknown line %q", f.name, lines[i])
			}
		}
		f.template = strings.Join(lines[i:], "\n")
		if f.client == "" || f.source == "" || f.verdict == "" {
			t.Fatalf("%s names no client, source or verdict", f.name)
		}
		if strings.Contains(f.template, "{{assertion}}") != (f.header != "" && f.claims != "") {
			t.Fatalf("%s: a request with {{assertion}} needs # header: and # claims:, and only it", f.name)
		}
		out = append(out, f)
	}
	return out
}

// clientValues are the placeholders' values for a client signing with
// cert at now.
func clientValues(cert *audittest.Cert) map[string]string {
	tp := cert.Thumbprints()
	digest := func(h string) []byte { b, _ := hex.DecodeString(h); return b }
	v := map[string]string{
		"tenant": testTenant, "client": payrollID, "aud": testEndpoint(), "jti": testJTI,
		"request-id": "5d3a4a5c-52f5-4c43-9f1e-0c2e7f1b4d6a", "secret": "Zx8Q~client-secret-value-never-shown",
		"now": fmt.Sprint(now.Unix()), "now+600": fmt.Sprint(now.Add(10 * time.Minute).Unix()),
		"now.frac": fmt.Sprint(now.Unix()) + ".7221134", "now+600.frac": fmt.Sprint(now.Add(10*time.Minute).Unix()) + ".7221134",
		"x5c": base64.StdEncoding.EncodeToString(cert.DER),
	}
	for _, d := range []struct{ name, hex string }{{"x5t", tp.SHA1}, {"x5t#S256", tp.SHA256}} {
		b := digest(d.hex)
		v[d.name+":b64url"] = base64.RawURLEncoding.EncodeToString(b)
		v[d.name+":b64urlpad"] = base64.URLEncoding.EncodeToString(b)
		v[d.name+":b64"] = base64.StdEncoding.EncodeToString(b)
	}
	return v
}

func fill(t *testing.T, name, s string, v map[string]string) string {
	t.Helper()
	for k, val := range v {
		s = strings.ReplaceAll(s, "{{"+k+"}}", val)
	}
	if i := strings.Index(s, "{{"); i >= 0 {
		t.Fatalf("%s: placeholder left: %.30q", name, s[i:])
	}
	return s
}

// signRaw signs the header and claims JSON as written, the way the
// header's alg says (PS256 with a salt as long as the hash, as MSAL, PyJWT,
// jsonwebtoken and .NET sign it; RS256 with PKCS #1 v1.5).
func signRaw(t *testing.T, header, claims string, key crypto.Signer) string {
	t.Helper()
	input := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	d := sha256.Sum256([]byte(input))
	var opts crypto.SignerOpts = crypto.SHA256
	if strings.Contains(header, `"PS256"`) {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	}
	sig, err := key.Sign(rand.Reader, d[:], opts)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// clientRequest is f's request, with the assertion (if any) signed by key
// and v's values, and the header template replaced when header is not
// empty.
func clientRequest(t *testing.T, f clientFile, v map[string]string, key crypto.Signer, header string) string {
	t.Helper()
	v = maps(v)
	if f.header != "" {
		if header == "" {
			header = f.header
		}
		v["assertion"] = signRaw(t, fill(t, f.name, header, v), fill(t, f.name, f.claims, v), key)
	}
	return strings.ReplaceAll(fill(t, f.name, f.template, v), "\n", "\r\n")
}

// maps is a new map of the values of ms, the later ones winning.
func maps(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// What every client library sends, signed correctly, gets no finding of
// medium or above against a tenant that has the certificate registered, with
// or without its body, and the request, the assertion and the secret are
// read as they are.
func TestRealClientsDiagnoseClean(t *testing.T) {
	w := newWorld()
	files := readClientFiles(t)
	local := w.payroll.LocalCert("certs/payroll.pem")
	for _, f := range files {
		if f.verdict != "none" {
			t.Errorf("%s: a client's file is a healthy request; broken variants are built by TestRealClientsBroken", f.name)
			continue
		}
		for _, withBody := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/body=%v", f.name, withBody), func(t *testing.T) {
				v := clientValues(w.payroll)
				req := clientRequest(t, f, v, w.payroll.Key, "")
				in := requestInput(req, w.tenant(withBody))
				in.Request.Name = f.name
				if !withBody {
					in.LocalCerts = []audit.LocalCert{local}
				}
				r := diagnose(t, in)
				noFailure(t, r)
				if r.Verdict.Cause != "" {
					t.Errorf("verdict %+v", r.Verdict)
				}
				none(t, r, audit.CheckAssertionMalformed)
				for _, w := range r.Warnings {
					if strings.Contains(w, "not checked") && f.header != "" {
						t.Errorf("warning %q: the assertion's signature must be checked", w)
					}
				}
				if out, _ := json.Marshal(r); strings.Contains(string(out), v["secret"]) {
					t.Error("the secret is in the result")
				}
			})
		}
	}
}

// Broken variants of what real clients send get the cause that breaks them.
func TestRealClientsBroken(t *testing.T) {
	w := newWorld()
	files := map[string]clientFile{}
	for _, f := range readClientFiles(t) {
		files[f.name] = f
	}
	tp := w.payroll.Thumbprints()
	sha1Bytes, _ := hex.DecodeString(tp.SHA1)
	tests := []struct {
		name, file string
		// set changes placeholder values; header replaces the header
		// template; key signs instead of the certificate's.
		set    map[string]string
		header string
		key    crypto.Signer
		cert   *audittest.Cert
		tenant func() *audit.Tenant
		err    string
		cause  string
		says   string
		values map[string]string
	}{
		{name: "x5t#S256 holding base64 of the hex text", file: "msal-go-1.10.1-cert.http",
			set:   map[string]string{"x5t#S256:b64": base64.StdEncoding.EncodeToString([]byte(tp.SHA256))},
			cause: audit.CheckAssertionThumbprintEncoding, says: "base64 of the hex text", values: map[string]string{"x5t#S256": tp.X5tS256()}},
		{name: "a SHA-1 digest in x5t#S256", file: "msal-dotnet-4.86.1-cert.http",
			set:   map[string]string{"x5t#S256:b64url": base64.RawURLEncoding.EncodeToString(sha1Bytes)},
			cause: audit.CheckAssertionThumbprintEncoding, says: "holds a SHA-1 digest"},
		{name: "aud the common endpoint", file: "msal-java-1.17.2-cert.http",
			set:   map[string]string{"aud": "https://login.microsoftonline.com/common/oauth2/v2.0/token"},
			cause: audit.CheckAssertionAudience, says: "names common instead of a tenant", values: map[string]string{"aud": testEndpoint()}},
		{name: "kid only", file: "msal-node-2.15.0-cert.http", header: `{"alg":"PS256","typ":"JWT","kid":"` + payrollKey1 + `"}`,
			cause: audit.CheckAssertionNoThumbprint, says: "keyId of", values: map[string]string{"x5t#S256": tp.X5tS256()}},
		{name: "the certificate expired", file: "msal-python-1.31.0-cert-pem.http", cert: w.expired,
			tenant: func() *audit.Tenant { return w.tenant(true, w.expired.KeyCredential("k-old", audit.UsageVerify, true)) },
			cause:  audit.CheckAssertionKeyExpired, says: "does not cover the time of the request"},
		{name: "another private key", file: "msal-go-1.4.1-cert.http", key: audittest.KeyB(),
			cause: audit.CheckAssertionSignature, says: "signs with another private key"},
		{name: "the certificate not uploaded", file: "msal-python-1.31.0-cert-pfx.http", cert: w.stray,
			cause: audit.CheckAssertionThumbprintUnknown, says: "matches no key"},
		{name: "the secret's ID instead of its value", file: "msal-go-1.10.1-secret.http",
			// Azure/sap-automation#418, for this app.
			err:   `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '` + payrollID + `'.\r\nTrace ID: 6bad8289-db4a-49da-8609-0848d8d71700\r\nCorrelation ID: 63b8bb61-5ca6-4ae3-8224-15a4de11cd87\r\nTimestamp: 2026-06-15 11:59:58Z","error_codes":[7000215],"timestamp":"2026-06-15 11:59:58Z","trace_id":"6bad8289-db4a-49da-8609-0848d8d71700","correlation_id":"63b8bb61-5ca6-4ae3-8224-15a4de11cd87","error_uri":"https://login.microsoftonline.com/error?code=7000215"}`,
			cause: audit.CheckErrorAADSTS, says: "its ID sent instead of its value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := files[tc.file]
			if !ok {
				t.Fatalf("no testdata/clients/%s", tc.file)
			}
			cert := w.payroll
			if tc.cert != nil {
				cert = tc.cert
			}
			key := cert.Key
			if tc.key != nil {
				key = tc.key
			}
			v := clientValues(cert)
			for k, val := range tc.set {
				if _, ok := v[k]; !ok {
					t.Fatalf("no placeholder %s", k)
				}
				v[k] = val
			}
			tenant := w.tenant(true)
			if tc.tenant != nil {
				tenant = tc.tenant()
			}
			in := requestInput(clientRequest(t, f, v, key, tc.header), tenant)
			if tc.err != "" {
				in.Error = &Evidence{Name: "error.json", Data: []byte(tc.err)}
			}
			r := diagnose(t, in)
			if r.Verdict.Cause != tc.cause {
				t.Errorf("verdict %+v, want %s", r.Verdict, tc.cause)
			}
			if !strings.Contains(r.Verdict.Text, tc.says) && !slices.ContainsFunc(r.Findings, func(f audit.Finding) bool {
				return f.Check == tc.cause && strings.Contains(f.Message, tc.says)
			}) {
				t.Errorf("neither the verdict nor a %s finding says %q:\n%s", tc.cause, tc.says, r.Verdict.Text)
			}
			wantValues(t, r, tc.values)
		})
	}
}
