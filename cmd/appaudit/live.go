package main

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/localfiles"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/keyvault"
)

// liveOptions say how to read the tenant from Microsoft Graph: the flags
// scan and snapshot share.
type liveOptions struct {
	Auth                  string
	Tenant                string
	Cloud                 string
	GraphURL              string
	ClientID              string
	ClientCert            string
	ClientCertPasswordEnv string
	Apps                  []string
	NoServicePrincipals   bool
	KeyFetch              string
	NoKeyFetch            bool
	KeyFetchMax           int
	KeyReadsPerMinute     int

	// usage, set by scan and snapshot, says whether to read the usage
	// evidence with the tenant (usage.go); nil elsewhere.
	usage *usageOptions
	// keyFetch and keyFetchMax are what --key-fetch and --key-fetch-max
	// default to: the command sets keyFetch before addFlags (scan fetches
	// what its checks need, snapshot all of it, for evidence); doctor and
	// preflight fetch all, at most diagnosisKeyFetchMax objects.
	keyFetch    graphclient.KeyFetch
	keyFetchMax int
	// needs says, for --key-fetch needed, which objects the audit will
	// hold against what is deployed; the command sets it before reading.
	needs keyNeeds

	// forDiagnosis is set by doctor and preflight before addFlags: there
	// --client-id and --app name the app being diagnosed, so the sign-in
	// client ID is --auth-client-id and the apps to read follow from the
	// command, and --tenant and --cloud also describe the evidence, so
	// they may go with --snapshot.
	forDiagnosis bool

	// cred is the sign-in once made, for Graph and the Key Vaults
	// alike (one device-code prompt, one managed identity call).
	cred *signIn
}

// signIn is what credential works out: the credential, the Graph
// endpoint and the tenant.
type signIn struct {
	cred   *graphclient.Credential
	ep     graphclient.Endpoint
	tenant string
}

// liveRead is what a read of Graph brings back.
type liveRead struct {
	tenant *audit.Tenant
	source audit.Source
	// warnings are what the read met that leaves the tenant complete, and
	// elapsed how long it took.
	warnings []string
	elapsed  time.Duration
}

// liveHooks let tests change how a live source signs in and reaches
// Graph (a fake token endpoint, a clock that does not sleep) after the
// flags are read and before anything is sent.
type liveHooks struct {
	auth     func(*graphclient.AuthOptions)
	config   func(*graphclient.Config)
	keyvault func(*keyvault.Config)
}

// keyNeeds are the apps (appIds or display names) and thumbprints a scan
// holds against what is deployed: --key-fetch needed fetches their
// certificate bodies (graphclient.ReadOptions Deployed and Thumbprints).
type keyNeeds struct {
	apps   []string
	thumbs []audit.Thumbprints
}

// needsOf lists what inv holds against the tenant: the apps the mapping
// names, and the thumbprints of its rows and of the local certificates
// (not the CA certificates that came along in a chain: nothing signs with
// those).
func needsOf(inv *audit.Inventory) keyNeeds {
	var n keyNeeds
	for _, d := range inv.Deployments {
		n.apps = append(n.apps, d.App)
		n.thumbs = append(n.thumbs, d.Thumbprints)
		if d.Cert != nil && d.Cert.Cert != nil {
			n.thumbs = append(n.thumbs, d.Cert.Cert.Thumbprints)
		}
	}
	for _, c := range inv.Certs {
		if c.Cert != nil && !c.Chain {
			n.thumbs = append(n.thumbs, c.Cert.Thumbprints)
		}
	}
	return n
}

// diagnosisKeyFetchMax is how many objects' certificate bodies doctor and
// preflight fetch at most unless told otherwise: ten minutes of Graph's
// 150 keyCredentials reads a minute.
const diagnosisKeyFetchMax = 1500

// The environment variables the sign-in modes read.
const (
	envTenantID     = "AZURE_TENANT_ID"
	envClientID     = "AZURE_CLIENT_ID"
	envClientSecret = "AZURE_CLIENT_SECRET"
	envAccessToken  = "APPAUDIT_ACCESS_TOKEN"
)

