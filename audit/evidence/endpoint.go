package evidence

import (
	"net/url"
	"regexp"
	"strings"
)

// Endpoint is a URL read as an Entra token endpoint: the request line of a
// captured request, or an assertion's aud.
type Endpoint struct {
	// Scheme and Host (lower case, without a port) are the URL's.
	Scheme, Host string
	// Tenant is the first path segment: the tenant ID, a domain, or
	// common, organizations or consumers (see MultiTenant).
	Tenant string
	// Version is "v2" or "v1" when the path is a token endpoint's
	// (/{tenant}/oauth2/v2.0/token, /{tenant}/oauth2/token), "" otherwise.
	Version string
}

var tokenPath = regexp.MustCompile(`^/([^/]+)/oauth2/(v2\.0/)?token/?$`)

// ParseEndpoint reads a token endpoint URL; ok is false when s is not a
// URL with a host at all.
func ParseEndpoint(s string) (Endpoint, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return Endpoint{}, false
	}
	e := Endpoint{Host: strings.ToLower(u.Hostname()), Scheme: u.Scheme}
	if m := tokenPath.FindStringSubmatch(u.EscapedPath()); m != nil {
		e.Tenant = m[1]
		e.Version = "v1"
		if m[2] != "" {
			e.Version = "v2"
		}
	} else if seg, _, _ := strings.Cut(strings.TrimPrefix(u.EscapedPath(), "/"), "/"); seg != "" {
		e.Tenant = seg
	}
	return e, true
}

// MultiTenant reports whether a tenant segment names no tenant: common,
// organizations or consumers.
func MultiTenant(seg string) bool {
	switch strings.ToLower(seg) {
	case "common", "organizations", "consumers":
		return true
	}
	return false
}
