package graphclient

import (
	"context"
	"testing"
	"time"
)

// Once Graph has asked for a wait, no request of the window goes out
// before it ends, list pages included, though the window itself has room.
func TestWindowHold(t *testing.T) {
	start := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	clock := &stepClock{now: start}
	w := newWindow(10, time.Minute, clock, &counters{})
	ctx := context.Background()
	if err := w.take(ctx, 3); err != nil || !clock.now.Equal(start) {
		t.Fatalf("%v: a window with room waited until %v", err, clock.now)
	}
	w.hold(start.Add(30 * time.Second))
	w.hold(start.Add(10 * time.Second)) // an earlier end does not shorten it
	if err := w.takeFirst(ctx, 1); err != nil || clock.now.Sub(start) != 30*time.Second {
		t.Errorf("%v: a list page went out %v after the hold began, want 30s", err, clock.now.Sub(start))
	}
	if err := w.take(ctx, 6); err != nil || clock.now.Sub(start) != 30*time.Second {
		t.Errorf("%v: after the hold, a request with room waited until %v", err, clock.now.Sub(start))
	}
	// The window still counts: 10 taken, the 11th waits for the first 3 to
	// leave it, a minute after they went.
	if err := w.take(ctx, 1); err != nil || clock.now.Sub(start) != time.Minute {
		t.Errorf("%v: the 11th read went out %v after the first, want 1m0s", err, clock.now.Sub(start))
	}
	// Without a limit there is nothing to hold.
	free := newWindow(0, time.Minute, clock, &counters{})
	free.hold(clock.now.Add(time.Hour))
	before := clock.now
	if err := free.take(ctx, 100); err != nil || !clock.now.Equal(before) {
		t.Errorf("%v: a window without a limit waited", err)
	}
}