func (o *liveOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	var modes []string
	for _, m := range graphclient.AuthModes() {
		modes = append(modes, string(m))
	}
	f.StringVar(&o.Auth, "auth", string(graphclient.AuthDefault), "how to sign in to Microsoft Graph: `MODE` ("+strings.Join(modes, ", ")+"); see the README's Permissions section")
	tenantUsage, cloudUsage := "tenant `ID` or domain to sign in to (default $"+envTenantID+")",
		"the Microsoft cloud: `NAME` ("+strings.Join(graphclient.CloudNames(), ", ")+"), which sets the sign-in authority, Graph and the token scope"
	if o.forDiagnosis {
		tenantUsage = "the tenant the sign-in goes to, and the one to read live: its `ID` or a domain (default $" + envTenantID + " for the live read)"
		cloudUsage = "the tenant's Microsoft `CLOUD` (" + strings.Join(graphclient.CloudNames(), ", ") + "), for the evidence and the live read"
	}
	f.StringVar(&o.Tenant, "tenant", "", tenantUsage)
	f.StringVar(&o.Cloud, "cloud", "public", cloudUsage)
	f.StringVar(&o.GraphURL, "graph-url", "", "Graph service root `URL` without the version, instead of the cloud's (http only for localhost, 127.0.0.1 and ::1)")
	f.StringVar(&o.ClientID, o.clientIDFlag(), "", "app (client) `ID` appaudit signs in as for client-secret, client-certificate, workload-identity and device-code (default $"+envClientID+"), or a user-assigned managed identity's client ID")
	f.StringVar(&o.ClientCert, "client-cert", "", "certificate and private key `FILE` (PEM or PFX) for --auth client-certificate")
	f.StringVar(&o.ClientCertPasswordEnv, "client-cert-password-env", "APPAUDIT_CLIENT_CERT_PASSWORD", "environment `VARIABLE` holding the --client-cert PFX password")
	if !o.forDiagnosis {
		f.StringArrayVar(&o.Apps, "app", nil, "audit only the app with this `APPID` (and its service principal), read directly instead of listing the tenant (repeatable)")
	}
	f.BoolVar(&o.NoServicePrincipals, "no-service-principals", false, "read applications only, not service principals")
	if o.forDiagnosis {
		o.keyFetch, o.keyFetchMax = graphclient.KeyFetchAll, diagnosisKeyFetchMax
	}
	var fetches []string
	for _, k := range graphclient.KeyFetches() {
		fetches = append(fetches, k.String())
	}
	f.StringVar(&o.KeyFetch, "key-fetch", o.keyFetch.String(), "which certificate bodies list pages leave out to fetch: `WHICH` ("+strings.Join(fetches, ", ")+
		"); needed: those a check needs (apps of the deployed mapping, certificates a local file matches, certificates customKeyIdentifier does not identify); "+
		"all: every one, at Graph's 150 objects a minute")
	f.BoolVar(&o.NoKeyFetch, "no-key-fetch", false, "the same as --key-fetch none")
	f.IntVar(&o.KeyFetchMax, "key-fetch-max", o.keyFetchMax, "fetch certificate bodies for `N` objects at most, those that need it most first (1,500 take about 10 minutes at Graph's limit); 0 for no limit")
	f.IntVar(&o.KeyReadsPerMinute, "key-reads-per-minute", graphclient.DefaultKeyReadsPerMinute, "most `N` requests a minute that read keyCredentials, Graph's limit per tenant; 0 for no limit")
}

// clientIDFlag names the flag of the client ID appaudit signs in as.
func (o *liveOptions) clientIDFlag() string {
	if o.forDiagnosis {
		return "auth-client-id"
	}
	return "client-id"
}

