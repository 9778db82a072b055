package graphclient

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/golang-jwt/jwt/v5"

	"github.com/appaudit/appaudit/audit"
)

// AuthMode is how appaudit signs in to read Graph.
type AuthMode string

// The sign-in modes, each an azidentity credential (or, for AuthToken, a
// token the caller already has).
const (
	// AuthDefault is azidentity's DefaultAzureCredential chain:
	// environment, workload identity, managed identity, Azure CLI, ...
	AuthDefault AuthMode = "default"
	// AuthClientSecret signs in as an app with a client secret.
	AuthClientSecret AuthMode = "client-secret"
	// AuthClientCertificate signs in as an app with a certificate and its
	// private key.
	AuthClientCertificate AuthMode = "client-certificate"
	// AuthManagedIdentity uses the Azure resource's managed identity: the
	// system-assigned one, or the user-assigned one ClientID names.
	AuthManagedIdentity AuthMode = "managed-identity"
	// AuthWorkloadIdentity exchanges a federated token from a file (AKS,
	// GitHub Actions) for an Entra token.
	AuthWorkloadIdentity AuthMode = "workload-identity"
	// AuthAzureCLI uses the account `az login` signed in.
	AuthAzureCLI AuthMode = "azure-cli"
	// AuthDeviceCode signs a user in on another device with a code.
	AuthDeviceCode AuthMode = "device-code"
	// AuthToken uses an access token the caller already has.
	AuthToken AuthMode = "token"
)

// AuthModes lists the modes, default first.
func AuthModes() []AuthMode {
	return []AuthMode{AuthDefault, AuthClientSecret, AuthClientCertificate, AuthManagedIdentity,
		AuthWorkloadIdentity, AuthAzureCLI, AuthDeviceCode, AuthToken}
}

// ParseAuthMode reads a mode name. An unknown name is an error wrapping an
// *audit.ChoiceError.
func ParseAuthMode(s string) (AuthMode, error) {
	for _, m := range AuthModes() {
		if strings.EqualFold(string(m), strings.TrimSpace(s)) {
			return m, nil
		}
	}
	return "", fmt.Errorf("graphclient: %w", &audit.ChoiceError{What: "sign-in mode", Name: s, Choices: modeNames()})
}

// modeNames are the names of AuthModes.
func modeNames() []string {
	names := make([]string, 0, 8)
	for _, m := range AuthModes() {
		names = append(names, string(m))
	}
	return names
}

// AuthOptions are what a sign-in mode needs. Secrets come in here, never
// from the environment directly, and never leave in an error.
type AuthOptions struct {
	Mode  AuthMode
	Cloud Cloud
	// TenantID is the tenant to sign in to; required by client-secret and
	// client-certificate, optional elsewhere.
	TenantID string
	// ClientID is the app (client-secret, client-certificate,
	// workload-identity, device-code) or the user-assigned managed
	// identity.
	ClientID string
	// ClientSecret is the secret for client-secret.
	ClientSecret string
	// Certificates (leaf first) and PrivateKey are for client-certificate.
	Certificates []*x509.Certificate
	PrivateKey   crypto.Signer
	// AccessToken is the token for the token mode, and TokenVar the
	// environment variable it came from, for messages.
	AccessToken string
	TokenVar    string
	// DeviceCodePrompt shows the device-code instructions to the user.
	DeviceCodePrompt func(message string)
	// Transport carries the token requests; nil is the default. Tests give
	// the client of a fake token endpoint.
	Transport policy.Transporter
	// DisableInstanceDiscovery skips Entra's instance discovery, for an
	// authority that is not Entra's (a fake one in tests, a private cloud).
	DisableInstanceDiscovery bool
	// Now is the clock the token mode checks expiry against; nil is
	// time.Now.
	Now func() time.Time
	// LookPath finds a program on the PATH, as exec.LookPath does (nil is
	// exec.LookPath): a failed sign-in says "run az login" only when the
	// Azure CLI is there to run.
	LookPath func(file string) (string, error)
}

// Credential is a sign-in: an azcore.TokenCredential whose failures are
// *SignInError, which also remembers the tenant the tokens it obtained
// were issued in.
type Credential struct {
	mode AuthMode
	cred azcore.TokenCredential
	// secrets are the ones it was given, to take out of error messages.
	secrets []string
	// lookPath finds the Azure CLI, for the hints of a failed sign-in.
	lookPath func(string) (string, error)

	mu     sync.Mutex
	tenant string
	last   string // the last token obtained, whose claims were read
}

// Mode is the sign-in mode.
func (c *Credential) Mode() AuthMode { return c.mode }

// TenantID is the tenant (the tid claim) of the last token obtained, ""
// before the first one or when the token does not say.
func (c *Credential) TenantID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tenant
}

