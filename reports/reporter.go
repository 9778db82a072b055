// Package reports renders one audit.Result in one format. Every format is a
// Reporter in a file of its own, listed once in Formats, which drives the
// -o flag's help, its validation and the dispatch.
//
// Reporters never decide exit codes, never filter or re-sort findings (the
// caller hands them a Result that is already filtered and sorted; only a
// format with a hard size limit, SARIF for code scanning or an HTML page
// for a browser, leaves out the least severe beyond it, and says so), and
// treat every string that came from the tenant or the user's files as
// hostile: it is escaped or neutralised for the format at hand.
package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// SchemaVersion is the version of the JSON report schema
// (docs/json-schema.md). Other structured formats carry it too.
const SchemaVersion = "1"

// Options are what a reporter may need to know beyond the Result.
type Options struct {
	// Color enables ANSI colours (terminal formats only).
	Color bool
	// ToolVersion is appaudit's version, recorded in reports.
	ToolVersion string
	// Width is the width of the terminal in columns, which the table lays
	// out to; 0 means 80.
	Width int
	// Wide lays the table out with no width limit: one line a finding,
	// its whole message included.
	Wide bool
}

// Reporter writes one Result in one format.
type Reporter interface {
	Write(w io.Writer, r *audit.Result) error
}

// Format is one output format.
type Format struct {
	Name        string
	Description string
	// Extension is the usual file extension, without the dot.
	Extension string
	New       func(Options) Reporter
}

// Formats lists every format appaudit writes, in the order help shows them.
func Formats() []Format {
	return []Format{
		{Name: "table", Description: "a table for terminals, worst first", Extension: "txt", New: newTable},
		{Name: "json", Description: "the canonical, versioned JSON report (docs/json-schema.md)", Extension: "json", New: newJSON},
		{Name: "csv", Description: "one row per finding, with a header row, safe to open in a spreadsheet", Extension: "csv", New: newCSV},
		{Name: "markdown", Description: "a summary and a findings table for a pull request comment or a wiki", Extension: "md", New: newMarkdown},
		{Name: "html", Description: "one self-contained page with an expiry timeline, for people and for print", Extension: "html", New: newHTML},
		{Name: "sarif", Description: "SARIF 2.1.0 for code-scanning dashboards", Extension: "sarif", New: newSARIF},
		{Name: "junit", Description: "JUnit XML for CI test reports: a test case per object and check", Extension: "xml", New: newJUnit},
		{Name: "prometheus", Description: "Prometheus text format for the node-exporter textfile collector", Extension: "prom", New: newPrometheus},
	}
}

// Lookup finds a format by name. An unknown name is an error wrapping an
// *audit.ChoiceError.
func Lookup(name string) (Format, error) {
	var names []string
	for _, f := range Formats() {
		if f.Name == name {
			return f, nil
		}
		names = append(names, f.Name)
	}
	return Format{}, fmt.Errorf("reports: %w", &audit.ChoiceError{What: "format", Name: name, Choices: names})
}

// OutputSpec is one -o value: a format, and the file to write it to (empty
// for stdout).
type OutputSpec struct {
	Format Format
	Path   string
	// Wide is Options.Wide for this output (--wide); the command sets it.
	Wide bool
}

// ParseOutputSpec reads "FORMAT" or "FORMAT=FILE". An unknown format is an
// error wrapping an *audit.ChoiceError, and FORMAT= without a file a
// *SpecError.
func ParseOutputSpec(s string) (OutputSpec, error) {
	name, path, hasPath := strings.Cut(s, "=")
	f, err := Lookup(strings.ToLower(strings.TrimSpace(name)))
	if err != nil {
		return OutputSpec{}, err
	}
	if hasPath && strings.TrimSpace(path) == "" {
		return OutputSpec{}, &SpecError{Spec: s, Msg: "names no file",
			Hint: fmt.Sprintf("write %s=report.%s, or %s for stdout", f.Name, f.Extension, f.Name)}
	}
	return OutputSpec{Format: f, Path: path}, nil
}

// SpecError is an output spec ParseOutputSpec cannot use, other than an
// unknown format: what is wrong with it, and what would do.
type SpecError struct {
	Spec string // the spec as given: "json="
	Msg  string // what is wrong, lower case
	Hint string // a spec that would do
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("reports: %s %s (%s)", e.Spec, e.Msg, e.Hint)
}
