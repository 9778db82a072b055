package reports

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// plainText makes a string that came from the tenant or the user's files
// safe to print on a terminal or in any line-oriented text format: control
// characters (ANSI escape sequences start with one), line breaks, and the
// invisible format characters that reorder or hide text (right-to-left
// overrides, zero-width spaces) are replaced by a visible \uXXXX escape, so
// that a hostile display name can neither move the cursor, recolour the
// terminal, forge a line, nor read backwards. Invalid UTF-8 becomes U+FFFD.
// The zero-width joiner is kept: emoji sequences are made of it.
func plainText(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			return slowPlain(s[i:])
		}
	}
	return true
}

// slowPlain reports whether s, which starts with a non-ASCII or control
// byte, is nevertheless safe as it is. isPlain passes it the rest of the
// string from that byte: what comes before is printable ASCII.
func slowPlain(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return false
		}
		i += size
	}
	return true
}

func unsafeRune(r rune) bool {
	if r == '\u200d' {
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// clipRunes shortens s to at most n runes, marking the cut with an ellipsis.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return clipAt(s, n-1) + "…"
}

// clipAt is the prefix of s holding its first n runes.
func clipAt(s string, n int) string {
	count := 0
	for i := range s {
		if count == n {
			return s[:i]
		}
		count++
	}
	return s
}

// PlainText is what the text formats do to a name before they print it,
// for the messages a command writes on a terminal itself: errors and
// warnings quote names from the tenant, file names and Graph's own error
// text, and must be no more able than a report to move the cursor, forge
// a line or read backwards. It is clipped to at most max runes; 0 keeps
// it whole.
func PlainText(s string, max int) string {
	s = plainText(s)
	if max > 0 {
		s = clipRunes(s, max)
	}
	return s
}
