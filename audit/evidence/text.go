package evidence

import (
	"errors"
	"fmt"
	"strings"
)

// ErrEmpty is wrapped by the error for a request or an error text with
// nothing but white space in it.
var ErrEmpty = errors.New("empty")

// evidenceText is evidence as text, without a byte order mark and the
// white space around it; what names it in errors.
func evidenceText(b []byte, limit int, what string) (string, error) {
	if len(b) > limit {
		return "", fmt.Errorf("the %s is %d bytes long, more than the %d KiB appaudit reads", what, len(b), limit>>10)
	}
	text := strings.TrimSpace(strings.TrimPrefix(string(b), "\ufeff"))
	if text == "" {
		return "", fmt.Errorf("the %s is %w", what, ErrEmpty)
	}
	return text, nil
}

// Clip shortens s to at most n runes for a message, marking the cut
// with an ellipsis.
func Clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
