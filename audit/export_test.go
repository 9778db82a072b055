package audit

import "time"

// RunKeepingAll is Run with a Scanner that keeps every object for the
// join, as if the deployed side touched them all: the tests hold the
// Scanner's choice of what to keep to it.
func RunKeepingAll(t *Tenant, inv *Inventory, p Policy, now time.Time) *Result {
	sc := NewScanner(inv, t.Usage, p, now)
	sc.keepAll = true
	for i := range t.Applications {
		sc.AddApplication(&t.Applications[i])
	}
	for i := range t.ServicePrincipals {
		sc.AddServicePrincipal(&t.ServicePrincipals[i])
	}
	return sc.Finish(t)
}