// GetToken obtains a token; see azcore.TokenCredential.
func (c *Credential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.cred.GetToken(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			return tok, ctx.Err()
		}
		e := signInError(c.mode, err, c.secrets...)
		if e.Hint == "" {
			e.Hint = modeHint(c.mode, c.lookPath)
		}
		return tok, e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if tok.Token == c.last {
		return tok, nil // azidentity's cached token: its tid is read already
	}
	c.last = tok.Token
	if claims, ok := tokenClaims(tok.Token); ok {
		if tid, _ := claims["tid"].(string); tid != "" {
			c.tenant = tid
		}
	}
	return tok, nil
}

// NewCredential makes the credential of o.Mode. A mode that lacks what it
// needs (a tenant, a client ID, a secret) is a *ConfigError here, before
// any request; a sign-in that fails later is a *SignInError from GetToken.
func NewCredential(o AuthOptions) (*Credential, error) {
	cred, err := newAzCredential(o)
	if err != nil {
		return nil, err
	}
	look := o.LookPath
	if look == nil {
		look = exec.LookPath
	}
	return &Credential{mode: o.Mode, cred: cred, secrets: []string{o.ClientSecret, o.AccessToken}, lookPath: look}, nil
}

func newAzCredential(o AuthOptions) (azcore.TokenCredential, error) {
	client := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: o.Cloud.AuthorityHost}, Transport: o.Transport}
	if o.Cloud.AuthorityHost == "" {
		client.Cloud = cloud.AzurePublic
	}
	need := func(what ...string) error {
		var missing []string
		for i := 0; i < len(what); i += 2 {
			if what[i+1] == "" {
				missing = append(missing, what[i])
			}
		}
		if len(missing) > 0 {
			return &ConfigError{Setting: SettingAuth, Value: string(o.Mode), Msg: "needs " + strings.Join(missing, " and ")}
		}
		return nil
	}
	wrap := func(c azcore.TokenCredential, err error) (azcore.TokenCredential, error) {
		if err != nil {
			return nil, &ConfigError{Setting: SettingAuth, Value: string(o.Mode), Msg: "cannot be set up: " + redact(oneLine(err.Error()), o.ClientSecret, o.AccessToken)}
		}
		return c, nil
	}
	switch o.Mode {
	case AuthDefault:
		return wrap(azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: client, TenantID: o.TenantID, DisableInstanceDiscovery: o.DisableInstanceDiscovery}))
	case AuthClientSecret:
		if err := need("a tenant ID (AZURE_TENANT_ID or --tenant)", o.TenantID, "a client ID (AZURE_CLIENT_ID or --client-id)", o.ClientID,
			"a client secret (AZURE_CLIENT_SECRET)", o.ClientSecret); err != nil {
			return nil, err
		}
		return wrap(azidentity.NewClientSecretCredential(o.TenantID, o.ClientID, o.ClientSecret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions: client, DisableInstanceDiscovery: o.DisableInstanceDiscovery}))
	case AuthClientCertificate:
		if err := need("a tenant ID (AZURE_TENANT_ID or --tenant)", o.TenantID, "a client ID (AZURE_CLIENT_ID or --client-id)", o.ClientID); err != nil {
			return nil, err
		}
		if len(o.Certificates) == 0 || o.PrivateKey == nil {
			return nil, &ConfigError{Setting: SettingAuth, Value: string(o.Mode), Msg: "needs a certificate and its private key (--client-cert)"}
		}
		return wrap(azidentity.NewClientCertificateCredential(o.TenantID, o.ClientID, o.Certificates, o.PrivateKey, &azidentity.ClientCertificateCredentialOptions{
			ClientOptions: client, DisableInstanceDiscovery: o.DisableInstanceDiscovery}))
	case AuthManagedIdentity:
		mi := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: client}
		if o.ClientID != "" {
			mi.ID = azidentity.ClientID(o.ClientID)
		}
		return wrap(azidentity.NewManagedIdentityCredential(mi))
	case AuthWorkloadIdentity:
		return wrap(azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: client, ClientID: o.ClientID, TenantID: o.TenantID, DisableInstanceDiscovery: o.DisableInstanceDiscovery}))
	case AuthAzureCLI:
		return wrap(azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: o.TenantID}))
	case AuthDeviceCode:
		prompt := o.DeviceCodePrompt
		return wrap(azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: client, ClientID: o.ClientID, TenantID: o.TenantID, DisableInstanceDiscovery: o.DisableInstanceDiscovery,
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				if prompt != nil {
					prompt(m.Message)
				}
				return nil
			}}))
	case AuthToken:
		return newStaticToken(o)
	}
	return nil, fmt.Errorf("graphclient: %w", &audit.ChoiceError{What: "sign-in mode", Name: string(o.Mode), Choices: modeNames()})
}

