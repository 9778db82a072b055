package audit

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Result is one audit: what was read, under which policy, as of when, the
// findings, and whether the data behind it was complete. Reports render a
// Result; the JSON report is a Result plus a schema version, and reads back
// into one. Its JSON tags are part of the report schema.
type Result struct {
	// Command is the command that produced the Result: scan, doctor or
	// preflight.
	Command string    `json:"command"`
	AsOf    time.Time `json:"asOf"`
	Source  Source    `json:"source"`
	Policy  Policy    `json:"policy"`

	// Complete is false when any object could not be read; Incomplete then
	// says where reading stopped. An incomplete Result never counts as clean.
	Complete   bool   `json:"complete"`
	Incomplete string `json:"incompleteReason,omitempty"`

	Summary  Summary   `json:"summary"`
	Findings []Finding `json:"findings"`
	// Verdict is the conclusion of doctor and preflight; nil for scan.
	Verdict *Verdict `json:"verdict,omitempty"`
	// LocalCertificates says, for every local certificate read, where the
	// tenant has it registered: the answer to "is this cert registered
	// anywhere?".
	LocalCertificates []LocalCertStatus `json:"localCertificates,omitempty"`
	Warnings          []string          `json:"warnings,omitempty"`

	// ChecksRun lists the checks the audit ran and Objects the objects
	// that hold credentials, with those credentials (coverage.go): what
	// reports need for expiry timelines and for checks that passed.
	ChecksRun []string        `json:"checksRun,omitempty"`
	Objects   []AuditedObject `json:"objects,omitempty"`
}

// NewResult starts the Result of command on tenant t as of now under
// policy p, with no findings yet: Source and Complete are t's, and
// Incomplete says why t is incomplete even when t does not. A nil t is no
// tenant at all: Source kind "none", and Complete.
func NewResult(command string, t *Tenant, p Policy, now time.Time) *Result {
	r := &Result{Command: command, AsOf: now.UTC(), Policy: p, Complete: true, Findings: []Finding{}}
	if t == nil {
		r.Source = Source{Kind: "none"}
		return r
	}
	r.setTenant(t)
	return r
}

// setTenant takes the Source and completeness of tenant t, once it has
// been read: Incomplete says why t is incomplete even when t does not.
func (r *Result) setTenant(t *Tenant) {
	r.Source = Source{TenantID: t.TenantID, Cloud: t.Cloud, TakenAt: t.TakenAt}
	r.Complete, r.Incomplete = t.Complete, t.IncompleteReason
	if !t.Complete && r.Incomplete == "" {
		r.Incomplete = "the tenant data is marked incomplete"
	}
}

// MarkIncomplete makes r incomplete for reason why, given after the
// reasons already known: part of what the audit holds against the tenant
// (a vault, the usage evidence) was not read whole.
func (r *Result) MarkIncomplete(why string) {
	r.Complete = false
	r.Incomplete = strings.TrimPrefix(r.Incomplete+"; "+why, "; ")
}

// FinishFindings fingerprints the findings, sorts them worst first and
// counts them: the last step of every command once its checks have run.
func (r *Result) FinishFindings() {
	for i := range r.Findings {
		r.Findings[i].SetFingerprint()
	}
	SortFindings(r.Findings)
	r.CountFindings()
}

// Add records a finding of check c with the catalogue's fixed fields and
// message; sev 0 is c's default severity. Scan, doctor and preflight all
// add their findings this way.
func (r *Result) Add(c Check, sev Severity, app *ObjectRef, cred *CredentialRef, local *LocalRef, message string) {
	r.Findings = append(r.Findings, c.Finding(sev, app, cred, local, message))
}

// Source says where the tenant data came from.
type Source struct {
	// Kind is "snapshot", "live" or "demo".
	Kind     string    `json:"kind"`
	Path     string    `json:"path,omitempty"`
	TenantID string    `json:"tenantId,omitempty"`
	Cloud    string    `json:"cloud,omitempty"`
	TakenAt  time.Time `json:"takenAt,omitzero"`
}

