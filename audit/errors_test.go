package audit_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/appaudit/appaudit/audit"
)

// An unknown severity is a *ChoiceError that lists the severities, worst
// first, for a command to name its flag and add choices of its own.
func TestParseSeverityError(t *testing.T) {
	for _, name := range []string{"HIGH", " low ", "Critical"} {
		if _, err := audit.ParseSeverity(name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	_, err := audit.ParseSeverity("severe")
	var choice *audit.ChoiceError
	if !errors.As(err, &choice) || choice.What != "severity" || choice.Name != "severe" ||
		!slices.Equal(choice.Choices, []string{"critical", "high", "medium", "low", "info"}) {
		t.Fatalf("error %#v", err)
	}
	if want := `audit: unknown severity "severe" (want one of critical, high, medium, low, info)`; err.Error() != want {
		t.Errorf("error %q\nwant %q", err, want)
	}
}
