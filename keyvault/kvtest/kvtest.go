// Package kvtest is a fake Azure Key Vault for tests: the certificates
// endpoints appaudit reads, in Key Vault's wire format, over https on a
// loopback address with a self-signed certificate (Client and
// Transport trust it).
//
// It speaks what the real service speaks, as kept in ../testdata with
// sources: a request without a token gets the 401 authentication
// challenge (WWW-Authenticate: Bearer authorization="https://login.windows.net/TENANT",
// resource="https://vault.azure.net"); every request needs an
// api-version; listings hold at most 25 items a page and go on with an
// absolute nextLink carrying the port (:443 on the real service) and a
// $skiptoken; errors are {"error": {"code", "message", "innererror"}}. A
// certificate bundle carries kid and sid IDs under /keys/ and /secrets/,
// as the real one does, so that a test sees that nothing follows them.
//
// Faults can be scripted (throttling with Retry-After, 403, 404, 500,
// dropped connections, a vault that stops answering), and every request
// is recorded, so that tests can prove what was (and was not) sent.
package kvtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// APIVersions are the api-version values the fake accepts: the stable
// ones of Key Vault's data plane (7.0 to 7.6, 2025-07-01, which
// azcertificates v1.5.0 sends).
var APIVersions = []string{"7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01"}

// PageSize is the most items a listing page holds (Key Vault's maxresults
// is at most 25).
const PageSize = 25

// Version is one version of a certificate.
type Version struct {
	// ID is the version string (32 hex characters on the real service).
	ID                                   string
	DER                                  []byte
	Enabled                              bool
	NotBefore, Expires, Created, Updated time.Time
}

// Certificate is one certificate of the vault.
type Certificate struct {
	Name     string
	Versions []Version // oldest first
	// Issuer ("Self", "Unknown", ...), Subject, ValidityMonths and
	// Actions make its policy.
	Issuer         string
	Subject        string
	ValidityMonths int
	Actions        []audit.LifetimeAction
}

// Fault scripts an answer.
type Fault struct {
	// Path is the path prefix the fault applies to ("/certificates"
	// matches every request), or the whole path when Exact; Page, when
	// not 0, only that page of a listing (1 is the first).
	Path  string
	Exact bool
	Page  int
	// Status answers with this status and a Key Vault error (Code names
	// its code), and Retry-After when RetryAfter is not "".
	Status     int
	Code       string
	RetryAfter string
	// Drop closes the connection without an answer; Hang answers nothing
	// until the client gives up, and then closes the connection without
	// an answer either.
	Drop, Hang bool
	// Times is how many requests it takes; 0 is every one.
	Times int

	used int
}

// Request is one request the fake received.
type Request struct {
	Method, Path, Query string
	Authorized          bool
}

// Server is the fake vault.
type Server struct {
	*httptest.Server
	// Tenant is named in the challenge; Token, when not "", is the only
	// bearer token accepted; Forbidden answers every authorized request
	// 403 ForbiddenByRbac; Latency delays every answer (a client that
	// gives up before gets none).
	Tenant    string
	Token     string
	Forbidden bool
	Latency   time.Duration
	// Resource is the challenge's resource: https://vault.azure.net
	// unless set. NextLinkBase, when set, replaces the scheme and host of
	// nextLinks (a vault that points elsewhere).
	Resource     string
	NextLinkBase string

	certs []Certificate // as New was given them

	mu       sync.Mutex
	faults   []*Fault
	requests []Request
}