// staticToken is a token the caller already has (--auth token).
type staticToken struct {
	token  string
	expiry time.Time // zero when the token does not say
	source string
	aud    []string
	scope  string
	graph  []string // audiences of the cloud's Graph, as audience spells them
	now    func() time.Time
}

// The application ID of Microsoft Graph, which tokens for it may carry as
// their audience instead of its URL.
const graphAppID = "00000003-0000-0000-c000-000000000000"

func newStaticToken(o AuthOptions) (*staticToken, error) {
	src := o.TokenVar
	if src == "" {
		src = "the access token"
	}
	tok := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(o.AccessToken), "Bearer "))
	if tok == "" {
		return nil, &ConfigError{Setting: SettingAuth, Value: string(AuthToken), Msg: "needs an access token in " + src,
			Hint: "for example from `az account get-access-token --resource-type ms-graph --query accessToken -o tsv`"}
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return nil, &ConfigError{Setting: SettingAuth, Value: string(AuthToken), Msg: src + " holds more than one word", Hint: "give the access token alone"}
	}
	s := &staticToken{token: tok, source: src, now: o.Now, scope: o.Cloud.Scope()}
	s.graph = []string{audience(graphAppID), audience(s.scope)}
	if s.now == nil {
		s.now = time.Now
	}
	if claims, ok := tokenClaims(tok); ok {
		if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
			s.expiry = exp.Time
		}
		s.aud, _ = claims.GetAudience()
	}
	return s, nil
}

func (s *staticToken) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if !s.expiry.IsZero() && !s.now().Before(s.expiry) {
		return azcore.AccessToken{}, &SignInError{Mode: AuthToken,
			Msg:  fmt.Sprintf("the token in %s expired at %s", s.source, s.expiry.UTC().Format(time.RFC3339)),
			Hint: "get a new one: az account get-access-token --resource-type ms-graph"}
	}
	if len(s.aud) > 0 && !s.forGraph(opts.Scopes) {
		return azcore.AccessToken{}, &SignInError{Mode: AuthToken,
			Msg:  fmt.Sprintf("the token in %s is for %s, not for Microsoft Graph (%s)", s.source, clip(strings.Join(s.aud, ", ")), strings.TrimSuffix(s.scope, "/.default")),
			Hint: "get a Graph token: az account get-access-token --resource-type ms-graph"}
	}
	exp := s.expiry
	if exp.IsZero() {
		exp = s.now().Add(time.Hour)
	}
	return azcore.AccessToken{Token: s.token, ExpiresOn: exp}, nil
}

// forGraph reports whether the token's audience is the Graph the scopes
// (or the cloud) name.
func (s *staticToken) forGraph(scopes []string) bool {
	for _, a := range s.aud {
		a = strings.TrimSuffix(a, "/")
		for _, w := range s.graph {
			if strings.EqualFold(a, w) {
				return true
			}
		}
		for _, sc := range scopes {
			if strings.EqualFold(a, audience(sc)) {
				return true
			}
		}
	}
	return false
}

// audience is the audience a token for scope (or resource) carries,
// without a trailing slash.
func audience(scope string) string {
	return strings.TrimSuffix(strings.TrimSuffix(scope, "/.default"), "/")
}

// tokenClaims reads the claims of a JWT access token without verifying it
// (Graph does that); ok is false for a token that is not a JWT.
func tokenClaims(tok string) (jwt.MapClaims, bool) {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
		return nil, false
	}
	return claims, true
}

// SignInError is a sign-in that failed: the mode, the AADSTS code when
// Entra gave one, what Entra or the credential said (one line, never a
// secret or a token) and what to do.
type SignInError struct {
	Mode AuthMode
	Code string // "AADSTS7000215", or ""
	Msg  string
	Hint string
	Err  error // the credential's own error; never printed, as it is many lines
}

