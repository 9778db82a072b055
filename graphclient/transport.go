package graphclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// RetryPolicy bounds how a Graph request is retried. Graph throttles with
// 429 (with or without Retry-After, ENTRA-FACTS.md) and fails now and then
// with 503 or 504 or a dropped connection; each is retried until the
// attempts or the time allowed run out, and then the request fails.
type RetryPolicy struct {
	// MaxAttempts per request, the first one included.
	MaxAttempts int
	// BaseDelay is the first backoff when Graph does not say how long to
	// wait; it doubles with every attempt, up to MaxDelay, with jitter.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxWait is the most one request may spend waiting between attempts.
	// A Retry-After longer than what is left of it fails the request at
	// once rather than sleeping in vain.
	MaxWait time.Duration
	// TotalWait is the most all requests of a Client may spend waiting,
	// together: an unattended audit of a tenant that keeps throttling stops
	// instead of running for ever.
	TotalWait time.Duration
	// Timeout bounds one attempt: sending it and reading the whole answer.
	Timeout time.Duration
}

// DefaultRetryPolicy is the policy a Client uses unless told otherwise.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 7, BaseDelay: time.Second, MaxDelay: 90 * time.Second,
		MaxWait: 5 * time.Minute, TotalWait: 30 * time.Minute, Timeout: 100 * time.Second}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	orDefault(&p.MaxAttempts, d.MaxAttempts)
	for _, f := range []struct{ v, d *time.Duration }{
		{&p.BaseDelay, &d.BaseDelay}, {&p.MaxDelay, &d.MaxDelay}, {&p.MaxWait, &d.MaxWait}, {&p.TotalWait, &d.TotalWait}, {&p.Timeout, &d.Timeout},
	} {
		orDefault(f.v, *f.d)
	}
	return p
}

// orDefault sets *v to d when it is not positive.
func orDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Clock is the time a Client reads and waits on; tests give one that
// does not sleep.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first, and
	// returns ctx's error in the second case.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock, the Clock a Client and a RetryTransport
// use when given none.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx is done, whichever comes first, and
// returns ctx's error in the second case.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxResponseSize bounds one answer read into memory: a page of 999
// objects with every certificate body is a few MiB.
const maxResponseSize = 256 << 20

// RetryError is a request that failed after every attempt allowed: the
// last answer's status (0 for a connection that failed), Graph's error
// code where it gave one, how many attempts were made and how long was
// spent waiting between them.
type RetryError struct {
	Attempts int
	Waited   time.Duration
	Status   int
	Code     string
	// Reason says what went wrong last, and why no further attempt was made.
	Reason string
	Err    error // the last transport error, if any
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("%s, after %s and %s of waiting", e.Reason, audit.Plural(e.Attempts, "attempt"), e.Waited.Round(100*time.Millisecond))
}

func (e *RetryError) Unwrap() error { return e.Err }

// transport sends Graph requests: it refuses anything but reads, retries
// under the policy and reads every answer whole (so that a connection that
// drops half-way through a page is retried too).
type transport struct {
	base   http.RoundTripper
	policy RetryPolicy
	clock  Clock
	stats  *counters
	agent  string
	// service names who answers, in messages: "Graph" unless
	// NewRetryTransport says otherwise.
	service string
	// maxBody bounds one answer; check refuses a request before it leaves.
	maxBody int64
	check   func(*http.Request, []byte) error

	mu     sync.Mutex
	waited time.Duration // by all requests, against policy.TotalWait
	rnd    *rand.Rand
}

func newTransport(base http.RoundTripper, p RetryPolicy, clock Clock, stats *counters, agent string) *transport {
	return &transport{base: base, policy: p.withDefaults(), clock: clock, stats: stats, agent: agent,
		service: "Graph", maxBody: maxResponseSize, check: CheckReadOnly,
		rnd: rand.New(rand.NewPCG(uint64(clock.Now().UnixNano()), 0x5eed))}
}

