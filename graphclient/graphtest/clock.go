package graphtest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/appaudit/appaudit/graphclient"
)

// Clock is a graphclient.Clock for tests that records every wait asked of
// it. NewClock's never sleeps; NewSleepingClock's sleeps, for tests run in
// a testing/synctest bubble.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
	// start is when a sleeping clock was made, by the time package's
	// clock; zero for a clock that never sleeps.
	start time.Time
}

// NewClock is a Clock that starts at now and never sleeps: Sleep moves
// its time on by the wait and records it, so that a read that retries for
// minutes takes milliseconds in a test and says how long it would have
// waited.
//
// Its time is one count that every Sleep moves on, as soon as it is
// called: the waits of concurrent requests add up instead of overlapping,
// and a goroutine that runs ahead of the others (in wall time) can do a
// whole run of retries before another has begun its first wait. Tests of
// concurrent requests whose result depends on what happens at the same
// time (a count of faults shared between them, a timeout) use
// NewSleepingClock in a bubble instead.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// NewSleepingClock is a Clock for a test run in a testing/synctest
// bubble: it starts at now and moves with the bubble's time; Sleep and
// SleepUntil record the wait and sleep it. In a bubble a sleep takes no
// real time, every goroutine due to run earlier runs first, and
// concurrent waits overlap, as on a real clock. Outside a bubble it
// sleeps for real.
func NewSleepingClock(now time.Time) *Clock { return &Clock{now: now, start: time.Now()} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.start.IsZero() {
		return c.now
	}
	return c.now.Add(time.Since(c.start))
}

// Sleep records d and moves the clock on by d (a sleeping clock waits d,
// or until ctx is done), and returns ctx's error.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	if c.start.IsZero() {
		c.now = c.now.Add(d)
		c.mu.Unlock()
		return ctx.Err()
	}
	c.mu.Unlock()
	return graphclient.RealClock{}.Sleep(ctx, d)
}

// SleepUntil moves the clock on to t at once, unless it is there already
// (a sleeping clock waits until t, or until ctx is done), and returns
// ctx's error. Readers that wait together for the same instant (several
// requests held back by Graph's limit on keyCredentials reads) then move
// a clock that never sleeps to that instant once, not once each.
func (c *Clock) SleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	d := max(t.Sub(c.nowLocked()), 0)
	c.slept = append(c.slept, d)
	if c.start.IsZero() {
		if t.After(c.now) {
			c.now = t
		}
		c.mu.Unlock()
		return ctx.Err()
	}
	c.mu.Unlock()
	return graphclient.RealClock{}.Sleep(ctx, d)
}

// Waits returns every wait asked of Sleep and SleepUntil, in order.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.slept)
}
