package audit

import (
	"regexp"
	"slices"
	"strings"
)

// Cloud is one of the Microsoft clouds an Entra tenant lives in: where its
// users and apps sign in, and where its Microsoft Graph is. Tokens do not
// cross clouds. This is appaudit's one table of clouds: graphclient takes
// the Graph root and the authority from it, the doctor the sign-in hosts
// an assertion's aud may name (ENTRA-FACTS.md, "Reading the tenant").
type Cloud struct {
	// Name is how appaudit spells it: public, usgov, usgovdod or china.
	Name string
	// Aliases are the other names people give it, as the Azure CLI and
	// PowerShell spell them (AzureUSGovernment) and as it is known
	// (GCC High). LookupCloud takes them, in any case.
	Aliases []string
	// AuthorityHosts are the hosts of its sign-in authority: the one
	// clients use first, then the aliases Entra answers on too.
	AuthorityHosts []string
	// IssuerHosts are the hosts, besides the authority's, of the issuer
	// of tokens Entra issues (the v1 issuer https://sts.windows.net/{tenant}/).
	IssuerHosts []string
	// GraphRoot is its Microsoft Graph service root, without a version.
	GraphRoot string
}

// Authority is the URL of the cloud's sign-in authority, with a trailing
// slash: https://login.microsoftonline.com/.
func (c Cloud) Authority() string { return "https://" + c.AuthorityHosts[0] + "/" }

// TokenEndpoint is the v2 token endpoint of tenant in this cloud, the aud
// a client assertion for it must carry.
func (c Cloud) TokenEndpoint(tenant string) string {
	return "https://" + c.AuthorityHosts[0] + "/" + tenant + "/oauth2/v2.0/token"
}

// Clouds lists the clouds appaudit knows. US Government L4 (GCC High) and
// DoD share their sign-in authority and differ in their Graph.
func Clouds() []Cloud {
	return []Cloud{
		{Name: "public", Aliases: []string{"AzureCloud", "AzurePublic", "AzurePublicCloud", "global", "commercial"},
			AuthorityHosts: []string{"login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"},
			GraphRoot:      "https://graph.microsoft.com"},
		{Name: "usgov", Aliases: []string{"AzureUSGovernment", "AzureUSGovernmentCloud", "USGovernment", "GCCHigh", "USGovL4"},
			AuthorityHosts: []string{"login.microsoftonline.us", "login.usgovcloudapi.net"},
			GraphRoot:      "https://graph.microsoft.us"},
		{Name: "usgovdod", Aliases: []string{"DoD", "USDoD", "USGovL5"},
			AuthorityHosts: []string{"login.microsoftonline.us", "login.usgovcloudapi.net"},
			GraphRoot:      "https://dod-graph.microsoft.us"},
		{Name: "china", Aliases: []string{"AzureChinaCloud", "Mooncake"},
			AuthorityHosts: []string{"login.chinacloudapi.cn", "login.partner.microsoftonline.cn"},
			IssuerHosts:    []string{"sts.chinacloudapi.cn"},
			GraphRoot:      "https://microsoftgraph.chinacloudapi.cn"},
	}
}

// CloudNames lists appaudit's names of the clouds.
func CloudNames() []string {
	var names []string
	for _, c := range Clouds() {
		names = append(names, c.Name)
	}
	return names
}

// LookupCloud finds a cloud by appaudit's name or one of its aliases,
// ignoring case and the white space around it.
func LookupCloud(name string) (Cloud, error) {
	n := strings.TrimSpace(name)
	for _, c := range Clouds() {
		if strings.EqualFold(c.Name, n) || slices.ContainsFunc(c.Aliases, func(a string) bool { return strings.EqualFold(a, n) }) {
			return c, nil
		}
	}
	return Cloud{}, &ChoiceError{What: "cloud", Name: name, Choices: CloudNames()}
}

// CloudOfAuthorityHost names the cloud whose sign-in authority is at host
// ("usgov" for the host the US Government clouds share), or "" for a
// host appaudit does not know.
func CloudOfAuthorityHost(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, c := range Clouds() {
		if slices.Contains(c.AuthorityHosts, host) {
			return c.Name
		}
	}
	return ""
}

// IsIssuerHost reports whether host issues Entra's tokens in some cloud:
// an authority host, or one of the issuer hosts.
func IsIssuerHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, c := range Clouds() {
		if slices.Contains(c.AuthorityHosts, host) || slices.Contains(c.IssuerHosts, host) {
			return true
		}
	}
	return false
}

// SameCloud reports whether two clouds (by appaudit's names) share a
// sign-in authority: a cloud with itself, and the two US Government
// clouds with each other.
func SameCloud(a, b string) bool {
	authority := func(name string) string {
		if c, err := LookupCloud(name); err == nil {
			return c.AuthorityHosts[0]
		}
		return name
	}
	return authority(a) == authority(b)
}

// GraphAppID is the application ID of Microsoft Graph, the same in every
// cloud.
const GraphAppID = "00000003-0000-0000-c000-000000000000"

// GraphAudiences are the aud values of access tokens for Microsoft Graph:
// its app ID and each cloud's Graph root, with and without the slash.
func GraphAudiences() []string {
	auds := []string{GraphAppID}
	for _, c := range Clouds() {
		auds = append(auds, c.GraphRoot, c.GraphRoot+"/")
	}
	return auds
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsGUID reports whether s is a GUID in its usual text form
// (8-4-4-4-12 hex digits, any case), as appIds, tenant IDs and keyIds are.
func IsGUID(s string) bool { return guidPattern.MatchString(s) }
