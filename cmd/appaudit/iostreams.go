package main

import (
	"bytes"
	"io"
	"os"
	"strings"
)

// streams is where a command reads and writes, and what it knows about the
// terminal. Tests build one over buffers with testStreams.
//
// The rule for stderr: errors and warnings only, one line each, prefixed
// "appaudit: "; a progress line only when stderr is a terminal and --quiet
// is not given. Reports go to stdout or to files, never to stderr.
type streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	OutTTY bool
	ErrTTY bool
	// Getenv reads the environment (so tests can give their own).
	Getenv func(string) string
	// live is nil but in tests: see liveHooks.
	live *liveHooks
}

func systemStreams() *streams {
	return &streams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr),
		Getenv: os.Getenv,
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

// testStreams are streams over buffers, with an environment from env
// ("KEY=value" strings) and no terminal.
func testStreams(stdin string, env ...string) (*streams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	return &streams{
		In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut,
		Getenv: func(k string) string { return vars[k] },
	}, &out, &errOut
}
