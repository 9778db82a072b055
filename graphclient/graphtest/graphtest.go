// Package graphtest is a fake Microsoft Graph for tests, the way
// net/http/httptest is a fake server for net/http: it serves a tenant
// (an audit.Tenant, typically read from a snapshot) over HTTP in Graph's
// own wire format, with the behaviour appaudit has to cope with.
//
// What it does as Graph does:
//   - GET /v1.0/applications and /v1.0/servicePrincipals list the objects in
//     pages of $top (100 without it, at most 999), with @odata.context,
//     @odata.nextLink (an opaque $skiptoken, the other query options kept)
//     before "value";
//   - $select returns only the members asked for (and id), and an unknown
//     member is a 400, as Graph answers for beta-only members such as
//     preferredTokenSigningKeyEndDateTime on v1.0;
//   - certificate bodies (key) are left out of list pages and returned by
//     single-object GETs that select keyCredentials: /applications/{id},
//     /applications(appId='{appId}') and the same for servicePrincipals,
//     unless Options.KeysOnList says list pages carry them too;
//   - POST /v1.0/$batch runs up to 20 GETs and answers them in an order of
//     its own;
//   - a request without the bearer token is a 401, a token is accepted for
//     Options.TokenUses requests at most before it is a 401 as expired,
//     and Options.Forbidden answers every read with the 403 of an
//     identity that lacks Application.Read.All;
//   - every other method is refused with 405 and recorded, so that a test
//     can prove none was sent;
//   - with Options.KeyReadsPerMinute, requests that select keyCredentials
//     past Graph's limit per minute are answered 429 with Retry-After.
//
// Faults are scripted (Options.Faults): an answer with any status (429 with
// or without Retry-After, 503, ...), a connection dropped before or in the
// middle of an answer, a slow answer, a nextLink that loops back, a page
// that is not JSON, inside or outside $batch. TokenServer is a fake token
// endpoint to sign in against. Options.Latency delays every answer, for measuring.
//
// With Options.Usage it also serves the usage evidence on Graph beta: the
// credential sign-in activity report and the sign-in log (usage.go).
//
// NewServer listens on a loopback port; NewPipeServer answers on
// in-memory connections, for tests run in a testing/synctest bubble, where
// Retry-After waits, backoffs, slow answers and timeouts take the bubble's
// time and none of the machine's (pipe.go). Clock is a test clock for the
// client: one that never sleeps, or one that sleeps in a bubble (clock.go).
//
// The package never reaches the network beyond the loopback listener it
// starts, and never changes the tenant it serves.
package graphtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
)

// Options say how the fake behaves.
type Options struct {
	// Token is the bearer token requests must carry; "" accepts any.
	Token string
	// Accept, when not nil, decides which bearer tokens are valid instead
	// of Token: TokenServer.Issued accepts those a TokenServer issued.
	Accept func(token string) bool
	// TokenUses, when above 0, accepts each token for that many requests
	// and answers the next ones 401 as for an expired token: a token that
	// expires part-way through a read.
	TokenUses int
	// Forbidden answers every read with 403 Authorization_RequestDenied,
	// as Graph does for an identity without Application.Read.All.
	Forbidden bool
	// PageSize is the page size without $top; 0 is Graph's 100.
	PageSize int
	// MaxPageSize, when not 0, caps pages whatever $top asks: Graph may
	// return fewer objects than $top, and a client must follow the
	// nextLink all the same.
	MaxPageSize int
	// KeysOnList makes list pages carry certificate bodies (key) too.
	KeysOnList bool
	// Latency delays every HTTP answer (a $batch once, not per request).
	Latency time.Duration
	// KeyReadsPerMinute, when above 0, is Graph's limit on requests that
	// $select keyCredentials (ENTRA-FACTS.md): such a request (a list
	// page, a single object, each one inside a $batch) that comes when
	// that many were answered in the minute before, by Clock, is answered
	// 429 with Retry-After, as Graph answers a throttled request.
	KeyReadsPerMinute int
	// Clock is the time KeyReadsPerMinute is counted by; nil is the real
	// clock. A test gives the Clock its client waits on.
	Clock interface{ Now() time.Time }
	// Faults are tried in order on every request; the first that matches
	// and has not run out fires.
	Faults []Fault
	// Usage, when not nil, is served on Graph beta's credential sign-in
	// activity report and sign-in log (usage.go).
	Usage *UsageLog
}

