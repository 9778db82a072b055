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
// field; a test holds the two together. ReadJSON reads it whole; the
// reporter writes it member by member (see jsonReporter.Write), byte for
// byte what encoding/json writes for it, which a test holds.
type Document struct {
	SchemaVersion string `json:"schemaVersion"`
	Tool          string `json:"tool,omitempty"`
	audit.Result
}

type jsonReporter struct{ opts Options }

func newJSON(o Options) Reporter { return &jsonReporter{opts: o} }

// Write streams the Document of r: the findings, the local certificates,
// the warnings and the credential inventory one entry at a time, every
// other member whole. The members come in the order Document and
// audit.Result declare them, each left out when its omitempty tag leaves
// it out; TestJSONStreamsTheDocument holds Write to encoding/json's
// rendering of the whole Document, so a member added to audit.Result and
// not here fails it.
func (j *jsonReporter) Write(w io.Writer, r *audit.Result) error {
	s := newJSONStream(w)
	s.open('{')
	s.field("schemaVersion", SchemaVersion)
	if tool := toolName(j.opts); tool != "" {
		s.field("tool", tool)
	}
	s.field("command", r.Command)
	s.field("asOf", r.AsOf)
	s.field("source", r.Source)
	s.field("policy", r.Policy)
	s.field("complete", r.Complete)
	if r.Incomplete != "" {
		s.field("incompleteReason", r.Incomplete)
	}
	s.field("summary", r.Summary)
	jsonArray(s, "findings", r.Findings)
	if r.Verdict != nil {
		s.field("verdict", r.Verdict)
	}
	if len(r.LocalCertificates) > 0 {
		jsonArray(s, "localCertificates", r.LocalCertificates)
	}
	if len(r.Warnings) > 0 {
		jsonArray(s, "warnings", r.Warnings)
	}
	if len(r.ChecksRun) > 0 {
		jsonArray(s, "checksRun", r.ChecksRun)
	}
	if len(r.Objects) > 0 {
		jsonArray(s, "objects", r.Objects)
	}
	s.close('}')
	return s.end()
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
