package audit

import "testing"

// Every scan check has a scope reports understand and looks at something,
// so a new check can be neither left out of the passed checks reports show
// nor never run.
func TestEveryScanCheckHasAScopeAndLooks(t *testing.T) {
	scopes := map[Scope]bool{ScopeCertificate: true, ScopeSecret: true, ScopeSAML: true, ScopeDeployment: true, ScopeLocal: true, ScopeKeyVault: true, ScopeUsage: true}
	seen := map[string]bool{}
	for _, rl := range scanRules() {
		if !scopes[rl.Scope] {
			t.Errorf("check %s has scope %q", rl.ID, rl.Scope)
		}
		if rl.Command != "scan" {
			t.Errorf("check %s is a scan rule for command %q", rl.ID, rl.Command)
		}
		if rl.group == nil && rl.object == nil && rl.deployment == nil && rl.local == nil && rl.vault == nil && rl.tenant == nil {
			t.Errorf("check %s looks at nothing", rl.ID)
		}
		if seen[rl.ID] {
			t.Errorf("check %s is declared twice", rl.ID)
		}
		seen[rl.ID] = true
	}
	for _, c := range Checks() {
		if c.Command != "scan" && c.Scope != "" {
			t.Errorf("%s check %s has a scan scope %q", c.Command, c.ID, c.Scope)
		}
	}
}

// Every doctor check has a stage, so the verdict can rank it; no other
// check has one.
func TestEveryDoctorCheckHasAStage(t *testing.T) {
	for _, c := range Checks() {
		if got := c.Stage.String() != ""; got != (c.Command == "doctor") {
			t.Errorf("%s check %s has stage %q", c.Command, c.ID, c.Stage)
		}
	}
}