// Fault is one scripted misbehaviour.
type Fault struct {
	// Path selects the requests by the start of their path below the
	// version: "/applications", "/servicePrincipals", "/$batch",
	// "/applications/" (single objects only); "" is every request.
	Path string
	// Page selects the 1-based page of a listing; 0 is any request.
	Page int
	// InBatch applies the fault to the requests inside a $batch (matched
	// by Path) instead of HTTP requests; only Status and RetryAfter apply.
	InBatch bool

	// Status answers with this status and a Graph error body.
	Status int
	// RetryAfter is the Retry-After header sent with Status ("" for none).
	RetryAfter string
	// Drop closes the connection without an answer.
	Drop bool
	// Truncate sends the headers and half the body, then closes the
	// connection.
	Truncate bool
	// Delay holds the answer back this long (the request's own answer, or
	// the fault's Status).
	Delay time.Duration
	// LoopTo makes the page's @odata.nextLink point back to page LoopTo.
	LoopTo int
	// Malformed sends the answer's first half and then text that is not
	// JSON, with a Content-Length that matches: a whole answer that does
	// not parse.
	Malformed bool

	// Times is how often the fault fires; 0 is every time.
	Times int
	// Every, when above 1, fires the fault on every Every-th request it
	// matches only (the 9th, the 18th, ...): a Graph that throttles now
	// and then.
	Every int
	seen  int
}

// Request is one request the fake received.
type Request struct {
	Method string
	// Path is the URL path, version included: /v1.0/applications.
	Path  string
	Query url.Values
	// Authorization is the Authorization header as sent.
	Authorization string
	// Batch lists the requests inside a $batch, as "GET /applications/...".
	Batch []string
	// Status is the HTTP status answered (0 for a dropped connection).
	Status int
}

// Handler is the fake Graph as an http.Handler, for serving on an address
// of one's own (see cmd fakegraph); NewServer starts one on loopback.
type Handler struct {
	opts Options

	apps, sps []*entry
	byID      map[string]*entry // object ID and "appId:kind" to entry

	mu       sync.Mutex
	faults   []*Fault
	requests []Request
	uses     map[string]int // requests per token, for TokenUses
	keyReads []time.Time    // when keyCredentials reads were answered, oldest first
}

// entry is one object, its members rendered once.
type entry struct {
	members []member
	// keyless is keyCredentials without the certificate bodies.
	keyless json.RawMessage
}

type member struct {
	name string
	raw  json.RawMessage
}

// NewHandler serves t. The tenant is rendered once; later changes to it
// are not seen.
func NewHandler(t *audit.Tenant, opts Options) (*Handler, error) {
	h := &Handler{opts: opts, byID: map[string]*entry{}, uses: map[string]int{}}
	if h.opts.PageSize <= 0 {
		h.opts.PageSize = 100
	}
	for i := range opts.Faults {
		f := opts.Faults[i]
		h.faults = append(h.faults, &f)
	}
	add := func(o graphclient.Object, id, appID string) error {
		e, err := newEntry(o)
		if err != nil {
			return err
		}
		if o.Kind == audit.KindServicePrincipal {
			h.sps = append(h.sps, e)
		} else {
			h.apps = append(h.apps, e)
		}
		h.byID[string(o.Kind)+"/"+id] = e
		h.byID[string(o.Kind)+"(appId)/"+strings.ToLower(appID)] = e
		return nil
	}
	for i := range t.Applications {
		a := &t.Applications[i]
		if err := add(graphclient.Object{Kind: audit.KindApplication, Application: *a}, a.ObjectID, a.AppID); err != nil {
			return nil, err
		}
	}
	for i := range t.ServicePrincipals {
		sp := &t.ServicePrincipals[i]
		if err := add(graphclient.Object{Kind: audit.KindServicePrincipal, ServicePrincipal: *sp}, sp.ObjectID, sp.AppID); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func newEntry(o graphclient.Object) (*entry, error) {
	members, err := membersOf(o)
	if err != nil {
		return nil, err
	}
	e := &entry{members: members}
	p := o.Principal()
	if !slices.ContainsFunc(p.KeyCredentials, func(k audit.KeyCredential) bool { return k.Key != nil }) {
		return e, nil // no body to leave out
	}
	keys := slices.Clone(p.KeyCredentials)
	for i := range keys {
		keys[i].Key = nil
	}
	p.KeyCredentials = keys
	stripped, err := membersOf(o)
	if err != nil {
		return nil, err
	}
	for _, m := range stripped {
		if m.name == "keyCredentials" {
			e.keyless = m.raw
		}
	}
	return e, nil
}

// membersOf renders o as Graph JSON and splits it into its members, in
// order.
func membersOf(o graphclient.Object) ([]member, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("graphtest: rendering an object: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var out []member
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		out = append(out, member{name: k.(string), raw: raw})
	}
	return out, nil
}

// Requests returns every request received so far, in order.
func (h *Handler) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.requests)
}

