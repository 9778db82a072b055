package graphclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/appaudit/appaudit/audit"
)

// batchSize is the most requests Graph takes in one $batch.
const batchSize = 20

// KeyFetch says which certificate bodies a read fetches, of those list
// pages leave out.
type KeyFetch int

// The ways of fetching certificate bodies. The zero value fetches none.
const (
	// KeyFetchNone fetches no body: certificates are identified by their
	// customKeyIdentifier and display name only.
	KeyFetchNone KeyFetch = iota
	// KeyFetchNeeded fetches the bodies a check needs and the listing
	// lacks: those of the objects ReadOptions.Deployed names, of
	// certificates whose customKeyIdentifier gives one of
	// ReadOptions.Thumbprints, and of certificates whose
	// customKeyIdentifier is not a SHA-1 thumbprint.
	KeyFetchNeeded
	// KeyFetchAll fetches every body the listing lacks, so that the key
	// size, signature algorithm and SHA-256 thumbprint of every
	// certificate are known.
	KeyFetchAll
)

// KeyFetches lists the ways by name, in the order of how much they fetch.
func KeyFetches() []KeyFetch { return []KeyFetch{KeyFetchNone, KeyFetchNeeded, KeyFetchAll} }

func (k KeyFetch) String() string {
	switch k {
	case KeyFetchNone:
		return "none"
	case KeyFetchNeeded:
		return "needed"
	case KeyFetchAll:
		return "all"
	}
	return fmt.Sprintf("KeyFetch(%d)", int(k))
}

// ParseKeyFetch reads a way of fetching bodies by its name.
func ParseKeyFetch(s string) (KeyFetch, error) {
	var names []string
	for _, k := range KeyFetches() {
		if strings.EqualFold(strings.TrimSpace(s), k.String()) {
			return k, nil
		}
		names = append(names, k.String())
	}
	return 0, fmt.Errorf("graphclient: %w", &audit.ChoiceError{What: "way of fetching certificate bodies", Name: s, Choices: names})
}

// bodySelector decides which listed objects get their certificate bodies
// fetched, and in which order.
type bodySelector struct {
	all    bool
	now    time.Time
	ids    map[string]bool // lower-case appIds
	names  map[string]bool // exact display names
	thumbs map[string]bool // "1:HEX" and "256:HEX"
}

// newBodySelector is nil when opts fetch no body.
func newBodySelector(opts ReadOptions, now time.Time) *bodySelector {
	switch opts.KeyFetch {
	case KeyFetchAll:
		return &bodySelector{all: true, now: now}
	case KeyFetchNeeded:
	default:
		return nil
	}
	s := &bodySelector{now: now, ids: map[string]bool{}, names: map[string]bool{}, thumbs: map[string]bool{}}
	for _, a := range opts.Deployed {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		s.names[a] = true
		if ValidAppID(a) {
			s.ids[strings.ToLower(a)] = true
		}
	}
	for _, t := range opts.Thumbprints {
		for _, k := range thumbKeys(t) {
			s.thumbs[k] = true
		}
	}
	return s
}

// thumbKeys are the digests of t as selector keys.
func thumbKeys(t audit.Thumbprints) []string {
	var out []string
	if t.SHA1 != "" {
		out = append(out, "1:"+strings.ToUpper(t.SHA1))
	}
	if t.SHA256 != "" {
		out = append(out, "256:"+strings.ToUpper(t.SHA256))
	}
	return out
}

// want says whether p's certificate bodies are to be fetched: p has a
// certificate credential whose body Graph left out (Symmetric keys are not
// certificates, and their key is a secret; secrets have no body) and the
// selector wants it. prio says how much the body matters: 0 when a
// certificate is identified by nothing but its display name, 1 when one is
// still valid, 2 when they have all expired.
func (s *bodySelector) want(p *audit.Principal) (prio int, ok bool) {
	named := s.all || s.names[p.DisplayName] || s.ids[strings.ToLower(p.AppID)]
	prio = 2
	for i := range p.KeyCredentials {
		k := &p.KeyCredentials[i]
		if !k.IsCertificate() || len(k.Key) > 0 {
			continue
		}
		if !named && !s.needs(k) {
			continue
		}
		ok = true
		switch {
		case k.Source == audit.FromNothing:
			prio = 0
		case prio > 1 && (k.End.IsZero() || s.now.Before(k.End)):
			prio = 1
		}
	}
	return prio, ok
}

