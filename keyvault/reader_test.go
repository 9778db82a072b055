package keyvault_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/keyvault"
	"github.com/appaudit/appaudit/keyvault/kvtest"
)

var now = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

// clock is a fixed now whose Sleep returns at once (and counts).
type clock struct {
	mu    sync.Mutex
	slept []time.Duration
}

func (*clock) Now() time.Time { return now }

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	c.mu.Unlock()
	return ctx.Err()
}

const token = "kv-test-token"

func reader(t *testing.T, tr http.RoundTripper, mod func(*keyvault.Config)) *keyvault.Reader {
	t.Helper()
	cred, err := keyvault.NewTokenCredential(token, "APPAUDIT_KEYVAULT_TOKEN", "public", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	// The time allowed for one attempt is appaudit's default: no test but
	// the one of a vault that stops answering sets it, so that no answer
	// of the fake, however slow on a loaded machine, is given up on and
	// sent again.
	cfg := keyvault.Config{Credential: cred, Transport: tr, Clock: &clock{}, Concurrency: 4,
		Retry: graphclient.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond}}
	if mod != nil {
		mod(&cfg)
	}
	r, err := keyvault.NewReader(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func endpoint(t *testing.T, url string) keyvault.Endpoint {
	t.Helper()
	ep, err := keyvault.ResolveVault(url, "public")
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// vault is a fake vault of 30 certificates (two listing pages), one of
// them with 30 versions (two pages of versions), one renewed into a
// version not valid yet, and one whose first version is still pending.
func vault(t *testing.T) *kvtest.Server {
	certs := kvtest.Generate(30, 3, now)
	many := &certs[1]
	for j := 3; j < 30; j++ {
		nbf := now.AddDate(0, 0, -2000+j)
		many.Versions = append([]kvtest.Version{kvtest.MakeVersion(kvtest.VersionID(1, j), "app-00001.contoso.com", nbf, nbf.AddDate(1, 0, 0), true)}, many.Versions...)
	}
	ahead := &certs[2]
	next := kvtest.MakeVersion("0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a", "app-00002.contoso.com", now.AddDate(0, 0, 3), now.AddDate(1, 0, 3), true)
	next.Created = now.Add(-time.Hour)
	ahead.Versions = append(ahead.Versions, next)
	pending := &certs[3]
	pending.Versions = []kvtest.Version{{ID: "pending", Enabled: false, NotBefore: now, Expires: now.AddDate(1, 0, 0), Created: now, Updated: now}}
	s := kvtest.New(certs...)
	s.Token = token
	t.Cleanup(s.Close)
	return s
}

func TestReadVault(t *testing.T) {
	s := vault(t)
	r := reader(t, s.Transport(), nil)
	v := r.Read(context.Background(), endpoint(t, s.URL))
	if !v.Complete || len(v.Certificates) != 30 {
		t.Fatalf("complete %v (%s), %d certificates", v.Complete, v.IncompleteReason, len(v.Certificates))
	}
	c0 := v.Certificate("app-00000")
	if len(c0.Versions) != 3 || c0.Policy == nil || c0.Policy.Issuer != "Self" || c0.Policy.LifetimeActions[0] != (audit.LifetimeAction{Action: "AutoRenew", LifetimePercentage: 80}) {
		t.Fatalf("app-00000: %+v", c0)
	}
	cur := c0.Current(now)
	if cur == nil || cur != c0.Latest() || cur.Cert == nil || cur.Subject != "CN=app-00000.contoso.com" || cur.Thumbprints.SHA256 == "" {
		t.Fatalf("current version: %+v", cur)
	}
	for _, old := range c0.Versions[1:] {
		if old.Thumbprints.SHA1 == "" || old.Cert != nil {
			t.Errorf("an older version: SHA-1 from its x5t, and no body fetched: %+v", old)
		}
	}
	// Renewed at 80% of 365 days from 100 days ago: in 192 days.
	if ren, ok := c0.NextRenewal(now); !ok || !ren.At.Equal(cur.NotBefore.Add(365*24*time.Hour*80/100)) || ren.Overdue {
		t.Errorf("next renewal %+v %v", ren, ok)
	}
	if n := len(v.Certificate("app-00001").Versions); n != 30 {
		t.Errorf("paged versions: %d, want 30", n)
	}
	ahead := v.Certificate("app-00002")
	if ahead.Latest().Version != "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a" || ahead.Current(now).Cert == nil || ahead.Latest().Cert == nil {
		t.Errorf("a certificate renewed ahead: latest %+v current %+v", ahead.Latest(), ahead.Current(now))
	}
	if p := v.Certificate("app-00003"); p == nil || len(p.Versions) != 1 || p.Versions[0].Thumbprints.Known() || p.Current(now) != nil {
		t.Errorf("a certificate whose first version is pending: %+v", p)
	}

	// Requests: the challenge, 2 listing pages, and per certificate its
	// versions and its latest bundle; 1 more versions page for app-00001
	// and 1 more bundle for app-00002's current version.
	st := r.Stats()
	if want := int64(1 + 2 + 30*2 + 1 + 1); st.Requests != want {
		t.Errorf("%d requests, want %d", st.Requests, want)
	}
	if st.Certificates != 30 || st.Versions != 3*27+30+4+1 || st.Bodies != 29+1 {
		t.Errorf("stats %+v", st)
	}
	assertReadOnly(t, s.Requests())
}

// assertReadOnly holds the requests a vault received to appaudit's
// contract: GET only, and never a path under /secrets/ or /keys/ (the
// bundles name both in kid and sid).
func assertReadOnly(t *testing.T, reqs []kvtest.Request) {
	t.Helper()
	if len(reqs) == 0 {
		t.Fatal("no request reached the vault")
	}
	for _, q := range reqs {
		if q.Method != http.MethodGet || strings.Contains(q.Path, "/secrets") || strings.Contains(q.Path, "/keys") || !strings.HasPrefix(q.Path, "/certificates") {
			t.Errorf("sent %s %s", q.Method, q.Path)
		}
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	s := vault(t)
	s.Fault(kvtest.Fault{Path: "/certificates", Exact: true, Page: 2, Status: 429, RetryAfter: "7", Times: 1})
	s.Fault(kvtest.Fault{Path: "/certificates/app-00005/versions", Status: 503, Times: 2})
	clk := &clock{}
	r := reader(t, s.Transport(), func(c *keyvault.Config) { c.Clock = clk })
	v := r.Read(context.Background(), endpoint(t, s.URL))
	if !v.Complete || len(v.Certificates) != 30 {
		t.Fatalf("complete %v (%s), %d certificates", v.Complete, v.IncompleteReason, len(v.Certificates))
	}
	st := r.Stats()
	if st.Retries != 3 || st.Throttled != 1 {
		t.Errorf("stats %+v", st)
	}
	if slices.Max(clk.slept) < 7*time.Second {
		t.Errorf("Retry-After 7 was not honoured: waited %v", clk.slept)
	}
}

func TestFaultsLeaveTheVaultIncomplete(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fault   kvtest.Fault
		forbid  bool
		want    string
		certs   int // read before or despite the fault
		maxReqs int // 0: no bound
		// timeout is the time allowed for one attempt, when the test is
		// of it.
		timeout time.Duration
	}{
		{name: "throttled past the retries", fault: kvtest.Fault{Path: "/certificates", Exact: true, Page: 2, Status: 429, RetryAfter: "1"},
			want: "listing certificates stopped at page 2, after 25 certificates: Key Vault kept throttling (Key Vault answered 429 Too Many Requests (Retry-After 1); no attempts left, after 3 attempts", certs: 24},
		{name: "403 names the permission", forbid: true,
			want: "listing certificates stopped: Key Vault answered 403 Forbidden Forbidden (ForbiddenByRbac): Caller is not authorized to perform action on resource. (the signed-in identity needs, on this vault, the Key Vault Reader role", maxReqs: 2},
		{name: "403 on a certificate stops the rest", fault: kvtest.Fault{Path: "/certificates/app-00000/versions", Status: 403},
			want: "certificate app-00000: listing its versions: Key Vault answered 403 Forbidden Forbidden (ForbiddenByRbac)"},
		{name: "404 on the listing", fault: kvtest.Fault{Path: "/certificates", Exact: true, Page: 1, Status: 404, Code: "NotFound"},
			want: "listing certificates stopped: Key Vault answered 404 Not Found NotFound: scripted 404 (no such vault or certificate at this URL)", maxReqs: 2},
		{name: "a dropped connection that keeps dropping", fault: kvtest.Fault{Path: "/certificates/app-00007/versions", Drop: true},
			want: "certificate app-00007: listing its versions: Key Vault is failing or cannot be reached (the connection failed", certs: 29},
		{name: "a server error on a bundle", fault: kvtest.Fault{Path: "/certificates/app-00009/", Exact: true, Status: 500},
			want: "certificate app-00009: reading its latest version: Key Vault answered 500 Internal Server Error InternalServerError: scripted 500", certs: 30},
		// The vault stops answering once it has sent its challenge: no
		// other request is under way while the one that hangs is given
		// up on, so that the short time allowed decides nothing else.
		// Where a listing stops part-way is the throttled one's.
		{name: "a vault that stops answering", fault: kvtest.Fault{Path: "/certificates", Exact: true, Page: 1, Hang: true}, timeout: 300 * time.Millisecond,
			want: "listing certificates stopped: Key Vault is failing or cannot be reached (the connection failed (no complete answer within the time allowed for one attempt); no attempts left, after 3 attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := vault(t)
			s.Forbidden = tc.forbid
			if tc.fault.Path != "" {
				s.Fault(tc.fault)
			}
			r := reader(t, s.Transport(), func(c *keyvault.Config) { c.Retry.Timeout = tc.timeout })
			v := r.Read(context.Background(), endpoint(t, s.URL))
			if v.Complete || !strings.HasPrefix(v.IncompleteReason, tc.want) {
				t.Fatalf("complete %v, reason:\n%s\nwant it to start:\n%s", v.Complete, v.IncompleteReason, tc.want)
			}
			if tc.certs > 0 && len(v.Certificates) < tc.certs {
				t.Errorf("%d certificates kept, want at least %d", len(v.Certificates), tc.certs)
			}
			reqs := s.Requests()
			if tc.maxReqs > 0 && len(reqs) > tc.maxReqs {
				t.Errorf("%d requests reached the vault, want at most %d (the challenge, and an answer no retry can change)", len(reqs), tc.maxReqs)
			}
			// A vault given up on may have received nothing: on a loaded
			// machine even a TLS handshake can take longer than the time
			// allowed.
			if len(reqs) > 0 || tc.timeout == 0 {
				assertReadOnly(t, reqs)
			}
		})
	}
}

// emptyPages answers every listing page after the first as net/http's
// server answers for a handler that writes nothing (these are the bytes
// kvtest once sent to a client that had given up on it): 200 OK and no
// body.
type emptyPages struct{ http.RoundTripper }

func (e emptyPages) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := e.RoundTripper.RoundTrip(req)
	if err != nil || req.URL.Path != "/certificates" || !req.URL.Query().Has("$skiptoken") {
		return resp, err
	}
	resp.Body.Close()
	return http.ReadResponse(bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\nDate: Fri, 04 Dec 2026 20:09:39 GMT\r\nContent-Length: 0\r\n\r\n")), req)
}

// An empty answer is no last page: the vault read part-way is said to be.
func TestAnEmptyAnswerIsNoPage(t *testing.T) {
	s := vault(t)
	v := reader(t, emptyPages{s.Transport()}, nil).Read(context.Background(), endpoint(t, s.URL))
	want := "listing certificates stopped at page 2, after 25 certificates: Key Vault answered 200 OK to GET /certificates with no body, which is no answer of Key Vault; run the audit again later"
	if v.Complete || v.IncompleteReason != want || len(v.Certificates) != 25 {
		t.Fatalf("complete %v, %d certificates, reason:\n%s\nwant:\n%s", v.Complete, len(v.Certificates), v.IncompleteReason, want)
	}
}

// A fatal answer stops the listing too: with one certificate read at a
// time, the listing hands the rest of the first page to a reader that
// has already met the 403, and asks for no second page.
func TestAFatalAnswerStopsTheListing(t *testing.T) {
	s := vault(t)
	s.Fault(kvtest.Fault{Path: "/certificates/app-00000/versions", Status: 403})
	r := reader(t, s.Transport(), func(c *keyvault.Config) { c.Concurrency = 1 })
	v := r.Read(context.Background(), endpoint(t, s.URL))
	if v.Complete || !strings.HasPrefix(v.IncompleteReason, "certificate app-00000: listing its versions: Key Vault answered 403 Forbidden") || len(v.Certificates) != 0 {
		t.Fatalf("complete %v, %d certificates: %s", v.Complete, len(v.Certificates), v.IncompleteReason)
	}
	for _, q := range s.Requests() {
		if q.Path != "/certificates" && q.Path != "/certificates/app-00000/versions" || strings.Contains(q.Query, "skiptoken") {
			t.Errorf("sent after the 403: %s?%s", q.Path, q.Query)
		}
	}
}

func TestUnknownVault(t *testing.T) {
	tr := &http.Transport{DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}}
	r := reader(t, tr, nil)
	v := r.Read(context.Background(), endpoint(t, "https://kv-missing.vault.azure.net"))
	want := "listing certificates stopped: no vault answers at https://kv-missing.vault.azure.net: the name kv-missing.vault.azure.net does not resolve"
	if v.Complete || !strings.HasPrefix(v.IncompleteReason, want) || len(v.Certificates) != 0 {
		t.Fatalf("%+v", v)
	}
	if r.Stats().Requests != 1 {
		t.Errorf("an unknown host was tried %d times", r.Stats().Requests)
	}
}

func TestTokenOnlyToTheVault(t *testing.T) {
	s := vault(t)
	s.NextLinkBase = "https://127.0.0.2:1"
	r := reader(t, s.Transport(), nil)
	v := r.Read(context.Background(), endpoint(t, s.URL))
	if v.Complete || !strings.Contains(v.IncompleteReason, "refusing to send a request for "+s.URL+" to https://127.0.0.2:1") {
		t.Fatalf("complete %v: %s", v.Complete, v.IncompleteReason)
	}
}

// The challenge's resource is checked against the vault's host for a
// real vault, and only a vault on this machine is spared the check.
func TestChallengeResourceCheck(t *testing.T) {
	s := vault(t)
	s.Resource = "https://vault.contoso-evil.example"
	addr := s.Listener.Addr().String()
	// A transport that takes kv-prod.vault.azure.net to the fake.
	tr := s.Transport()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // the fake's certificate is not kv-prod's
	r := reader(t, tr, nil)
	v := r.Read(context.Background(), endpoint(t, "https://kv-prod.vault.azure.net"))
	if v.Complete || !strings.Contains(v.IncompleteReason, "the vault's authentication challenge names a resource that is not this vault's domain, so no token was sent") {
		t.Fatalf("a real vault's challenge for another resource was taken: %s", v.IncompleteReason)
	}
	for _, q := range s.Requests() {
		if q.Authorized {
			t.Fatalf("a token was sent after a challenge for another resource: %+v", q)
		}
	}

	loop := reader(t, s.Transport(), nil).Read(context.Background(), endpoint(t, s.URL))
	if !loop.Complete {
		t.Errorf("a loopback vault's challenge was checked: %s", loop.IncompleteReason)
	}
}

func TestBounds(t *testing.T) {
	s := vault(t)
	r := reader(t, s.Transport(), func(c *keyvault.Config) { c.MaxCertificates, c.MaxVersions = 10, 20 })
	v := r.Read(context.Background(), endpoint(t, s.URL))
	if v.Complete || len(v.Certificates) != 10 || !strings.Contains(v.IncompleteReason, "the vault holds more than 10 certificates; only the first 10 were read") ||
		!strings.Contains(v.IncompleteReason, "certificate app-00001 has more than 20 versions") {
		t.Fatalf("%d certificates, %s", len(v.Certificates), v.IncompleteReason)
	}
	big := reader(t, s.Transport(), func(c *keyvault.Config) { c.MaxResponseSize = 1 << 10 })
	v = big.Read(context.Background(), endpoint(t, s.URL))
	if v.Complete || !strings.Contains(v.IncompleteReason, "/certificates answered with more than 1 KiB") {
		t.Fatalf("an answer past the bound: %s", v.IncompleteReason)
	}
}

func jwtFor(aud string, exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	claims, _ := json.Marshal(map[string]any{"aud": aud, "exp": exp.Unix()})
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(claims) + ".c2ln"
}

func TestTokenCredential(t *testing.T) {
	clk := func() time.Time { return now }
	if _, err := keyvault.NewTokenCredential(jwtFor("https://graph.microsoft.com", now.Add(time.Hour)), "APPAUDIT_KEYVAULT_TOKEN", "public", clk); err == nil ||
		!strings.Contains(err.Error(), "the token in APPAUDIT_KEYVAULT_TOKEN is for https://graph.microsoft.com, not for Azure Key Vault (https://vault.azure.net) (get one with az account get-access-token --resource https://vault.azure.net") {
		t.Errorf("a Graph token: %v", err)
	}
	for _, aud := range []string{"https://vault.azure.net", "https://vault.azure.net/", "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"} {
		if _, err := keyvault.NewTokenCredential(jwtFor(aud, now.Add(time.Hour)), "V", "public", clk); err != nil {
			t.Errorf("a Key Vault token for %s: %v", aud, err)
		}
	}
	if _, err := keyvault.NewTokenCredential(jwtFor("https://vault.azure.net", now), "V", "usgov", clk); err == nil {
		t.Error("a public cloud token was taken for usgov")
	}
	if _, err := keyvault.NewTokenCredential("", "APPAUDIT_KEYVAULT_TOKEN", "public", clk); err == nil || !strings.Contains(err.Error(), "needs a Key Vault access token in APPAUDIT_KEYVAULT_TOKEN") {
		t.Errorf("no token: %v", err)
	}

	// An expired token fails the read at its first use, in one line,
	// without the token.
	expired := jwtFor("https://vault.azure.net", now.Add(-time.Minute))
	cred, err := keyvault.NewTokenCredential(expired, "APPAUDIT_KEYVAULT_TOKEN", "public", clk)
	if err != nil {
		t.Fatal(err)
	}
	s := vault(t)
	r := reader(t, s.Transport(), func(c *keyvault.Config) { c.Credential = cred })
	v := r.Read(context.Background(), endpoint(t, s.URL))
	if v.Complete || !strings.Contains(v.IncompleteReason, "sign-in with token failed: the token in APPAUDIT_KEYVAULT_TOKEN expired at 2026-06-15T11:59:00Z") ||
		strings.Contains(v.IncompleteReason, expired) {
		t.Errorf("%s", v.IncompleteReason)
	}

	// A token the vault refuses (another audience): 401 said as such.
	s.Token = "the-right-one"
	v = reader(t, s.Transport(), nil).Read(context.Background(), endpoint(t, s.URL))
	if v.Complete || !strings.Contains(v.IncompleteReason, "Key Vault answered 401 Unauthorized Unauthorized: AKV10022: Invalid audience.") {
		t.Errorf("%s", v.IncompleteReason)
	}
}

func TestResolveVault(t *testing.T) {
	for _, tc := range []struct{ arg, cloud, url, name string }{
		{"kv-prod", "public", "https://kv-prod.vault.azure.net", "kv-prod"},
		{"KV-Gov", "usgov", "https://kv-gov.vault.usgovcloudapi.net", "kv-gov"},
		{"kv-cn", "china", "https://kv-cn.vault.azure.cn", "kv-cn"},
		{"https://kv-prod.vault.azure.net/", "public", "https://kv-prod.vault.azure.net", "kv-prod"},
		{"http://127.0.0.1:8443", "public", "http://127.0.0.1:8443", "127.0.0.1:8443"},
	} {
		ep, err := keyvault.ResolveVault(tc.arg, tc.cloud)
		if err != nil || ep.URL != tc.url || ep.Name != tc.name {
			t.Errorf("ResolveVault(%q, %s) = %+v, %v", tc.arg, tc.cloud, ep, err)
		}
	}
	for _, tc := range []struct{ arg, want string }{
		{"http://kv-prod.vault.azure.net", "plain http is allowed only for localhost"},
		{"https://kv-prod.vault.azure.net/certificates/x", "give only the scheme and host"},
		{"kv_prod", "is not a vault name"},
		{"ftp://x", "is not a vault URL"},
	} {
		if _, err := keyvault.ResolveVault(tc.arg, "public"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ResolveVault(%q): %v, want %q", tc.arg, err, tc.want)
		}
	}
	// A long argument is quoted shortened, and never cut inside a character.
	long := "x" + strings.Repeat("é", 100) // 201 bytes: byte 120 is inside an é
	if _, err := keyvault.ResolveVault(long, "public"); err == nil || !utf8.ValidString(err.Error()) || !strings.Contains(err.Error(), "x"+strings.Repeat("é", 59)+"…") {
		t.Errorf("ResolveVault of x and 100 é: %v", err)
	}
	if !endpoint(t, "https://localhost:1").Loopback || endpoint(t, "kv-prod").Loopback {
		t.Error("only a vault on this machine is a loopback vault")
	}
}

func TestCheckReadOnly(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		ok           bool
	}{
		{"GET", "/certificates", true},
		{"GET", "/certificates/a/versions", true},
		{"GET", "/certificates/a/", true},
		{"GET", "/secrets/a/v1", false},
		{"GET", "/keys/a", false},
		{"GET", "/deletedcertificates", false},
		{"GET", "/certificates/../secrets/a", false},
		{"GET", "/", false},
		{"POST", "/certificates/a/create", false},
		{"PATCH", "/certificates/a/v1", false},
	} {
		req, _ := http.NewRequest(tc.method, "https://kv.vault.azure.net"+tc.path, nil)
		if err := keyvault.CheckReadOnly(req, nil); (err == nil) != tc.ok {
			t.Errorf("%s %s: %v", tc.method, tc.path, err)
		}
	}
}