// Server is a fake Graph listening on a loopback port, or on in-memory
// connections (NewPipeServer).
type Server struct {
	*Handler
	// URL is the service root without the version, for --graph-url:
	// http://127.0.0.1:PORT.
	URL string
	// transport reaches a pipe server; nil for a loopback one.
	transport *http.Transport
	close     func()
}

// NewServer starts a fake Graph serving t on a loopback port. Close it
// when done.
func NewServer(t *audit.Tenant, opts Options) (*Server, error) {
	h, err := NewHandler(t, opts)
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(h)
	return &Server{Handler: h, URL: srv.URL, close: srv.Close}, nil
}

// Transport is the transport that reaches the server: nil, for any, when
// it listens on loopback; the only one that does for a pipe server.
func (s *Server) Transport() http.RoundTripper {
	if s.transport == nil {
		return nil
	}
	return s.transport
}

// Close shuts the server down.
func (s *Server) Close() { s.close() }

// graphError is Graph's error body.
func graphError(code, msg string) []byte {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": msg,
		"innerError": map[string]string{"date": "2026-06-15T12:00:00", "request-id": "00000000-0000-0000-0000-000000000001"}}})
	return b
}

// statusCodes names the Graph error code of a status.
var statusCodes = map[int]string{
	400: "Request_BadRequest", 401: "InvalidAuthenticationToken", 403: "Authorization_RequestDenied",
	404: "Request_ResourceNotFound", 405: "Request_BadRequest", 429: "TooManyRequests", 500: "InternalServerError",
	502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout",
}

// answer is a response to one request, before it is written.
type answer struct {
	status  int
	headers map[string]string
	body    []byte
}

// answer is what a fault with a Status answers.
func (f *Fault) answer() answer {
	a := errAnswer(f.Status, fmt.Sprintf("the fake answers %d here", f.Status))
	if f.RetryAfter != "" {
		a.headers = map[string]string{"Retry-After": f.RetryAfter}
	}
	return a
}

