package keyvault

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
)

// Config says how a Reader reaches Key Vault.
type Config struct {
	// Credential signs in; the token scope comes from the vault's
	// authentication challenge (https://vault.azure.net/.default in the
	// public cloud).
	Credential azcore.TokenCredential
	// Transport sends the HTTP requests; nil is a copy of
	// http.DefaultTransport. Tests give one that trusts the fake vault's
	// certificate.
	Transport http.RoundTripper
	Retry     graphclient.RetryPolicy
	// Clock is nil for the real one; Read takes "now" from it.
	Clock graphclient.Clock
	// UserAgent is sent with every request.
	UserAgent string
	// Concurrency is how many certificates are read at once; 0 is 8.
	Concurrency int
	// MaxCertificates bounds the certificates read from one vault, and
	// MaxVersions the versions of one certificate; past either the vault
	// is incomplete. 0 is DefaultMaxCertificates and DefaultMaxVersions.
	MaxCertificates int
	MaxVersions     int
	// MaxResponseSize bounds one answer; 0 is 4 MiB (a page holds 25
	// items, a certificate a few KiB).
	MaxResponseSize int64
}

// The default bounds of a read.
const (
	DefaultMaxCertificates = 25000
	DefaultMaxVersions     = 1000
	defaultMaxResponse     = 4 << 20
)

// Reader reads vaults' certificates. It only sends GET requests to the
// vault's certificates endpoints; its transport refuses anything else,
// and any path under /secrets/ or /keys/, before it leaves.
type Reader struct {
	cfg   Config
	now   func() time.Time
	tr    *graphclient.RetryTransport
	stats counters
}

// counters count what was read, across vaults.
type counters struct {
	vaults, certificates, versions, bodies atomic.Int64
}

// Stats say how far reading has got.
type Stats struct {
	graphclient.TransportStats
	Vaults, Certificates, Versions int64
	// Bodies counts the public certificates (cer) read.
	Bodies int64
}

// Stats is safe to call while Read runs.
func (r *Reader) Stats() Stats {
	return Stats{TransportStats: r.tr.Stats(), Vaults: r.stats.vaults.Load(), Certificates: r.stats.certificates.Load(),
		Versions: r.stats.versions.Load(), Bodies: r.stats.bodies.Load()}
}

// NewReader makes a Reader; it sends nothing.
func NewReader(cfg Config) (*Reader, error) {
	if cfg.Credential == nil {
		return nil, configErr("", "no credential to sign in with")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.MaxCertificates <= 0 {
		cfg.MaxCertificates = DefaultMaxCertificates
	}
	if cfg.MaxVersions <= 0 {
		cfg.MaxVersions = DefaultMaxVersions
	}
	if cfg.MaxResponseSize <= 0 {
		cfg.MaxResponseSize = defaultMaxResponse
	}
	now := time.Now
	if cfg.Clock != nil {
		now = cfg.Clock.Now
	}
	base := cfg.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = cfg.Concurrency + 2
		base = t
	}
	tr := graphclient.NewRetryTransport(base, graphclient.TransportOptions{Retry: cfg.Retry, Clock: cfg.Clock,
		UserAgent: cfg.UserAgent, Service: "Key Vault", MaxResponseSize: cfg.MaxResponseSize, Check: CheckReadOnly})
	return &Reader{cfg: cfg, now: now, tr: tr}, nil
}

// CheckReadOnly returns an error unless req reads a vault's certificates:
// a GET of /certificates or a path under it. Secrets and keys (where a
// certificate's private key lives) are refused, whatever the method.
func CheckReadOnly(req *http.Request, _ []byte) error {
	p := strings.ToLower(req.URL.EscapedPath())
	switch {
	case strings.Contains(p, "/secrets") || strings.Contains(p, "/keys") || strings.Contains(p, "/deleted"):
		return fmt.Errorf("keyvault: refusing to send %s %s: appaudit never reads secrets or keys", req.Method, req.URL.Path)
	case req.Method != http.MethodGet:
		return fmt.Errorf("keyvault: refusing to send %s %s: appaudit only reads (GET)", req.Method, req.URL.Path)
	case p != "/certificates" && !strings.HasPrefix(p, "/certificates/"):
		return fmt.Errorf("keyvault: refusing to send GET %s: appaudit reads only a vault's certificates", req.URL.Path)
	}
	return nil
}

