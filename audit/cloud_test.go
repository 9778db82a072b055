package audit_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
)

// Every name a cloud goes by finds it, whatever the case: appaudit's own
// and the Azure CLI's (az cloud list: AzureCloud, AzureUSGovernment,
// AzureChinaCloud).
func TestLookupCloud(t *testing.T) {
	for in, want := range map[string]string{
		"public": "public", "AzureCloud": "public", " azurecloud ": "public",
		"usgov": "usgov", "AzureUSGovernment": "usgov", "GCCHigh": "usgov",
		"usgovdod": "usgovdod", "DoD": "usgovdod",
		"china": "china", "AzureChinaCloud": "china",
	} {
		c, err := audit.LookupCloud(in)
		if err != nil || c.Name != want {
			t.Errorf("LookupCloud(%q) = %q, %v; want %q", in, c.Name, err, want)
		}
	}
	_, err := audit.LookupCloud("AzureGermanCloud")
	var unknown *audit.ChoiceError
	if !errors.As(err, &unknown) || unknown.Name != "AzureGermanCloud" || !strings.Contains(err.Error(), "want one of public, usgov, usgovdod, china") {
		t.Errorf("an unknown cloud: %v", err)
	}
}

func TestCloudHosts(t *testing.T) {
	for host, want := range map[string]string{
		"login.microsoftonline.com": "public", "LOGIN.MICROSOFTONLINE.COM.": "public", "sts.windows.net": "public",
		"login.microsoftonline.us": "usgov", "login.chinacloudapi.cn": "china", "login.contoso.com": "",
	} {
		if got := audit.CloudOfAuthorityHost(host); got != want {
			t.Errorf("CloudOfAuthorityHost(%q) = %q, want %q", host, got, want)
		}
	}
	if !audit.SameCloud("usgov", "usgovdod") || !audit.SameCloud("AzureUSGovernment", "usgov") || audit.SameCloud("public", "china") {
		t.Error("SameCloud: the US Government clouds share their authority, and no other two clouds do")
	}
	if !audit.IsIssuerHost("sts.chinacloudapi.cn") || audit.IsIssuerHost("login.contoso.com") {
		t.Error("IsIssuerHost")
	}
	c, _ := audit.LookupCloud("usgov")
	if c.Authority() != "https://login.microsoftonline.us/" || c.TokenEndpoint("t") != "https://login.microsoftonline.us/t/oauth2/v2.0/token" {
		t.Errorf("usgov: %s %s", c.Authority(), c.TokenEndpoint("t"))
	}
	if auds := audit.GraphAudiences(); !slices.Contains(auds, "https://graph.microsoft.com/") || !slices.Contains(auds, audit.GraphAppID) || !slices.Contains(auds, "https://dod-graph.microsoft.us") {
		t.Errorf("GraphAudiences %v", auds)
	}
}

func TestIsGUID(t *testing.T) {
	for s, want := range map[string]bool{
		"11111111-2222-4333-8444-555555555555": true, "ABCDEF01-2222-4333-8444-555555555555": true,
		"11111111-2222-4333-8444-55555555555": false, "{11111111-2222-4333-8444-555555555555}": false,
		"11111111222243338444555555555555": false, "": false, "g1111111-2222-4333-8444-555555555555": false,
	} {
		if audit.IsGUID(s) != want {
			t.Errorf("IsGUID(%q) = %v", s, !want)
		}
	}
}
