package reports

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// sarifReporter writes SARIF 2.1.0 for code-scanning dashboards (GitHub
// code scanning, Azure DevOps, Defender for DevOps): one rule per check,
// one result per finding with a level from its severity and its
// fingerprint as a partial fingerprint, so that a dashboard tracks the
// same problem across nightly runs.
//
// Code scanning wants every result to have a physical location. A finding
// about a deployed mapping row points at that file and line, one about a
// local certificate at that file; the others point at the snapshot file
// the tenant was read from, or, for a live read, at the virtual path
// entra/TENANT/KIND/APPID, and always carry the app as a logical
// location.
type sarifReporter struct{ opts Options }

func newSARIF(o Options) Reporter { return &sarifReporter{opts: o} }

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	// sarifFingerprintKey names appaudit's fingerprint in
	// partialFingerprints; the suffix is its version.
	sarifFingerprintKey = "appauditFingerprint/v1"
	appauditURI         = "https://github.com/appaudit/appaudit"
	// sarifMaxResults is the most results GitHub code scanning accepts in
	// one run: it rejects a file with more. Findings come worst first, so
	// the ones left out are the least severe, and a notification says so.
	sarifMaxResults = 25_000
)

// sarifLog is the document Write streams, member by member in this order.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	Help                 sarifText       `json:"help"`
	HelpURI              string          `json:"helpUri,omitempty"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           sarifRuleProps  `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags"`
	// SecuritySeverity is the score GitHub code scanning ranks security
	// alerts by (over 9.0 critical, 7.0 high, 4.0 medium, else low).
	SecuritySeverity string `json:"security-severity"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	EndTimeUTC          string              `json:"endTimeUtc"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	BaselineState       string            `json:"baselineState,omitempty"`
	Properties          sarifResultProps  `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifResultProps struct {
	Severity string   `json:"severity"`
	AppID    string   `json:"appId,omitempty"`
	KeyID    string   `json:"keyId,omitempty"`
	AADSTS   []string `json:"aadsts,omitempty"`
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s audit.Severity) string {
	switch {
	case s >= audit.SeverityHigh:
		return "error"
	case s == audit.SeverityMedium:
		return "warning"
	}
	return "note"
}

// commandChecks are the catalogue's checks of the command that produced
// the report (all of them when it does not say): a scan's rules are the
// scan checks, not doctor's.
func commandChecks(command string) []audit.Check {
	var out []audit.Check
	for _, c := range audit.Checks() {
		if command == "" || c.Command == command {
			out = append(out, c)
		}
	}
	return out
}

var securitySeverity = map[audit.Severity]string{
	audit.SeverityCritical: "9.5", audit.SeverityHigh: "8.0", audit.SeverityMedium: "5.5",
	audit.SeverityLow: "3.0", audit.SeverityInfo: "1.0",
}

// Write streams the log: the rules and the run's properties whole (a
// finding of a check the catalogue does not know gets a rule of its own,
// so the findings are looked at once before the rules are written), the
// notifications and the results one at a time. TestSARIFStreamsTheLog
// holds it to encoding/json's rendering of the whole sarifLog.
func (s *sarifReporter) Write(w io.Writer, r *audit.Result) error {
	checks := commandChecks(r.Command)
	index := make(map[string]int, len(checks))
	rules := make([]sarifRule, len(checks))
	for i, c := range checks {
		index[c.ID] = i
		help := c.Description + "\n\nWhat to do: " + c.Remediation
		if len(c.AADSTS) > 0 {
			help += "\n\nSign-in errors it causes: " + strings.Join(c.AADSTS, ", ")
		}
		rules[i] = sarifRule{
			ID: c.ID, Name: ruleName(c.ID),
			ShortDescription:     sarifText{c.Title},
			FullDescription:      sarifText{c.Description},
			Help:                 sarifText{help},
			HelpURI:              c.Reference,
			DefaultConfiguration: sarifRuleConfig{sarifLevel(c.Severity)},
			Properties:           sarifRuleProps{Tags: []string{"security", "entra-id", c.Command}, SecuritySeverity: securitySeverity[c.Severity]},
		}
	}
	shown := r.Findings[:min(len(r.Findings), sarifMaxResults)]
	for i := range shown {
		f := &shown[i]
		if _, ok := index[f.Check]; !ok {
			// A check this appaudit does not know (a report from a newer
			// one, re-rendered): give it a rule of its own.
			index[f.Check] = len(rules)
			rules = append(rules, sarifRule{ID: f.Check, Name: ruleName(f.Check), ShortDescription: sarifText{plainText(f.Title())},
				FullDescription: sarifText{plainText(f.Title())}, Help: sarifText{plainText(f.Remediation())},
				DefaultConfiguration: sarifRuleConfig{sarifLevel(f.Severity)},
				Properties:           sarifRuleProps{Tags: []string{"security", "entra-id"}, SecuritySeverity: securitySeverity[f.Severity]}})
		}
	}
	inv := sarifInvocation{ExecutionSuccessful: r.Complete, EndTimeUTC: r.AsOf.UTC().Format(time.RFC3339)}
	if !r.Complete {
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "error",
			Message: sarifText{"audit incomplete: " + plainText(r.Incomplete) + "; the results cover only what was read"}})
	}
	props := map[string]any{"schemaVersion": SchemaVersion, "complete": r.Complete, "asOf": r.AsOf.UTC().Format(time.RFC3339)}
	if left := len(r.Findings) - len(shown); left > 0 {
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "warning",
			Message: sarifText{fmt.Sprintf("%d findings left out: code scanning accepts at most %d results per run, and these are the least severe (raise --min-severity, or use -o json for all)", left, sarifMaxResults)}})
		props["resultsLeftOut"] = left
	}
	if r.Source.TenantID != "" {
		props["tenantId"] = plainText(r.Source.TenantID)
	}

	// The members of sarifLog and sarifRun, in their order.
	js := newJSONStream(w)
	js.open('{')
	js.field("$schema", sarifSchema)
	js.field("version", sarifVersion)
	js.key("runs")
	js.open('[')
	js.next()
	js.open('{')
	js.field("tool", sarifTool{Driver: sarifDriver{Name: "appaudit", Version: s.opts.ToolVersion, InformationURI: appauditURI, Rules: rules}})
	// The members of sarifInvocation: the input's warnings, which may be
	// many, are notifications written one at a time.
	js.key("invocations")
	js.open('[')
	js.next()
	js.open('{')
	js.field("executionSuccessful", inv.ExecutionSuccessful)
	js.field("endTimeUtc", inv.EndTimeUTC)
	if len(inv.Notifications)+len(r.Warnings) > 0 {
		js.key("toolExecutionNotifications")
		js.open('[')
		for i := range inv.Notifications {
			js.element(&inv.Notifications[i])
		}
		for _, warning := range r.Warnings {
			if js.err != nil {
				break
			}
			js.element(sarifNotification{Level: "warning", Message: sarifText{plainText(warning)}})
		}
		js.close(']')
	}
	js.close('}')
	js.close(']')
	js.key("results")
	js.open('[')
	baseline := ""
	if r.Summary.Baseline != nil {
		baseline = "new"
	}
	for i := range shown {
		if js.err != nil {
			break
		}
		js.element(sarifResultOf(r, &shown[i], index[shown[i].Check], baseline))
	}
	js.close(']')
	js.field("properties", props)
	js.close('}')
	js.close(']')
	js.close('}')
	return js.end()
}

// sarifResultOf is the result of finding f, under rule ri.
func sarifResultOf(r *audit.Result, f *audit.Finding, ri int, baseline string) *sarifResult {
	res := &sarifResult{
		RuleID: f.Check, RuleIndex: ri, Level: sarifLevel(f.Severity),
		Message:             sarifText{plainText(f.Message)},
		Locations:           []sarifLocation{sarifLocate(r, f)},
		PartialFingerprints: map[string]string{sarifFingerprintKey: f.Fingerprint},
		BaselineState:       baseline,
		Properties:          sarifResultProps{Severity: f.Severity.String(), AADSTS: f.AADSTS()},
	}
	if f.App != nil {
		res.Properties.AppID = plainText(f.App.AppID)
	}
	if f.Credential != nil {
		res.Properties.KeyID = plainText(f.Credential.KeyID)
	}
	return res
}

// ruleName turns a check ID into the PascalCase name SARIF rules carry:
// cert-expired becomes CertExpired.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// sarifLocate finds the physical and logical location of a finding.
func sarifLocate(r *audit.Result, f *audit.Finding) sarifLocation {
	var loc sarifLocation
	switch {
	case f.Local != nil && f.Local.Source != "":
		file, line := splitSourceLine(f.Local.Source)
		loc.PhysicalLocation.ArtifactLocation.URI = artifactURI(file)
		if line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: line}
		}
	case r.Source.Path != "":
		loc.PhysicalLocation.ArtifactLocation.URI = artifactURI(r.Source.Path)
	default:
		tenant := r.Source.TenantID
		if tenant == "" {
			tenant = "tenant"
		}
		kind, app := "application", ""
		if f.App != nil {
			kind, app = string(f.App.Kind), f.App.AppID
		}
		loc.PhysicalLocation.ArtifactLocation.URI = artifactURI(path.Join("entra", tenant, kind, app))
	}
	if f.App != nil {
		name := plainText(f.App.DisplayName)
		loc.LogicalLocations = []sarifLogical{{Name: name, FullyQualifiedName: string(f.App.Kind) + "/" + plainText(f.App.AppID), Kind: "object"}}
	}
	return loc
}

// splitSourceLine splits "deployed.csv:4" into the file and the line;
// "certs/app.pfx#2" (the second certificate of a file) into the file.
func splitSourceLine(src string) (string, int) {
	if i := strings.LastIndexByte(src, ':'); i > 0 {
		if n, err := strconv.Atoi(src[i+1:]); err == nil && n > 0 {
			return src[:i], n
		}
	}
	if i := strings.LastIndexByte(src, '#'); i > 0 {
		if _, err := strconv.Atoi(src[i+1:]); err == nil {
			return src[:i], 0
		}
	}
	return src, 0
}

// artifactURI writes a file path as a relative URI reference: forward
// slashes, and every byte outside the unreserved set and "/" escaped, so
// that a hostile file name cannot make an absolute or odd URI.
func artifactURI(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~/", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)|0x100, 16)[1:]))
		}
	}
	return b.String()
}
