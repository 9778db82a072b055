package keyvault

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
)

// suffixes are the DNS suffixes of each cloud's Key Vault (Azure SDK
// cloud configurations; learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates
// "DNS suffixes for object identifiers"); usgovdod vaults are in the
// usgov suffix too.
var suffixes = map[string]string{
	"public":   "vault.azure.net",
	"usgov":    "vault.usgovcloudapi.net",
	"usgovdod": "vault.usgovcloudapi.net",
	"china":    "vault.azure.cn",
}

// Suffix is the DNS suffix of the cloud's vaults ("vault.azure.net"),
// "" for a cloud appaudit does not know.
func Suffix(cloud string) string { return suffixes[strings.ToLower(strings.TrimSpace(cloud))] }

// Resource is the resource (the token audience) of the cloud's Key Vault:
// https://vault.azure.net.
func Resource(cloud string) string {
	if s := Suffix(cloud); s != "" {
		return "https://" + s
	}
	return ""
}

// Endpoint is one vault to read.
type Endpoint struct {
	// Name is the vault's name, the first label of its host.
	Name string
	// URL is the vault's URL, scheme and host only:
	// https://kv-prod.vault.azure.net.
	URL string
	// Loopback is true for a vault on this machine (a fake one): only
	// there may the URL be plain http, and only there is the
	// authentication challenge's resource not checked against the host.
	Loopback bool

	u *url.URL
}

// ResolveVault reads a --keyvault argument: a vault name, which gets the
// cloud's suffix (kv-prod: https://kv-prod.vault.azure.net in public), or
// a vault URL. The URL must be https, except on a loopback host
// (localhost, 127.0.0.1, ::1), since requests carry a token; it is the
// vault's root, with no path, query or user.
func ResolveVault(arg, cloud string) (Endpoint, error) {
	arg = strings.TrimSpace(arg)
	if !strings.Contains(arg, "://") {
		suffix := Suffix(cloud)
		switch {
		case suffix == "":
			return Endpoint{}, fmt.Errorf("keyvault: %w", &audit.ChoiceError{What: "cloud", Name: cloud, Choices: audit.CloudNames()})
		case !audit.ValidVaultName(arg):
			return Endpoint{}, configErr("", "%q is not a vault name (3 to 24 letters, digits and hyphens, starting with a letter) or a vault URL (https://NAME.%s)", clip(arg), suffix)
		}
		arg = "https://" + strings.ToLower(arg) + "." + suffix
	}
	u, err := url.Parse(arg)
	if err != nil || u.Hostname() == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return Endpoint{}, configErr("", "%q is not a vault URL (https://NAME.%s) or a vault name", clip(arg), Suffix("public"))
	}
	root := u.Scheme + "://" + u.Host
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return Endpoint{}, configErr("", "vault URL %s: give only the scheme and host (%s), with no path, user or query", clip(arg), root)
	}
	loopback := graphclient.IsLoopback(u.Hostname())
	if u.Scheme == "http" && !loopback {
		return Endpoint{}, configErr("use https", "vault URL %s: plain http is allowed only for localhost, 127.0.0.1 and ::1, since requests carry an access token", root)
	}
	u.Path, u.RawPath = "", ""
	name := strings.ToLower(strings.Split(u.Hostname(), ".")[0])
	if loopback {
		name = strings.ToLower(u.Host)
	}
	return Endpoint{Name: name, URL: strings.ToLower(root), Loopback: loopback, u: u}, nil
}

// onHost reports whether u is on the vault's scheme and host; port 443
// is the https default (Key Vault writes it into its nextLinks).
func (e Endpoint) onHost(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, e.u.Scheme) && strings.EqualFold(u.Hostname(), e.u.Hostname()) && port(u) == port(e.u)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "http" {
		return "80"
	}
	return "443"
}

// clip shortens what is quoted in a message to 120 bytes at most, never
// inside a character.
func clip(s string) string {
	if len(s) <= 120 {
		return s
	}
	n := 120
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