func errAnswer(status int, msg string) answer {
	code := statusCodes[status]
	if code == "" {
		code = "UnknownError"
	}
	return answer{status: status, body: graphError(code, msg)}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Authorization: r.Header.Get("Authorization")}
	var body []byte
	if r.Body != nil {
		body, _ = readAll(r)
	}
	var batch *batchRequest // nil when the body is not a JSON $batch
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/$batch") {
		batch = parseBatch(body)
		rec.Batch = batchSummary(batch)
	}
	idx := h.record(rec)
	if h.opts.Latency > 0 && !sleep(r, h.opts.Latency) {
		giveUp()
	}
	root := "http://" + r.Host
	rel, page := h.route(r.URL)
	f := h.fault(rel, page, false)
	a := h.handle(r, root, rel, batch, f)
	if f != nil && f.Delay > 0 && !sleep(r, f.Delay) {
		giveUp()
	}
	switch {
	case f != nil && f.Drop:
		h.setStatus(idx, 0)
		panic(http.ErrAbortHandler)
	case f != nil && f.Status != 0:
		a = f.answer()
	}
	if f != nil && f.Malformed {
		a.body = append(a.body[:len(a.body)/2:len(a.body)/2], "<html><body>502 Bad Gateway</body></html>"...)
	}
	h.setStatus(idx, a.status)
	for k, v := range a.headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
	if a.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	}
	w.WriteHeader(a.status)
	if f != nil && f.Truncate {
		_, _ = w.Write(a.body[:len(a.body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	_, _ = w.Write(a.body)
}

func readAll(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(http.MaxBytesReader(nil, r.Body, 4<<20))
	return b.Bytes(), err
}

// sleep holds r's answer back d, and says false when the client gave up
// first.
func sleep(r *http.Request, d time.Duration) bool {
	return graphclient.RealClock{}.Sleep(r.Context(), d) == nil
}

// giveUp ends a request the client gave up on while its answer was held
// back, closing the connection without a byte, as a Graph that stops
// answering would. (A handler that returns without writing makes net/http
// send 200 with an empty body, which a client racing its own timeout may
// take for an answer.)
func giveUp() { panic(http.ErrAbortHandler) }

func (h *Handler) record(r Request) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = append(h.requests, r)
	return len(h.requests) - 1
}

func (h *Handler) setStatus(i, status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests[i].Status = status
}

// route returns the path below the version and, for a listing, the page
// the request asks for.
func (h *Handler) route(u *url.URL) (string, int) {
	if rel, page, ok := usageRoute(u); ok {
		return rel, page
	}
	rel := strings.TrimPrefix(u.Path, "/v1.0")
	if rel != "/applications" && rel != "/servicePrincipals" {
		return rel, 0
	}
	top, _ := strconv.Atoi(u.Query().Get("$top"))
	if top <= 0 {
		top = h.opts.PageSize
	}
	size, off, _ := h.pageOf(u, top)
	return rel, off/max(size, 1) + 1
}

// pageOf is the size and the offset of the page of listing u that asks
// for top objects a page, before MaxPageSize caps it. ok is false for a
// $skiptoken the fake did not write.
func (h *Handler) pageOf(u *url.URL, top int) (size, off int, ok bool) {
	if h.opts.MaxPageSize > 0 {
		top = min(top, h.opts.MaxPageSize)
	}
	off, ok = parseSkip(u.Query().Get("$skiptoken"), strings.TrimPrefix(u.Path, "/v1.0"))
	return top, off, ok
}

// fault finds the fault that fires for the request, counting it.
func (h *Handler) fault(rel string, page int, inBatch bool) *Fault {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.faults {
		if f.InBatch != inBatch || !strings.HasPrefix(rel, f.Path) || (f.Page != 0 && f.Page != page) {
			continue
		}
		if f.Times < 0 {
			continue
		}
		if f.Every > 1 {
			if f.seen++; f.seen%f.Every != 0 {
				continue
			}
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				f.Times = -1 // spent
			}
		}
		return f
	}
	return nil
}

// handle answers a request that reached the fake's logic; batch is the
// body of a POST to $batch, parsed.
func (h *Handler) handle(r *http.Request, root, rel string, batch *batchRequest, f *Fault) answer {
	if a, ok := h.authorize(r.Header.Get("Authorization")); !ok {
		return a
	}
	switch {
	case r.Method == http.MethodGet:
		if a, ok := h.keyRead(r.URL); !ok {
			return a
		}
		loop := 0
		if f != nil {
			loop = f.LoopTo
		}
		return h.read(root, r.URL, loop)
	case r.Method == http.MethodPost && rel == "/$batch":
		return h.batch(root, batch)
	}
	return errAnswer(http.StatusMethodNotAllowed, "the fake Graph only reads: "+r.Method+" is not allowed")
}

func (h *Handler) authorize(auth string) (answer, bool) {
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	switch {
	case !ok || tok == "":
		return errAnswer(http.StatusUnauthorized, "Access token is empty."), false
	case h.opts.Accept != nil && !h.opts.Accept(tok),
		h.opts.Accept == nil && h.opts.Token != "" && tok != h.opts.Token:
		return errAnswer(http.StatusUnauthorized, "Access token validation failure. Invalid audience."), false
	case h.opts.TokenUses > 0 && h.use(tok) > h.opts.TokenUses:
		return errAnswer(http.StatusUnauthorized, "Lifetime validation failed, the token is expired."), false
	case h.opts.Forbidden:
		return errAnswer(http.StatusForbidden, "Insufficient privileges to complete the operation."), false
	}
	return answer{}, true
}

// keyRead counts a request that selects keyCredentials against
// Options.KeyReadsPerMinute; ok is false, with Graph's 429, when the
// minute before holds as many as the limit allows.
func (h *Handler) keyRead(u *url.URL) (a answer, ok bool) {
	limit := h.opts.KeyReadsPerMinute
	if limit <= 0 || !slices.Contains(strings.Split(u.Query().Get("$select"), ","), "keyCredentials") {
		return answer{}, true
	}
	now := time.Now()
	if h.opts.Clock != nil {
		now = h.opts.Clock.Now()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	cut := 0
	for cut < len(h.keyReads) && !h.keyReads[cut].After(now.Add(-time.Minute)) {
		cut++
	}
	h.keyReads = h.keyReads[cut:]
	if len(h.keyReads) < limit {
		h.keyReads = append(h.keyReads, now)
		return answer{}, true
	}
	return throttled(h.keyReads[0].Add(time.Minute).Sub(now)), false
}

// throttled is Graph's answer to a throttled request, as the sample of
// learn.microsoft.com/graph/throttling (microsoft-graph-docs-contrib
// concepts/throttling.md) shows it: Retry-After in seconds, with a
// fraction ("2.128"), and this body.
func throttled(wait time.Duration) answer {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code": "TooManyRequests",
		"innerError": map[string]string{"code": "429", "date": "2020-08-18T12:51:51", "message": "Please retry after",
			"request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2", "status": "429"},
		"message": "Please retry again later."}})
	return answer{status: http.StatusTooManyRequests, body: b,
		headers: map[string]string{"Retry-After": strconv.FormatFloat(max(wait, time.Millisecond).Seconds(), 'f', 3, 64)}}
}

