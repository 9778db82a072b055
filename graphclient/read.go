package graphclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/applicationswithappid"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipalswithappid"

	"github.com/appaudit/appaudit/audit"
)

// The members appaudit's checks read, and nothing else: $select cuts the
// payload and Graph's throttling cost (ENTRA-FACTS.md).
// preferredTokenSigningKeyEndDateTime exists only on Graph beta; v1.0
// refuses it, so the SAML checks take the end date from the matching
// keyCredential.
var (
	applicationSelect      = []string{"id", "appId", "displayName", "signInAudience", "keyCredentials", "passwordCredentials"}
	servicePrincipalSelect = []string{"id", "appId", "displayName", "keyCredentials", "passwordCredentials", "appDisplayName",
		"servicePrincipalType", "appOwnerOrganizationId", "preferredTokenSigningKeyThumbprint", "accountEnabled"}
	bodySelect = []string{"id", "keyCredentials"}
)

// ReadOptions say what to read.
type ReadOptions struct {
	// ServicePrincipals reads the service principals too.
	ServicePrincipals bool
	// KeyFetch says which of the certificate bodies list pages leave out
	// (key null) to fetch with $batch: none (the zero value), those a
	// check needs (KeyFetchNeeded: see Deployed and Thumbprints), or all.
	// Graph's limit on keyCredentials reads makes each object fetched
	// cost about 0.4 s.
	KeyFetch KeyFetch
	// MaxKeyBodies, when above 0, fetches the bodies of that many objects
	// at most: those whose certificate customKeyIdentifier does not
	// identify first, then those with a certificate still valid, then the
	// rest. The others keep the identity customKeyIdentifier gives.
	MaxKeyBodies int
	// Deployed and Thumbprints say, for KeyFetchNeeded, which objects
	// the caller will hold against what is deployed: those whose appId
	// (any case) or exact display name Deployed lists, and those with a
	// certificate whose customKeyIdentifier gives one of Thumbprints
	// (from local certificate files, the deployed mapping, a vault).
	// Their bodies are fetched, as are those of certificates whose
	// customKeyIdentifier is not a SHA-1 thumbprint, which nothing else
	// identifies.
	Deployed    []string
	Thumbprints []audit.Thumbprints
	// AppIDs, when not empty, reads only the applications (and service
	// principals) with these appIds, with single-object GETs, instead of
	// listing the tenant.
	AppIDs []string
	// Listed, when not nil, is called once, as soon as the listing is
	// done and the number of objects whose bodies are to be fetched is
	// known, with the Stats then (BodiesLeft and Left say how much of the
	// fetch is still to come), before Read waits for the fetch.
	Listed func(Stats)
	// Each, when not nil, takes every object as soon as it is whole (its
	// certificate bodies fetched, when they are to be), instead of the
	// Tenant keeping it: the caller audits the tenant as it is read. Each
	// is never called by two goroutines at once, and is given every
	// application before any service principal (which are listed at the
	// same time, a bounded number ahead). The Tenant then holds no
	// objects.
	Each func(Object)
}

// ReadResult is what Read read.
type ReadResult struct {
	// Tenant is what was read; Complete is false, with IncompleteReason,
	// when anything could not be.
	Tenant *audit.Tenant
	// Warnings are problems that leave the tenant complete, such as
	// certificate bodies that could not be fetched.
	Warnings []string
	Stats    Stats
	// NotRead is true when no part of the tenant could be read: signing
	// in failed, or Graph refused the token or the permission, before a
	// single object came. The Tenant is then empty and incomplete, and
	// nothing can be said about it.
	NotRead bool
}