// Summary counts what was read and found.
type Summary struct {
	Applications        int `json:"applications"`
	ServicePrincipals   int `json:"servicePrincipals"`
	KeyCredentials      int `json:"keyCredentials"`
	PasswordCredentials int `json:"passwordCredentials"`
	LocalCertificates   int `json:"localCertificates"`
	Deployments         int `json:"deployments"`
	// Findings counts every finding, including those a display filter
	// hides; BySeverity breaks it down.
	Findings   int            `json:"findings"`
	BySeverity map[string]int `json:"bySeverity"`
	// Hidden counts the findings below --min-severity, left out of
	// Findings but counted above.
	Hidden int `json:"hiddenBelowMinSeverity,omitempty"`
	// Suppressed counts the findings --ignore entries left out, and
	// Suppressions says which entry took which (triage.go); Baseline says
	// what --baseline left out and what it resolved.
	Suppressed   int              `json:"suppressed,omitempty"`
	Suppressions []SuppressionUse `json:"suppressions,omitempty"`
	Baseline     *BaselineSummary `json:"baseline,omitempty"`
	// Unexamined counts, by check, the certificates a check that ran could
	// not examine: cert-weak-key those whose body is known neither from
	// the tenant data nor from a local file (AuditedObject.Unchecked says
	// which objects hold them).
	Unexamined map[string]int `json:"unexaminedCertificates,omitempty"`
}

// LocalCertStatus reports one local certificate and where it is registered.
type LocalCertStatus struct {
	Source       string      `json:"source"`
	Subject      string      `json:"subject"`
	Thumbprints  Thumbprints `json:"thumbprints"`
	NotAfter     time.Time   `json:"notAfter"`
	HasKey       bool        `json:"hasPrivateKey"`
	RegisteredOn []ObjectRef `json:"registeredOn"`
}

// Policy holds the thresholds the checks apply.
type Policy struct {
	// WarnDays: a credential ending within this many days is expiring.
	WarnDays int `json:"warnDays"`
	// MaxCertDays and MaxSecretDays: longest acceptable lifetime.
	MaxCertDays   int `json:"maxCertDays"`
	MaxSecretDays int `json:"maxSecretDays"`
	// MinRSABits: smallest acceptable RSA modulus.
	MinRSABits int `json:"minRsaBits"`
	// UnusedDays: a credential with no sign-in for this many days is
	// unused (usage evidence only; 0 is DefaultUnusedDays).
	UnusedDays int `json:"unusedDays,omitempty"`
}

// EndsSoon reports whether end (a credential's end, zero when it has
// none) falls within WarnDays of now: the credential is expiring, or has
// expired already.
func (p Policy) EndsSoon(end, now time.Time) bool {
	return !end.IsZero() && end.Sub(now) <= time.Duration(p.WarnDays)*24*time.Hour
}

// DefaultPolicy is the policy appaudit applies unless told otherwise. The
// lifetimes follow the CISA SCuBA baseline for Entra ID.
func DefaultPolicy() Policy {
	return Policy{WarnDays: 30, MaxCertDays: 365, MaxSecretDays: 180, MinRSABits: 2048}
}

// Worst is the highest severity among the findings, or 0 when there are none.
func (r *Result) Worst() Severity {
	var w Severity
	for i := range r.Findings {
		w = max(w, r.Findings[i].Severity)
	}
	return w
}

// SortFindings orders findings worst first, then by object, check and
// fingerprint, so that reports are stable.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := compareObjects(a.App, b.App); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Check, b.Check); c != 0 {
			return c
		}
		return cmp.Compare(a.Fingerprint, b.Fingerprint)
	})
}

// compareObjects orders by display name, appId and kind; findings about
// local files alone (nil) go last.
func compareObjects(a, b *ObjectRef) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	if c := cmp.Compare(a.DisplayName, b.DisplayName); c != 0 {
		return c
	}
	if c := cmp.Compare(a.AppID, b.AppID); c != 0 {
		return c
	}
	return cmp.Compare(a.Kind, b.Kind)
}

// FilterMinSeverity drops the findings below min from r.Findings and counts
// them in Summary.Hidden. The counts by severity keep every finding, and the
// exit code is decided before filtering.
func (r *Result) FilterMinSeverity(min Severity) {
	kept := r.Findings[:0]
	withhold := r.withholder()
	for _, f := range r.Findings {
		if f.Severity >= min {
			kept = append(kept, f)
		} else {
			r.Summary.Hidden++
			withhold(&f)
		}
	}
	r.Findings = kept
}

// CountFindings recomputes Summary.Findings and Summary.BySeverity.
func (r *Result) CountFindings() {
	r.Summary.Findings = len(r.Findings)
	r.Summary.BySeverity = make(map[string]int, 5)
	for _, s := range Severities() {
		r.Summary.BySeverity[s.String()] = 0
	}
	for i := range r.Findings {
		r.Summary.BySeverity[r.Findings[i].Severity.String()]++
	}
}