// use counts a request carrying tok and returns how many have.
func (h *Handler) use(tok string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.uses[tok]++
	return h.uses[tok]
}

// read answers a GET.
func (h *Handler) read(root string, u *url.URL, loopTo int) answer {
	if strings.HasPrefix(u.Path, "/beta/") {
		return h.readUsage(root, u)
	}
	rel := strings.TrimPrefix(u.Path, "/v1.0")
	if !strings.HasPrefix(u.Path, "/v1.0/") {
		return errAnswer(http.StatusNotFound, "the fake serves /v1.0 only")
	}
	q := u.Query()
	switch rel {
	case "/applications":
		return h.list(root, u, audit.KindApplication, h.apps, loopTo)
	case "/servicePrincipals":
		return h.list(root, u, audit.KindServicePrincipal, h.sps, loopTo)
	}
	kind, key, ok := objectPath(rel)
	if !ok {
		return errAnswer(http.StatusNotFound, "Resource not found for the segment '"+rel+"'.")
	}
	sel, a, ok := selection(q.Get("$select"), properties[kind], string(kind), statusCodes[http.StatusBadRequest])
	if !ok {
		return a
	}
	e := h.byID[key]
	if e == nil {
		return errAnswer(http.StatusNotFound, "Resource '"+key[strings.IndexByte(key, '/')+1:]+"' does not exist or one of its queried reference-property objects are not present.")
	}
	var b bytes.Buffer
	// A single object with keyCredentials selected carries the bodies.
	e.render(&b, sel, sel != nil, root+"/v1.0/$metadata#"+string(kind)+"s"+selContext(sel)+"/$entity")
	return answer{status: http.StatusOK, body: b.Bytes()}
}

// objectPath reads /applications/{id} and /applications(appId='{id}'),
// and the same for servicePrincipals, into a lookup key.
func objectPath(rel string) (audit.ObjectKind, string, bool) {
	for _, k := range []audit.ObjectKind{audit.KindApplication, audit.KindServicePrincipal} {
		coll := "/" + string(k) + "s"
		rest, ok := strings.CutPrefix(rel, coll)
		if !ok {
			continue
		}
		if id, ok := strings.CutPrefix(rest, "/"); ok && id != "" && !strings.Contains(id, "/") {
			return k, string(k) + "/" + id, true
		}
		if inner, ok := strings.CutPrefix(rest, "(appId='"); ok && strings.HasSuffix(inner, "')") {
			return k, string(k) + "(appId)/" + strings.ToLower(strings.TrimSuffix(inner, "')")), true
		}
	}
	return "", "", false
}

