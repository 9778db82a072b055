package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The triage stages run on a Result after Run and before the exit code is
// decided: Suppress, then Baseline. Each takes findings out of
// r.Findings, counts them in the Summary, marks their objects' checks as
// withheld, and recounts what remains, so the exit code (decided on what
// remains) and every report agree: a suppressed finding, or one already in
// the baseline, does not fail the run. FilterMinSeverity, a display filter,
// comes after the exit code.

// Suppression is one entry of a suppression file (--ignore): the findings
// it matches are left out of the report until it expires. Every field
// given must match; at least one of Check, App and KeyID is given.
type Suppression struct {
	// Check is a check ID.
	Check string
	// App is an appId (any case) or an exact display name.
	App string
	// KeyID is the keyId of a registered credential (any registration of
	// a Sign/Verify pair).
	KeyID string
	// Reason says why; required, since auditors ask.
	Reason string
	// Expires is the first instant the entry no longer applies.
	Expires time.Time
	// Source is where the entry was read ("ignore.yaml:12").
	Source string
}

// SuppressionUse says how many findings one suppression entry left out,
// and which, by fingerprint.
type SuppressionUse struct {
	Source       string    `json:"source"`
	Reason       string    `json:"reason"`
	Expires      time.Time `json:"expires"`
	Count        int       `json:"count"`
	Fingerprints []string  `json:"fingerprints"`
}

// BaselineSummary says what a baseline report left out and resolved.
type BaselineSummary struct {
	// Report names the baseline report and AsOf is the time it was made as of.
	Report string    `json:"report"`
	AsOf   time.Time `json:"asOf,omitzero"`
	// New counts the findings not in the baseline (those reported);
	// Unchanged those in it (left out); Resolved the baseline's findings
	// that are no longer found.
	New       int `json:"new"`
	Unchanged int `json:"unchanged"`
	Resolved  int `json:"resolved"`
}

// Matches reports whether the entry matches f (ignoring its expiry).
func (s *Suppression) Matches(f *Finding) bool {
	if s.Check != "" && s.Check != f.Check {
		return false
	}
	if s.App != "" {
		if f.App == nil || (!strings.EqualFold(strings.TrimSpace(s.App), f.App.AppID) && s.App != f.App.DisplayName) {
			return false
		}
	}
	if s.KeyID != "" {
		c := f.Credential
		if c == nil || (!strings.EqualFold(s.KeyID, c.KeyID) && !slices.ContainsFunc(c.PairedKeyIDs, func(k string) bool { return strings.EqualFold(s.KeyID, k) })) {
			return false
		}
	}
	return true
}

// Suppress leaves out of r.Findings the findings that an entry in force at
// now matches, each attributed to the first entry that matches it, and
// counts them in Summary.Suppressed and Summary.Suppressions. An entry
// that has expired no longer applies and gets a warning naming its
// source; so does an entry in force that matched nothing.
func (r *Result) Suppress(entries []Suppression, now time.Time) {
	if len(entries) == 0 {
		return
	}
	uses := make([]SuppressionUse, len(entries))
	active := make([]bool, len(entries))
	for i := range entries {
		e := &entries[i]
		active[i] = now.Before(e.Expires)
		if !active[i] {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: the suppression expired on %s and no longer applies (renew it with a new expiry date and reason, or remove it)",
				e.Source, e.Expires.Add(-time.Nanosecond).UTC().Format("2006-01-02")))
		}
	}
	withhold := r.withholder()
	kept := r.Findings[:0]
	for _, f := range r.Findings {
		matched := -1
		for i := range entries {
			if active[i] && entries[i].Matches(&f) {
				matched = i
				break
			}
		}
		if matched < 0 {
			kept = append(kept, f)
			continue
		}
		uses[matched].Count++
		uses[matched].Fingerprints = append(uses[matched].Fingerprints, f.Fingerprint)
		r.Summary.Suppressed++
		withhold(&f)
	}
	r.Findings = kept
	for i := range entries {
		e := &entries[i]
		if uses[i].Count == 0 {
			if active[i] {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s: the suppression matched no finding (remove it if the problem is gone)", e.Source))
			}
			continue
		}
		uses[i].Source, uses[i].Reason, uses[i].Expires = e.Source, e.Reason, e.Expires.UTC()
		r.Summary.Suppressions = append(r.Summary.Suppressions, uses[i])
	}
	r.CountFindings()
}

// Baseline leaves out of r.Findings the findings whose fingerprint is in
// the baseline report base (named name), and counts what is new,
// unchanged and resolved in Summary.Baseline. A finding suppressed in r is
// neither new nor resolved. It refuses a baseline of another tenant (a
// *BaselineError), and warns when the baseline did not hold every finding
// it found.
func (r *Result) Baseline(base *Result, name string) error {
	if base.Source.TenantID != "" && r.Source.TenantID != "" && !strings.EqualFold(base.Source.TenantID, r.Source.TenantID) {
		return &BaselineError{Report: name, ReportTenant: base.Source.TenantID, Tenant: r.Source.TenantID}
	}
	if base.Summary.Hidden > 0 || base.Summary.Baseline != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the baseline %s does not list every finding it found (it was written with --min-severity or --baseline), so those will show as new: make baselines without either", name))
	}
	known := make(map[string]bool, len(base.Findings))
	for i := range base.Findings {
		known[base.Findings[i].Fingerprint] = true
	}
	current := make(map[string]bool, len(r.Findings))
	sum := &BaselineSummary{Report: name, AsOf: base.AsOf}
	withhold := r.withholder()
	kept := r.Findings[:0]
	for _, f := range r.Findings {
		current[f.Fingerprint] = true
		if known[f.Fingerprint] {
			sum.Unchanged++
			withhold(&f)
			continue
		}
		kept = append(kept, f)
	}
	r.Findings = kept
	sum.New = len(kept)
	for _, u := range r.Summary.Suppressions {
		for _, fp := range u.Fingerprints {
			current[fp] = true
		}
	}
	for fp := range known {
		if !current[fp] {
			sum.Resolved++
		}
	}
	r.Summary.Baseline = sum
	r.CountFindings()
	return nil
}
