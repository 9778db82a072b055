package audit

import (
	"fmt"
	"strings"
)

// ChoiceError is a name that is not one of a fixed list: a severity, and
// in other packages a report format, a sign-in mode, a cloud. It carries
// the list, so that a command can name the flag the name came from and
// add choices of its own ("none"). Its message names no package: each
// package that returns one wraps it with its own prefix.
type ChoiceError struct {
	What    string   // what the name is a name of: "severity", "format"
	Name    string   // the name as given
	Choices []string // the names that are known, in the order to show them
}

func (e *ChoiceError) Error() string {
	return fmt.Sprintf("unknown %s %q (want one of %s)", e.What, e.Name, strings.Join(e.Choices, ", "))
}

// BaselineError is a baseline report Result.Baseline refuses: a report on
// another tenant than the audit's.
type BaselineError struct {
	Report       string // the baseline report's name, as given to Baseline
	ReportTenant string // the tenant the baseline report is about
	Tenant       string // the tenant of the audit
}

func (e *BaselineError) Error() string {
	return fmt.Sprintf("audit: the baseline %s is a report on tenant %s, not on %s (give a report of the same tenant)", e.Report, e.ReportTenant, e.Tenant)
}