// given lists the live-only flags that differ from their defaults.
func (o *liveOptions) given() []string {
	var set []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"--auth", o.Auth != string(graphclient.AuthDefault)},
		{"--tenant", o.Tenant != "" && !o.forDiagnosis}, {"--cloud", o.Cloud != "public" && !o.forDiagnosis},
		{"--graph-url", o.GraphURL != ""}, {"--" + o.clientIDFlag(), o.ClientID != ""}, {"--client-cert", o.ClientCert != ""},
		{"--app", len(o.Apps) > 0}, {"--no-service-principals", o.NoServicePrincipals}, {"--no-key-fetch", o.NoKeyFetch},
		{"--key-fetch", o.KeyFetch != o.keyFetch.String()}, {"--key-fetch-max", o.KeyFetchMax != o.keyFetchMax},
		{"--key-reads-per-minute", o.KeyReadsPerMinute != graphclient.DefaultKeyReadsPerMinute},
	} {
		if f.set {
			set = append(set, f.name)
		}
	}
	return set
}

// validate checks what the flags alone say, before anything is read, and
// returns the sign-in mode and the endpoint. Every problem is a usage
// error.
func (o *liveOptions) validate() (graphclient.AuthMode, graphclient.Endpoint, error) {
	mode, err := graphclient.ParseAuthMode(o.Auth)
	if err != nil {
		return "", graphclient.Endpoint{}, flagErr(reasonUsage, "--auth", o.Auth, err)
	}
	ep, err := graphclient.ResolveEndpoint(o.Cloud, o.GraphURL)
	if err != nil {
		return "", graphclient.Endpoint{}, flagErr(reasonUsage, "--cloud", o.Cloud, err) // --graph-url when the URL is at fault
	}
	for _, id := range o.Apps {
		if !graphclient.ValidAppID(id) {
			return "", graphclient.Endpoint{}, &cmdError{Reason: reasonUsage, Flag: "--app", Value: id, Detail: "not an appId",
				Hint: "an appId is a GUID such as 11111111-2222-3333-4444-555555555555"}
		}
	}
	if err := cmp.Or(nonNegative("--key-reads-per-minute", o.KeyReadsPerMinute), nonNegative("--key-fetch-max", o.KeyFetchMax)); err != nil {
		return "", graphclient.Endpoint{}, err
	}
	if _, err := o.fetch(); err != nil {
		return "", graphclient.Endpoint{}, err
	}
	if o.ClientCert != "" && mode != graphclient.AuthClientCertificate {
		return "", graphclient.Endpoint{}, usageErr("--client-cert is for --auth client-certificate, not %s", mode)
	}
	return mode, ep, nil
}

// fetch is which certificate bodies to fetch: --key-fetch, or none with
// --no-key-fetch, which says the same.
func (o *liveOptions) fetch() (graphclient.KeyFetch, error) {
	k, err := graphclient.ParseKeyFetch(o.KeyFetch)
	if err != nil {
		return 0, flagErr(reasonUsage, "--key-fetch", o.KeyFetch, err)
	}
	if o.NoKeyFetch {
		if o.KeyFetch != o.keyFetch.String() && k != graphclient.KeyFetchNone {
			return 0, usageErr("--no-key-fetch is --key-fetch none: it cannot go with --key-fetch %s", k)
		}
		k = graphclient.KeyFetchNone
	}
	if k == graphclient.KeyFetchNone && o.KeyFetchMax != o.keyFetchMax {
		return 0, usageErr("--key-fetch-max limits the certificate bodies fetched, and --key-fetch none (or --no-key-fetch) fetches none")
	}
	return k, nil
}

