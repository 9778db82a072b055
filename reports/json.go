package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// Document is the JSON report: a Result with the schema version and the
// version of appaudit that wrote it. docs/json-schema.md documents every
// field; a test holds the two together.
type Document struct {
	SchemaVersion string `json:"schemaVersion"`
	Tool          string `json:"tool,omitempty"`
	audit.Result
}

type jsonReporter struct{ opts Options }

func newJSON(o Options) Reporter { return &jsonReporter{opts: o} }

func (j *jsonReporter) Write(w io.Writer, r *audit.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Document{SchemaVersion: SchemaVersion, Tool: toolName(j.opts), Result: *r})
}

// ReadJSON reads a JSON report written by any appaudit of the same schema
// major version back into a Result, so that it can be rendered again or
// used as a baseline. name is used in error messages.
func ReadJSON(rd io.Reader, name string) (*audit.Result, error) {
	var doc Document
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&doc); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("reports: %s: not a JSON report: %v at byte %d (was it written with -o json?)", name, err, syn.Offset)
		}
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reports: %s: empty file (write a report with -o json=FILE)", name)
		}
		return nil, fmt.Errorf("reports: %s: not an appaudit JSON report: %v", name, err)
	}
	if doc.SchemaVersion == "" {
		return nil, fmt.Errorf("reports: %s: no schemaVersion: not an appaudit JSON report (write one with -o json=FILE)", name)
	}
	if major, _, _ := strings.Cut(doc.SchemaVersion, "."); major != SchemaVersion {
		return nil, fmt.Errorf("reports: %s: schema version %q, but this appaudit reads version %s reports", name, doc.SchemaVersion, SchemaVersion)
	}
	r := doc.Result
	for i := range r.Findings {
		// A finding without a severity cannot be rendered, nor counted
		// toward --fail-on: the file was not written by appaudit as it is.
		if f := &r.Findings[i]; !f.Severity.Valid() {
			return nil, fmt.Errorf("reports: %s: findings[%d] (check %q) has no severity (was the report edited? write one with -o json=FILE)", name, i, clipRunes(f.Check, 60))
		}
	}
	if r.Findings == nil {
		r.Findings = []audit.Finding{}
	}
	return &r, nil
}