// Read reads the tenant. It always returns what it read; the error, when
// not nil, is why the Tenant is incomplete (a *SignInError when signing in
// failed, an *Error when Graph refused or failed).
func (c *Client) Read(ctx context.Context, opts ReadOptions) (*ReadResult, error) {
	start := c.clock.Now()
	c.stats.started.Store(start.UnixNano())
	t := &audit.Tenant{Cloud: c.ep.Cloud.Name, TakenAt: start.UTC().Truncate(time.Second)}
	res := &ReadResult{Tenant: t}
	var errs []error
	if len(opts.AppIDs) > 0 {
		errs = c.readApps(ctx, opts, res)
		c.stats.listed.Store(true)
		if opts.Listed != nil {
			opts.Listed(c.Stats())
		}
	} else {
		errs = c.readAll(ctx, opts, res)
	}
	t.TenantID = c.cfg.TenantID
	if cr, ok := c.cfg.Credential.(*Credential); ok && cr.TenantID() != "" {
		t.TenantID = cr.TenantID()
	}
	t.Complete = len(errs) == 0
	var se *SignInError
	st := c.Stats()
	read := len(t.Applications) + len(t.ServicePrincipals) + int(st.Applications+st.ServicePrincipals)
	if len(errs) > 0 && errors.As(errs[0], &se) && read == 0 {
		// Nothing was read: the sign-in is the whole story.
		errs = []error{se}
	}
	res.NotRead = len(errs) > 0 && fatal(errs[0]) && read == 0
	var reasons []string
	for i, e := range errs {
		var st, prev *StoppedError
		if i > 0 && errors.As(e, &st) && errors.As(errs[i-1], &prev) && st.Err.Error() == prev.Err.Error() {
			reasons = append(reasons, fmt.Sprintf("listing %s stopped at page %d, after %s, for the same reason",
				st.Collection, st.Page, audit.Plural(st.Objects, strings.TrimSuffix(st.Collection, "s"))))
			continue
		}
		reasons = append(reasons, Reason(e))
	}
	t.IncompleteReason = strings.Join(reasons, "; ")
	res.Stats = c.Stats()
	if opts.Each != nil {
		// The objects read one by one (--app) are handed on as the listed are.
		handOn(t, opts.Each)
	}
	if len(errs) > 0 {
		return res, errs[0]
	}
	return res, nil
}

// collection is one of the two listings.
type collection struct {
	kind   audit.ObjectKind
	name   string // "applications"
	first  func(context.Context, *Client, int32) (*abs.RequestInformation, error)
	next   func(*Client, string) (*abs.RequestInformation, error)
	counts func(*counters)
}

var (
	applicationsCollection = collection{
		kind: audit.KindApplication, name: "applications",
		first: func(ctx context.Context, c *Client, top int32) (*abs.RequestInformation, error) {
			return applications.NewApplicationsRequestBuilderInternal(map[string]string{}, c.adapter).ToGetRequestInformation(ctx,
				&applications.ApplicationsRequestBuilderGetRequestConfiguration{QueryParameters: &applications.ApplicationsRequestBuilderGetQueryParameters{
					Select: applicationSelect, Top: &top}})
		},
		next: func(c *Client, link string) (*abs.RequestInformation, error) {
			return applications.NewApplicationsRequestBuilder(link, c.adapter).ToGetRequestInformation(context.Background(), nil)
		},
		counts: func(s *counters) { s.apps.Add(1) },
	}
	servicePrincipalsCollection = collection{
		kind: audit.KindServicePrincipal, name: "service principals",
		first: func(ctx context.Context, c *Client, top int32) (*abs.RequestInformation, error) {
			return serviceprincipals.NewServicePrincipalsRequestBuilderInternal(map[string]string{}, c.adapter).ToGetRequestInformation(ctx,
				&serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{QueryParameters: &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{
					Select: servicePrincipalSelect, Top: &top}})
		},
		next: func(c *Client, link string) (*abs.RequestInformation, error) {
			return serviceprincipals.NewServicePrincipalsRequestBuilder(link, c.adapter).ToGetRequestInformation(context.Background(), nil)
		},
		counts: func(s *counters) { s.sps.Add(1) },
	}
)

// readAll lists the applications and the service principals, at the same
// time, and fetches the certificate bodies the pages left out as the pages
// come in.
func (c *Client) readAll(ctx context.Context, opts ReadOptions, res *ReadResult) []error {
	out := newObjectSink(res.Tenant, opts.Each)
	var bodies *bodyFetcher
	sel := newBodySelector(opts, c.clock.Now())
	if sel != nil {
		bodies = c.newBodyFetcher(ctx, opts.MaxKeyBodies, out.bodies)
	}
	take := func(o Object) {
		out.admit(o)
		p := o.Principal()
		if bodies != nil {
			if prio, ok := sel.want(p); ok {
				i := out.hold(o)
				bodies.want(need{kind: o.Kind, index: i, id: p.ObjectID, prio: prio})
				return
			}
		}
		out.add(o)
	}
	var appErr, spErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		appErr = c.list(ctx, applicationsCollection, take)
		out.appsListed()
	})
	if opts.ServicePrincipals {
		wg.Go(func() { spErr = c.list(ctx, servicePrincipalsCollection, take) })
	}
	wg.Wait()
	var errs []error
	for _, err := range []error{appErr, spErr} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	c.stats.listed.Store(true)
	if opts.Listed != nil {
		opts.Listed(c.Stats())
	}
	if bodies != nil {
		res.Warnings = append(res.Warnings, bodies.finish()...)
	}
	out.flush()
	return errs
}

