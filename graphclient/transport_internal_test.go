package graphclient

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{"Mon, 15 Jun 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Mon, 15 Jun 2026 11:00:00 GMT", 0, true}, // in the past: go now
		{"", 0, false},
		{"-3", 0, false},
		{"soon", 0, false},
		// The sample 429 of learn.microsoft.com/graph/throttling
		// (microsoft-graph-docs-contrib concepts/throttling.md).
		{"2.128", 2128 * time.Millisecond, true},
		{"-0.5", 0, false},
		{"1e3", 0, false},
		{"NaN", 0, false},
	} {
		got, ok := retryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestTransientErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{io.EOF, true},
		{io.ErrUnexpectedEOF, true},
		{&net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, true},
		{context.DeadlineExceeded, true},
		{&net.DNSError{Err: "no such host", Name: "graph.example", IsNotFound: true}, false},
		{errors.New("graphclient: /v1.0/applications answered with more than 256 MiB"), false},
	} {
		if got := transient(tc.err); got != tc.want {
			t.Errorf("transient(%v) = %v", tc.err, got)
		}
	}
}

// endless is an answer body that never ends, and counts what is read of it.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	e.read += int64(len(p))
	return len(p), nil
}

func (e *endless) Close() error { return nil }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// An answer larger than any page is refused, not retried, and when its
// Content-Length says so, not read at all.
func TestOversizedAnswerIsRefusedUnread(t *testing.T) {
	body, calls := &endless{}, 0
	base := roundTripFunc(func(*http.Request) (*http.Response, error) {
		calls++
		return &http.Response{StatusCode: http.StatusOK, ContentLength: maxResponseSize + 1, Header: http.Header{}, Body: body}, nil
	})
	tr := newTransport(base, RetryPolicy{}, &stepClock{now: time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)}, &counters{}, "")
	_, err := tr.RoundTrip(httptest.NewRequest(http.MethodGet, "https://graph.microsoft.com/v1.0/applications", nil))
	if err == nil || !strings.Contains(err.Error(), "/v1.0/applications answered with more than 256 MiB") {
		t.Fatalf("error %v", err)
	}
	if body.read != 0 || calls != 1 {
		t.Errorf("%d bytes read, %d attempts: want none read and no retry", body.read, calls)
	}
}

// stepClock advances by what is slept, and counts sleepers.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func TestWindow(t *testing.T) {
	clock := &stepClock{now: time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)}
	w := newWindow(5, time.Minute, clock, &counters{})
	ctx := context.Background()
	var sent []time.Time
	for _, n := range []int{2, 2, 2, 5, 1} {
		if err := w.take(ctx, n); err != nil {
			t.Fatal(err)
		}
		for range n {
			sent = append(sent, clock.Now())
		}
	}
	// In no minute more than 5.
	for i := range sent {
		in := 0
		for _, s := range sent {
			if !s.Before(sent[i]) && s.Before(sent[i].Add(time.Minute)) {
				in++
			}
		}
		if in > 5 {
			t.Fatalf("%d requests within a minute of %v: %v", in, sent[i], sent)
		}
	}
	if got := sent[len(sent)-1].Sub(sent[0]); got != 3*time.Minute {
		t.Errorf("12 requests at 5 a minute took %v, want 3m0s (sent %v)", got, sent)
	}
	if err := newWindow(0, time.Minute, clock, &counters{}).take(ctx, 1000); err != nil {
		t.Error(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := w.take(cancelled, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled wait: %v", err)
	}
}
