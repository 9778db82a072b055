package demo_test

import (
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/audit/demo"
)

// The demo must show every scan check firing, and one app with nothing to
// report, on any day it runs.
func TestDemoFiresEveryScanCheck(t *testing.T) {
	for _, now := range []int{0, 100, 1000} {
		at := audittest.Now().Add(audittest.Days(now))
		tenant, inv := demo.Scenario(at)
		r := audit.Run(tenant, inv, audit.DefaultPolicy(), at)
		fired := map[string]int{}
		apps := map[string]bool{}
		for _, f := range r.Findings {
			fired[f.Check]++
			if f.App != nil {
				apps[f.App.AppID] = true
			}
		}
		for _, c := range audit.Checks() {
			if c.Command == "scan" && fired[c.ID] == 0 {
				t.Errorf("day %d: check %s does not fire in the demo", now, c.ID)
			}
		}
		healthy := 0
		for _, a := range tenant.Applications {
			if !apps[a.AppID] {
				healthy++
				if a.DisplayName != "Contoso Payroll API" {
					t.Errorf("unexpectedly healthy app %q", a.DisplayName)
				}
			}
		}
		if healthy != 1 {
			t.Errorf("day %d: %d healthy apps, want exactly 1", now, healthy)
		}
		if !r.Complete || len(r.Warnings) != 1 {
			t.Errorf("day %d: complete=%v warnings=%q (want the one retired-app row)", now, r.Complete, r.Warnings)
		}
	}
}

// A finding names its object in its own field, which every report shows
// beside the message: the message does not say it again.
func TestMessagesDoNotRepeatTheirObject(t *testing.T) {
	at := audittest.Now()
	tenant, inv := demo.Scenario(at)
	r := audit.Run(tenant, inv, audit.DefaultPolicy(), at)
	for _, f := range r.Findings {
		if f.App != nil && strings.Contains(f.Message, f.App.AppID) {
			t.Errorf("%s on %s: message repeats the appId: %s", f.Check, f.App.DisplayName, f.Message)
		}
	}
}
