package audit

import (
	"fmt"
	"strings"
)

// Severity orders findings. The zero value is not a valid severity.
type Severity int

// Severities from least to most severe. A credential that makes a sign-in
// fail now is at least High.
const (
	SeverityInfo Severity = iota + 1
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{
	SeverityInfo:     "info",
	SeverityLow:      "low",
	SeverityMedium:   "medium",
	SeverityHigh:     "high",
	SeverityCritical: "critical",
}

// Severities lists every valid severity, most severe first.
func Severities() []Severity {
	return []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}
}

// Valid reports whether s is one of the defined severities.
func (s Severity) Valid() bool { return s >= SeverityInfo && s <= SeverityCritical }

func (s Severity) String() string {
	if !s.Valid() {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name, case-insensitively. An unknown name
// is an error wrapping a *ChoiceError.
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for s := SeverityInfo; s <= SeverityCritical; s++ {
		if severityNames[s] == n {
			return s, nil
		}
	}
	choices := make([]string, 0, len(severityNames))
	for _, s := range Severities() {
		choices = append(choices, s.String())
	}
	return 0, fmt.Errorf("audit: %w", &ChoiceError{What: "severity", Name: name, Choices: choices})
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("audit: cannot encode invalid severity %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