// lookAhead is how many service principals a read that hands its objects
// on (ReadOptions.Each) lists ahead while the applications are still
// being listed: they wait, for the caller takes every application first.
// The listing of service principals pauses when that many wait, which
// bounds the memory they take (some ten pages of them).
var lookAhead = 10_000

// objectSink takes the objects a read lists: into the Tenant, or, when
// the caller audits them as they come (ReadOptions.Each), on to it, one
// at a time. An object whose certificate bodies are to be fetched waits
// for them, and a service principal waits until every application has
// been listed and passed on: the caller takes every application before
// the service principals of its app.
type objectSink struct {
	mu   sync.Mutex
	t    *audit.Tenant
	each func(Object)
	// held are the objects whose bodies are to be fetched, in the order
	// they were listed, by the index the fetch names them by; nil once
	// passed on. heldApps counts the applications still held.
	held     []*Object
	heldApps int
	// waiting are the service principals, whole, waiting for the
	// applications. admitted counts the service principals listed: none
	// is passed on before the applications are all listed, so until then
	// it is how many wait.
	waiting  []Object
	admitted int
	// listed is set once the applications are all listed; room is
	// signalled when the service principals may list further.
	listed bool
	room   *sync.Cond
}

func newObjectSink(t *audit.Tenant, each func(Object)) *objectSink {
	s := &objectSink{t: t, each: each}
	s.room = sync.NewCond(&s.mu)
	return s
}

// admit is called as each object is listed, before add or hold: a
// service principal listed ahead of the applications waits here while
// lookAhead of them wait already.
func (s *objectSink) admit(o Object) {
	if s.each == nil || o.Kind != audit.KindServicePrincipal {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.listed && s.admitted >= lookAhead {
		s.room.Wait()
	}
	s.admitted++
}

// appsListed records that the applications are all listed (or that their
// listing stopped), and lets the service principals go on.
func (s *objectSink) appsListed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listed = true
	s.room.Broadcast()
	if s.each != nil {
		s.releaseWaiting()
	}
}

// add takes an object that is whole.
func (s *objectSink) add(o Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.each == nil {
		o.AddTo(s.t)
		return
	}
	s.release(o)
}

// release passes a whole object on, or keeps a service principal waiting
// for the applications. The caller holds s.mu.
func (s *objectSink) release(o Object) {
	if o.Kind == audit.KindServicePrincipal {
		s.waiting = append(s.waiting, o)
	} else {
		s.each(o)
	}
	s.releaseWaiting()
}

// releaseWaiting passes the service principals waiting on, once every
// application has been. The caller holds s.mu.
func (s *objectSink) releaseWaiting() {
	if !s.listed || s.heldApps > 0 {
		return
	}
	for _, w := range s.waiting {
		s.each(w)
	}
	s.waiting = nil
}

// hold takes an object whose bodies are to be fetched, and returns the
// index the fetch names it by.
func (s *objectSink) hold(o Object) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.each == nil {
		o.AddTo(s.t)
		if o.Kind == audit.KindServicePrincipal {
			return len(s.t.ServicePrincipals) - 1
		}
		return len(s.t.Applications) - 1
	}
	s.held = append(s.held, &o)
	if o.Kind == audit.KindApplication {
		s.heldApps++
	}
	return len(s.held) - 1
}

// bodies puts the fetched keyCredentials of the object n names in place,
// and passes a held object on.
func (s *objectSink) bodies(n need, keys []audit.KeyCredential) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.each != nil {
		o := s.held[n.index]
		if o == nil || o.Principal().ObjectID != n.id {
			return
		}
		s.held[n.index] = nil
		o.Principal().KeyCredentials = keys
		if o.Kind == audit.KindApplication {
			s.heldApps--
		}
		s.release(*o)
		return
	}
	var p *audit.Principal
	if n.kind == audit.KindServicePrincipal {
		p = &s.t.ServicePrincipals[n.index].Principal
	} else {
		p = &s.t.Applications[n.index].Principal
	}
	if p.ObjectID == n.id {
		p.KeyCredentials = keys
	}
}

