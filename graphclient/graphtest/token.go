package graphtest

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenOptions say what a TokenServer accepts and how it answers.
type TokenOptions struct {
	// TenantID and ClientID are the tenant and the app that may sign in.
	TenantID, ClientID string
	// ClientSecret is the secret the app signs in with; "" accepts none.
	ClientSecret string
	// Certificate is the certificate whose key signs the app's client
	// assertions, named by their x5t#S256 or x5t header; nil accepts none.
	Certificate *x509.Certificate
	// Lifetime is how long the tokens issued last (expires_in); 0 is an
	// hour. Microsoft's libraries get a new token when the one they have
	// ends within five minutes, so a shorter lifetime makes them ask again
	// for every request.
	Lifetime time.Duration
	// Echo makes every error answer start its error_description with the
	// token request, secret or client assertion included, as a
	// misbehaving endpoint or proxy might.
	Echo bool
}

// TokenServer is a fake Microsoft Entra token endpoint for one tenant,
// over TLS on a loopback port: the OpenID metadata Microsoft's libraries
// read first, and a token endpoint for the client credentials grant that
// checks the client secret or the client assertion (signature, audience,
// issuer and thumbprint header) and issues Graph access tokens, each a
// different one. A wrong secret is answered AADSTS7000215 and a wrong
// assertion AADSTS700027, as Entra answers them.
type TokenServer struct {
	opts TokenOptions
	srv  *httptest.Server

	mu     sync.Mutex
	forms  []url.Values
	issued []string
}

// NewTokenServer starts a fake token endpoint. Close it when done.
func NewTokenServer(opts TokenOptions) *TokenServer {
	if opts.Lifetime <= 0 {
		opts.Lifetime = time.Hour
	}
	s := &TokenServer{opts: opts}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s
}

// Authority is the authority host to sign in against, with a trailing
// slash, in place of https://login.microsoftonline.com/. Microsoft's
// libraries must be told not to run instance discovery against it.
func (s *TokenServer) Authority() string { return s.srv.URL + "/" }

// Host is the host and port the server listens on.
func (s *TokenServer) Host() string { return strings.TrimPrefix(s.srv.URL, "https://") }

// Client is an HTTP client that trusts the server's certificate.
func (s *TokenServer) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down.
func (s *TokenServer) Close() { s.srv.Close() }

// Requests returns the form of every token request received, in order.
func (s *TokenServer) Requests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.forms)
}

// Tokens returns every access token issued, in order.
func (s *TokenServer) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issued)
}

// Issued reports whether the server issued tok: for Options.Accept.
func (s *TokenServer) Issued(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.issued, tok)
}

func (s *TokenServer) tokenURL() string {
	return s.srv.URL + "/" + s.opts.TenantID + "/oauth2/v2.0/token"
}

func (s *TokenServer) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	base := s.srv.URL + "/" + s.opts.TenantID
	switch r.URL.Path {
	case "/" + s.opts.TenantID + "/v2.0/.well-known/openid-configuration":
		_ = json.NewEncoder(w).Encode(map[string]string{"token_endpoint": s.tokenURL(),
			"authorization_endpoint": base + "/oauth2/v2.0/authorize", "issuer": base + "/v2.0"})
	case "/" + s.opts.TenantID + "/oauth2/v2.0/token":
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		form, _ := url.ParseQuery(string(body))
		s.mu.Lock()
		s.forms = append(s.forms, form)
		s.mu.Unlock()
		if code, msg := s.refuse(form); code != 0 {
			if s.opts.Echo {
				msg = "Bad request: " + string(body) + ". " + msg
			}
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": "invalid_client", "error_codes": []int{code},
				"error_description": msg + " Trace ID: 0a1b2c3d-0000-4000-8000-000000000001 Correlation ID: 0a1b2c3d-0000-4000-8000-000000000002 Timestamp: 2026-06-15 12:00:00Z"})
			return
		}
		tok := s.issue()
		_ = json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "access_token": tok,
			"expires_in": int(s.opts.Lifetime / time.Second), "ext_expires_in": int(s.opts.Lifetime / time.Second)})
	default:
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "not_found", "error_description": "AADSTS90002: the fake serves tenant " + s.opts.TenantID + " only."})
	}
}

// refuse says why a token request is refused: an AADSTS code and
// Entra's description, or 0.
func (s *TokenServer) refuse(f url.Values) (int, string) {
	switch {
	case f.Get("grant_type") != "client_credentials":
		return 70003, "AADSTS70003: The app requested an unsupported grant type '" + f.Get("grant_type") + "'."
	case f.Get("client_id") != s.opts.ClientID:
		return 700016, "AADSTS700016: Application with identifier '" + f.Get("client_id") + "' was not found in the directory '" + s.opts.TenantID + "'."
	case !slices.ContainsFunc(strings.Fields(f.Get("scope")), func(sc string) bool { return strings.HasSuffix(sc, "/.default") }):
		return 70011, "AADSTS70011: The provided request must include a 'scope' input parameter ending in /.default."
	case f.Has("client_secret"):
		if s.opts.ClientSecret == "" || f.Get("client_secret") != s.opts.ClientSecret {
			return 7000215, "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + s.opts.ClientID + "'."
		}
		return 0, ""
	case f.Has("client_assertion"):
		if err := s.checkAssertion(f.Get("client_assertion")); err != "" {
			return 700027, "AADSTS700027: Client assertion failed signature validation. " + err
		}
		return 0, ""
	}
	return 7000218, "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
}

// checkAssertion says what is wrong with a client assertion, "" when
// nothing.
func (s *TokenServer) checkAssertion(assertion string) string {
	if s.opts.Certificate == nil {
		return "No certificate is registered on the app."
	}
	tok, err := jwt.Parse(assertion, func(*jwt.Token) (any, error) { return s.opts.Certificate.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256", "PS256", "ES256"}), jwt.WithAudience(s.tokenURL()),
		jwt.WithIssuer(s.opts.ClientID), jwt.WithSubject(s.opts.ClientID))
	if err != nil {
		return "The assertion does not verify."
	}
	s256, s1 := sha256.Sum256(s.opts.Certificate.Raw), sha1.Sum(s.opts.Certificate.Raw)
	for header, want := range map[string][]byte{"x5t#S256": s256[:], "x5t": s1[:]} {
		v, _ := tok.Header[header].(string)
		// base64url as RFC 7515 says, or standard base64 as MSAL Go
		// writes x5t#S256.
		for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
			if got, err := enc.DecodeString(v); err == nil && string(got) == string(want) {
				return ""
			}
		}
	}
	return "The key was not found."
}

// issue makes a new access token for Graph.
func (s *TokenServer) issue() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	claims := jwt.MapClaims{"aud": "https://graph.microsoft.com", "tid": s.opts.TenantID, "appid": s.opts.ClientID,
		"iat": now.Unix(), "exp": now.Add(s.opts.Lifetime).Unix(), "uti": fmt.Sprintf("fake-token-%d", len(s.issued)+1)}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("graphtest: not a real signing key"))
	if err != nil {
		panic(err) // HS256 with a key cannot fail
	}
	s.issued = append(s.issued, tok)
	return tok
}
