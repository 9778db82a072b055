package main

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// The secrets of the leak tests: none may appear in any output.
const (
	leakSecret      = "Zx9~appaudit-client-secret-4f1e.never-printed"
	leakPFXPassword = "Pf7!appaudit-pfx-password-82c3"
)

// secretSet is every value that must never appear in what appaudit
// writes, by what it is.
type secretSet map[string]string

// addKey adds a private key in every form it could leak in: each line of
// its PEM body, and a run from the middle of its base64.
func (s secretSet) addKey(name string, keyPEM []byte) {
	block, _ := pem.Decode(keyPEM)
	b64 := base64.StdEncoding.EncodeToString(block.Bytes)
	s[name+" (base64 of the middle)"] = b64[len(b64)/2-20 : len(b64)/2+20]
	s[name+" (raw base64url of the middle)"] = base64.RawURLEncoding.EncodeToString(block.Bytes)[len(b64)/2-20 : len(b64)/2+20]
	for i, line := range strings.Split(string(keyPEM), "\n") {
		if len(line) == 64 {
			s[fmt.Sprintf("%s (PEM line %d)", name, i+1)] = line
		}
	}
}

// addToken adds a token: whole, and its signature, which alone would
// not be mistaken for anything else.
func (s secretSet) addToken(name, tok string) {
	s[name] = tok
	if parts := strings.Split(tok, "."); len(parts) == 3 && len(parts[2]) > 16 {
		s[name+" (signature)"] = parts[2]
	}
}

// check fails the test for every secret found in text.
func (s secretSet) check(t *testing.T, where, text string) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(s)) {
		v := s[name]
		for _, form := range []string{v, url.QueryEscape(v)} {
			if i := strings.Index(text, form); i >= 0 {
				t.Errorf("%s holds the %s: …%s…", where, name, text[max(i-60, 0):min(i+len(form)+20, len(text))])
				break
			}
		}
	}
}

// leakKit is what the leak tests sign in with and read: a certificate and
// its key as PEM and as PFX, a fake token endpoint that knows the client
// secret and the certificate, and the secrets to look for.
type leakKit struct {
	dir      string
	cert     *audittest.Cert
	pem, pfx string
	secrets  secretSet
	doctor   *doctorFiles
}

func newLeakKit(t *testing.T) *leakKit {
	t.Helper()
	now := time.Now()
	k := &leakKit{dir: t.TempDir(), secrets: secretSet{"client secret": leakSecret, "PFX password": leakPFXPassword}, doctor: newDoctorFiles(t),
		cert: audittest.MustCert(audittest.Spec{CommonName: "appaudit-reader.contoso.com", NotBefore: now.Add(-time.Hour), NotAfter: now.Add(audittest.Days(90)), Key: audittest.KeyB()})}
	k.pem = filepath.Join(k.dir, "reader.pem")
	write(t, k.pem, append(k.cert.CertPEM(), k.cert.KeyPEM()...))
	pfx, err := pkcs12.Modern2023.Encode(k.cert.Key, k.cert.X509, nil, leakPFXPassword)
	if err != nil {
		t.Fatal(err)
	}
	k.pfx = filepath.Join(k.dir, "reader.pfx")
	write(t, k.pfx, pfx)
	k.secrets.addKey("sign-in private key", k.cert.KeyPEM())
	k.secrets.addKey("sign-in private key (PKCS #1)", k.cert.KeyPEMPKCS1())
	k.secrets.addKey("Payroll's private key", k.doctor.payroll.KeyPEM())
	return k
}

// tokenServer starts a fake token endpoint for the kit's app, and adds
// what it issues and receives to the secrets as the test ends.
func (k *leakKit) tokenServer(t *testing.T, echo bool) *graphtest.TokenServer {
	t.Helper()
	ts := graphtest.NewTokenServer(graphtest.TokenOptions{TenantID: signInTenant, ClientID: signInClient, ClientSecret: leakSecret,
		Certificate: k.cert.X509, Echo: echo})
	t.Cleanup(ts.Close)
	return ts
}

// harvest adds the tokens ts issued and the client assertions it got.
func (k *leakKit) harvest(ts *graphtest.TokenServer) {
	for i, tok := range ts.Tokens() {
		k.secrets.addToken(fmt.Sprintf("access token %d", i+1), tok)
	}
	for i, f := range ts.Requests() {
		if a := f.Get("client_assertion"); a != "" {
			k.secrets.addToken(fmt.Sprintf("client assertion %d", i+1), a)
		}
	}
}

