package main

import (
	"fmt"
	"io"
	"os"

	"github.com/appaudit/appaudit/reports"
)

// streams is where a command reads and writes, and what it knows about the
// terminal. Tests build one over buffers with testStreams.
//
// The rule for stderr: errors and warnings, one line each, prefixed
// "appaudit: "; unless --quiet is given, the progress of a long read
// (progress.go): a line rewritten in place on a terminal, a line every 30
// seconds off one, and a line saying how long a long fetch will take;
// and, when every report goes to a file, a line that says what was found
// and where the reports are, and one that says why the command exits as
// it does. With --quiet, errors only. Reports go to stdout or to files,
// never to stderr.
type streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	OutTTY bool
	ErrTTY bool
	// OutWidth is the width of the terminal stdout is, in columns; nil
	// or 0 when it is not a terminal (see width).
	OutWidth func() int
	// Getenv reads the environment (so tests can give their own).
	Getenv func(string) string
	// live is nil but in tests: see liveHooks.
	live *liveHooks
}

// maxMessage bounds one message on stderr, in runes: none of appaudit's
// own is half as long, but one may quote a name, a file or Graph's error
// text, and those are the tenant's or the file system's to choose.
const maxMessage = 2000

// say writes one message on stderr: "appaudit: " and msg, on one line,
// with what could take over the terminal shown escaped (reports.PlainText).
func (s *streams) say(msg string) {
	fmt.Fprintf(s.ErrOut, "appaudit: %s\n", reports.PlainText(msg, maxMessage))
}

// warn writes each warning on stderr.
func (s *streams) warn(warnings []string) {
	for _, w := range warnings {
		s.say("warning: " + w)
	}
}

func systemStreams() *streams {
	return &streams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr),
		OutWidth: func() int { return terminalWidth(os.Stdout) },
		Getenv:   os.Getenv,
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// colorOK says whether colour may be used on stdout: a terminal, NO_COLOR
// unset (https://no-color.org), and TERM not "dumb".
func (s *streams) colorOK() bool {
	return s.OutTTY && s.Getenv("NO_COLOR") == "" && s.Getenv("TERM") != "dumb"
}
