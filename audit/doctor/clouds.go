package doctor

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// ParseCloud reads a cloud name as appaudit or the Azure tools spell it
// (public, AzureCloud, usgov, AzureUSGovernment, usgovdod, china,
// AzureChinaCloud, ...: see audit.LookupCloud) and returns appaudit's name
// for it.
func ParseCloud(s string) (string, error) {
	c, err := audit.LookupCloud(s)
	if err != nil {
		return "", fmt.Errorf("doctor: %w", err)
	}
	return c.Name, nil
}

// cloudHosts are the authority hosts of a cloud; nil for an unknown one.
func cloudHosts(name string) []string {
	c, err := audit.LookupCloud(name)
	if err != nil {
		return nil
	}
	return c.AuthorityHosts
}

// cloudOfHost names the cloud an authority host belongs to ("usgov" for
// the host US Government clouds share), or "" for a host appaudit does not
// know.
func cloudOfHost(host string) string { return audit.CloudOfAuthorityHost(host) }

// sameCloud reports whether two cloud names share an authority.
func sameCloud(a, b string) bool { return audit.SameCloud(a, b) }

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

func isGUID(s string) bool { return audit.IsGUID(s) }
