package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/appaudit/appaudit/reports"
)

// progressStatus is how far one long read has got: what it has read so
// far, for people ("3 pages, 2,000 applications"), and, when it can tell,
// about how long it has still to run.
type progressStatus struct {
	Done string
	// Left is the estimated time left, 0 when not known.
	Left time.Duration
}

// progressEvery is how often a progress line is written off a terminal,
// where each one is a line of a log: often enough that a scheduled run
// is seen to be alive, rarely enough not to fill the log.
const progressEvery = 30 * time.Second

// progress reports how far a long read (Graph, and any other source that
// takes minutes: sign-in logs, Key Vault) has got, on stderr: on a
// terminal one line rewritten in place, with the time spent and the
// estimated time left; off a terminal the same line every progressEvery,
// never more often; nothing at all with --quiet. Messages written during
// the read go through say, so that they do not break the line.
//
// Its state changes only in update, say and stop, which take the time as
// an argument or from now: tests drive it with a clock of their own.
type progress struct {
	w      io.Writer
	tty    bool
	quiet  bool
	task   string // "reading Graph"
	status func() progressStatus
	now    func() time.Time

	mu     sync.Mutex
	start  time.Time
	last   time.Time // the last line off a terminal, start before the first
	drawn  bool      // a line is on the terminal
	ticker func()    // stops the ticking goroutine; nil when none runs
}

// newProgress makes a progress report of task on s's stderr, from now.
// It writes nothing until update is called.
func newProgress(s *streams, quiet bool, task string, now func() time.Time, status func() progressStatus) *progress {
	t := now()
	return &progress{w: s.ErrOut, tty: s.ErrTTY, quiet: quiet, task: task, status: status, now: now, start: t, last: t}
}

// startProgress reports task's progress until stop, ticking on the real
// clock: five times a second on a terminal, once a second off one (a line
// is written only every progressEvery there).
func startProgress(s *streams, quiet bool, task string, status func() progressStatus) *progress {
	p := newProgress(s, quiet, task, time.Now, status)
	if quiet {
		return p
	}
	tick := time.Second
	if p.tty {
		tick = 200 * time.Millisecond
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p.update(p.now())
			}
		}
	})
	p.ticker = func() { close(done); wg.Wait() }
	return p
}

// update writes the progress line if it is time to: on a terminal every
// time, off a terminal when progressEvery has passed since the last one.
func (p *progress) update(now time.Time) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty && now.Sub(p.last) < progressEvery {
		return
	}
	line := p.line(now, p.status())
	if p.tty {
		fmt.Fprint(p.w, "\r"+reports.PlainText(line, maxMessage)+"\x1b[K")
		p.drawn = true
		return
	}
	fmt.Fprintf(p.w, "%s\n", reports.PlainText(line, maxMessage))
	p.last = now
}

// line is the progress line: "appaudit: reading Graph: 3 pages, ...,
// 2m0s so far, about 13 minutes left".
func (p *progress) line(now time.Time, st progressStatus) string {
	parts := []string{}
	if st.Done != "" {
		parts = append(parts, st.Done)
	}
	parts = append(parts, now.Sub(p.start).Round(time.Second).String()+" so far")
	if st.Left > 0 {
		parts = append(parts, about(st.Left)+" left")
	}
	return "appaudit: " + p.task + ": " + strings.Join(parts, ", ")
}

// say writes a message as streams.say does, first clearing the progress
// line from the terminal (the next update draws it again); with --quiet
// it writes nothing.
func (p *progress) say(msg string) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	fmt.Fprintf(p.w, "appaudit: %s\n", reports.PlainText(msg, maxMessage))
}

// stop stops the ticking and clears the line from the terminal.
func (p *progress) stop() {
	if p.ticker != nil {
		p.ticker()
		p.ticker = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// about is a duration for people: "under a minute", "about 1 minute",
// "about 14 minutes", "about 2h27m".
func about(d time.Duration) string {
	if d < time.Minute {
		return "under a minute"
	}
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h > 0:
		return fmt.Sprintf("about %dh%02dm", h, m)
	case m == 1:
		return "about 1 minute"
	}
	return fmt.Sprintf("about %d minutes", m)
}
