package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

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
	// The first member goes out at once, so that a writer that fails is
	// found before anything else is rendered.
	s.flush(true)
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
	// Each finding as its wire form (Finding.MarshalJSON), written by
	// jsonwrite.go.
	jsonElements(s, "findings", r.Findings, findingElement)
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
		jsonElements(s, "objects", r.Objects, objectElement)
	}
	s.close('}')
	return s.end()
}

// ReadJSON reads a JSON report written by any appaudit of the same schema
// major version back into a Result, so that it can be rendered again or
// used as a baseline. name is used in error messages. Anything else is a
// *ReadError that says what the file is instead, when it can tell: another
// report format, an appaudit report of another schema version, a snapshot,
// a Graph page or a SARIF file.
func ReadJSON(rd io.Reader, name string) (*audit.Result, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, &ReadError{Name: name, Msg: "cannot read", Err: err}
	}
	var doc Document
	if err := json.Unmarshal(data, &doc); err != nil || doc.SchemaVersion == "" {
		return nil, notReport(name, data, err)
	}
	if msg, hint, other := otherVersion(doc.SchemaVersion, doc.Tool); other {
		return nil, &ReadError{Name: name, Msg: msg, Hint: hint}
	}
	r := doc.Result
	for i := range r.Findings {
		// A finding without a severity cannot be rendered, nor counted
		// toward --fail-on: the file was not written by appaudit as it is.
		if f := &r.Findings[i]; !f.Severity.Valid() {
			return nil, &ReadError{Name: name, Msg: fmt.Sprintf("findings[%d] (check %q) has no severity", i, clipRunes(f.Check, 60)),
				Hint: "was the report edited? write one with -o json=FILE"}
		}
	}
	if r.Findings == nil {
		r.Findings = []audit.Finding{}
	}
	return &r, nil
}

// ReadError is a file ReadJSON cannot read as a report: what it is
// instead, or what is wrong with it (Msg), and what to do (Hint).
type ReadError struct {
	Name string // the file, as given to ReadJSON
	Msg  string // what the file is, or what is wrong with it; lower case
	Hint string // what to do about it; may be empty
	Err  error  // the error reading or decoding it, if any
}

func (e *ReadError) Error() string {
	s := "reports: " + e.Name + ": " + e.Msg
	if e.Err != nil && e.Msg == "cannot read" {
		s += ": " + e.Err.Error()
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *ReadError) Unwrap() error { return e.Err }

// notReport says what data is, given that it is not an appaudit JSON
// report (err is why json.Unmarshal refused it, or nil when it has no
// schemaVersion).
func notReport(name string, data []byte, err error) *ReadError {
	e := &ReadError{Name: name, Hint: hintWriteReport, Err: err}
	trimmed := bytes.TrimSpace(data)
	var syn *json.SyntaxError
	switch {
	case len(trimmed) == 0:
		e.Msg, e.Hint = "empty file", "write a report with -o json=FILE"
	case otherFormat(trimmed) != "":
		e.Msg = otherFormat(trimmed) + ", not the JSON report"
		e.Hint = hintWriteReport + ", and write every other format from it"
	case trimmed[0] == '[':
		e.Msg = "a JSON array, such as az ad app list prints, not a report"
		e.Hint = hintSnapshot
	case errors.As(err, &syn):
		e.Msg = fmt.Sprintf("not JSON: %v at byte %d", syn, syn.Offset)
	case trimmed[0] == '{':
		e.Msg, e.Hint = jsonObjectKind(trimmed, err)
	default:
		e.Msg = "not an appaudit JSON report"
	}
	return e
}

// The hints for a file that is not a JSON report.
const (
	hintWriteReport = "report --from and --baseline read the report written with -o json=FILE"
	hintSnapshot    = "scan --snapshot reads it; " + hintWriteReport
)

// otherFormat names the appaudit report format data is in, by how each
// format starts, or "".
func otherFormat(data []byte) string {
	for _, f := range []struct{ start, name string }{
		{"<!DOCTYPE html", "an HTML report"}, {"<html", "an HTML report"},
		{"<?xml", "an XML file (a JUnit report?)"}, {"<testsuites", "a JUnit report"},
		{"<!-- appaudit", "a Markdown report"}, {"# HELP appaudit_", "a Prometheus report"},
		{"appaudit: ", "a table report"}, {"severity,check,", "a CSV report"},
	} {
		if bytes.HasPrefix(data, []byte(f.start)) {
			return f.name
		}
	}
	return ""
}

// present records whether a member is there, without keeping its value.
type present bool

func (p *present) UnmarshalJSON([]byte) error { *p = true; return nil }

// jsonObjectKind says what a JSON object that is not an appaudit report
// is (a snapshot, a Graph page, a SARIF file), and what to do; err is why
// it did not decode as a report (a member of the wrong type), or nil.
func jsonObjectKind(data []byte, err error) (msg, hint string) {
	var probe struct {
		SchemaVersion string  `json:"schemaVersion"`
		Tool          string  `json:"tool"`
		Snapshot      present `json:"appauditSnapshot"`
		Value         present `json:"value"`
		Schema        string  `json:"$schema"`
		Version       string  `json:"version"`
		Runs          present `json:"runs"`
	}
	if json.Unmarshal(data, &probe) != nil {
		probe.SchemaVersion = ""
	}
	if msg, hint, other := otherVersion(probe.SchemaVersion, probe.Tool); other && probe.SchemaVersion != "" {
		return msg, hint
	}
	var typ *json.UnmarshalTypeError
	switch {
	case bool(probe.Snapshot):
		return "an appaudit snapshot, not a report", hintSnapshot
	case bool(probe.Runs) && (strings.Contains(strings.ToLower(probe.Schema), "sarif") || probe.Version == "2.1.0"):
		return "a SARIF file, not the JSON report", hintWriteReport + ", and write SARIF from it"
	case bool(probe.Value):
		return `a Graph page {"value": [...]}, not a report`, hintSnapshot
	case probe.SchemaVersion == "":
		return "a JSON object without schemaVersion, not an appaudit JSON report", hintWriteReport
	case errors.As(err, &typ):
		return fmt.Sprintf("not an appaudit JSON report: %s holds a JSON %s where a report has %s", memberPath(typ.Field), typ.Value, typ.Type), "was the report edited? write one with -o json=FILE"
	}
	return "not an appaudit JSON report: " + err.Error(), "was the report edited? write one with -o json=FILE"
}

// memberPath is the JSON member path of an UnmarshalTypeError's Field,
// which also names the Go structs embedded on the way (Result): the
// report's members are camelCase, those are not.
func memberPath(field string) string {
	var path []string
	for _, name := range strings.Split(field, ".") {
		if name != "" && !unicode.IsUpper([]rune(name)[0]) {
			path = append(path, name)
		}
	}
	return strings.Join(path, ".")
}

// otherVersion says so when a report's schema version is of another
// major version than this appaudit reads, naming the appaudit that wrote
// it when the report says.
func otherVersion(version, tool string) (msg, hint string, other bool) {
	if major, _, _ := strings.Cut(version, "."); major == SchemaVersion {
		return "", "", false
	}
	msg = fmt.Sprintf("an appaudit report of schema version %s, but this appaudit reads version %s reports", clipRunes(version, 20), SchemaVersion)
	hint = "render it with the appaudit that wrote it, or write the report again with this one"
	if tool != "" {
		hint = "it was written by " + clipRunes(tool, 60) + "; " + hint
	}
	return msg, hint, true
}
