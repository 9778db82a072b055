package reports

import (
	"slices"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// What a scan's findings say about sign-ins, for the verdict a report
// leads with (docs/reports.md, "The verdict"):
//
//   - sign-in fails now: a finding at high or above of a check that
//     predicts a failed sign-in (the check names AADSTS codes, or is the
//     SAML signing certificate's), other than an expiring check. The
//     catalogue makes every credential that fails a sign-in now at least
//     high; below high, the same checks mean a leftover (another
//     credential is valid) or a disabled service principal.
//   - sign-in will fail on D: a finding at medium or above of an expiring
//     check, D being the credential's end date. At low, a successor is
//     already registered or the service principal is disabled.
//
// An app appears once, with its most severe finding: under "fails now"
// when any of its findings is, else under "will fail" with the credential
// that ends first.

// expiringChecks are the checks of a credential that still works and
// stops working at its end date: it expires, sign-ins still use it though
// its successor is registered, or Key Vault renews it (or does not)
// while the app registration does not follow.
var expiringChecks = []string{audit.CheckCertExpiring, audit.CheckSecretExpiring, audit.CheckSAMLCertExpiring,
	audit.CheckRotationIncomplete, audit.CheckKeyVaultRenewalDue, audit.CheckKeyVaultRenewalMissing}

// signInChecks are the checks that predict a failed sign-in without
// naming an AADSTS code: SAML sign-ins fail at the application, not at
// Entra's token endpoint.
var signInChecks = []string{audit.CheckSAMLCertExpired, audit.CheckSAMLCertExpiring}

// outlook is one app in the verdict: when its sign-in fails, and the one
// thing to do.
type outlook struct {
	app    *audit.ObjectRef
	when   string
	action string
	end    time.Time
}

// failsNow and failsOn classify one finding.
func failsNow(f *audit.Finding) bool {
	return f.Severity >= audit.SeverityHigh && !slices.Contains(expiringChecks, f.Check) &&
		(len(f.AADSTS()) > 0 || slices.Contains(signInChecks, f.Check))
}

func failsOn(f *audit.Finding) (time.Time, bool) {
	if f.Severity < audit.SeverityMedium || !slices.Contains(expiringChecks, f.Check) || f.Credential == nil || f.Credential.EndDateTime == nil {
		return time.Time{}, false
	}
	return *f.Credential.EndDateTime, true
}

// signInOutlook is the apps whose sign-in fails now, worst first, and
// those whose sign-in will fail within the warning window, soonest first.
func signInOutlook(r *audit.Result) (now, soon []outlook) {
	seen := map[audit.ObjectRef]bool{}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.App == nil || seen[*f.App] || !failsNow(f) {
			continue
		}
		seen[*f.App] = true
		o := outlook{app: f.App, when: "now", action: shortAction(f)}
		if c := f.Credential; c != nil {
			switch {
			case c.EndDateTime != nil && !c.EndDateTime.After(r.AsOf):
				o.when = "since " + audit.Day(*c.EndDateTime)
			case c.StartDateTime != nil && c.StartDateTime.After(r.AsOf):
				o.when = "until " + audit.Day(*c.StartDateTime)
			}
		}
		now = append(now, o)
	}
	first := map[audit.ObjectRef]int{}
	for i := range r.Findings {
		f := &r.Findings[i]
		end, ok := failsOn(f)
		if f.App == nil || seen[*f.App] || !ok {
			continue
		}
		o := outlook{app: f.App, when: "on " + audit.Day(end), action: shortAction(f), end: end}
		if j, dup := first[*f.App]; !dup {
			first[*f.App] = len(soon)
			soon = append(soon, o)
		} else if end.Before(soon[j].end) {
			soon[j] = o
		}
	}
	slices.SortStableFunc(soon, func(a, b outlook) int { return a.end.Compare(b.end) })
	return now, soon
}

// shortActions say, in a few words, the one thing to do about a finding
// that fails a sign-in; the check's remediation says it in full.
var shortActions = map[string]string{
	audit.CheckCertExpired:            "upload a new cert and switch to it",
	audit.CheckCertNotYetValid:        "keep the current cert until then",
	audit.CheckCertWrongUsage:         "register it again with usage Verify",
	audit.CheckCertNotRegistered:      "upload the deployed cert to the app",
	audit.CheckCertRotatedOneSide:     "bring the side behind up to date",
	audit.CheckCertKeyMismatch:        "deploy the cert with its own key",
	audit.CheckSecretExpired:          "give the workload a new credential",
	audit.CheckSAMLCertExpired:        "activate a new SAML signing cert",
	audit.CheckCertExpiring:           "upload the successor, switch to it",
	audit.CheckSecretExpiring:         "add the next secret, switch to it",
	audit.CheckSAMLCertExpiring:       "activate the next SAML signing cert",
	audit.CheckSignInFailing:          "use a registered, valid credential",
	audit.CheckRotationIncomplete:     "switch the workload to the new cert",
	audit.CheckKeyVaultRenewalDue:     "upload the renewed version in time",
	audit.CheckKeyVaultRenewalMissing: "create and upload the next version",
}

// shortAction is the one thing to do about f: its check's short action,
// or the first clause of its remediation for a check that has none.
func shortAction(f *audit.Finding) string {
	if a, ok := shortActions[f.Check]; ok {
		return a
	}
	s := plainText(f.Remediation())
	if i := strings.IndexAny(s, ",;:(."); i > 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "see " + plainText(f.Check)
	}
	return strings.ToLower(s[:1]) + s[1:]
}
