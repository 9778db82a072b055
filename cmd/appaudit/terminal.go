package main

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// defaultWidth is the width appaudit lays out to when stdout is not a
// terminal and COLUMNS is not set.
const defaultWidth = 80

// width is the width, in columns, that the table report and --help lay
// out to: COLUMNS when it is set to a positive number, else the width of
// the terminal stdout is, else 80.
func (s *streams) width() int {
	if n, err := strconv.Atoi(strings.TrimSpace(s.Getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if s.OutWidth != nil {
		if n := s.OutWidth(); n > 0 {
			return n
		}
	}
	return defaultWidth
}

// terminalWidth is the width of the terminal f is, or 0 when it is not
// one.
func terminalWidth(f *os.File) int {
	if !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}