// guard sends only requests for its vault's host: a nextLink that
// points elsewhere never gets the token. It refuses a success answer
// with no body (an emptyAnswer): Key Vault answers every read of
// certificates with JSON, and the SDK would take an empty answer to a
// listing for its last page, a vault read part-way for a whole one.
type guard struct {
	ep   Endpoint
	next http.RoundTripper // a RetryTransport: the answer is read whole
}

func (g guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if !g.ep.onHost(req.URL) {
		return nil, fmt.Errorf("keyvault: refusing to send a request for %s to %s: the vault's answers point only to its own host", g.ep.URL, req.URL.Scheme+"://"+req.URL.Host)
	}
	resp, err := g.next.RoundTrip(req)
	if err == nil && resp.StatusCode/100 == 2 && resp.ContentLength == 0 {
		resp.Body.Close()
		return nil, &emptyAnswer{status: resp.Status, path: req.URL.Path}
	}
	return resp, err
}

// Read reads the vault at ep: every certificate, its versions, its policy
// and the public certificate of its latest version (and of its current
// one when that is another). It returns what it read, and is never
// silent about what it could not: a read that stops part-way (a
// permission missing, a vault that does not exist, a connection that
// drops and does not come back, throttling beyond the retry policy)
// gives a Vault with Complete false and IncompleteReason saying where it
// stopped and why.
func (r *Reader) Read(ctx context.Context, ep Endpoint) audit.Vault {
	now := r.now()
	v := audit.Vault{Name: ep.Name, URL: ep.URL, ReadAt: now.UTC(), Complete: true}
	r.stats.vaults.Add(1)
	client, err := azcertificates.NewClient(ep.URL, r.cfg.Credential, &azcertificates.ClientOptions{
		ClientOptions: azcore.ClientOptions{
			Transport: &http.Client{Transport: guard{ep: ep, next: r.tr},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
			// Retries are the transport's, under appaudit's policy.
			Retry:     policy.RetryOptions{MaxRetries: -1},
			Telemetry: policy.TelemetryOptions{Disabled: true},
		},
		// The challenge's resource is checked against the vault's host,
		// except for a vault on this machine, whose host no resource can
		// match.
		DisableChallengeResourceVerification: ep.Loopback,
	})
	if err != nil {
		v.Complete, v.IncompleteReason = false, "setting up the client: "+err.Error()
		return v
	}
	rd := &vaultRead{r: r, ep: ep, client: client, now: now}
	// The certificates of a page are read while the next page is.
	names := make(chan string)
	go func() {
		defer close(names)
		rd.list(ctx, names)
	}()
	rd.details(ctx, names)
	v.Certificates = rd.certs
	slices.SortFunc(v.Certificates, func(a, b audit.VaultCertificate) int { return strings.Compare(a.Name, b.Name) })
	if len(rd.problems) > 0 {
		v.Complete, v.IncompleteReason = false, strings.Join(rd.problems, "; ")
	}
	return v
}

// vaultRead is one read of one vault under way.
type vaultRead struct {
	r      *Reader
	ep     Endpoint
	client *azcertificates.Client
	now    time.Time

	mu       sync.Mutex
	certs    []audit.VaultCertificate
	problems []string
	fatal    bool // a failure no further request can get past
}

// problem records why the read is incomplete; a fatal one stops every
// request not yet sent.
func (rd *vaultRead) problem(fatal bool, format string, args ...any) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.fatal {
		return // the cause is said already
	}
	rd.problems = append(rd.problems, fmt.Sprintf(format, args...))
	rd.fatal = fatal
}

func (rd *vaultRead) stopped() bool {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	return rd.fatal
}

// list reads the certificate listing, page by page, and sends the
// certificates' names to out.
func (rd *vaultRead) list(ctx context.Context, out chan<- string) {
	n := 0
	pager := rd.client.NewListCertificatePropertiesPager(nil)
	for page := 1; pager.More(); page++ {
		if rd.stopped() {
			return // the certificates of another page would not be read
		}
		resp, err := pager.NextPage(ctx)
		if err != nil {
			e := classify(rd.ep, "listing certificates", err)
			where := ""
			if page > 1 {
				where = fmt.Sprintf(" at page %d, after %d certificates", page, n)
			}
			rd.problem(e.fatal, "listing certificates stopped%s: %s", where, e.msg)
			return
		}
		for _, p := range resp.Value {
			if p == nil {
				continue
			}
			name, _, ok := parseID(idOf(p.ID))
			if !ok {
				rd.problem(false, "the listing holds a certificate whose ID is not a certificate ID (%q)", clip(idOf(p.ID)))
				continue
			}
			if n == rd.r.cfg.MaxCertificates {
				rd.problem(false, "the vault holds more than %d certificates; only the first %d were read", n, n)
				return
			}
			n++
			select {
			case out <- name:
			case <-ctx.Done():
				return
			}
		}
	}
}

