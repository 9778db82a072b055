package graphtest

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is a graphclient.Clock that never sleeps: Sleep moves its time on
// by the wait and records it, so that a read that retries for minutes
// takes milliseconds in a test and says how long it would have waited.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

// NewClock is a Clock that starts at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the clock on by d at once, and returns ctx's error.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	c.mu.Unlock()
	return ctx.Err()
}

// SleepUntil moves the clock on to t at once, unless it is there already,
// and returns ctx's error. Readers that wait together for the same instant
// (several requests held back by Graph's limit on keyCredentials reads)
// then move the clock to that instant once, not once each.
func (c *Clock) SleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	c.slept = append(c.slept, max(t.Sub(c.now), 0))
	if t.After(c.now) {
		c.now = t
	}
	c.mu.Unlock()
	return ctx.Err()
}

// Waits returns every wait asked of Sleep and SleepUntil, in order.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.slept)
}