// needs says whether k's body is needed though its object is not named:
// customKeyIdentifier gives no SHA-1 thumbprint to identify it by, or
// gives one the caller holds against the tenant.
func (s *bodySelector) needs(k *audit.KeyCredential) bool {
	if k.Thumbprints.SHA1 == "" {
		return true
	}
	for _, t := range thumbKeys(k.Thumbprints) {
		if s.thumbs[t] {
			return true
		}
	}
	return false
}

// need is an object whose certificate bodies are to be fetched: its kind,
// its place in the Tenant being built, and its object ID.
type need struct {
	kind  audit.ObjectKind
	index int
	id    string
	prio  int // 0 first; see bodyPriority
}

// bodyFetcher fetches certificate bodies with $batch while the listing
// goes on: the objects come in as their pages are decoded, go out twenty to
// a $batch, a bounded number of batches at a time, and each object's
// keyCredentials are replaced by the fetched ones as they come.
type bodyFetcher struct {
	c    *Client
	ctx  context.Context
	size int // requests a batch holds
	max  int // objects to fetch at most; 0 is no limit
	in   chan need
	jobs chan []need
	wg   sync.WaitGroup

	// store puts an object's keyCredentials, bodies and all, in place.
	store func(need, []audit.KeyCredential)

	mu      sync.Mutex
	failed  int
	first   string // the first failure, for the warning
	gone    int    // objects deleted between the listing and the fetch
	stop    bool   // a failure that no further batch can get past
	skipped int    // objects left out by the limit on fetches
}

func (c *Client) newBodyFetcher(ctx context.Context, maxObjects int, store func(need, []audit.KeyCredential)) *bodyFetcher {
	f := &bodyFetcher{c: c, ctx: ctx, in: make(chan need, 4*batchSize), jobs: make(chan []need),
		store: store, size: batchSize, max: max(maxObjects, 0)}
	c.stats.bodyCap.Store(int64(f.max))
	if l := c.keys.limit; l > 0 {
		f.size = batchFor(l)
	}
	f.wg.Go(f.dispatch)
	for range c.cfg.Concurrency {
		f.wg.Go(func() {
			for b := range f.jobs {
				f.fetch(b)
			}
		})
	}
	return f
}

// batchFor is how many objects a $batch holds under a limit of limit
// keyCredentials reads a minute: never more than a minute allows, and,
// where one fits, a size the limit is a multiple of, so that whole batches
// use the whole minute (150 reads a minute in batches of 20 would leave 10
// of them unused each minute; in batches of 15, none).
func batchFor(limit int) int {
	if limit <= batchSize {
		return limit
	}
	for n := batchSize; n >= batchSize/2; n-- {
		if limit%n == 0 {
			return n
		}
	}
	return batchSize
}

// want queues an object.
func (f *bodyFetcher) want(n need) {
	f.c.stats.wanted.Add(1)
	f.in <- n
}

// dispatch groups the objects into batches, the ones that matter most
// first, and hands them to the workers until the limit on fetches is
// reached. It queues as many objects as come, so that the listing never
// waits for the fetches (which Graph's limit on keyCredentials reads may
// slow down a lot).
func (f *bodyFetcher) dispatch() {
	defer close(f.jobs)
	var queues [3][]need
	in := f.in
	sent := 0
	for {
		queued := len(queues[0]) + len(queues[1]) + len(queues[2])
		room := queued
		if f.max > 0 {
			room = min(room, f.max-sent)
		}
		var jobs chan []need
		var next []need
		if room > 0 && (queued >= f.size || in == nil) {
			next = firstOf(&queues, min(room, f.size), false)
			jobs = f.jobs
		} else if in == nil {
			f.mu.Lock()
			f.skipped = queued
			f.mu.Unlock()
			return
		}
		select {
		case n, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			queues[n.prio] = append(queues[n.prio], n)
		case jobs <- next:
			firstOf(&queues, len(next), true)
			sent += len(next)
		}
	}
}

// firstOf returns the first k objects of the queues, in order of
// priority, and takes them off when remove is true.
func firstOf(queues *[3][]need, k int, remove bool) []need {
	out := make([]need, 0, k)
	for p := range queues {
		n := min(k-len(out), len(queues[p]))
		out = append(out, queues[p][:n]...)
		if remove {
			queues[p] = queues[p][n:]
		}
	}
	return out
}

