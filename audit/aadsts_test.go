package audit_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
)

func TestAADSTSTable(t *testing.T) {
	codes := audit.AADSTSCodes()
	last := 0
	for _, c := range codes {
		n, err := strconv.Atoi(strings.TrimPrefix(c.Code, "AADSTS"))
		if err != nil || !strings.HasPrefix(c.Code, "AADSTS") {
			t.Errorf("code %q is not AADSTS and a number", c.Code)
			continue
		}
		if n <= last {
			t.Errorf("%s is out of order or a duplicate (after AADSTS%d)", c.Code, last)
		}
		last = n
		if c.Meaning == "" || len(c.Causes) == 0 || c.Fix == "" || c.Reference == "" {
			t.Errorf("%s is not fully described: %+v", c.Code, c)
		}
	}
	// Every code a check predicts is explained.
	for _, ch := range audit.Checks() {
		for _, code := range ch.AADSTS {
			if _, ok := audit.LookupAADSTS(code); !ok {
				t.Errorf("check %s names %s, which the AADSTS table does not explain", ch.ID, code)
			}
		}
	}
}

func TestNormalizeAADSTS(t *testing.T) {
	for in, want := range map[string]string{
		"AADSTS700027": "AADSTS700027", "aadsts700027": "AADSTS700027", "700027": "AADSTS700027",
		" AADSTS7000274 ": "AADSTS7000274", "AADSTS:50013": "AADSTS50013", "0050013": "AADSTS50013",
		// As pasted from an error text, with its colon.
		"AADSTS700027:": "AADSTS700027", "aadsts50012: ": "AADSTS50012",
	} {
		if got, ok := audit.NormalizeAADSTS(in); !ok || got != want {
			t.Errorf("NormalizeAADSTS(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "AADSTS", "cert-expired", "7000x27", "-700027", "AADSTS1234567890", "0", ":", "AADSTS700027::", "AADSTS:"} {
		if got, ok := audit.NormalizeAADSTS(bad); ok {
			t.Errorf("NormalizeAADSTS(%q) = %q, want no code", bad, got)
		}
	}
}

func TestChecksForIsDerivedFromTheCatalogue(t *testing.T) {
	got := audit.ChecksFor("700027")
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
		if !slices.Contains(c.AADSTS, "AADSTS700027") {
			t.Errorf("%s listed for AADSTS700027 but does not name it", c.ID)
		}
	}
	for _, want := range []string{audit.CheckCertNotRegistered, audit.CheckAssertionThumbprintUnknown,
		audit.CheckAssertionThumbprintEncoding, audit.CheckErrorThumbprintUnknown, audit.CheckPreflightNotRegistered} {
		if !slices.Contains(ids, want) {
			t.Errorf("ChecksFor(700027) = %v, lacks %s", ids, want)
		}
	}
	if len(audit.ChecksFor("AADSTS12345")) != 0 || audit.ChecksFor("nonsense") != nil {
		t.Error("checks listed for a code no check names")
	}
	if c, ok := audit.LookupAADSTS("aadsts50013"); !ok || !strings.Contains(c.Causes[0], "on-behalf-of") {
		t.Errorf("LookupAADSTS(aadsts50013) = %+v, %v", c, ok)
	}
}

func TestDoctorAndPreflightCatalogue(t *testing.T) {
	// The IDs the doctor and preflight contracts promise.
	for _, id := range []string{"assertion-malformed", "assertion-no-thumbprint", "assertion-thumbprint-encoding",
		"assertion-thumbprint-unknown", "assertion-key-expired", "assertion-signature", "assertion-alg",
		"assertion-header-unsupported", "assertion-audience", "assertion-issuer-subject", "assertion-time",
		"assertion-jti-missing"} {
		c, ok := audit.LookupCheck(id)
		if !ok || c.Command != "doctor" {
			t.Errorf("check %s: %+v, %v", id, c, ok)
		}
	}
	for _, c := range audit.Checks() {
		prefix, _, _ := strings.Cut(c.ID, "-")
		switch c.Command {
		case "scan", "doctor", "preflight":
		default:
			t.Errorf("check %s: command %q", c.ID, c.Command)
		}
		if (prefix == "preflight") != (c.Command == "preflight") {
			t.Errorf("check %s belongs to %s: preflight checks and only they are named preflight-*", c.ID, c.Command)
		}
		if (prefix == "assertion" || prefix == "request" || prefix == "error") && c.Command != "doctor" {
			t.Errorf("check %s is a doctor check by name but belongs to %s", c.ID, c.Command)
		}
	}
}