// New starts a fake vault holding certs, on https://127.0.0.1:PORT.
func New(certs ...Certificate) *Server {
	s := &Server{Tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47", certs: certs}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Clients that drop connections on purpose make TLS noise.
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	return s
}

// Transport is an http.Transport that trusts the fake's certificate.
func (s *Server) Transport() *http.Transport {
	return s.Client().Transport.(*http.Transport).Clone()
}

// Fault adds a scripted fault; the first that matches a request answers
// it.
func (s *Server) Fault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Requests lists the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Authorized: auth != ""})
	s.mu.Unlock()
	if s.Latency > 0 {
		select {
		case <-time.After(s.Latency):
		case <-r.Context().Done():
			abort()
		}
	}
	if auth == "" || (s.Token != "" && auth != s.Token) {
		s.challenge(w, auth)
		return
	}
	v := r.URL.Query().Get("api-version")
	if !slices.Contains(APIVersions, v) {
		writeError(w, http.StatusBadRequest, "BadParameter", fmt.Sprintf("The specified version (%s) is not recognized. Consider using the latest supported version (2025-07-01).", v), "")
		return
	}
	if f := s.fault(r); f != nil {
		s.answerFault(w, r, f)
		return
	}
	if s.Forbidden {
		writeError(w, http.StatusForbidden, "Forbidden", "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=00000000-0000-4000-a000-00000000a0d1;oid=00000000-0000-4000-a000-00000000b0d1;iss=https://sts.windows.net/"+s.Tenant+"/\r\nAction: 'Microsoft.KeyVault/vaults/certificates/read'\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\n", "ForbiddenByRbac")
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "the fake vault serves only GET", "")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "certificates":
		s.list(w, r)
	case len(parts) >= 2 && parts[0] == "certificates":
		c := s.cert(parts[1])
		if c == nil {
			writeError(w, http.StatusNotFound, "CertificateNotFound", fmt.Sprintf("A certificate with (name/id) %s was not found in this key vault.", parts[1]), "")
			return
		}
		switch {
		case len(parts) == 2 || (len(parts) == 3 && parts[2] == ""):
			s.bundle(w, r, c, len(c.Versions)-1)
		case len(parts) == 3 && parts[2] == "versions":
			s.versions(w, r, c)
		case len(parts) == 3 && parts[2] == "policy":
			writeJSON(w, http.StatusOK, s.policy(r, c))
		case len(parts) == 3:
			for i, v := range c.Versions {
				if strings.EqualFold(v.ID, parts[2]) {
					s.bundle(w, r, c, i)
					return
				}
			}
			writeError(w, http.StatusNotFound, "CertificateNotFound", fmt.Sprintf("A certificate with (name/id) %s/%s was not found in this key vault.", parts[1], parts[2]), "")
		default:
			writeError(w, http.StatusNotFound, "NotFound", "not found", "")
		}
	default:
		writeError(w, http.StatusNotFound, "NotFound", "not found", "")
	}
}