// flush passes on, once the fetch is over, the objects whose bodies did
// not come: the applications, then the service principals waiting, then
// those held, in the order they were listed.
func (s *objectSink) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.each == nil {
		return
	}
	for _, o := range s.held {
		if o != nil && o.Kind == audit.KindApplication {
			s.each(*o)
		}
	}
	for _, w := range s.waiting {
		s.each(w)
	}
	for _, o := range s.held {
		if o != nil && o.Kind == audit.KindServicePrincipal {
			s.each(*o)
		}
	}
	s.held, s.heldApps, s.waiting = nil, 0, nil
}

// handOn passes the objects t holds to each, the applications first, and
// leaves t without them.
func handOn(t *audit.Tenant, each func(Object)) {
	for _, a := range t.Applications {
		each(Object{Kind: audit.KindApplication, Application: a})
	}
	for _, sp := range t.ServicePrincipals {
		each(Object{Kind: audit.KindServicePrincipal, ServicePrincipal: sp})
	}
	t.Applications, t.ServicePrincipals = nil, nil
}

// StoppedError is a listing that could not be read to its end: which
// collection, the page it stopped at, how many objects were read before,
// and why.
type StoppedError struct {
	Collection string // "applications" or "service principals"
	Page       int
	Objects    int
	Err        error
}

func (e *StoppedError) Error() string {
	return fmt.Sprintf("graphclient: listing %s stopped at page %d, after %s: %s", e.Collection, e.Page,
		audit.Plural(e.Objects, strings.TrimSuffix(e.Collection, "s")), Reason(e.Err))
}

func (e *StoppedError) Unwrap() error { return e.Err }

// page is one fetched list page, or what stopped the listing.
type page struct {
	n    int
	body []byte
	next string
	err  error
}

// list reads every page of a collection, calling each for every object in
// order. The next page is fetched while this one is decoded; no page is
// kept once decoded. A page that cannot be read, a nextLink to another
// host and a nextLink seen before end the listing with an error that says
// how far it got.
func (c *Client) list(ctx context.Context, coll collection, each func(Object)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan page, 1)
	go c.fetchPages(ctx, coll, pages)
	objects := 0
	stopped := func(n int, err error) error {
		cancel()
		for range pages { // let the fetcher finish
		}
		return &StoppedError{Collection: coll.name, Page: n, Objects: objects, Err: err}
	}
	for p := range pages {
		if p.err != nil {
			return stopped(p.n, p.err)
		}
		name := fmt.Sprintf("%s page %d", strings.ReplaceAll(coll.name, " ", ""), p.n)
		got, err := DecodePage(bytes.NewReader(p.body), name, coll.kind, func(o Object) error {
			each(o)
			objects++
			coll.counts(c.stats)
			return nil
		})
		if err != nil {
			return stopped(p.n, liveHint(err))
		}
		if got.NextLink != p.next {
			return stopped(p.n, fmt.Errorf("the page's @odata.nextLink was read two ways"))
		}
		c.stats.pages.Add(1)
	}
	return nil
}

// fetchPages fetches the pages of a collection one after the other, each
// as soon as the one before it has arrived, and hands them over.
func (c *Client) fetchPages(ctx context.Context, coll collection, out chan<- page) {
	defer close(out)
	send := func(p page) bool {
		select {
		case out <- p:
			return true
		case <-ctx.Done():
			return false
		}
	}
	ri, err := coll.first(ctx, c, int32(c.cfg.PageSize))
	seen := map[string]int{}
	for n := 1; ; n++ {
		if err == nil {
			err = c.keys.takeFirst(ctx, 1)
		}
		var body []byte
		if err == nil {
			body, err = c.send(ctx, ri, "")
		}
		if err != nil {
			send(page{n: n, err: err})
			return
		}
		next := pageNextLink(body)
		if !send(page{n: n, body: body, next: next}) || next == "" {
			return
		}
		u, perr := url.Parse(next)
		switch {
		case perr != nil || !c.ep.onHost(u):
			send(page{n: n + 1, err: fmt.Errorf("page %d's @odata.nextLink leads to %s, not to %s: it was not followed", n, linkHost(next), c.ep.Host())})
			return
		case seen[next] > 0:
			send(page{n: n + 1, err: fmt.Errorf("page %d's @odata.nextLink is the link to page %d again: Graph's paging loops, so the listing was stopped rather than read for ever", n, seen[next])})
			return
		}
		seen[next] = n + 1
		ri, err = coll.next(c, next)
	}
}

