package audit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The words findings are written in: dates, counts, certificates, secrets.

// Day renders t's UTC date, as messages give dates: 2006-01-02.
func Day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// daysBetween counts whole days from a to b, rounding toward zero.
func daysBetween(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

// Plural counts n of a regular noun, for every text appaudit writes:
// "1 day", "3 days", "2 retries", "12,000 applications". It is the one
// plural helper: messages, reports and the terminal all count with it.
func Plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	many := one + "s"
	if k := len(one); k >= 2 && one[k-1] == 'y' && !strings.ContainsRune("aeiou", rune(one[k-2])) {
		many = one[:k-1] + "ies"
	}
	return groupDigits(n) + " " + many
}

// groupDigits writes n with a comma between groups of three digits.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	digits := len(strings.TrimPrefix(s, "-"))
	for i := len(s) - 3; digits > 3; i -= 3 {
		s = s[:i] + "," + s[i:]
		digits -= 3
	}
	return s
}

func dayOrUnknown(t time.Time) string {
	if t.IsZero() {
		return "an unknown date"
	}
	return Day(t)
}

func lifetime(start, end time.Time) (int, bool) {
	if start.IsZero() || end.IsZero() || !end.After(start) {
		return 0, false
	}
	return daysBetween(start, end), true
}

func describeCert(c *Certificate, tp Thumbprints) string {
	if c != nil {
		return fmt.Sprintf("certificate %s (%s, valid %s to %s)", describeSubject(c.Subject), tp.Brief(), Day(c.NotBefore), Day(c.NotAfter))
	}
	return "the certificate with " + tp.Brief()
}

func describeSubject(subject string) string {
	if subject == "" {
		return "with no subject"
	}
	return fmt.Sprintf("%q", subject)
}

func describeSecret(pc *PasswordCredential) string {
	if pc.DisplayName != "" {
		return fmt.Sprintf("%q (keyId %s)", pc.DisplayName, pc.KeyID)
	}
	return "keyId " + pc.KeyID
}

func joinRefs(refs []ObjectRef) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}