// challenge answers a request without an acceptable token as Key Vault
// does (testdata/401-challenge.txt, testdata/401-invalid-audience.json).
func (s *Server) challenge(w http.ResponseWriter, auth string) {
	resource := s.Resource
	if resource == "" {
		resource = "https://vault.azure.net"
	}
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization="https://login.windows.net/%s", resource="%s"`, s.Tenant, resource))
	if auth == "" {
		writeError(w, http.StatusUnauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.", "")
		return
	}
	writeError(w, http.StatusUnauthorized, "Unauthorized", "AKV10022: Invalid audience. Expected https://vault.azure.net or cfa8b339-82a2-471a-a3c9-0fc0be7a4093, found: https://graph.microsoft.com.", "")
}

func (s *Server) fault(r *http.Request) *Fault {
	page := 1
	if tok := r.URL.Query().Get("$skiptoken"); tok != "" {
		if off, err := strconv.Atoi(decodeToken(tok)); err == nil {
			page = off/PageSize + 1
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if !strings.HasPrefix(r.URL.Path, f.Path) || (f.Exact && r.URL.Path != f.Path) || (f.Page != 0 && f.Page != page) || (f.Times > 0 && f.used >= f.Times) {
			continue
		}
		f.used++
		return f
	}
	return nil
}

// abort ends a request without a byte of answer: the connection is
// closed. A handler that returns without writing would send 200 OK with
// an empty body instead, and a client that is closing the connection
// when it gives up can still read that answer (net/http's Transport uses
// a response that races with the closing of its connection): a vault
// that stops answering would look like one that answered an empty page.
func abort() {
	panic(http.ErrAbortHandler)
}

func (s *Server) answerFault(w http.ResponseWriter, r *http.Request, f *Fault) {
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		abort()
	case f.Hang:
		<-r.Context().Done()
		abort()
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	code := f.Code
	if code == "" {
		code = strings.ReplaceAll(http.StatusText(f.Status), " ", "")
	}
	inner := ""
	if f.Status == http.StatusForbidden {
		inner = "ForbiddenByRbac"
	}
	writeError(w, f.Status, code, fmt.Sprintf("scripted %d", f.Status), inner)
}

func (s *Server) cert(name string) *Certificate {
	for i := range s.certs {
		if strings.EqualFold(s.certs[i].Name, name) {
			c := s.certs[i]
			return &c
		}
	}
	return nil
}

// base is the URL IDs are written with: the vault's own host and port.
func base(r *http.Request) string { return "https://" + r.Host }

// page writes the items of one listing page, [off, off+25), with a
// nextLink when more follow: absolute, with the port, the api-version and
// a $skiptoken (testdata/list-certificates-page.json).
func (s *Server) page(w http.ResponseWriter, r *http.Request, items []any) {
	off := 0
	if tok := r.URL.Query().Get("$skiptoken"); tok != "" {
		n, err := strconv.Atoi(decodeToken(tok))
		if err != nil || n < 0 || n > len(items) {
			writeError(w, http.StatusBadRequest, "BadParameter", "The skip token is not valid.", "")
			return
		}
		off = n
	}
	end := min(off+PageSize, len(items))
	body := map[string]any{"value": items[off:end], "nextLink": nil}
	if end < len(items) {
		next := base(r)
		if s.NextLinkBase != "" {
			next = s.NextLinkBase
		}
		body["nextLink"] = fmt.Sprintf("%s%s?api-version=%s&$skiptoken=%s&maxresults=%d", next, r.URL.Path, r.URL.Query().Get("api-version"), encodeToken(strconv.Itoa(end)), PageSize)
	}
	writeJSON(w, http.StatusOK, body)
}

func encodeToken(s string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(`{"NextMarker":"` + s + `","TargetLocation":0}`))
}

func decodeToken(tok string) string {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return ""
	}
	var t struct{ NextMarker string }
	if json.Unmarshal(b, &t) != nil {
		return ""
	}
	return t.NextMarker
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	items := make([]any, 0, len(s.certs))
	for _, c := range s.certs {
		latest := c.Versions[len(c.Versions)-1]
		item := map[string]any{"id": base(r) + "/certificates/" + c.Name, "attributes": attributes(latest, false), "subject": ""}
		if latest.DER != nil {
			item["x5t"] = x5t(latest.DER)
		}
		items = append(items, item)
	}
	s.page(w, r, items)
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request, c *Certificate) {
	items := make([]any, 0, len(c.Versions))
	for _, v := range c.Versions {
		item := map[string]any{"id": base(r) + "/certificates/" + c.Name + "/" + v.ID, "attributes": attributes(v, false), "subject": ""}
		if v.DER != nil {
			item["x5t"] = x5t(v.DER)
		}
		items = append(items, item)
	}
	s.page(w, r, items)
}

// bundle writes a certificate bundle as GET /certificates/{name}/{version}
// returns it (testdata/get-certificate.json).
func (s *Server) bundle(w http.ResponseWriter, r *http.Request, c *Certificate, i int) {
	v := c.Versions[i]
	id := "/" + c.Name + "/" + v.ID
	body := map[string]any{
		"id": base(r) + "/certificates" + id, "kid": base(r) + "/keys" + id, "sid": base(r) + "/secrets" + id,
		"attributes": attributes(v, true), "policy": s.policy(r, c),
		"pending": map[string]any{"id": base(r) + "/certificates/" + c.Name + "/pending"},
	}
	if v.DER != nil {
		body["x5t"], body["cer"] = x5t(v.DER), base64.StdEncoding.EncodeToString(v.DER)
	}
	writeJSON(w, http.StatusOK, body)
}

// policy is a certificate's policy as GET .../policy returns it
// (testdata/get-certificate-policy.json).
func (s *Server) policy(r *http.Request, c *Certificate) map[string]any {
	actions := []any{}
	for _, a := range c.Actions {
		trigger := map[string]any{}
		if a.LifetimePercentage > 0 {
			trigger["lifetime_percentage"] = a.LifetimePercentage
		}
		if a.DaysBeforeExpiry > 0 {
			trigger["days_before_expiry"] = a.DaysBeforeExpiry
		}
		actions = append(actions, map[string]any{"trigger": trigger, "action": map[string]any{"action_type": a.Action}})
	}
	created := c.Versions[0].Created.Unix()
	return map[string]any{
		"id":           base(r) + "/certificates/" + c.Name + "/policy",
		"key_props":    map[string]any{"exportable": true, "kty": "RSA", "key_size": 2048, "reuse_key": false},
		"secret_props": map[string]any{"contentType": "application/x-pkcs12"},
		"x509_props": map[string]any{"subject": c.Subject, "sans": map[string]any{}, "ekus": []string{"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"},
			"key_usage": []string{"digitalSignature", "keyEncipherment"}, "validity_months": c.ValidityMonths, "basic_constraints": map[string]any{"ca": false}},
		"lifetime_actions": actions,
		"issuer":           map[string]any{"name": c.Issuer},
		"attributes":       map[string]any{"enabled": true, "created": created, "updated": created},
	}
}

func attributes(v Version, bundle bool) map[string]any {
	a := map[string]any{"enabled": v.Enabled, "nbf": v.NotBefore.Unix(), "exp": v.Expires.Unix(), "created": v.Created.Unix(), "updated": v.Updated.Unix()}
	if bundle {
		a["recoveryLevel"], a["recoverableDays"] = "Recoverable+Purgeable", 90
	}
	return a
}

func x5t(der []byte) string {
	sum := sha1.Sum(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-ms-keyvault-service-version", "1.9.378.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes Key Vault's error JSON
// (testdata/403-forbidden-by-rbac.json).
func writeError(w http.ResponseWriter, status int, code, msg, inner string) {
	e := map[string]any{"code": code, "message": msg}
	if inner != "" {
		e["innererror"] = map[string]any{"code": inner}
	}
	writeJSON(w, status, map[string]any{"error": e})
}

// MakeVersion makes a version with a fresh self-signed certificate for
// the common name cn, valid from nbf to exp and created at nbf.
func MakeVersion(id, cn string, nbf, exp time.Time, enabled bool) Version {
	return Version{ID: id, DER: selfSigned(cn, nbf, exp), Enabled: enabled, NotBefore: nbf, Expires: exp, Created: nbf, Updated: nbf}
}

var (
	keyOnce sync.Once
	key     *ecdsa.PrivateKey
	serial  int64
	serialM sync.Mutex
)

// selfSigned makes a certificate; one P-256 key signs them all, so that
// thousands are made in a moment.
func selfSigned(cn string, nbf, exp time.Time) []byte {
	keyOnce.Do(func() {
		var err error
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	serialM.Lock()
	serial++
	n := serial
	serialM.Unlock()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(n), Subject: pkix.Name{CommonName: cn},
		NotBefore: nbf, NotAfter: exp, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return der
}

// Generate makes n certificates of versions versions each, renewed every
// 300 days of a 365-day validity, the newest 100 days old at now, under
// an AutoRenew policy at 80%: a vault of the size benchmarks read.
func Generate(n, versions int, now time.Time) []Certificate {
	certs := make([]Certificate, n)
	for i := range certs {
		name := fmt.Sprintf("app-%05d", i)
		c := Certificate{Name: name, Issuer: "Self", Subject: "CN=" + name + ".contoso.com", ValidityMonths: 12,
			Actions: []audit.LifetimeAction{{Action: audit.ActionAutoRenew, LifetimePercentage: 80}}}
		for j := range versions {
			nbf := now.AddDate(0, 0, -100-300*(versions-1-j))
			c.Versions = append(c.Versions, MakeVersion(VersionID(i, j), name+".contoso.com", nbf, nbf.AddDate(0, 0, 365), true))
		}
		certs[i] = c
	}
	return certs
}

// VersionID is a version string in Key Vault's form (32 hex characters).
func VersionID(cert, version int) string {
	return hex.EncodeToString([]byte(fmt.Sprintf("%08d%08d", cert, version)))
}