// credential makes the sign-in the flags describe, once. Every problem
// found here is a usage error: nothing has been sent yet.
func (o *liveOptions) credential(s *streams) (*signIn, error) {
	if o.cred != nil {
		return o.cred, nil
	}
	mode, ep, err := o.validate()
	if err != nil {
		return nil, err
	}
	tenant := o.Tenant
	if tenant == "" {
		tenant = s.Getenv(envTenantID)
	}
	ao := graphclient.AuthOptions{Mode: mode, Cloud: ep.Cloud, TenantID: tenant, ClientID: o.ClientID,
		DeviceCodePrompt: s.say}
	switch mode {
	case graphclient.AuthClientSecret, graphclient.AuthClientCertificate:
		if ao.ClientID == "" {
			ao.ClientID = s.Getenv(envClientID)
		}
		if mode == graphclient.AuthClientSecret {
			ao.ClientSecret = s.Getenv(envClientSecret)
		}
	case graphclient.AuthToken:
		ao.AccessToken, ao.TokenVar = s.Getenv(envAccessToken), envAccessToken
	}
	if mode == graphclient.AuthClientCertificate {
		if o.ClientCert == "" {
			return nil, usageErr("--auth client-certificate needs --client-cert FILE (PEM with the private key, or PFX)")
		}
		cert, key, err := localfiles.ReadKeyPair(o.ClientCert, "", localfiles.Options{
			PFXPassword: s.Getenv(o.ClientCertPasswordEnv), PFXPasswordVar: o.ClientCertPasswordEnv})
		if err != nil {
			return nil, flagErr(reasonInput, "--client-cert", o.ClientCert, err)
		}
		ao.Certificates, ao.PrivateKey = []*x509.Certificate{cert}, key
	}
	if s.live != nil && s.live.auth != nil {
		s.live.auth(&ao)
	}
	cred, err := graphclient.NewCredential(ao)
	if err != nil {
		return nil, flagErr(reasonUsage, "--auth", string(mode), err)
	}
	o.cred = &signIn{cred: cred, ep: ep, tenant: tenant}
	return o.cred, nil
}

// client builds the Graph client the flags describe. Every problem found
// here is a usage error: nothing has been sent yet.
func (o *liveOptions) client(s *streams) (*graphclient.Client, error) {
	in, err := o.credential(s)
	if err != nil {
		return nil, err
	}
	cfg := graphclient.Config{Endpoint: in.ep, Credential: in.cred, TenantID: in.tenant, KeyReadsPerMinute: o.KeyReadsPerMinute,
		UserAgent: "appaudit/" + moduleVersion()}
	if o.KeyReadsPerMinute == 0 {
		cfg.KeyReadsPerMinute = -1
	}
	if s.live != nil && s.live.config != nil {
		s.live.config(&cfg)
	}
	c, err := graphclient.NewClient(cfg)
	if err != nil {
		return nil, flagErr(reasonUsage, "", "", err)
	}
	return c, nil
}

// read reads the tenant from Graph: the usage evidence first, when it is
// asked for, then the applications and service principals. A read that
// fails part-way is not an error here: the tenant comes back incomplete,
// saying why, for the command to report and exit 3 on. A read that could
// read nothing at all (signing in failed, Graph refused the token or the
// permission) is: there is no tenant to audit, so the run says why in one
// line and stops, exit 3. quiet shows no progress.
//
// begin, when not nil, is given the usage evidence once it is read and
// returns what takes each object as it is read (scan audits the tenant as
// it comes): the tenant read back then holds no objects.
func (o *liveOptions) read(ctx context.Context, s *streams, quiet bool, begin func(*audit.Usage) func(graphclient.Object)) (liveRead, error) {
	fetch, err := o.fetch()
	if err != nil {
		return liveRead{}, err
	}
	c, err := o.client(s)
	if err != nil {
		return liveRead{}, err
	}
	// The usage evidence before the tenant: it is a few report pages, and
	// says which objects an audit of the tenant as it is read must keep.
	var usage *audit.Usage
	if o.usage != nil && o.usage.Usage {
		var uerr error
		usage, uerr = o.usage.read(ctx, s, c, o.Apps, quiet)
		if graphclient.SignInFailed(uerr) {
			return liveRead{}, notRead(uerr)
		}
	}
	var each func(graphclient.Object)
	if begin != nil {
		each = begin(usage)
	}
	p := startProgress(s, quiet, "reading Graph", func() progressStatus { return graphProgress(c.Stats()) })
	res, err := c.Read(ctx, graphclient.ReadOptions{
		ServicePrincipals: !o.NoServicePrincipals, KeyFetch: fetch, MaxKeyBodies: o.KeyFetchMax, AppIDs: o.Apps,
		Deployed: o.needs.apps, Thumbprints: o.needs.thumbs, Each: each,
		Listed: func(st graphclient.Stats) {
			if msg := fetchPlan(st, fetch); msg != "" {
				p.say(msg)
			}
		}})
	p.stop()
	if ctx.Err() != nil {
		return liveRead{}, incompleteErr("interrupted while reading Graph")
	}
	if res.NotRead {
		return liveRead{}, notRead(err)
	}
	t := res.Tenant
	t.Usage = usage
	return liveRead{tenant: t, source: tenantSource("live", t),
		warnings: res.Warnings, elapsed: res.Stats.Elapsed}, nil
}