// CheckReadOnly returns an error unless req only reads: a GET, or a POST
// to $batch whose requests are all GETs.
func CheckReadOnly(req *http.Request, body []byte) error {
	switch {
	case req.Method == http.MethodGet:
		return nil
	case req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/$batch"):
		var b struct {
			Requests []struct {
				Method string `json:"method"`
			} `json:"requests"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			return fmt.Errorf("graphclient: refusing to send a $batch that is not JSON: %v", err)
		}
		for i, r := range b.Requests {
			if !strings.EqualFold(r.Method, http.MethodGet) {
				return fmt.Errorf("graphclient: refusing to send a $batch whose request %d is a %s: appaudit only reads", i, r.Method)
			}
		}
		return nil
	}
	return fmt.Errorf("graphclient: refusing to send %s %s: appaudit only reads (GET, and POST to $batch of GETs)", req.Method, req.URL.Path)
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("graphclient: reading the request body: %w", err)
		}
	}
	if err := t.check(req, body); err != nil {
		return nil, err
	}
	ctx := req.Context()
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		resp, data, err := t.attempt(req, body)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		wait, reason, retry := t.decide(resp, data, err, attempt)
		if !retry {
			if err != nil {
				return nil, err
			}
			resp.Body = io.NopCloser(bytes.NewReader(data))
			resp.ContentLength = int64(len(data))
			return resp, nil
		}
		fail := func(why string) (*http.Response, error) {
			e := &RetryError{Attempts: attempt, Waited: waited, Reason: reason + "; " + why, Err: err}
			if resp != nil {
				e.Status, e.Code = resp.StatusCode, graphErrorCode(data)
			}
			return nil, e
		}
		if attempt >= t.policy.MaxAttempts {
			return fail("no attempts left")
		}
		if waited+wait > t.policy.MaxWait {
			return fail(fmt.Sprintf("waiting %s more would pass the %s allowed for one request", wait.Round(100*time.Millisecond), t.policy.MaxWait))
		}
		if !t.reserve(wait) {
			return fail(fmt.Sprintf("the audit has already waited for Graph as long as it may (%s in all)", t.policy.TotalWait))
		}
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			t.stats.throttled.Add(1)
		}
		t.countRetry(wait)
		waited += wait
		if err := t.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// attempt sends req once, under the policy's timeout, and reads the answer.
func (t *transport) attempt(req *http.Request, body []byte) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.policy.Timeout)
	defer cancel()
	r := req.Clone(ctx)
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	if t.agent != "" {
		r.Header.Set("User-Agent", t.agent)
	}
	t.stats.requests.Add(1)
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.ContentLength > t.maxBody {
		return nil, nil, t.tooLarge(req) // said so before a byte of it was read
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, t.maxBody+1))
	if err == nil && int64(len(data)) > t.maxBody {
		return nil, nil, t.tooLarge(req)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp, data, nil
}

// tooLarge is the error of an answer to req larger than the bound.
func (t *transport) tooLarge(req *http.Request) error {
	size := fmt.Sprintf("%d MiB", t.maxBody>>20)
	if t.maxBody < 1<<20 {
		size = fmt.Sprintf("%d KiB", t.maxBody>>10)
	}
	return fmt.Errorf("graphclient: %s answered with more than %s", req.URL.Path, size)
}

// decide says whether to try again, after how long, and why.
func (t *transport) decide(resp *http.Response, data []byte, err error, attempt int) (wait time.Duration, reason string, retry bool) {
	if err != nil {
		if !transient(err) {
			return 0, "", false
		}
		return t.backoff(attempt), "the connection failed (" + errText(err) + ")", true
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		reason = fmt.Sprintf("%s answered %d %s", t.service, resp.StatusCode, http.StatusText(resp.StatusCode))
		wait, honoured := t.retryWait(resp.Header.Get("Retry-After"), attempt)
		if honoured {
			return wait, reason + " (Retry-After " + resp.Header.Get("Retry-After") + ")", true
		}
		return wait, reason + " without Retry-After", true
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return t.backoff(attempt), fmt.Sprintf("%s answered %d %s", t.service, resp.StatusCode, http.StatusText(resp.StatusCode)), true
	}
	return 0, "", false
}

// retryWait is the wait before attempt+1 after an answer whose
// Retry-After header is ra: what it asks, jittered, else backoff(attempt).
// honoured says whether ra was one.
func (t *transport) retryWait(ra string, attempt int) (wait time.Duration, honoured bool) {
	if d, ok := retryAfter(ra, t.clock.Now()); ok {
		return t.jitterAfter(d), true
	}
	return t.backoff(attempt), false
}

// countRetry counts a request sent again after waiting wait.
func (t *transport) countRetry(wait time.Duration) {
	t.stats.retries.Add(1)
	t.stats.waitNanos.Add(int64(wait))
}

// backoff is the wait before attempt+1 when Graph gave no Retry-After:
// exponential, capped, with the upper half jittered.
func (t *transport) backoff(attempt int) time.Duration {
	d := t.policy.BaseDelay << min(attempt-1, 30)
	if d <= 0 || d > t.policy.MaxDelay {
		d = t.policy.MaxDelay
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return d/2 + time.Duration(t.rnd.Int64N(int64(d/2)+1))
}

// jitterAfter honours a Retry-After of d, adding up to a tenth (at most a
// second) so that concurrent requests do not return all at once.
func (t *transport) jitterAfter(d time.Duration) time.Duration {
	spread := min(d/10, time.Second)
	if spread <= 0 {
		return d
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return d + time.Duration(t.rnd.Int64N(int64(spread)+1))
}

// reserve takes d from what is left of the total waiting allowed.
func (t *transport) reserve(d time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.waited+d > t.policy.TotalWait {
		return false
	}
	t.waited += d
	return true
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date. Graph
// sends fractions of a second too ("Retry-After: 2.128" in the sample
// answer of learn.microsoft.com/graph/throttling).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, 24*3600)) * time.Second, true
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && strings.Trim(v, "0123456789.") == "" {
		return time.Duration(min(f, 24*3600) * float64(time.Second)), true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// transient reports whether a transport error may go away when the request
// is sent again: dropped and reset connections, timeouts. Certificate
// errors and unknown hosts do not.
func transient(err error) bool {
	var cert *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var dns *net.DNSError
	switch {
	case errors.As(err, &cert), errors.As(err, &unknownCA), errors.As(err, &hostname):
		return false
	case errors.As(err, &dns) && dns.IsNotFound:
		return false
	case strings.HasPrefix(err.Error(), "graphclient: "):
		return false // too large, and the like
	}
	return true
}

// errText is a transport error without the URL net/http may put in it.
func errText(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "no complete answer within the time allowed for one attempt"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// graphErrorCode is the code of a Graph error answer, "" when it is none.
func graphErrorCode(data []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil {
		return ""
	}
	return clip(e.Error.Code) // a code is a word; the answer may be anything
}
