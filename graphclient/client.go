package graphclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	kiotaazure "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// Config says how a Client reaches Graph.
type Config struct {
	Endpoint Endpoint
	// Credential signs the requests; a *Credential also tells the tenant
	// its tokens were issued in, and its mode names it in errors.
	Credential azcore.TokenCredential
	// TenantID is recorded in the Tenant when the tokens do not say.
	TenantID string
	// Transport sends the HTTP requests; nil is a copy of
	// http.DefaultTransport. Tests wrap it to watch what leaves.
	Transport http.RoundTripper
	Retry     RetryPolicy
	// KeyReadsPerMinute bounds the requests that select keyCredentials
	// (list pages, single objects, each request inside a $batch): Graph
	// allows about 150 a minute per tenant (ENTRA-FACTS.md). 0 is 150; a
	// negative value is no limit, for fakes.
	KeyReadsPerMinute int
	// Concurrency is how many $batch requests may be in flight; 0 is 4.
	Concurrency int
	// PageSize is the $top of list pages; 0 is 999, Graph's largest.
	PageSize int
	// Clock is nil for the real one.
	Clock Clock
	// UserAgent is sent with every request.
	UserAgent string
}

// DefaultKeyReadsPerMinute is Graph's documented limit on reads that
// select keyCredentials, per tenant.
const DefaultKeyReadsPerMinute = 150

// Client reads a tenant's applications and service principals from Graph.
// It only ever sends GET requests, and POST requests to $batch whose
// requests are all GETs; its transport refuses anything else.
type Client struct {
	ep      Endpoint
	cfg     Config
	clock   Clock
	tr      *transport
	adapter abs.RequestAdapter
	keys    *window
	stats   *counters
}

// NewClient makes a Client. It sends nothing: the first request signs in.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Credential == nil {
		return nil, errors.New("graphclient: no credential to sign in with")
	}
	if cfg.Endpoint.root == nil {
		return nil, errors.New("graphclient: no endpoint (use ResolveEndpoint)")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.PageSize <= 0 || cfg.PageSize > 999 {
		cfg.PageSize = 999
	}
	if cfg.KeyReadsPerMinute == 0 {
		cfg.KeyReadsPerMinute = DefaultKeyReadsPerMinute
	}
	clock := cfg.Clock
	if clock == nil {
		clock = RealClock{}
	}
	base := cfg.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = cfg.Concurrency + 4
		base = t
	}
	c := &Client{ep: cfg.Endpoint, cfg: cfg, clock: clock, stats: &counters{limit: max(cfg.KeyReadsPerMinute, 0)}}
	c.tr = newTransport(base, cfg.Retry, clock, c.stats, cfg.UserAgent)
	c.keys = newWindow(cfg.KeyReadsPerMinute, time.Minute, clock, c.stats)
	// The token goes to the endpoint's host only: the SDK drops the
	// Authorization header for any host not allowed here.
	auth, err := kiotaazure.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cfg.Credential,
		[]string{cfg.Endpoint.Scope}, []string{cfg.Endpoint.root.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("graphclient: %w", err)
	}
	parsers := absser.NewParseNodeFactoryRegistry()
	parsers.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonParseNodeFactory()
	httpClient := &http.Client{
		// The SDK's request builders write $select as %24select (RFC 6570);
		// the SDK's own pipeline decodes query option names before a
		// request leaves, and so does this one.
		Transport: khttp.NewCustomTransportWithParentTransport(c.tr, khttp.NewParametersNameDecodingHandler()),
		// Graph does not redirect these reads; a redirect elsewhere is not
		// followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	adapter, err := khttp.NewNetHttpRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, parsers, nil, httpClient)
	if err != nil {
		return nil, fmt.Errorf("graphclient: %w", err)
	}
	adapter.SetBaseUrl(cfg.Endpoint.Base())
	c.adapter = adapter
	return c, nil
}

// Stats says how far the read has got; safe to call while Read runs.
func (c *Client) Stats() Stats { return c.stats.snapshot(c.clock.Now()) }

// errorMapping has Graph's error answers decoded as OData errors.
var errorMapping = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// send sends a request built by the SDK's request builders and returns
// the answer's body as it came.
func (c *Client) send(ctx context.Context, ri *abs.RequestInformation, op string) ([]byte, error) {
	res, err := c.adapter.SendPrimitive(ctx, ri, "[]byte", errorMapping)
	if err != nil {
		return nil, c.classify(op, err)
	}
	b, _ := res.([]byte)
	return b, nil
}

