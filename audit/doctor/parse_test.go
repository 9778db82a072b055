package doctor

import (
	"strings"
	"testing"
)

func TestParseCloud(t *testing.T) {
	for in, want := range map[string]string{"public": "public", "AzureCloud": "public", "AzureUSGovernment": "usgov", "usgov": "usgov",
		"usgovdod": "usgovdod", "china": "china", " AzureChinaCloud ": "china"} {
		if got, err := ParseCloud(in); err != nil || got != want {
			t.Errorf("ParseCloud(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseCloud("mars"); err == nil || !strings.Contains(err.Error(), `doctor: unknown cloud "mars" (want one of public, usgov, usgovdod, china)`) {
		t.Errorf("error %v", err)
	}
}