// liveHint gives a DecodeError about an answer from Graph a hint of its
// own: the hints for files (save it again, edited by hand) do not apply.
func liveHint(err error) error {
	var de *DecodeError
	if errors.As(err, &de) {
		de.Hint = "the answer is not what Graph sends: something between appaudit and Graph, such as a proxy, may have changed it; run the audit again"
	}
	return err
}

// linkHost is the scheme and host of a link, for messages.
func linkHost(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return "something that is not a URL"
	}
	return u.Scheme + "://" + u.Host
}

// ValidAppID reports whether id has the form of an appId (a GUID).
func ValidAppID(id string) bool { return audit.IsGUID(id) }

// readApps reads the applications (and service principals) with the given
// appIds, one GET each. An appId that is neither leaves the tenant
// incomplete: the audit was asked for it and cannot vouch for it.
func (c *Client) readApps(ctx context.Context, opts ReadOptions, res *ReadResult) []error {
	t := res.Tenant
	var errs []error
	for _, id := range opts.AppIDs {
		if !ValidAppID(id) {
			errs = append(errs, fmt.Errorf("graphclient: %q is not an appId (a GUID)", clip(id)))
			continue
		}
		found := false
		o, ok, err := c.getByAppID(ctx, audit.KindApplication, id)
		if ok {
			t.Applications, found = append(t.Applications, o.Application), true
		}
		if err == nil && opts.ServicePrincipals {
			o, ok, err = c.getByAppID(ctx, audit.KindServicePrincipal, id)
			if ok {
				t.ServicePrincipals, found = append(t.ServicePrincipals, o.ServicePrincipal), true
			}
		}
		switch {
		case err != nil:
			errs = append(errs, err)
			if fatal(err) {
				return errs
			}
		case !found:
			what := "application or service principal"
			if !opts.ServicePrincipals {
				what = "application"
			}
			errs = append(errs, fmt.Errorf("graphclient: no %s has appId %s in this tenant (check the ID and the tenant)", what, id))
		}
	}
	return errs
}

// getByAppID reads one object by appId; ok is false when Graph has none.
func (c *Client) getByAppID(ctx context.Context, kind audit.ObjectKind, appID string) (Object, bool, error) {
	var ri *abs.RequestInformation
	var err error
	if kind == audit.KindServicePrincipal {
		ri, err = serviceprincipalswithappid.NewServicePrincipalsWithAppIdRequestBuilderInternal(map[string]string{}, c.adapter, &appID).ToGetRequestInformation(ctx,
			&serviceprincipalswithappid.ServicePrincipalsWithAppIdRequestBuilderGetRequestConfiguration{QueryParameters: &serviceprincipalswithappid.ServicePrincipalsWithAppIdRequestBuilderGetQueryParameters{Select: servicePrincipalSelect}})
	} else {
		ri, err = applicationswithappid.NewApplicationsWithAppIdRequestBuilderInternal(map[string]string{}, c.adapter, &appID).ToGetRequestInformation(ctx,
			&applicationswithappid.ApplicationsWithAppIdRequestBuilderGetRequestConfiguration{QueryParameters: &applicationswithappid.ApplicationsWithAppIdRequestBuilderGetQueryParameters{Select: applicationSelect}})
	}
	if err != nil {
		return Object{}, false, fmt.Errorf("graphclient: %w", err)
	}
	what := fmt.Sprintf("reading the %s with appId %s", kindName(kind), appID)
	if err := c.keys.takeFirst(ctx, 1); err != nil {
		return Object{}, false, err
	}
	body, err := c.send(ctx, ri, what)
	if statusOf(err) == 404 {
		return Object{}, false, nil
	}
	if err != nil {
		return Object{}, false, err
	}
	o, err := decodeObjectBytes(body, fmt.Sprintf("%s %s", kindName(kind), appID), kind)
	if err != nil {
		return Object{}, false, liveHint(err)
	}
	if kind == audit.KindServicePrincipal {
		c.stats.sps.Add(1)
	} else {
		c.stats.apps.Add(1)
	}
	return o, true, nil
}

func kindName(k audit.ObjectKind) string {
	if k == audit.KindServicePrincipal {
		return "service principal"
	}
	return "application"
}