func (e *SignInError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graphclient: sign-in with %s failed: ", e.Mode)
	if e.Code != "" && !strings.HasPrefix(e.Msg, e.Code) {
		b.WriteString(e.Code + ": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

func (e *SignInError) Unwrap() error { return e.Err }

var aadsts = regexp.MustCompile(`AADSTS\d+`)

// signInError turns what a credential returned into a *SignInError,
// without secrets in its message.
func signInError(mode AuthMode, err error, secrets ...string) *SignInError {
	var se *SignInError
	if errors.As(err, &se) {
		return se
	}
	e := &SignInError{Mode: mode, Err: err}
	msg := ""
	var af *azidentity.AuthenticationFailedError
	if errors.As(err, &af) && af.RawResponse != nil {
		msg = entraErrorText(af.RawResponse)
		if msg == "" {
			msg = fmt.Sprintf("the token endpoint answered %s", af.RawResponse.Status)
		}
	}
	if msg == "" {
		msg = oneLine(err.Error())
	}
	msg = redact(msg, secrets...)
	e.Code = aadsts.FindString(msg)
	e.Msg = clipLine(msg, 300)
	e.Hint = signInHints[e.Code]
	return e
}

// What a token endpoint (or a proxy before it) may quote back of a token
// request in its error: a credential as a form parameter or a JSON
// member, and tokens and client assertions, which are JWTs.
var (
	credentialParam = regexp.MustCompile(`(?i)\b(client_secret|client_assertion|assertion|refresh_token|access_token|id_token|password)(=|"\s*:\s*")[^&\s"]*`)
	jwtLike         = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)?`)
)

// redact takes the secrets given (as they are and URL-encoded),
// credential parameters and JWTs out of a message.
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(strings.ReplaceAll(msg, s, "[redacted]"), url.QueryEscape(s), "[redacted]")
		}
	}
	msg = credentialParam.ReplaceAllString(msg, "${1}${2}[redacted]")
	return jwtLike.ReplaceAllString(msg, "[redacted]")
}

// entraErrorText reads the error_description of an Entra token endpoint
// answer, without the trace and correlation IDs that follow it.
func entraErrorText(resp *http.Response) string {
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
	}
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	d := e.Description
	if i := strings.Index(d, " Trace ID:"); i >= 0 {
		d = d[:i]
	}
	d = oneLine(d)
	if d == "" {
		d = e.Error
	}
	return d
}

// troubleshoot is azidentity's link to its troubleshooting guide, on a
// line of its own or after a message ("... To troubleshoot, visit
// https://aka.ms/azsdk/go/identity/troubleshoot#azure-cli").
var troubleshoot = regexp.MustCompile(`\s*To troubleshoot, visit \S+`)

// oneLine collapses a multi-line message, dropping azidentity's rules and
// troubleshooting links.
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(troubleshoot.ReplaceAllString(l, ""))
		if l == "" || strings.Trim(l, "-") == "" {
			continue
		}
		parts = append(parts, l)
	}
	return strings.Join(parts, "; ")
}

// clipLine shortens a one-line message to about n bytes.
func clipLine(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
	}
	return s[:cut] + " …"
}

// What to do about the sign-in failures people meet most (MicrosoftDocs
// entra-docs reference-error-codes.md).
var signInHints = map[string]string{
	"AADSTS7000215": "the client secret is wrong: give the secret's value, not its ID, in AZURE_CLIENT_SECRET",
	"AADSTS7000222": "the client secret has expired: create a new one on the app registration",
	"AADSTS700016":  "no app with this client ID is in the tenant: check AZURE_CLIENT_ID (or --client-id) and the tenant",
	"AADSTS700027":  "the certificate is not registered on the app: upload it to the app registration, or check with appaudit doctor",
	"AADSTS90002":   "no tenant has this ID or domain: check AZURE_TENANT_ID or --tenant",
	"AADSTS900023":  "the tenant ID is not a GUID or domain: check AZURE_TENANT_ID or --tenant",
	"AADSTS7000218": "the request carried neither a secret nor a certificate: check the sign-in mode",
}

// installCLI says where the Azure CLI comes from.
const installCLI = "https://learn.microsoft.com/cli/azure/install-azure-cli"

// modeHint is what to do when a sign-in of mode failed for no reason
// signInHints knows. "run az login" is the hint only when lookPath finds
// the Azure CLI; otherwise it says how to install it or which --auth to
// use instead.
func modeHint(mode AuthMode, lookPath func(string) (string, error)) string {
	switch mode {
	case AuthDefault:
		if azInstalled(lookPath) {
			return "no credential in the default chain signed in: run az login, set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or choose a mode with --auth"
		}
		return "no credential in the default chain signed in, and the Azure CLI (az) is not on the PATH: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, " +
			"sign a user in with --auth device-code, or install the Azure CLI (" + installCLI + ") and run az login"
	case AuthAzureCLI:
		if azInstalled(lookPath) {
			return "run az login (with --tenant for another tenant) first"
		}
		return "the Azure CLI (az) is not on the PATH: install it (" + installCLI + ") and run az login, " +
			"or sign in another way: --auth device-code for a user, client-secret, client-certificate, managed-identity or workload-identity for an app"
	case AuthManagedIdentity:
		return "this works only on an Azure resource with a managed identity; for a user-assigned one give its client ID with --client-id"
	case AuthWorkloadIdentity:
		return "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE, as AKS workload identity does"
	}
	return ""
}

// azInstalled reports whether the Azure CLI is on the PATH.
func azInstalled(lookPath func(string) (string, error)) bool {
	_, err := lookPath("az")
	return err == nil
}