// finish waits for the fetches and returns the warnings to report.
func (f *bodyFetcher) finish() []string {
	close(f.in)
	f.wg.Wait()
	var warnings []string
	if f.failed > 0 {
		warnings = append(warnings, fmt.Sprintf("the certificate bodies of %s could not be fetched (%s): their certificates are identified by customKeyIdentifier and display name only",
			audit.Plural(f.failed, "object"), f.first))
	}
	if f.skipped > 0 {
		warnings = append(warnings, fmt.Sprintf("the certificate bodies of %s were not fetched, past the limit of %d objects: their certificates are identified by customKeyIdentifier and display name only (raise the limit, or read fewer apps)",
			audit.Plural(f.skipped, "more object"), f.max))
	}
	if f.gone > 0 {
		warnings = append(warnings, fmt.Sprintf("%s listed were deleted before their certificate bodies could be fetched; they are audited as listed", audit.Plural(f.gone, "object")))
	}
	return warnings
}

func (f *bodyFetcher) fail(n int, why string) {
	f.c.stats.bodyMisses.Add(int64(n))
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed += n
	if f.first == "" {
		f.first = why
	}
}

// batchAnswer is one answer inside a $batch response.
type batchAnswer struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// fetch fetches the bodies of one batch of objects, sending again those
// Graph answers 429, 503 or 504 inside the batch, as the retry policy
// allows.
func (f *bodyFetcher) fetch(items []need) {
	c := f.c
	pending := items
	for attempt := 1; len(pending) > 0; attempt++ {
		f.mu.Lock()
		stop := f.stop
		f.mu.Unlock()
		if stop || f.ctx.Err() != nil {
			f.fail(len(pending), "the read was stopped")
			return
		}
		if err := c.keys.take(f.ctx, len(pending)); err != nil {
			f.fail(len(pending), err.Error())
			return
		}
		answers, err := c.sendBatch(f.ctx, pending)
		if err != nil {
			if fatal(err) {
				f.mu.Lock()
				f.stop = true
				f.mu.Unlock()
			}
			f.fail(len(pending), Reason(err))
			return
		}
		var again []need
		var wait time.Duration
		throttled := false
		for i, n := range pending {
			a, ok := answers[i]
			switch {
			case !ok:
				again = append(again, n) // Graph left it out: ask again
			case a.Status == http.StatusOK:
				o, err := decodeObjectBytes(a.Body, fmt.Sprintf("$batch answer for %s %s", kindName(n.kind), n.id), n.kind)
				if err != nil {
					f.fail(1, Reason(liveHint(err)))
					continue
				}
				p := o.Principal() // o.Kind is n.kind: decodeObjectBytes refuses another
				if p.ObjectID != n.id {
					// Someone else's certificates would pass for this
					// object's: keep what the listing said.
					f.fail(1, fmt.Sprintf("Graph's $batch answer for %s %s is about another object, %q", kindName(n.kind), n.id, clip(p.ObjectID)))
					continue
				}
				f.store(n, p.KeyCredentials)
				c.stats.fetched.Add(1)
			case a.Status == http.StatusNotFound:
				c.stats.bodyMisses.Add(1)
				f.mu.Lock()
				f.gone++
				f.mu.Unlock()
			case a.Status == http.StatusTooManyRequests || a.Status == http.StatusServiceUnavailable || a.Status == http.StatusGatewayTimeout:
				again = append(again, n)
				d, _ := c.tr.retryWait(a.Headers["Retry-After"], attempt)
				wait = max(wait, d)
				if a.Status == http.StatusTooManyRequests {
					c.stats.throttled.Add(1)
					throttled = true
				}
			default:
				f.fail(1, fmt.Sprintf("Graph answered %d %s for %s %s inside a $batch", a.Status, graphErrorCode(a.Body), kindName(n.kind), n.id))
			}
		}
		if throttled {
			c.keys.hold(c.clock.Now().Add(wait))
		}
		if len(again) > 0 {
			if attempt >= c.tr.policy.MaxAttempts || !c.tr.reserve(wait) {
				f.fail(len(again), fmt.Sprintf("Graph kept answering 429 or 503 inside $batch after %s", audit.Plural(attempt, "attempt")))
				return
			}
			c.tr.countRetry(wait)
			if err := c.clock.Sleep(f.ctx, wait); err != nil {
				f.fail(len(again), err.Error())
				return
			}
		}
		pending = again
	}
}

