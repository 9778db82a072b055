package audit

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Run audits tenant t against the local inventory inv under policy p, as of
// now: a Scanner given t's objects. It reads nothing but its arguments and
// never modifies them. inv may be nil (no local certificates, no deployed
// mapping). The Result's findings are sorted worst first and not filtered;
// its Complete flag is the tenant's (and the vaults' and the usage
// evidence's).
func Run(t *Tenant, inv *Inventory, p Policy, now time.Time) *Result {
	sc := NewScanner(inv, t.Usage, p, now)
	for i := range t.Applications {
		sc.AddApplication(&t.Applications[i])
	}
	for i := range t.ServicePrincipals {
		sc.AddServicePrincipal(&t.ServicePrincipals[i])
	}
	return sc.Finish(t)
}

// Scanner audits a tenant as its objects arrive, so that a tenant of any
// size is never held whole in memory. It works in three explicit steps:
// index the objects (Index), join the deployed side to them (join.go:
// which app each deployment names, which of the app's certificates it
// signs with), then run every scan check (scanRules) over those facts.
// The checks only read the facts and add findings, so their order does
// not matter.
//
// What is deployed (inv) and what Entra recorded (the usage evidence) are
// known before the first object, so the keys that join them to the
// tenant are too: app IDs and names, thumbprints, subjects (interest).
// An object none of them touches cannot take part in the join: its checks
// run as it is added, its findings and credential inventory are kept, and
// the object itself is not. Only the objects the deployed side touches
// are kept, for the join at Finish. An application that is kept keeps its
// service principals, which come after it in every listing appaudit reads.
type Scanner struct {
	s        *scan
	interest interest
	// kept are the objects kept for the join, with the index of their
	// entry in the Result's credential inventory (-1 for none).
	kept          map[*Object]int
	apps, sps     int
	keys, secrets int
	bodiless      int
	// keepAll keeps every object, as if the deployed side touched them
	// all: the tests hold the Scanner's choice to it.
	keepAll bool
	result  *Result
}

// NewScanner starts the audit of a tenant against inv (nil for nothing
// deployed) and the tenant's usage evidence (nil when it was not read)
// under policy p, as of now.
func NewScanner(inv *Inventory, usage *Usage, p Policy, now time.Time) *Scanner {
	if inv == nil {
		inv = &Inventory{}
	}
	r := NewResult("scan", nil, p, now)
	r.Warnings = slices.Clone(inv.Warnings)
	s := &scan{x: NewIndex(inv.Certs), inv: inv, p: p, now: now, r: r, usageRead: usage}
	return &Scanner{s: s, interest: newInterest(inv, usage), kept: map[*Object]int{}}
}

// AddApplication audits an application, or keeps it for the join.
func (sc *Scanner) AddApplication(a *Application) {
	sc.apps++
	sc.add(applicationObject(a))
}

// AddServicePrincipal audits a service principal, or keeps it for the
// join.
func (sc *Scanner) AddServicePrincipal(sp *ServicePrincipal) {
	sc.sps++
	sc.add(servicePrincipalObject(sp))
}

func (sc *Scanner) add(o *Object) {
	s := sc.s
	s.x.prepare(o)
	sc.keys += len(o.P.KeyCredentials)
	sc.secrets += len(o.P.PasswordCredentials)
	entry := s.inventory(o, &sc.bodiless)
	if sc.keepAll || sc.interest.touches(o) {
		sc.interest.keep(o)
		s.x.keep(o)
		sc.kept[o] = entry
		return
	}
	for _, rl := range scanRules() {
		s.applyObject(rl, o)
	}
}

// Finish joins the deployed side to the objects kept, runs the checks
// that need it and returns the Result. t is the tenant's header (its ID,
// cloud and date, whether it was read whole): its objects, if it lists
// any, are not read again. Finish again returns the same Result.
func (sc *Scanner) Finish(t *Tenant) *Result {
	if sc.result != nil {
		return sc.result
	}
	s, r := sc.s, sc.s.r
	sc.result = r
	r.setTenant(t)
	s.complete = t.Complete
	if u := s.usageRead; u != nil && !u.Complete {
		why := u.IncompleteReason
		if why == "" {
			why = "the usage evidence was not read whole"
		}
		r.MarkIncomplete(why)
	}
	s.join()
	for _, rl := range scanRules() {
		for _, o := range s.x.Objects() {
			s.applyObject(rl, o)
		}
		s.apply(rl)
	}
	for o, i := range sc.kept {
		if i >= 0 {
			r.Objects[i].Deployed = s.covered[o]
		}
	}
	sum := &r.Summary
	sum.Applications, sum.ServicePrincipals = sc.apps, sc.sps
	sum.KeyCredentials, sum.PasswordCredentials = sc.keys, sc.secrets
	for _, lc := range s.inv.Certs {
		if !lc.Chain {
			sum.LocalCertificates++
		}
	}
	sum.Deployments = len(s.inv.Deployments)
	if sc.bodiless > 0 {
		sum.Unexamined = map[string]int{CheckCertWeakKey: sc.bodiless}
	}
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
// order documentation lists them; made once.
var scanRules = sync.OnceValue(func() []rule {
	return slices.Concat(validityRules(), deploymentRules(), propertyRules(), secretRules(), localRules(), samlRules(), keyVaultRules(), usageRules())
})

// applyObject runs one rule over an object and its certificates.
func (s *scan) applyObject(rl rule, o *Object) {
	if rl.object != nil {
		rl.object(s, rl.Check, o)
	}
	if rl.group != nil {
		for _, g := range o.Groups {
			rl.group(s, rl.Check, g)
		}
	}
}

// apply runs one rule over what it looks at beside the objects: the
// deployments, the whole tenant, the vaults and the local certificates.
func (s *scan) apply(rl rule) {
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
