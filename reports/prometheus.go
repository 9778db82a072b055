package reports

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// prometheusReporter writes the Prometheus text exposition format, for
// node-exporter's textfile collector: write it with -o prometheus=DIR/appaudit.prom
// (appaudit writes files to a temporary name and renames them, which is
// what the collector asks for) and alert on the gauges:
//
//	appaudit_credential_expiry_days < 14
//	appaudit_findings{severity=~"critical|high"} > 0
//	appaudit_audit_complete == 0
//	time() - appaudit_audit_timestamp_seconds > 2 * 86400
//
// Display names are made plain (plainText) and clipped before they become
// label values, which are then escaped as the format requires.
type prometheusReporter struct{ opts Options }

func newPrometheus(o Options) Reporter { return &prometheusReporter{opts: o} }

// promNameWidth bounds a display name in a label, in runes.
const promNameWidth = 100

type promWriter struct {
	*errWriter
}

func (p promWriter) family(name, typ, help string) {
	p.printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// sample writes one sample; labels are name, value pairs.
func (p promWriter) sample(name string, value float64, labels ...string) {
	p.printf("%s", name)
	if len(labels) > 0 {
		p.printf("{")
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				p.printf(",")
			}
			p.printf("%s=\"%s\"", labels[i], promEscape(labels[i+1]))
		}
		p.printf("}")
	}
	p.printf(" %s\n", strconv.FormatFloat(value, 'f', -1, 64))
}

// promEscape escapes a label value: backslash, double quote and line feed.
func promEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (pr *prometheusReporter) Write(w io.Writer, r *audit.Result) error {
	p := promWriter{&errWriter{w: w}}
	asOf := float64(r.AsOf.Unix())

	p.family("appaudit_info", "gauge", "Always 1; the labels say which appaudit wrote the report, in which schema version, about which tenant.")
	p.sample("appaudit_info", 1, "version", plainText(pr.opts.ToolVersion), "schema_version", SchemaVersion,
		"tenant_id", plainText(r.Source.TenantID), "source", plainText(r.Source.Kind))
	p.family("appaudit_audit_complete", "gauge", "1 when every object of the tenant was read; 0 means the other figures cover only part of it.")
	p.sample("appaudit_audit_complete", boolGauge(r.Complete))
	p.family("appaudit_audit_timestamp_seconds", "gauge", "The time the audit was made as of, in seconds since the Unix epoch.")
	p.sample("appaudit_audit_timestamp_seconds", asOf)

	sum := r.Summary
	p.family("appaudit_objects", "gauge", "Applications and service principals read.")
	p.sample("appaudit_objects", float64(sum.Applications), "kind", string(audit.KindApplication))
	p.sample("appaudit_objects", float64(sum.ServicePrincipals), "kind", string(audit.KindServicePrincipal))
	p.family("appaudit_credentials", "gauge", "Credentials registered on them: key credentials and client secrets.")
	p.sample("appaudit_credentials", float64(sum.KeyCredentials), "kind", "keyCredential")
	p.sample("appaudit_credentials", float64(sum.PasswordCredentials), "kind", "passwordCredential")

	// Findings by check and severity: every check that ran, at every
	// severity, so that an alert resolves when its count falls to 0.
	counts := map[[2]string]int{}
	checks := append([]string(nil), r.ChecksRun...)
	for i := range r.Findings {
		f := &r.Findings[i]
		counts[[2]string{f.Check, f.Severity.String()}]++
		if !slices.Contains(checks, f.Check) {
			checks = append(checks, f.Check)
		}
	}
	p.family("appaudit_findings", "gauge", "Findings in the report by check and severity (after --ignore, --baseline and --min-severity).")
	for _, c := range checks {
		for _, s := range audit.Severities() {
			p.sample("appaudit_findings", float64(counts[[2]string{c, s.String()}]), "check", plainText(c), "severity", s.String())
		}
	}
	p.family("appaudit_findings_withheld", "gauge", "Findings left out of the report, by why.")
	unchanged := 0
	if sum.Baseline != nil {
		unchanged = sum.Baseline.Unchanged
	}
	p.sample("appaudit_findings_withheld", float64(sum.Hidden), "reason", "below_min_severity")
	p.sample("appaudit_findings_withheld", float64(sum.Suppressed), "reason", "suppressed")
	p.sample("appaudit_findings_withheld", float64(unchanged), "reason", "baseline")

	// Per credential: days until its registered end, and the end itself.
	type series struct {
		labels []string
		days   float64
		end    float64
	}
	var creds []series
	seen := map[string]bool{}
	for i := range r.Objects {
		o := &r.Objects[i]
		for _, c := range o.Credentials {
			if c.End == nil {
				continue
			}
			labels := []string{
				"object_kind", string(o.Kind), "app_id", plainText(o.AppID),
				"display_name", clipRunes(plainText(o.DisplayName), promNameWidth),
				"credential_kind", c.Kind, "key_id", plainText(c.KeyID), "usage", plainText(c.Usage),
			}
			// Two samples with the same labels would make the collector
			// reject the whole file: keep the first.
			id := strings.Join(labels, "\x00")
			if seen[id] {
				continue
			}
			seen[id] = true
			creds = append(creds, series{labels: labels, days: roundDays(c.End.Sub(r.AsOf).Hours() / 24), end: float64(c.End.Unix())})
		}
	}
	p.family("appaudit_credential_expiry_days", "gauge", "Days from the audit until the credential's registered end; negative once it has passed.")
	for _, c := range creds {
		p.sample("appaudit_credential_expiry_days", c.days, c.labels...)
	}
	p.family("appaudit_credential_expiry_timestamp_seconds", "gauge", "The credential's registered end, in seconds since the Unix epoch.")
	for _, c := range creds {
		p.sample("appaudit_credential_expiry_timestamp_seconds", c.end, c.labels...)
	}
	return p.err
}

// roundDays keeps two decimals: a quarter of an hour.
func roundDays(d float64) float64 {
	v, _ := strconv.ParseFloat(fmt.Sprintf("%.2f", d), 64)
	return v
}
