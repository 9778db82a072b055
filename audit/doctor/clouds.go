package doctor

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// cloud is one Entra cloud: its name as appaudit writes it and the hosts
// of its sign-in authority, the one clients use first, then its aliases.
type cloud struct {
	name  string
	hosts []string
}

// clouds are the Entra clouds. US Government L4 and DoD share their
// authority host.
func clouds() []cloud {
	return []cloud{
		{"public", []string{"login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"}},
		{"usgov", []string{"login.microsoftonline.us", "login.usgovcloudapi.net"}},
		{"usgovdod", []string{"login.microsoftonline.us", "login.usgovcloudapi.net"}},
		{"china", []string{"login.chinacloudapi.cn", "login.partner.microsoftonline.cn"}},
	}
}

// ParseCloud reads a cloud name as appaudit or the Azure tools spell it
// (public, AzureCloud, usgov, AzureUSGovernment, usgovdod, china,
// AzureChinaCloud, ...) and returns appaudit's name for it. An unknown
// name is an error wrapping an *audit.ChoiceError.
func ParseCloud(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "public", "azurecloud", "azurepublic", "azurepubliccloud", "global", "commercial":
		return "public", nil
	case "usgov", "azureusgovernment", "azureusgovernmentcloud", "usgovernment", "gcchigh", "usgovl4":
		return "usgov", nil
	case "usgovdod", "dod", "usdod", "usgovl5":
		return "usgovdod", nil
	case "china", "azurechinacloud", "mooncake":
		return "china", nil
	}
	return "", fmt.Errorf("doctor: %w", &audit.ChoiceError{What: "cloud", Name: s, Choices: []string{"public", "usgov", "usgovdod", "china"}})
}

// cloudHosts are the authority hosts of a cloud; nil for an unknown one.
func cloudHosts(name string) []string {
	for _, c := range clouds() {
		if c.name == name {
			return c.hosts
		}
	}
	return nil
}

// cloudOfHost names the cloud an authority host belongs to ("usgov" for
// the host US Government clouds share), or "" for a host appaudit does not
// know.
func cloudOfHost(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, c := range clouds() {
		if slices.Contains(c.hosts, host) {
			return c.name
		}
	}
	return ""
}

// sameCloud reports whether two cloud names share an authority.
func sameCloud(a, b string) bool {
	gov := func(s string) string {
		if s == "usgovdod" {
			return "usgov"
		}
		return s
	}
	return gov(a) == gov(b)
}

// tokenEndpoint is the v2 token endpoint of tenant at host.
func tokenEndpoint(host, tenant string) string {
	return "https://" + host + "/" + tenant + "/oauth2/v2.0/token"
}

// endpoint is a URL read as an Entra token endpoint.
type endpoint struct {
	host, tenant string
	// version is "v2" or "v1" when the path is a token endpoint's, ""
	// otherwise.
	version string
	scheme  string
}

var tokenPath = regexp.MustCompile(`^/([^/]+)/oauth2/(v2\.0/)?token/?$`)

// parseEndpoint reads a token endpoint URL; ok is false when s is not a
// URL at all.
func parseEndpoint(s string) (endpoint, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return endpoint{}, false
	}
	e := endpoint{host: strings.ToLower(u.Hostname()), scheme: u.Scheme}
	if m := tokenPath.FindStringSubmatch(u.EscapedPath()); m != nil {
		e.tenant = m[1]
		e.version = "v1"
		if m[2] != "" {
			e.version = "v2"
		}
	} else if seg, _, _ := strings.Cut(strings.TrimPrefix(u.EscapedPath(), "/"), "/"); seg != "" {
		e.tenant = seg
	}
	return e, true
}

// Tenant segments that name no tenant.
func multiTenant(seg string) bool {
	switch strings.ToLower(seg) {
	case "common", "organizations", "consumers":
		return true
	}
	return false
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isGUID(s string) bool { return guidRE.MatchString(s) }
