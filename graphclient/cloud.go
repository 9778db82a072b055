package graphclient

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// Cloud is one of the Microsoft clouds: where its users sign in and where
// its Microsoft Graph service lives. Tokens do not cross clouds, so the
// authority, the Graph service root and the token scope always come from
// the same Cloud.
type Cloud struct {
	// Name is how appaudit spells it: public, usgov, usgovdod or china
	// (never an alias).
	Name string
	// AuthorityHost is the Entra sign-in authority, with a trailing slash.
	AuthorityHost string
	// GraphRoot is the Graph service root, without a version.
	GraphRoot string
}

// Scope is the OAuth scope of a token for the cloud's Microsoft Graph.
func (c Cloud) Scope() string { return c.GraphRoot + "/.default" }

// Clouds lists the clouds appaudit reads: audit.Clouds, the one table of
// them, with the authority and Graph root this package signs in to and
// reads.
func Clouds() []Cloud {
	var out []Cloud
	for _, c := range audit.Clouds() {
		out = append(out, fromAudit(c))
	}
	return out
}

func fromAudit(c audit.Cloud) Cloud {
	return Cloud{Name: c.Name, AuthorityHost: c.Authority(), GraphRoot: c.GraphRoot}
}

// CloudNames lists appaudit's names of the clouds.
func CloudNames() []string { return audit.CloudNames() }

// LookupCloud finds a cloud by name or alias (audit.LookupCloud), ignoring
// case: usgov and AzureUSGovernment are the same cloud.
func LookupCloud(name string) (Cloud, error) {
	c, err := audit.LookupCloud(name)
	if err != nil {
		return Cloud{}, fmt.Errorf("graphclient: %w", err)
	}
	return fromAudit(c), nil
}

// cloudOfGraphHost is the cloud whose Graph service is at host.
func cloudOfGraphHost(host string) (Cloud, bool) {
	for _, c := range Clouds() {
		u, _ := url.Parse(c.GraphRoot)
		if strings.EqualFold(u.Hostname(), host) {
			return c, true
		}
	}
	return Cloud{}, false
}

// Endpoint is where appaudit reads Graph: the cloud it signs in to and the
// service root it sends requests to.
type Endpoint struct {
	Cloud Cloud
	// Root is the Graph service root without a version:
	// https://graph.microsoft.com, or what --graph-url says.
	Root string
	// Scope is the scope of the tokens requests carry.
	Scope string

	root *url.URL
}

// Base is the URL requests are built on: the root and the API version.
func (e Endpoint) Base() string { return e.Root + "/v1.0" }

// Host is the host (and port) requests go to; the only host that gets a
// token.
func (e Endpoint) Host() string { return e.root.Host }

// onHost reports whether u is on the endpoint's scheme, host and port.
func (e Endpoint) onHost(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, e.root.Scheme) && strings.EqualFold(u.Host, e.root.Host)
}

// ResolveEndpoint works out the endpoint for cloud (a name LookupCloud
// takes) and graphURL, which overrides the cloud's Graph service root when
// not empty: https://graph.microsoft.us, or http://127.0.0.1:8080 for a
// fake server. Plain http is refused except on the loopback hosts
// (localhost, 127.0.0.1, ::1), since the request carries a token.
//
// The scope follows graphURL when it is another cloud's Graph host only if
// that cloud is the one chosen: a Graph host of another cloud is an error,
// as its tokens would come from the wrong authority. Any other host (a
// proxy, a fake server) gets tokens for the chosen cloud's Graph.
//
// An unknown cloud is an error wrapping an *audit.ChoiceError, and a
// graphURL it refuses a *ConfigError.
func ResolveEndpoint(cloud, graphURL string) (Endpoint, error) {
	c, err := LookupCloud(cloud)
	if err != nil {
		return Endpoint{}, err
	}
	e := Endpoint{Cloud: c, Root: c.GraphRoot, Scope: c.Scope()}
	if graphURL == "" {
		e.root, _ = url.Parse(e.Root)
		return e, nil
	}
	u, err := url.Parse(strings.TrimSpace(graphURL))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return Endpoint{}, &ConfigError{Setting: SettingGraphURL, Value: strconv.Quote(clip(graphURL)), Msg: "not an http(s) URL with a host",
			Hint: "for example https://graph.microsoft.us or http://127.0.0.1:8080"}
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Endpoint{}, &ConfigError{Setting: SettingGraphURL, Value: u.Scheme + "://" + u.Host, Msg: "has a user, a query or a fragment",
			Hint: "give only the scheme, host and port, and a path prefix"}
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return Endpoint{}, &ConfigError{Setting: SettingGraphURL, Value: u.Scheme + "://" + u.Host,
			Msg: "plain http is allowed only for localhost, 127.0.0.1 and ::1, since requests carry an access token", Hint: "use https"}
	}
	path := strings.TrimRight(u.Path, "/")
	if last := path[strings.LastIndexByte(path, '/')+1:]; strings.EqualFold(last, "v1.0") || strings.EqualFold(last, "beta") {
		return Endpoint{}, &ConfigError{Setting: SettingGraphURL, Value: u.Scheme + "://" + u.Host + u.Path, Msg: "ends with the version " + last,
			Hint: "leave it out; appaudit adds /v1.0"}
	}
	if other, ok := cloudOfGraphHost(u.Hostname()); ok {
		if other.Name != c.Name {
			return Endpoint{}, &ConfigError{Setting: SettingGraphURL, Value: u.Host,
				Msg:  fmt.Sprintf("is the %s cloud's Microsoft Graph, but the cloud is %s, and tokens do not cross clouds", other.Name, c.Name),
				Hint: "choose the " + other.Name + " cloud"}
		}
		e.Scope = other.Scope()
	}
	u.Path, u.RawPath = path, ""
	e.root = u
	e.Root = u.String()
	return e, nil
}

// IsLoopback reports whether host (without a port) names this machine:
// localhost, 127.0.0.1 or ::1.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}
