package audit

import (
	"slices"
	"testing"
)

// Every scan check has exactly one scope, so a new check cannot be left
// out of the passed checks reports show, nor counted twice.
func TestEveryScanCheckHasOneScope(t *testing.T) {
	for _, c := range Checks() {
		if c.Command != "scan" {
			continue
		}
		n := 0
		for _, scope := range [][]string{certificateChecks, samlChecks, secretChecks, deploymentChecks, localChecks} {
			if slices.Contains(scope, c.ID) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("check %s is in %d scopes (coverage.go), want 1", c.ID, n)
		}
	}
}