// sendBatch sends one $batch of GETs for the bodies of items and returns
// the answers by the index of the item they answer. The answer is
// checked: it must be JSON, answer only the requests sent, each once.
//
// The inner requests come from the SDK's request builders and the POST
// goes through the kiota request adapter, but not through
// msgraph-sdk-go-core's BatchRequest: that turns every answer's body into
// generic maps and back before it can be read, needs the package-level
// parse node and error registries filled, and does not check the answers
// against the requests. Here each body goes, as it came, to the same
// decoder as list pages.
func (c *Client) sendBatch(ctx context.Context, items []need) (map[int]batchAnswer, error) {
	type request struct {
		ID     string `json:"id"`
		Method string `json:"method"`
		URL    string `json:"url"`
	}
	reqs := make([]request, len(items))
	base := c.ep.Base()
	for i, n := range items {
		ri, err := bodyRequest(ctx, c, n)
		if err != nil {
			return nil, fmt.Errorf("graphclient: %w", err)
		}
		ri.PathParameters["baseurl"] = base
		u, err := ri.GetUri()
		if err != nil {
			return nil, fmt.Errorf("graphclient: %w", err)
		}
		reqs[i] = request{ID: strconv.Itoa(i + 1), Method: http.MethodGet, URL: decodeOptionNames(strings.TrimPrefix(u.String(), base))}
	}
	body, err := json.Marshal(map[string]any{"requests": reqs})
	if err != nil {
		return nil, fmt.Errorf("graphclient: %w", err)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.POST
	ri.UrlTemplate = "{+baseurl}/$batch"
	ri.Content = body
	ri.Headers.TryAdd("Content-Type", "application/json")
	ri.Headers.TryAdd("Accept", "application/json")
	c.stats.batches.Add(1)
	data, err := c.send(ctx, ri, "fetching certificate bodies with $batch")
	if err != nil {
		return nil, err
	}
	var resp struct {
		Responses []batchAnswer `json:"responses"`
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("graphclient: the $batch answer is not JSON: %v", err)
	}
	if len(resp.Responses) > len(items) {
		return nil, fmt.Errorf("graphclient: Graph answered a $batch of %d requests with %d answers", len(items), len(resp.Responses))
	}
	out := make(map[int]batchAnswer, len(items))
	for _, a := range resp.Responses {
		i, err := strconv.Atoi(a.ID)
		if err != nil || i < 1 || i > len(items) {
			return nil, fmt.Errorf("graphclient: Graph's $batch answer has an answer (id %q) to a request that was not sent", clip(a.ID))
		}
		if _, dup := out[i-1]; dup {
			return nil, fmt.Errorf("graphclient: Graph's $batch answer answers request %d twice", i)
		}
		out[i-1] = a
	}
	return out, nil
}

// bodyRequest is the GET for one object's certificate bodies, from the
// SDK's request builders: /applications/{id}?$select=id,keyCredentials.
func bodyRequest(ctx context.Context, c *Client, n need) (*abs.RequestInformation, error) {
	if n.kind == audit.KindServicePrincipal {
		return serviceprincipals.NewServicePrincipalsRequestBuilderInternal(map[string]string{}, c.adapter).ByServicePrincipalId(n.id).ToGetRequestInformation(ctx,
			&serviceprincipals.ServicePrincipalItemRequestBuilderGetRequestConfiguration{QueryParameters: &serviceprincipals.ServicePrincipalItemRequestBuilderGetQueryParameters{Select: bodySelect}})
	}
	return applications.NewApplicationsRequestBuilderInternal(map[string]string{}, c.adapter).ByApplicationId(n.id).ToGetRequestInformation(ctx,
		&applications.ApplicationItemRequestBuilderGetRequestConfiguration{QueryParameters: &applications.ApplicationItemRequestBuilderGetQueryParameters{Select: bodySelect}})
}

// decodeOptionNames writes the query option names of a URL the SDK built
// ("%24select") as Graph documents them ("$select"), as the SDK's
// pipeline does for the requests it sends itself.
func decodeOptionNames(u string) string {
	path, query, ok := strings.Cut(u, "?")
	if !ok {
		return u
	}
	opts := strings.Split(query, "&")
	for i, o := range opts {
		name, value, _ := strings.Cut(o, "=")
		if n, err := url.QueryUnescape(name); err == nil && strings.HasPrefix(n, "$") {
			opts[i] = n + "=" + value
		}
	}
	return path + "?" + strings.Join(opts, "&")
}
