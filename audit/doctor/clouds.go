package doctor

import (
	"fmt"

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

func isGUID(s string) bool { return audit.IsGUID(s) }