// details reads the versions, policy and public certificate of every
// certificate names gives, Concurrency at a time.
func (rd *vaultRead) details(ctx context.Context, names <-chan string) {
	var wg sync.WaitGroup
	for range rd.r.cfg.Concurrency {
		wg.Go(func() {
			for name := range names {
				if rd.stopped() || ctx.Err() != nil {
					continue
				}
				if c, ok := rd.certificate(ctx, name); ok {
					rd.mu.Lock()
					rd.certs = append(rd.certs, c)
					rd.mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		rd.problem(true, "interrupted")
	}
}

// certificate reads one certificate. ok is false when nothing of it
// could be read.
func (rd *vaultRead) certificate(ctx context.Context, name string) (audit.VaultCertificate, bool) {
	c := audit.VaultCertificate{Name: name, ID: rd.ep.URL + "/certificates/" + name}
	fail := func(what string, err error) {
		e := classify(rd.ep, what, err)
		rd.problem(e.fatal, "certificate %s: %s: %s", name, what, e.msg)
	}
	// The versions: x5t and dates for each, without a request per version.
	pager := rd.client.NewListCertificatePropertiesVersionsPager(name, nil)
	for pager.More() {
		resp, err := pager.NextPage(ctx)
		if err != nil {
			fail("listing its versions", err)
			return c, len(c.Versions) > 0
		}
		for _, p := range resp.Value {
			if p == nil {
				continue
			}
			if ver, ok := versionOf(p.ID, p.X509Thumbprint, p.Attributes); ok {
				c.Versions = append(c.Versions, ver)
			}
		}
		if len(c.Versions) > rd.r.cfg.MaxVersions {
			rd.problem(false, "certificate %s has more than %d versions; only the first %d listed were read", name, rd.r.cfg.MaxVersions, rd.r.cfg.MaxVersions)
			c.Versions = c.Versions[:rd.r.cfg.MaxVersions]
			break
		}
	}
	rd.r.stats.versions.Add(int64(len(c.Versions)))
	c.SortVersions()
	// The latest version with its public certificate and the policy, in
	// one request: Key Vault's certificate bundle carries both.
	got, err := rd.client.GetCertificate(ctx, name, "", nil)
	if err != nil {
		if statusOf(err) == http.StatusNotFound && !issued(c.Versions) {
			return c, true // its first version is still pending: nothing issued to read
		}
		fail("reading its latest version", err)
		return c, true
	}
	rd.r.stats.certificates.Add(1)
	c.Policy = policyOf(got.Policy)
	if ver := rd.withBody(&c, got.Certificate); ver == nil {
		rd.problem(false, "certificate %s: its latest version %s is not among the versions listed", name, clip(idOf(got.ID)))
	}
	if c.Policy == nil {
		p, err := rd.client.GetCertificatePolicy(ctx, name, nil)
		if err != nil {
			fail("reading its policy", err)
			return c, true
		}
		c.Policy = policyOf(&p.CertificatePolicy)
	}
	// The current version, when it is not the latest (the latest is not
	// valid yet, or disabled): its public certificate too.
	if cur := c.Current(rd.now); cur != nil && len(cur.CER) == 0 {
		got, err := rd.client.GetCertificate(ctx, name, cur.Version, nil)
		if err != nil {
			fail("reading its current version "+cur.Version, err)
			return c, true
		}
		rd.withBody(&c, got.Certificate)
	}
	return c, true
}

// issued reports whether any version has a certificate (an x5t): a
// certificate whose first version is still pending has none.
func issued(versions []audit.VaultVersion) bool {
	for _, v := range versions {
		if v.Thumbprints.Known() {
			return true
		}
	}
	return false
}

// withBody adds the public certificate of bundle to the version of c it
// is, and returns that version (nil when c lists none with its ID).
func (rd *vaultRead) withBody(c *audit.VaultCertificate, bundle azcertificates.Certificate) *audit.VaultVersion {
	_, ver, ok := parseID(idOf(bundle.ID))
	if !ok {
		return nil
	}
	for i := range c.Versions {
		if v := &c.Versions[i]; v.Version == ver {
			addCER(v, bundle.CER)
			if len(v.CER) > 0 {
				rd.r.stats.bodies.Add(1)
			}
			return v
		}
	}
	return nil
}