// list answers a page of a listing.
func (h *Handler) list(root string, u *url.URL, kind audit.ObjectKind, all []*entry, loopTo int) answer {
	q := u.Query()
	sel, a, ok := selection(q.Get("$select"), properties[kind], string(kind), statusCodes[http.StatusBadRequest])
	if !ok {
		return a
	}
	top := h.opts.PageSize
	if t := q.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 999 {
			return errAnswer(http.StatusBadRequest, "Invalid page size specified: '"+t+"'. Must be between 1 and 999 inclusive.")
		}
		top = n
	}
	top, off, ok := h.pageOf(u, top)
	if !ok {
		return errAnswer(http.StatusBadRequest, "Invalid $skiptoken.")
	}
	rel := strings.TrimPrefix(u.Path, "/v1.0")
	end := min(off+top, len(all))
	off = min(off, end)
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"@odata.context":%q`, root+"/v1.0/$metadata#"+string(kind)+"s"+selContext(sel))
	next := ""
	switch {
	case loopTo > 0:
		next = pageLink(root, u, rel, (loopTo-1)*top)
	case end < len(all):
		next = pageLink(root, u, rel, end)
	}
	if next != "" {
		fmt.Fprintf(&b, `,"@odata.nextLink":%q`, next)
	}
	b.WriteString(`,"value":[`)
	for i, e := range all[off:end] {
		if i > 0 {
			b.WriteByte(',')
		}
		e.render(&b, sel, h.opts.KeysOnList, "")
	}
	b.WriteString("]}")
	return answer{status: http.StatusOK, body: b.Bytes()}
}

// pageLink is the nextLink for the page at offset off: the request's own
// query options, and a $skiptoken.
func pageLink(root string, u *url.URL, rel string, off int) string {
	q := u.Query()
	q.Del("$skiptoken")
	var parts []string
	for _, k := range []string{"$select", "$top"} {
		if v := q.Get(k); v != "" {
			parts = append(parts, k+"="+url.QueryEscape(v))
		}
	}
	parts = append(parts, "$skiptoken="+skipToken(rel, off))
	return root + u.Path + "?" + strings.ReplaceAll(strings.Join(parts, "&"), "%2C", ",")
}

func skipToken(rel string, off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(rel + ":" + strconv.Itoa(off)))
}

func parseSkip(tok, rel string) (int, bool) {
	if tok == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	s, ok := strings.CutPrefix(string(b), rel+":")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// render writes the object with the selected members (all when sel is
// nil), the certificate bodies only when withKeys, after an
// @odata.context member when context is not "".
func (e *entry) render(b *bytes.Buffer, sel []string, withKeys bool, context string) {
	b.WriteByte('{')
	n := 0
	if context != "" {
		b.WriteString(`"@odata.context":` + strconv.Quote(context))
		n++
	}
	for _, m := range e.members {
		if sel != nil && m.name != "id" && !slices.Contains(sel, m.name) {
			continue
		}
		memberName(b, &n, m.name)
		if m.name == "keyCredentials" && !withKeys && e.keyless != nil {
			b.Write(e.keyless)
		} else {
			b.Write(m.raw)
		}
	}
	b.WriteByte('}')
}

// memberName writes the name of an object's next member, after a comma
// unless it is the first (*n counts the members written).
func memberName(b *bytes.Buffer, n *int, name string) {
	if *n > 0 {
		b.WriteByte(',')
	}
	*n++
	b.WriteString(strconv.Quote(name))
	b.WriteByte(':')
}

// The v1.0 members the fake knows, enough for appaudit and the common
// others; Graph knows more, but $select of one not listed is a 400 here,
// as it is on Graph for members that exist only on beta.
var properties = map[audit.ObjectKind][]string{
	audit.KindApplication: {"id", "appId", "displayName", "signInAudience", "keyCredentials", "passwordCredentials",
		"createdDateTime", "publisherDomain", "identifierUris", "tags", "notes", "description", "web", "api",
		"requiredResourceAccess", "appRoles", "info", "uniqueName", "deletedDateTime"},
	audit.KindServicePrincipal: {"id", "appId", "displayName", "keyCredentials", "passwordCredentials", "appDisplayName",
		"servicePrincipalType", "appOwnerOrganizationId", "preferredTokenSigningKeyThumbprint", "accountEnabled",
		"servicePrincipalNames", "tags", "appRoles", "signInAudience", "preferredSingleSignOnMode", "notes",
		"description", "homepage", "replyUrls", "loginUrl", "logoutUrl", "deletedDateTime"},
}

// selection reads $select: nil for none. Each property must be one of
// props, those of the resource type resource; another is Graph's 400,
// whose error code (code) v1.0 and beta spell differently.
func selection(s string, props []string, resource, code string) ([]string, answer, bool) {
	if s == "" {
		return nil, answer{}, true
	}
	var sel []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(props, p) {
			return nil, answer{status: http.StatusBadRequest, body: graphError(code, fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.%s'.", p, resource))}, false
		}
		sel = append(sel, p)
	}
	return sel, answer{}, true
}

func selContext(sel []string) string {
	if sel == nil {
		return ""
	}
	return "(" + strings.Join(sel, ",") + ")"
}

// parseBatch reads a $batch body: nil when it is not JSON.
func parseBatch(body []byte) *batchRequest {
	var b batchRequest
	if json.Unmarshal(body, &b) != nil {
		return nil
	}
	return &b
}

// batchSummary lists the requests of a $batch body, for the record.
func batchSummary(b *batchRequest) []string {
	if b == nil {
		return []string{"(not JSON)"}
	}
	var out []string
	for _, r := range b.Requests {
		out = append(out, r.Method+" "+r.URL)
	}
	return out
}

type batchRequest struct {
	Requests []struct {
		ID     string `json:"id"`
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"requests"`
}

