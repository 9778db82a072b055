package keyvault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/appaudit/appaudit/graphclient"
)

// HintPermission is what a vault that answers 403 needs: the least
// privilege that reads certificates, their versions and policies and
// never a secret (docs/keyvault.md, "Permissions").
const HintPermission = "the signed-in identity needs, on this vault, the Key Vault Reader role (vaults that use Azure RBAC) " +
	"or an access policy with the certificate permissions Get and List (vaults that use access policies); no secret permission is needed"

// ConfigError is a vault, a token or a setting the reader cannot work
// with, found before anything is sent. Msg and Hint name no package, so
// that a command can put the flag or variable it came from before them.
type ConfigError struct {
	Msg  string // what is wrong, lower case
	Hint string // what to do about it; may be empty
}

func (e *ConfigError) Error() string {
	s := "keyvault: " + e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func configErr(hint, format string, args ...any) *ConfigError {
	return &ConfigError{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// failure is a request that failed, said for a person: msg, and whether
// every further request to the vault would fail the same way.
type failure struct {
	msg   string
	fatal bool
}

// emptyAnswer is a success answer with no body, which Key Vault never
// sends to a read of certificates (net/http's server sends one for a
// handler that writes nothing; a proxy may too).
type emptyAnswer struct{ status, path string }

func (e *emptyAnswer) Error() string { return "keyvault: " + e.msg() }

func (e *emptyAnswer) msg() string {
	return fmt.Sprintf("Key Vault answered %s to GET %s with no body, which is no answer of Key Vault; run the audit again later", e.status, clip(e.path))
}

// classify says what err, met while doing op on the vault at ep, means.
func classify(ep Endpoint, op string, err error) failure {
	var se *graphclient.SignInError
	var empty *emptyAnswer
	var re *azcore.ResponseError
	var rt *graphclient.RetryError
	var dns *net.DNSError
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &rt):
		return failure{"interrupted", true}
	case errors.As(err, &se):
		return failure{graphclient.Reason(se), true}
	case errors.As(err, &re):
		return responseFailure(re)
	case errors.As(err, &empty):
		return failure{empty.msg(), false}
	case errors.As(err, &rt):
		msg := "Key Vault is failing or cannot be reached (" + rt.Error() + "); run the audit again later"
		if rt.Status == http.StatusTooManyRequests {
			msg = "Key Vault kept throttling (" + rt.Error() + "); run the audit again later"
		}
		return failure{msg, false}
	case errors.As(err, &dns) && dns.IsNotFound:
		return failure{fmt.Sprintf("no vault answers at %s: the name %s does not resolve (check the vault's name, and --cloud for a national cloud)", ep.URL, dns.Name), true}
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error()
	}
	msg = strings.TrimPrefix(msg, "keyvault: ")
	if strings.Contains(msg, "doesn't match the requested domain") {
		// The SDK's check of the challenge's resource against the vault's
		// host: the token would be for another service.
		return failure{"the vault's authentication challenge names a resource that is not this vault's domain, so no token was sent: " + clip(oneLine(msg)), true}
	}
	return failure{clip(oneLine(msg)), true}
}

// responseFailure says what an error answer of Key Vault means. Key
// Vault's error JSON is {"error": {"code", "message", "innererror":
// {"code"}}} (testdata/403-forbidden-by-rbac.json).
func responseFailure(re *azcore.ResponseError) failure {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Inner   struct {
				Code string `json:"code"`
			} `json:"innererror"`
		} `json:"error"`
	}
	if re.RawResponse != nil {
		if b, err := runtime.Payload(re.RawResponse); err == nil {
			_ = json.Unmarshal(b, &body)
		}
	}
	code := body.Error.Code
	if body.Error.Inner.Code != "" {
		code += " (" + body.Error.Inner.Code + ")"
	}
	said := fmt.Sprintf("Key Vault answered %d %s", re.StatusCode, http.StatusText(re.StatusCode))
	if code != "" {
		said += " " + clip(oneLine(code))
	}
	// The first line of the message: the rest (caller, action, resource)
	// is for the vault's owner, who can look it up.
	if first, _, _ := strings.Cut(body.Error.Message, "\n"); strings.TrimSpace(first) != "" {
		said += ": " + clip(strings.TrimSpace(first))
	}
	switch re.StatusCode {
	case http.StatusForbidden:
		return failure{said + " (" + HintPermission + ")", true}
	case http.StatusUnauthorized:
		return failure{said + " (Key Vault refused the access token: it is invalid or expired, or was issued for another audience than the vault's)", true}
	case http.StatusNotFound:
		return failure{said + " (no such vault or certificate at this URL)", false}
	}
	return failure{said, false}
}

// statusOf is the status of a Key Vault error answer, 0 for anything
// else.
func statusOf(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// oneLine joins a message's lines.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\\r\\n", " ")), " ")
}
