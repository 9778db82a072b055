package graphclient

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Stats is how far a read has got, for progress lines and for measuring:
// a snapshot of counters that the read updates as it goes.
type Stats struct {
	// Requests counts the HTTP requests sent, retries included; a $batch
	// is one request.
	Requests int64
	// Pages counts the list pages read, both collections together.
	Pages             int64
	Applications      int64
	ServicePrincipals int64
	// BodiesWanted counts the objects whose certificate bodies are to be
	// fetched; BodiesFetched those fetched so far, and Batches the $batch
	// requests that carried them.
	BodiesWanted  int64
	BodiesFetched int64
	Batches       int64
	// Retries counts the requests sent again; Throttled the 429 answers
	// among their causes; Waited the time spent waiting, Retry-After and
	// backoff together, and the waits to stay within Graph's limit on
	// reading keyCredentials.
	Retries   int64
	Throttled int64
	Waited    time.Duration
	// Elapsed is the time since the read started.
	Elapsed time.Duration

	// Listed is true once the listing is done: every object whose body
	// is to be fetched is then counted in BodiesWanted.
	Listed bool
	// BodiesLeft counts the objects whose bodies are still to be
	// fetched: those wanted, within ReadOptions.MaxKeyBodies, that were
	// neither fetched nor given up on.
	BodiesLeft int64
	// KeyReadsPerMinute is the limit the read keeps to (0: none), and
	// Left the time the bodies left take at that rate: an estimate of the
	// time the read has still to run, known once it is Listed and when
	// there is a limit, 0 otherwise.
	KeyReadsPerMinute int
	Left              time.Duration
}

type counters struct {
	requests, pages, apps, sps    atomic.Int64
	wanted, fetched, batches      atomic.Int64
	retries, throttled, waitNanos atomic.Int64
	started                       atomic.Int64 // UnixNano
	// bodyMisses counts the objects whose bodies were given up on, and
	// bodyCap is ReadOptions.MaxKeyBodies (0: none).
	bodyMisses, bodyCap atomic.Int64
	listed              atomic.Bool
	// limit is the keyCredentials reads allowed a minute (0: none).
	limit int
}

func (c *counters) snapshot(now time.Time) Stats {
	s := Stats{
		Requests: c.requests.Load(), Pages: c.pages.Load(),
		Applications: c.apps.Load(), ServicePrincipals: c.sps.Load(),
		BodiesWanted: c.wanted.Load(), BodiesFetched: c.fetched.Load(), Batches: c.batches.Load(),
		Retries: c.retries.Load(), Throttled: c.throttled.Load(), Waited: time.Duration(c.waitNanos.Load()),
		Listed: c.listed.Load(), KeyReadsPerMinute: c.limit,
	}
	if st := c.started.Load(); st != 0 {
		s.Elapsed = now.Sub(time.Unix(0, st))
	}
	planned := s.BodiesWanted
	if cp := c.bodyCap.Load(); cp > 0 {
		planned = min(planned, cp)
	}
	s.BodiesLeft = max(planned-s.BodiesFetched-c.bodyMisses.Load(), 0)
	if s.Listed && c.limit > 0 {
		s.Left = FetchTime(s.BodiesLeft, c.limit)
	}
	return s
}

// FetchTime is about how long fetching the certificate bodies of n
// objects takes at limit keyCredentials reads a minute (each object is
// one read): Graph's limit, not the network, sets the pace of a large
// fetch. It is 0 when there is no limit.
func FetchTime(n int64, limit int) time.Duration {
	if limit <= 0 || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Minute / time.Duration(limit)
}

// window keeps a kind of request under limit per period, the way Graph
// counts: at most limit of them in any period. A limit of 0 or less is no
// limit.
type window struct {
	limit  int
	period time.Duration
	clock  Clock
	stats  *counters

	mu     sync.Mutex
	times  []time.Time // when the last requests went out, oldest first
	firsts int         // takeFirst calls waiting
	until  time.Time   // no request goes out before it (see hold)
}

// hold lets no request of the window go out before t: Graph throttled one
// and asked, with Retry-After, for a wait that the window, which counts
// only this client's requests, did not foresee (another run or another
// tool read keyCredentials in the same minute). The others wait too,
// rather than each be throttled in turn.
func (w *window) hold(t time.Time) {
	if w.limit <= 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if t.After(w.until) {
		w.until = t
	}
}

func newWindow(limit int, period time.Duration, clock Clock, stats *counters) *window {
	return &window{limit: limit, period: period, clock: clock, stats: stats}
}

// takeFirst waits until n more requests fit in the window, and counts
// them; it goes before every take waiting at the same time. List pages
// take first, so that bodies fetched on the side never hold up the
// listing.
func (w *window) takeFirst(ctx context.Context, n int) error { return w.wait(ctx, n, true) }

// take waits until n more requests fit in the window and no takeFirst is
// waiting, and counts them.
func (w *window) take(ctx context.Context, n int) error { return w.wait(ctx, n, false) }

func (w *window) wait(ctx context.Context, n int, first bool) error {
	if w.limit <= 0 {
		return ctx.Err()
	}
	n = min(n, w.limit)
	if first {
		w.mu.Lock()
		w.firsts++
		w.mu.Unlock()
		defer func() {
			w.mu.Lock()
			w.firsts--
			w.mu.Unlock()
		}()
	}
	until, _ := w.clock.(untilSleeper)
	for {
		w.mu.Lock()
		now := w.clock.Now()
		cut := 0
		for cut < len(w.times) && !w.times[cut].After(now.Add(-w.period)) {
			cut++
		}
		w.times = w.times[cut:]
		held := now.Before(w.until)
		if !held && len(w.times)+n <= w.limit && (first || w.firsts == 0) {
			for range n {
				w.times = append(w.times, now)
			}
			w.mu.Unlock()
			return ctx.Err()
		}
		// Wait until enough of the oldest leave the window.
		var wait time.Duration
		if over := len(w.times) + n - w.limit; over > 0 {
			wait = w.times[over-1].Add(w.period).Sub(now)
		}
		if held {
			wait = max(wait, w.until.Sub(now))
		}
		wait = max(wait, time.Millisecond)
		w.mu.Unlock()
		w.stats.waitNanos.Add(int64(wait))
		var err error
		if until != nil {
			err = until.SleepUntil(ctx, now.Add(wait))
		} else {
			err = w.clock.Sleep(ctx, wait)
		}
		if err != nil {
			return err
		}
	}
}

// untilSleeper is a Clock that can wait until an instant. Test clocks
// that move their time on instead of sleeping implement it, so that
// requests waiting at the same time for the same window wake at the same
// instant, as they would on a real clock, rather than each moving the time
// on by its own wait.
type untilSleeper interface {
	SleepUntil(ctx context.Context, t time.Time) error
}
