package reports

import (
	"bufio"
	"crypto/sha256"
	"io"
	"math"
	"slices"
	"strconv"

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

// promWriter writes samples into a buffer of streamBuffer bytes. The
// first write error is kept, and every write after it does nothing.
type promWriter struct {
	w   *bufio.Writer
	buf []byte
	err error
}

func (p *promWriter) family(name, typ, help string) {
	if p.err == nil {
		_, p.err = p.w.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
	}
}

// appendLabels appends name, value pairs as {name="value",...}, each
// value escaped as the format requires: backslash, double quote and line
// feed. No pairs are no braces.
func appendLabels(b []byte, pairs ...string) []byte {
	if len(pairs) == 0 {
		return b
	}
	b = append(b, '{')
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, pairs[i]...)
		b = append(b, `="`...)
		for _, c := range []byte(pairs[i+1]) {
			switch c {
			case '\\':
				b = append(b, `\\`...)
			case '"':
				b = append(b, `\"`...)
			case '\n':
				b = append(b, `\n`...)
			default:
				b = append(b, c)
			}
		}
		b = append(b, '"')
	}
	return append(b, '}')
}

// sample writes one sample of name with the labels of pairs (see
// appendLabels).
func (p *promWriter) sample(name string, value float64, pairs ...string) {
	p.buf = appendLabels(append(p.buf[:0], name...), pairs...)
	p.line(value)
}

// sampleLabelled writes one sample of name with labels already rendered
// by appendLabels.
func (p *promWriter) sampleLabelled(name string, labels []byte, value float64) {
	p.buf = append(append(p.buf[:0], name...), labels...)
	p.line(value)
}

// line ends the sample in p.buf with its value and writes it.
func (p *promWriter) line(value float64) {
	p.buf = append(p.buf, ' ')
	p.buf = strconv.AppendFloat(p.buf, value, 'f', -1, 64)
	p.buf = append(p.buf, '\n')
	if p.err == nil {
		_, p.err = p.w.Write(p.buf)
	}
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (pr *prometheusReporter) Write(w io.Writer, r *audit.Result) error {
	p := &promWriter{w: bufio.NewWriterSize(w, streamBuffer)}
	asOf := float64(r.AsOf.Unix())

	p.family("appaudit_info", "gauge", "Always 1; the labels say which appaudit wrote the report, in which schema version, about which tenant.")
	p.sample("appaudit_info", 1, "version", plainText(pr.opts.ToolVersion), "schema_version", SchemaVersion,
		"tenant_id", plainText(r.Source.TenantID), "source", plainText(r.Source.Kind))
	// The first family goes out at once, so that a writer that fails is
	// found before the findings are counted and the series indexed.
	if p.err == nil {
		p.err = p.w.Flush()
	}
	if p.err != nil {
		return p.err
	}
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

	// Per credential: days until its registered end, and the end itself,
	// in two families, so the credentials are walked twice.
	series := promCredentials{r: r}
	p.family("appaudit_credential_expiry_days", "gauge", "Days from the audit until the credential's registered end; negative once it has passed.")
	series.each(func(labels []byte, c *audit.CredentialStatus) bool {
		p.sampleLabelled("appaudit_credential_expiry_days", labels, roundDays(c.End.Sub(r.AsOf).Hours()/24))
		return p.err == nil
	})
	p.family("appaudit_credential_expiry_timestamp_seconds", "gauge", "The credential's registered end, in seconds since the Unix epoch.")
	series.each(func(labels []byte, c *audit.CredentialStatus) bool {
		p.sampleLabelled("appaudit_credential_expiry_timestamp_seconds", labels, float64(c.End.Unix()))
		return p.err == nil
	})
	if p.err != nil {
		return p.err
	}
	return p.w.Flush()
}

// promCredentials are the credential series of a Result: one per
// credential with an end date in the credential inventory, labelled with
// its object and itself.
type promCredentials struct {
	r *audit.Result
	// dup marks, by the credential's position in the inventory, the
	// series the first walk found to repeat the labels of an earlier
	// one; nil before it.
	dup []bool
	// labels is the series being handed.
	labels []byte
}

// each hands every series to yield, with its labels, until yield returns
// false. Two samples with the same labels would make the collector
// reject the whole file, so only the first of them is handed: the first
// walk finds the others by a digest of their labels, 16 bytes a series
// rather than the labels themselves (SHA-256, so that no name can be
// chosen to make another credential's series disappear), and marks them
// for the walks after it.
func (pc *promCredentials) each(yield func(labels []byte, c *audit.CredentialStatus) bool) {
	var seen map[[16]byte]struct{}
	if pc.dup == nil {
		n := 0
		for i := range pc.r.Objects {
			n += len(pc.r.Objects[i].Credentials)
		}
		pc.dup = make([]bool, n)
		seen = make(map[[16]byte]struct{}, n)
	}
	pos := -1
	for i := range pc.r.Objects {
		o := &pc.r.Objects[i]
		for j := range o.Credentials {
			pos++
			c := &o.Credentials[j]
			if c.End.IsZero() || pc.dup[pos] {
				continue
			}
			pc.labels = appendLabels(pc.labels[:0],
				"object_kind", string(o.Kind), "app_id", plainText(o.AppID),
				"display_name", clipRunes(plainText(o.DisplayName), promNameWidth),
				"credential_kind", c.Kind, "key_id", plainText(c.KeyID), "usage", plainText(c.Usage),
			)
			if seen != nil {
				sum := sha256.Sum256(pc.labels)
				key := [16]byte(sum[:16])
				if _, ok := seen[key]; ok {
					pc.dup[pos] = true
					continue
				}
				seen[key] = struct{}{}
			}
			if !yield(pc.labels, c) {
				return
			}
		}
	}
}

// roundDays keeps two decimals: a quarter of an hour.
func roundDays(d float64) float64 { return math.Round(d*100) / 100 }