// notRead is the error of a read of Graph that could read nothing: what
// stopped it (the sign-in, Graph's answer), not which page it stopped at.
func notRead(err error) error {
	var se *graphclient.SignInError
	var ge *graphclient.Error
	switch {
	case errors.As(err, &se):
		err = se
	case errors.As(err, &ge):
		e := *ge
		e.Op = "" // a token refused is refused whichever read met it first
		err = &e
	}
	return incompleteErr(fmt.Sprintf("could not read the tenant: %s", graphclient.Reason(err)))
}

// unexaminedWarnings say how many certificates a check could not examine
// for want of their bodies, and how to let it: a reader of the report sees
// the count, not only an unchecked mark on each object.
func unexaminedWarnings(r *audit.Result) []string {
	var out []string
	for _, id := range slices.Sorted(maps.Keys(r.Summary.Unexamined)) {
		n := r.Summary.Unexamined[id]
		whose := "whose bodies were"
		if n == 1 {
			whose = "whose body was"
		}
		out = append(out, fmt.Sprintf("%s could not examine %s %s not fetched (read the tenant with --key-fetch all, or give the certificate files with --certs)",
			id, count(int64(n), "certificate"), whose))
	}
	return out
}

// fetchPlan says, once the listing is done, how long fetching the
// certificate bodies will take, when that is a minute or more: "" when
// it is less.
func fetchPlan(st graphclient.Stats, fetch graphclient.KeyFetch) string {
	if st.Left < time.Minute {
		return ""
	}
	msg := fmt.Sprintf("fetching the certificate bodies of %s: %s at Graph's limit of %d keyCredentials reads a minute",
		count(st.BodiesLeft, "object"), about(st.Left), st.KeyReadsPerMinute)
	if fetch == graphclient.KeyFetchAll {
		msg += " (--key-fetch needed or none fetch fewer)"
	}
	return msg
}

// graphProgress is how far a Graph read has got, for the progress line.
func graphProgress(st graphclient.Stats) progressStatus {
	done := fmt.Sprintf("%s, %s, %s", count(st.Pages, "page"), count(st.Applications, "application"),
		count(st.ServicePrincipals, "service principal"))
	if st.BodiesWanted > 0 {
		done += fmt.Sprintf(", certificate bodies %s/%s", thousands(st.BodiesFetched), thousands(st.BodiesWanted))
	}
	// Retries, not the time they waited: Stats.Waited adds up the waits
	// of requests that wait at the same time, and would read as more
	// time than has passed.
	if st.Retries > 0 {
		done += ", " + count(st.Retries, "retry")
		if st.Throttled > 0 {
			done += fmt.Sprintf(", throttled %s", count(st.Throttled, "time"))
		}
	}
	return progressStatus{Done: done, Left: st.Left}
}

// count is "1 page", "2,000 applications": audit.Plural of a counter.
func count(n int64, one string) string { return audit.Plural(int(n), one) }

func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