// outputs are everything a run wrote: stdout, stderr and every file in
// the folder it wrote to.
func outputs(t *testing.T, stdout, stderr, dir string) map[string]string {
	t.Helper()
	out := map[string]string{"stdout": stdout, "stderr": stderr}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// TestNoSecretLeaks runs every command with a known client secret, PFX
// password, private keys and access tokens, writing every report format
// (and a snapshot), and looks for each secret in stdout, stderr and every
// file written; and provokes the errors of the libraries that handle
// them: a wrong secret (AADSTS7000215), a token endpoint that quotes the
// request back in its error, a certificate Entra does not know, a wrong
// PFX password, a token Graph refuses and one that has expired.
func TestNoSecretLeaks(t *testing.T) {
	k := newLeakKit(t)
	staticToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"aud": "https://graph.microsoft.com", "tid": signInTenant,
		"exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte("appaudit-leak-test-signing-key"))
	if err != nil {
		t.Fatal(err)
	}
	expiredToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"aud": "https://graph.microsoft.com",
		"exp": time.Now().Add(-time.Hour).Unix()}).SignedString([]byte("appaudit-leak-test-signing-key"))
	if err != nil {
		t.Fatal(err)
	}
	wrongSecret := "the-wrong-secret-" + leakSecret[:8] + "-Qm4"
	k.secrets["wrong client secret"] = wrongSecret
	k.secrets.addToken("access token given", staticToken)
	k.secrets.addToken("expired access token given", expiredToken)
	d := k.doctor
	assertion := msalGo(t, d.payroll, "")
	write(t, d.path("assertion.jwt"), []byte(assertion))
	body := url.Values{"grant_type": {"client_credentials"}, "client_id": {docPayroll}, "scope": {"https://graph.microsoft.com/.default"},
		"client_secret": {leakSecret}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
	write(t, d.path("request.sh"), []byte("curl -X POST https://login.microsoftonline.com/"+docTenant+"/oauth2/v2.0/token \\\n  -d '"+body.Encode()+"'\n"))
	basic := base64.StdEncoding.EncodeToString([]byte(docPayroll + ":" + leakSecret))
	k.secrets["client secret in HTTP Basic credentials"] = basic
	write(t, d.path("request.http"), []byte("POST /"+docTenant+"/oauth2/v2.0/token HTTP/1.1\r\nHost: login.microsoftonline.com\r\nAuthorization: Basic "+basic+
		"\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default\r\n"))
	write(t, d.path("request-u.sh"), []byte("curl -u '"+docPayroll+":"+leakSecret+"' -d grant_type=client_credentials -d scope=https://graph.microsoft.com/.default https://login.microsoftonline.com/"+docTenant+"/oauth2/v2.0/token\n"))
	// The certificates a scan reads: the PFX, the PEM with its key, and
	// a mapping naming both.
	write(t, filepath.Join(k.dir, "certs", "reader.pfx"), mustRead(t, k.pfx))
	write(t, filepath.Join(k.dir, "certs", "payroll.pem"), mustRead(t, d.path("payroll.pem")))
	write(t, filepath.Join(k.dir, "deployed.csv"), []byte("app,cert\nPayroll,certs/payroll.pem\nBilling,certs/reader.pfx\n"))

	secretEnv := signInEnv(leakSecret)
	pfxEnv := []string{"AZURE_TENANT_ID=" + signInTenant, "AZURE_CLIENT_ID=" + signInClient, "APPAUDIT_CLIENT_CERT_PASSWORD=" + leakPFXPassword,
		"APPAUDIT_PFX_PASSWORD=" + leakPFXPassword, "AZURE_CLIENT_SECRET=" + leakSecret}
	certEnv := append(pfxEnv, "APPAUDIT_ACCESS_TOKEN="+staticToken)
	type run struct {
		name string
		env  []string
		args []string
		// echo makes the token endpoint quote requests in its errors.
		echo bool
		// graph changes the fake Graph; the default accepts the tokens the
		// token endpoint issued and the static token.
		graph func(*graphtest.Options)
		code  int
		// want is what stderr (or stdout, for reports) must say.
		want string
	}
	live := func(mode string) []string { return []string{"--auth", mode, "--graph-url", "GRAPH"} }
	runs := []run{
		{name: "scan, client secret", env: secretEnv, args: append([]string{"scan"}, live("client-secret")...), code: exitOK},
		{name: "scan, client certificate from a PFX", env: pfxEnv, args: append([]string{"scan", "--client-cert", k.pfx}, live("client-certificate")...), code: exitOK},
		{name: "scan, client certificate from a PEM", env: pfxEnv, args: append([]string{"scan", "--client-cert", k.pem}, live("client-certificate")...), code: exitOK},
		{name: "scan, access token", env: certEnv, args: append([]string{"scan"}, live("token")...), code: exitOK},
		{name: "scan --app, client secret", env: secretEnv, args: append([]string{"scan", "--app", docPayroll}, live("client-secret")...), code: exitOK},
		{name: "scan of a snapshot with certificates, a PFX and a mapping", env: pfxEnv,
			args: []string{"scan", "--snapshot", d.path("tenant.json"), "--certs", filepath.Join(k.dir, "certs"), "--deployed", filepath.Join(k.dir, "deployed.csv")}, code: exitFindings},
		{name: "snapshot, client secret", env: secretEnv, args: append([]string{"snapshot", "--out", "OUT/tenant.json"}, live("client-secret")...)},
		{name: "snapshot, client certificate from a PFX", env: pfxEnv, args: append([]string{"snapshot", "--out", "OUT/tenant.json", "--client-cert", k.pfx}, live("client-certificate")...)},
		{name: "doctor, a request with a secret and an assertion, tenant read with a client secret", env: secretEnv,
			args: append([]string{"doctor", "--request", d.path("request.sh"), "--cert", d.path("payroll.pem"), "--client-id", docPayroll, "--tenant", docTenant}, live("client-secret")...), code: exitFindings},
		{name: "doctor, an assertion, tenant read with a client certificate", env: pfxEnv,
			args: append([]string{"doctor", "--assertion", d.path("assertion.jwt"), "--cert", d.path("payroll.pem"), "--client-cert", k.pfx}, live("client-certificate")...)},
		{name: "doctor, a raw request with HTTP Basic credentials", env: secretEnv, args: []string{"doctor", "--request", d.path("request.http"), "--snapshot", d.path("tenant.json")}, code: exitOK},
		{name: "doctor, curl -u", env: secretEnv, args: []string{"doctor", "--request", d.path("request-u.sh"), "--snapshot", d.path("tenant.json")}, code: exitOK},
		{name: "preflight, a PFX and its password, tenant read with an access token", env: certEnv,
			args: append([]string{"preflight", "--app", docPayroll, "--cert", k.pfx}, live("token")...), code: exitFindings},
		{name: "preflight, a certificate and a key file, tenant read with a client secret", env: secretEnv,
			args: append([]string{"preflight", "--app", "Payroll", "--cert", d.path("certs/payroll-2027.pem"), "--key", d.path("payroll.pem")}, live("client-secret")...), code: exitFindings},

		{name: "explain, every secret in the environment", env: append(certEnv, "APPAUDIT_ACCESS_TOKEN="+staticToken), args: []string{"explain", "AADSTS7000215"}},

		// Errors, some from the libraries that handle the secrets.
		{name: "a wrong client secret (AADSTS7000215)", env: signInEnv(wrongSecret), args: append([]string{"scan"}, live("client-secret")...),
			code: exitIncomplete, want: "AADSTS7000215"},
		{name: "a token endpoint that quotes the request, client secret", env: signInEnv(wrongSecret), echo: true,
			args: append([]string{"scan"}, live("client-secret")...), code: exitIncomplete, want: "AADSTS7000215"},
		{name: "a token endpoint that quotes the request, client certificate", env: pfxEnv, echo: true, graph: func(o *graphtest.Options) {},
			args: append([]string{"snapshot", "--out", "OUT/tenant.json", "--client-cert", k.pem, "--client-id", "00000000-0000-4000-8000-0000000000ee"}, live("client-certificate")...),
			code: exitIncomplete, want: "AADSTS700016"},
		{name: "a wrong PFX password for --client-cert", env: []string{"AZURE_TENANT_ID=" + signInTenant, "AZURE_CLIENT_ID=" + signInClient, "APPAUDIT_CLIENT_CERT_PASSWORD=" + leakPFXPassword + "-wrong"},
			args: append([]string{"scan", "--client-cert", k.pfx}, live("client-certificate")...), code: exitUsage, want: "wrong PFX password"},
		{name: "a wrong PFX password for --certs", env: []string{"APPAUDIT_PFX_PASSWORD=" + leakPFXPassword + "-wrong"},
			args: []string{"scan", "--snapshot", d.path("tenant.json"), "--certs", filepath.Join(k.dir, "certs")}, code: exitUsage, want: "wrong PFX password"},
		{name: "a wrong PFX password for preflight", env: []string{"APPAUDIT_PFX_PASSWORD=" + leakPFXPassword[:6]},
			args: []string{"preflight", "--snapshot", d.path("tenant.json"), "--app", docPayroll, "--cert", k.pfx}, code: exitUsage, want: "wrong PFX password"},
		{name: "an access token Graph refuses", env: certEnv, graph: func(o *graphtest.Options) { o.Accept = func(string) bool { return false } },
			args: append([]string{"scan"}, live("token")...), code: exitIncomplete, want: "401"},
		{name: "an expired access token", env: []string{"APPAUDIT_ACCESS_TOKEN=" + expiredToken}, args: append([]string{"scan"}, live("token")...),
			code: exitIncomplete, want: "expired"},
		{name: "two words for a token", env: []string{"APPAUDIT_ACCESS_TOKEN=" + staticToken + " " + expiredToken}, args: append([]string{"scan"}, live("token")...),
			code: exitUsage, want: "more than one word"},
	}
	reportFile := filepath.Join(t.TempDir(), "report.json")
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			ts := k.tokenServer(t, r.echo)
			opts := graphtest.Options{Token: staticToken, MaxPageSize: 1,
				Accept: func(tok string) bool { return tok == staticToken || ts.Issued(tok) }}
			if r.graph != nil {
				r.graph(&opts)
			}
			srv := serve(t, d.path("tenant.json"), opts)
			out := t.TempDir()
			args := slices.Clone(r.args)
			for i, a := range args {
				args[i] = strings.NewReplacer("GRAPH", srv.URL, "OUT", out).Replace(a)
			}
			if args[0] != "snapshot" && args[0] != "explain" {
				args = append(args, append(reportFormats(out), "-o", "table", "--as-of", asOf())...)
			}
			code, stdout, stderr := runLive(t, (&liveHooks{}).signInAt(ts, nil), r.env, args...)
			if code != r.code || (r.want != "" && !strings.Contains(stdout+stderr, r.want)) {
				t.Errorf("exit %d, want %d and %q\nstderr: %s", code, r.code, r.want, stderr)
			}
			signsIn := slices.Contains(args, "client-secret") || slices.Contains(args, "client-certificate")
			if signsIn && r.code != exitUsage && len(ts.Requests()) == 0 {
				t.Error("the token endpoint was not asked for a token")
			}
			if slices.Contains(args, "--graph-url") && (code == exitOK || code == exitFindings) && len(srv.Requests()) == 0 {
				t.Error("nothing was read from Graph")
			}
			k.harvest(ts)
			got := outputs(t, stdout, stderr, out)
			switch {
			case r.code == exitIncomplete && (len(got) != 2 || stdout != "" || stderr == ""):
				// Every incomplete run here read nothing: it says why
				// on stderr and writes no report.
				t.Errorf("a run that read nothing wrote %v, stdout %q", slices.Collect(maps.Keys(got)), stdout)
			case r.code != exitUsage && r.code != exitIncomplete && args[0] != "explain" && len(got) < 3:
				t.Errorf("nothing was written: %v", slices.Collect(maps.Keys(got)))
			}
			for _, where := range slices.Sorted(maps.Keys(got)) {
				k.secrets.check(t, where, got[where])
			}
			if r.name == "scan, client secret" {
				write(t, reportFile, []byte(got["report.json"]))
			}
		})
	}
	// A saved report rendered again in every format.
	t.Run("report --from", func(t *testing.T) {
		out := t.TempDir()
		code, stdout, stderr := runCLI(t, nil, append([]string{"report", "--from", reportFile, "-o", "table"}, reportFormats(out)...)...)
		if code != exitOK || !strings.Contains(stdout, "2 applications") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		got := outputs(t, stdout, stderr, out)
		for _, where := range slices.Sorted(maps.Keys(got)) {
			k.secrets.check(t, where, got[where])
		}
	})
	t.Logf("%d secrets looked for", len(k.secrets))
	if len(k.secrets) < 40 {
		t.Errorf("%d secrets looked for: the runs did not sign in", len(k.secrets))
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