// Error is a Graph request that failed: what was being done, Graph's
// status and error code and message, and what to do about it.
type Error struct {
	Op      string // "listing applications", "reading application 1111..."
	Status  int    // 0 when no answer came
	Code    string // Graph's error code, such as Authorization_RequestDenied
	Message string
	Hint    string
	Err     error
	// retried: Message says what the attempts got, status included.
	retried bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("graphclient: ")
	if e.Op != "" {
		b.WriteString(e.Op + ": ")
	}
	if e.Status != 0 && !e.retried {
		fmt.Fprintf(&b, "Graph answered %d", e.Status)
		if e.Code != "" {
			b.WriteString(" " + e.Code)
		}
		if e.Message != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Message)
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ConfigError is a setting the client cannot work with, found before
// anything is sent: a Graph URL it will not send a token to, a sign-in
// mode without what it needs. An unknown sign-in mode or cloud is an
// *audit.ChoiceError instead.
type ConfigError struct {
	Setting Setting // which setting is at fault
	Value   string  // its value as given (clipped), never a secret; may be empty
	Msg     string  // what is wrong, lower case
	Hint    string  // what to do about it; may be empty
	Err     error   // the underlying error, if any
}

// Setting names what a ConfigError is about.
type Setting string

// The settings a ConfigError can be about.
const (
	SettingAuth     Setting = "sign-in mode" // AuthOptions.Mode, and what the mode needs
	SettingGraphURL Setting = "Graph URL"    // ResolveEndpoint's graphURL
)

func (e *ConfigError) Error() string {
	s := "graphclient: " + string(e.Setting)
	if e.Value != "" {
		s += " " + e.Value
	}
	s += ": " + e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *ConfigError) Unwrap() error { return e.Err }

// The one permission appaudit needs, and how to get it.
const hintPermission = "the signed-in identity needs the Microsoft Graph permission Application.Read.All: " +
	"an application permission with admin consent for a service principal or managed identity, a delegated one for a user; see the README's Permissions section"

// classify turns what the SDK returned into an error that says what to do.
func (c *Client) classify(op string, err error) error {
	var se *SignInError
	var re *RetryError
	var oe *odataerrors.ODataError
	var api interface{ GetStatusCode() int }
	switch {
	case errors.As(err, &se):
		return se
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &re):
		return err
	case errors.As(err, &re):
		e := &Error{Op: op, Status: re.Status, Code: re.Code, Message: re.Error(), Err: err, retried: true,
			Hint: "Graph is failing or cannot be reached; run the audit again later"}
		if re.Status == http.StatusTooManyRequests {
			e.Hint = "Graph is throttling this tenant's reads; run the audit again later, or read less with --app or --no-key-fetch"
		}
		return e
	case errors.As(err, &oe):
		e := &Error{Op: op, Status: oe.GetStatusCode(), Err: err}
		if m := oe.GetErrorEscaped(); m != nil {
			e.Code, e.Message = clip(deref(m.GetCode())), clipLine(oneLine(deref(m.GetMessage())), 300)
		}
		e.Hint = c.statusHint(e.Status)
		return e
	case errors.As(err, &api):
		return &Error{Op: op, Status: api.GetStatusCode(), Err: err, Hint: c.statusHint(api.GetStatusCode())}
	}
	return &Error{Op: op, Message: errText(err), Err: err}
}

func (c *Client) statusHint(status int) string {
	switch status {
	case http.StatusUnauthorized:
		h := "Graph refused the access token: it is invalid or expired, or was issued for another audience than " + strings.TrimSuffix(c.ep.Scope, "/.default")
		if cr, ok := c.cfg.Credential.(*Credential); ok && cr.Mode() == AuthToken {
			h += "; get a new one with az account get-access-token --resource-type ms-graph"
		}
		return h
	case http.StatusForbidden:
		return hintPermission
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// statusOf is the Graph status of a failed request, 0 when none.
func statusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Reason is what err says without the "graphclient: " this package's
// messages begin with: the words a caller puts after its own ("could not
// read the tenant: ..."). The prefix is known here only.
func Reason(err error) string {
	return strings.TrimPrefix(err.Error(), "graphclient: ")
}

// SignInFailed reports whether err says no request of this client can
// succeed: signing in failed, or Graph refused the token (401). A 403 is
// not: it refuses one permission, and another read may have it.
func SignInFailed(err error) bool {
	var se *SignInError
	return errors.As(err, &se) || statusOf(err) == http.StatusUnauthorized
}

// fatal reports whether err stops every further request: a sign-in that
// failed, a token Graph refuses, a permission missing, or the caller
// giving up.
func fatal(err error) bool {
	var se *SignInError
	switch s := statusOf(err); {
	case errors.As(err, &se), s == http.StatusUnauthorized, s == http.StatusForbidden:
		return true
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
