package audit_test

import (
	"testing"

	"github.com/appaudit/appaudit/audit"
)

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		one  string
		want string
	}{
		{1, "day", "1 day"},
		{0, "finding", "0 findings"},
		{2, "day", "2 days"},
		{2, "key", "2 keys"},
		{2, "retry", "2 retries"},
		{3, "--ignore entry", "3 --ignore entries"},
		{999, "page", "999 pages"},
		{1000, "application", "1,000 applications"},
		{1234567, "object", "1,234,567 objects"},
		{-1500, "day", "-1,500 days"},
		{-12, "day", "-12 days"},
	} {
		if got := audit.Plural(tc.n, tc.one); got != tc.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tc.n, tc.one, got, tc.want)
		}
	}
}
