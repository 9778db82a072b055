package reports

import (
	"bufio"
	"io"
	"math"
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
	w   *bufio.Writer
	buf []byte
}

func (p *promWriter) family(name, typ, help string) {
	p.w.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
}

// labels renders name, value pairs as {name="value",...}, escaped.
func promLabels(pairs ...string) string {
	if len(pairs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(pairs[i])
		b.WriteString(`="`)
		promEscaper.WriteString(&b, pairs[i+1])
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// sample writes one sample with labels rendered by promLabels.
func (p *promWriter) sample(name, labels string, value float64) {
	p.buf = append(p.buf[:0], name...)
	p.buf = append(p.buf, labels...)
	p.buf = append(p.buf, ' ')
	p.buf = strconv.AppendFloat(p.buf, value, 'f', -1, 64)
	p.buf = append(p.buf, '\n')
	p.w.Write(p.buf)
}

// promEscaper escapes a label value: backslash, double quote and line feed.
var promEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (pr *prometheusReporter) Write(w io.Writer, r *audit.Result) error {
	p := &promWriter{w: bufio.NewWriterSize(w, 64<<10)}
	asOf := float64(r.AsOf.Unix())

	p.family("appaudit_info", "gauge", "Always 1; the labels say which appaudit wrote the report, in which schema version, about which tenant.")
	p.sample("appaudit_info", promLabels("version", plainText(pr.opts.ToolVersion), "schema_version", SchemaVersion,
		"tenant_id", plainText(r.Source.TenantID), "source", plainText(r.Source.Kind)), 1)
	p.family("appaudit_audit_complete", "gauge", "1 when every object of the tenant was read; 0 means the other figures cover only part of it.")
	p.sample("appaudit_audit_complete", "", boolGauge(r.Complete))
	p.family("appaudit_audit_timestamp_seconds", "gauge", "The time the audit was made as of, in seconds since the Unix epoch.")
	p.sample("appaudit_audit_timestamp_seconds", "", asOf)

	sum := r.Summary
	p.family("appaudit_objects", "gauge", "Applications and service principals read.")
	p.sample("appaudit_objects", promLabels("kind", string(audit.KindApplication)), float64(sum.Applications))
	p.sample("appaudit_objects", promLabels("kind", string(audit.KindServicePrincipal)), float64(sum.ServicePrincipals))
	p.family("appaudit_credentials", "gauge", "Credentials registered on them: key credentials and client secrets.")
	p.sample("appaudit_credentials", promLabels("kind", "keyCredential"), float64(sum.KeyCredentials))
	p.sample("appaudit_credentials", promLabels("kind", "passwordCredential"), float64(sum.PasswordCredentials))

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
			p.sample("appaudit_findings", promLabels("check", plainText(c), "severity", s.String()), float64(counts[[2]string{c, s.String()}]))
		}
	}
	p.family("appaudit_findings_withheld", "gauge", "Findings left out of the report, by why.")
	unchanged := 0
	if sum.Baseline != nil {
		unchanged = sum.Baseline.Unchanged
	}
	p.sample("appaudit_findings_withheld", promLabels("reason", "below_min_severity"), float64(sum.Hidden))
	p.sample("appaudit_findings_withheld", promLabels("reason", "suppressed"), float64(sum.Suppressed))
	p.sample("appaudit_findings_withheld", promLabels("reason", "baseline"), float64(unchanged))

	// Per credential: days until its registered end, and the end itself.
	type series struct {
		labels    string
		days, end float64
	}
	var creds []series
	seen := map[string]bool{}
	for i := range r.Objects {
		o := &r.Objects[i]
		for _, c := range o.Credentials {
			if c.End == nil {
				continue
			}
			labels := promLabels(
				"object_kind", string(o.Kind), "app_id", plainText(o.AppID),
				"display_name", clipRunes(plainText(o.DisplayName), promNameWidth),
				"credential_kind", c.Kind, "key_id", plainText(c.KeyID), "usage", plainText(c.Usage),
			)
			// Two samples with the same labels would make the collector
			// reject the whole file: keep the first.
			if seen[labels] {
				continue
			}
			seen[labels] = true
			creds = append(creds, series{labels: labels, days: roundDays(c.End.Sub(r.AsOf).Hours() / 24), end: float64(c.End.Unix())})
		}
	}
	p.family("appaudit_credential_expiry_days", "gauge", "Days from the audit until the credential's registered end; negative once it has passed.")
	for _, c := range creds {
		p.sample("appaudit_credential_expiry_days", c.labels, c.days)
	}
	p.family("appaudit_credential_expiry_timestamp_seconds", "gauge", "The credential's registered end, in seconds since the Unix epoch.")
	for _, c := range creds {
		p.sample("appaudit_credential_expiry_timestamp_seconds", c.labels, c.end)
	}
	return p.w.Flush()
}

// roundDays keeps two decimals: a quarter of an hour.
func roundDays(d float64) float64 { return math.Round(d*100) / 100 }