type batchAnswer struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// batch runs the GETs of a $batch (nil when its body is not JSON) and
// answers them, last first.
func (h *Handler) batch(root string, req *batchRequest) answer {
	if req == nil {
		return errAnswer(http.StatusBadRequest, "Invalid batch payload format.")
	}
	if len(req.Requests) == 0 || len(req.Requests) > 20 {
		return errAnswer(http.StatusBadRequest, fmt.Sprintf("Invalid batch payload: %d requests; a batch holds 1 to 20.", len(req.Requests)))
	}
	out := make([]batchAnswer, 0, len(req.Requests))
	seen := map[string]bool{}
	for _, r := range req.Requests {
		if r.ID == "" || seen[r.ID] {
			return errAnswer(http.StatusBadRequest, "Batch request ids must be present and unique.")
		}
		seen[r.ID] = true
		var a answer
		u, err := url.Parse(r.URL)
		switch {
		case err != nil || !strings.HasPrefix(r.URL, "/"):
			a = errAnswer(http.StatusBadRequest, "Invalid request URL in batch: "+r.URL)
		case !strings.EqualFold(r.Method, http.MethodGet):
			a = errAnswer(http.StatusMethodNotAllowed, "the fake Graph only reads: "+r.Method+" is not allowed")
		default:
			if f := h.fault(u.Path, 0, true); f != nil && f.Status != 0 {
				a = f.answer()
				break
			}
			var ok bool
			if a, ok = h.keyRead(u); !ok {
				break
			}
			u.Path = "/v1.0" + u.Path
			a = h.read(root, u, 0)
		}
		headers := map[string]string{"Content-Type": "application/json"}
		for k, v := range a.headers {
			headers[k] = v
		}
		out = append(out, batchAnswer{ID: r.ID, Status: a.status, Headers: headers, Body: a.body})
	}
	slices.Reverse(out)
	b, _ := json.Marshal(map[string]any{"responses": out})
	return answer{status: http.StatusOK, body: b}
}

// ParseFault reads a fault written as comma-separated settings, for the
// command line: "path=/applications,page=2,status=429,retry-after=5,times=2",
// "path=/applications,page=3,drop", "path=/$batch,truncate",
// "delay=3s,times=1", "page=4,loop-to=2", "page=2,malformed",
// "in-batch,path=/applications/,status=503", "status=429,retry-after=1,every=9".
func ParseFault(s string) (Fault, error) {
	var f Fault
	for _, part := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		var err error
		switch k {
		case "path":
			f.Path = v
		case "page":
			f.Page, err = strconv.Atoi(v)
		case "status":
			f.Status, err = strconv.Atoi(v)
		case "retry-after":
			f.RetryAfter = v
		case "times":
			f.Times, err = strconv.Atoi(v)
		case "every":
			f.Every, err = strconv.Atoi(v)
		case "loop-to":
			f.LoopTo, err = strconv.Atoi(v)
		case "delay":
			f.Delay, err = time.ParseDuration(v)
		case "drop":
			f.Drop = true
		case "truncate":
			f.Truncate = true
		case "malformed":
			f.Malformed = true
		case "in-batch":
			f.InBatch = true
		default:
			return Fault{}, fmt.Errorf("graphtest: fault %q: unknown setting %q (path, page, status, retry-after, times, every, loop-to, delay, drop, truncate, malformed, in-batch)", s, k)
		}
		if err != nil {
			return Fault{}, fmt.Errorf("graphtest: fault %q: %s=%s is not a number or duration", s, k, v)
		}
	}
	return f, nil
}
