package main

import (
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
)

// A fake read: how far it has got at each tick of a clock the test moves.
func fakeStatus(done *int) func() progressStatus {
	return func() progressStatus {
		return progressStatus{Done: count(int64(*done), "page"), Left: time.Duration(10-*done) * time.Minute}
	}
}

// Off a terminal, a line every 30 seconds of the clock, never more often,
// however often the ticker ticks; the first only after 30 seconds, so a
// short read writes nothing.
func TestProgressOffATerminal(t *testing.T) {
	s, _, errOut := testStreams("")
	start := audittest.Now()
	done := 0
	p := newProgress(s, false, "reading Graph", func() time.Time { return start }, fakeStatus(&done))
	var lines []string
	for sec := 0; sec <= 95; sec++ {
		done = sec / 10
		before := errOut.Len()
		p.update(start.Add(time.Duration(sec) * time.Second))
		if errOut.Len() > before {
			lines = append(lines, errOut.String()[before:])
		}
	}
	p.say("a message")
	p.stop()
	want := []string{
		"appaudit: reading Graph: 3 pages, 30s so far, about 7 minutes left\n",
		"appaudit: reading Graph: 6 pages, 1m0s so far, about 4 minutes left\n",
		"appaudit: reading Graph: 9 pages, 1m30s so far, about 1 minute left\n",
	}
	if strings.Join(lines, "") != strings.Join(want, "") {
		t.Errorf("lines %q, want %q", lines, want)
	}
	if !strings.HasSuffix(errOut.String(), "\nappaudit: a message\n") || strings.Contains(errOut.String(), "\r") || strings.Contains(errOut.String(), "\x1b") {
		t.Errorf("stderr %q", errOut.String())
	}
}

// On a terminal the line is rewritten in place at every tick, with the
// time left; a message clears it first, and stop clears it.
func TestProgressOnATerminal(t *testing.T) {
	s, _, errOut := testStreams("")
	s.ErrTTY = true
	start := audittest.Now()
	done := 2
	p := newProgress(s, false, "reading Graph", func() time.Time { return start }, fakeStatus(&done))
	p.update(start.Add(time.Second))
	p.update(start.Add(1500 * time.Millisecond))
	p.say("fetching the certificate bodies")
	p.update(start.Add(3 * time.Second))
	p.stop()
	p.stop()
	line := "\rappaudit: reading Graph: 2 pages, %s so far, about 8 minutes left\x1b[K"
	want := strings.Replace(line, "%s", "1s", 1) + strings.Replace(line, "%s", "2s", 1) +
		"\r\x1b[Kappaudit: fetching the certificate bodies\n" + strings.Replace(line, "%s", "3s", 1) + "\r\x1b[K"
	if errOut.String() != want {
		t.Errorf("stderr\n%q, want\n%q", errOut.String(), want)
	}
}

// --quiet silences the line and the messages, on a terminal or not.
func TestProgressQuiet(t *testing.T) {
	for _, tty := range []bool{false, true} {
		s, _, errOut := testStreams("")
		s.ErrTTY = tty
		start := audittest.Now()
		done := 1
		p := newProgress(s, true, "reading Graph", func() time.Time { return start }, fakeStatus(&done))
		for sec := range 120 {
			p.update(start.Add(time.Duration(sec) * time.Second))
		}
		p.say("a message")
		p.stop()
		if errOut.Len() != 0 {
			t.Errorf("tty %v: stderr %q", tty, errOut.String())
		}
	}
}

func TestAbout(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{59 * time.Second, "under a minute"}, {time.Minute, "about 1 minute"}, {89 * time.Second, "about 1 minute"},
		{14*time.Minute + 40*time.Second, "about 15 minutes"}, {59*time.Minute + 50*time.Second, "about 1h00m"},
		{2*time.Hour + 27*time.Minute, "about 2h27m"},
	} {
		if got := about(tc.d); got != tc.want {
			t.Errorf("about(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// The Graph read's line counts what was read and the bodies fetched, and
// its estimate is Graph's limit; the plan is said only when the fetch
// takes a minute or more.
func TestGraphProgress(t *testing.T) {
	st := graphclient.Stats{Pages: 4, Applications: 2000, ServicePrincipals: 1500, BodiesWanted: 2200, BodiesFetched: 300,
		Retries: 2, Throttled: 1, Waited: 90 * time.Second, Listed: true, BodiesLeft: 1900, KeyReadsPerMinute: 150,
		Left: graphclient.FetchTime(1900, 150)}
	got := graphProgress(st)
	if got.Done != "4 pages, 2,000 applications, 1,500 service principals, certificate bodies 300/2,200, 2 retries, throttled 1 time" ||
		got.Left != st.Left {
		t.Errorf("%+v", got)
	}
	if plan := fetchPlan(st, graphclient.KeyFetchAll); plan != "fetching the certificate bodies of 1,900 objects: about 13 minutes at Graph's limit of 150 keyCredentials reads a minute (--key-fetch needed or none fetch fewer)" {
		t.Errorf("plan %q", plan)
	}
	if plan := fetchPlan(st, graphclient.KeyFetchNeeded); strings.Contains(plan, "--key-fetch") || !strings.HasPrefix(plan, "fetching") {
		t.Errorf("plan %q", plan)
	}
	st.BodiesLeft, st.Left = 100, graphclient.FetchTime(100, 150)
	if plan := fetchPlan(st, graphclient.KeyFetchAll); plan != "" {
		t.Errorf("a fetch of 40 seconds is announced: %q", plan)
	}
}
