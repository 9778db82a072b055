package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Run audits tenant t against the local inventory inv under policy p, as of
// now. It reads nothing but its arguments and never modifies them. inv may
// be nil (no local certificates, no deployed mapping).
//
// It works in three explicit steps: index the tenant (Index), join the
// deployed side to it (join.go: which app each deployment names, which of
// the app's certificates it signs with), then run every scan check
// (scanRules) over those facts. The checks only read the facts and add
// findings, so their order does not matter. The Result's findings are
// sorted worst first and not filtered; its Complete flag is the tenant's.
func Run(t *Tenant, inv *Inventory, p Policy, now time.Time) *Result {
	if inv == nil {
		inv = &Inventory{}
	}
	r := NewResult("scan", t, p, now)
	r.Warnings = slices.Clone(inv.Warnings)
	s := &scan{x: NewIndex(inv.Certs), inv: inv, p: p, now: now, r: r, complete: t.Complete, usageRead: t.Usage}
	s.x.AddTenant(t)
	if u := t.Usage; u != nil && !u.Complete {
		why := u.IncompleteReason
		if why == "" {
			why = "the usage evidence was not read whole"
		}
		r.Complete = false
		r.Incomplete = strings.TrimPrefix(r.Incomplete+"; "+why, "; ")
	}
	s.join()
	for _, rl := range scanRules() {
		s.apply(rl)
	}
	s.counts(t)
	s.coverage()
	r.FinishFindings()
	return r
}

// scan is one audit under way: the tenant's index, the deployed side
// joined to it, and the Result the checks add to.
type scan struct {
	x        *Index
	inv      *Inventory
	p        Policy
	now      time.Time
	r        *Result
	complete bool
	// usageRead is the tenant's usage evidence, nil when it was not read.
	usageRead *Usage
	facts
}

// rule is one scan check: its catalogue entry and the function that looks
// for it. Each function runs on one kind of thing (a registered
// certificate, an object, a deployment, a local certificate); a check that
// looks at two kinds has two.
type rule struct {
	Check
	group      func(*scan, Check, *CertGroup)
	object     func(*scan, Check, *Object)
	deployment func(*scan, Check, *deployment)
	local      func(*scan, Check, *LocalCert)
	vault      func(*scan, Check, *vaultCert)
	// tenant runs once for the whole tenant.
	tenant func(*scan, Check)
}

// scanRules lists every check of appaudit scan, family by family, in the
// order documentation lists them.
func scanRules() []rule {
	return slices.Concat(validityRules(), deploymentRules(), propertyRules(), secretRules(), localRules(), samlRules(), keyVaultRules(), usageRules())
}

// apply runs one rule over what it looks at.
func (s *scan) apply(rl rule) {
	for _, o := range s.x.Objects() {
		if rl.object != nil {
			rl.object(s, rl.Check, o)
		}
		if rl.group != nil {
			for _, g := range o.Groups {
				rl.group(s, rl.Check, g)
			}
		}
	}
	if rl.deployment != nil {
		for _, d := range s.deployments {
			if d.objs != nil {
				rl.deployment(s, rl.Check, d)
			}
		}
	}
	if rl.tenant != nil {
		rl.tenant(s, rl.Check)
	}
	if rl.vault != nil {
		for _, vc := range s.vaultCerts {
			rl.vault(s, rl.Check, vc)
		}
	}
	if rl.local != nil {
		for i := range s.inv.Certs {
			if lc := &s.inv.Certs[i]; lc.Cert != nil && !lc.Chain {
				rl.local(s, rl.Check, lc)
			}
		}
	}
}

// add records a finding of check c with the catalogue's fixed fields; sev
// 0 is the check's default severity.
func (s *scan) add(c Check, sev Severity, app *ObjectRef, cred *CredentialRef, local *LocalRef, format string, args ...any) {
	s.r.Add(c, sev, app, cred, local, fmt.Sprintf(format, args...))
}

// addAt is add for a finding about a credential whose last sign-in Entra
// recorded (last nil when it is not known).
func (s *scan) addAt(last *time.Time, c Check, sev Severity, app *ObjectRef, cred *CredentialRef, local *LocalRef, format string, args ...any) {
	f := c.Finding(sev, app, cred, local, fmt.Sprintf(format, args...))
	if last != nil {
		t := last.UTC()
		f.LastSignIn = &t
	}
	s.r.Findings = append(s.r.Findings, f)
}

// endsSoon reports whether end falls within the policy's warning window.
func (s *scan) endsSoon(end time.Time) bool { return s.p.EndsSoon(end, s.now) }

func (s *scan) counts(t *Tenant) {
	sum := &s.r.Summary
	sum.Applications = len(t.Applications)
	sum.ServicePrincipals = len(t.ServicePrincipals)
	for _, o := range s.x.Objects() {
		sum.KeyCredentials += len(o.P.KeyCredentials)
		sum.PasswordCredentials += len(o.P.PasswordCredentials)
	}
	for _, lc := range s.inv.Certs {
		if !lc.Chain {
			sum.LocalCertificates++
		}
	}
	sum.Deployments = len(s.inv.Deployments)
}
