package graphclient

import (
	"net/http"
	"time"
)

// TransportOptions say how a RetryTransport sends the requests of a
// reader of another Microsoft service (package keyvault reads Azure Key
// Vault through one), with the discipline Graph's reads have.
type TransportOptions struct {
	Retry RetryPolicy
	// Clock is nil for the real one.
	Clock Clock
	// UserAgent is sent with every request when not empty.
	UserAgent string
	// Service names who answers, in errors: "Key Vault answered 429 Too
	// Many Requests".
	Service string
	// MaxResponseSize bounds one answer, read whole into memory; 0 is
	// graphclient's own bound for Graph pages.
	MaxResponseSize int64
	// Check refuses a request before it leaves (its body given); nil is
	// CheckReadOnly.
	Check func(req *http.Request, body []byte) error
}

// RetryTransport is the transport graphclient's Client sends Graph
// requests through, for other readers: it refuses what Check refuses,
// retries 429 and 503 after their Retry-After (and 502, 504, dropped and
// timed-out connections after an exponential backoff with jitter) within
// the RetryPolicy's bounds, and reads every answer whole, so that an
// answer cut short is retried too. A request that still fails is a
// *RetryError.
type RetryTransport struct {
	t     *transport
	stats *counters
}

// NewRetryTransport wraps base (nil is a copy of http.DefaultTransport).
func NewRetryTransport(base http.RoundTripper, o TransportOptions) *RetryTransport {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	clock := o.Clock
	if clock == nil {
		clock = RealClock{}
	}
	stats := &counters{}
	t := newTransport(base, o.Retry, clock, stats, o.UserAgent)
	if o.Service != "" {
		t.service = o.Service
	}
	if o.MaxResponseSize > 0 {
		t.maxBody = o.MaxResponseSize
	}
	if o.Check != nil {
		t.check = o.Check
	}
	return &RetryTransport{t: t, stats: stats}
}

// RoundTrip sends req; see RetryTransport.
func (r *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return r.t.RoundTrip(req)
}

// TransportStats count what a RetryTransport sent.
type TransportStats struct {
	// Requests counts the requests sent, retries included.
	Requests int64
	// Retries counts the requests sent again, Throttled the 429 answers
	// among their causes, and Waited the time spent waiting.
	Retries   int64
	Throttled int64
	Waited    time.Duration
}

// Stats says what has been sent so far; safe to call while requests run.
func (r *RetryTransport) Stats() TransportStats {
	return TransportStats{Requests: r.stats.requests.Load(), Retries: r.stats.retries.Load(),
		Throttled: r.stats.throttled.Load(), Waited: time.Duration(r.stats.waitNanos.Load())}
}
