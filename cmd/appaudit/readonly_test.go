package main

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// dialLog records every connection the process opens through the
// transports it is set on.
type dialLog struct {
	mu   sync.Mutex
	addr []string
}

func (d *dialLog) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addr = append(d.addr, addr)
	d.mu.Unlock()
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

func (d *dialLog) take() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.addr
	d.addr = nil
	return out
}

// onDefaultTransport records the connections of http.DefaultTransport and
// of every transport cloned from it from now on (the Graph client's is),
// until the test ends.
func (d *dialLog) onDefaultTransport(t *testing.T) {
	dt := http.DefaultTransport.(*http.Transport)
	orig := dt.DialContext
	dt.DialContext = d.dial
	dt.CloseIdleConnections()
	t.Cleanup(func() { dt.DialContext = orig })
}

// client is an HTTP client for ts whose connections d records.
func (d *dialLog) client(ts *graphtest.TokenServer) *http.Client {
	tr := ts.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = d.dial
	return &http.Client{Transport: tr}
}

// Every command that can reach Graph, with every way of reading (listing
// with and without certificate bodies, --app, a preflight of an appId or
// of a display name, doctor's tenant, the usage evidence on Graph beta)
// and every sign-in that talks to a
// token endpoint, against the fake Graph, with faults that make requests
// go again: nothing but GET, and POST to /$batch with nothing but GETs
// inside, ever reaches Graph, and no connection is opened to anything but
// the Graph and the token endpoint configured. Anything leaving the
// machine is caught besides (TestMain).
func TestEveryCommandOnlyReads(t *testing.T) {
	k := newLeakKit(t)
	d := k.doctor
	write(t, d.path("assertion.jwt"), []byte(msalGo(t, d.payroll, "")))
	var dials dialLog
	dials.onDefaultTransport(t)
	secretEnv := signInEnv(leakSecret)
	certEnv := append(signInEnv(leakSecret), "APPAUDIT_CLIENT_CERT_PASSWORD="+leakPFXPassword, "APPAUDIT_PFX_PASSWORD="+leakPFXPassword)
	faults := []graphtest.Fault{{Path: "/applications", Page: 2, Status: 503, Times: 1}, {InBatch: true, Path: "/", Status: 429, RetryAfter: "0", Times: 1},
		{Path: "/auditLogs/signIns", Page: 1, Status: 429, Times: 1}}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		// batch is true when certificate bodies must be fetched.
		batch bool
	}{
		{"scan --key-fetch all, client secret", secretEnv, []string{"scan", "--auth", "client-secret", "--key-fetch", "all"}, true},
		{"scan, token", tokenEnv, []string{"scan", "--auth", "token"}, false},
		{"scan --no-key-fetch, token", tokenEnv, []string{"scan", "--auth", "token", "--no-key-fetch"}, false},
		{"scan --app, client certificate", certEnv, []string{"scan", "--auth", "client-certificate", "--client-cert", k.pem, "--app", docPayroll, "--app", docBilling}, false},
		{"scan --app --no-service-principals, token", tokenEnv, []string{"scan", "--auth", "token", "--app", docPayroll, "--no-service-principals"}, false},
		{"snapshot, client certificate from a PFX", certEnv, []string{"snapshot", "--auth", "client-certificate", "--client-cert", k.pfx, "--out", "OUT"}, true},
		{"snapshot --no-key-fetch --no-service-principals, token", tokenEnv, []string{"snapshot", "--auth", "token", "--no-key-fetch", "--no-service-principals", "--out", "OUT"}, false},
		{"snapshot --app, client secret", secretEnv, []string{"snapshot", "--auth", "client-secret", "--app", docBilling, "--out", "OUT"}, false},
		{"doctor --assertion, tenant read with a client secret", secretEnv, []string{"doctor", "--assertion", d.path("assertion.jwt"), "--auth", "client-secret"}, true},
		{"doctor --cert, tenant read with a token, --no-key-fetch", tokenEnv, []string{"doctor", "--assertion", d.path("assertion.jwt"), "--cert", d.path("payroll.pem"),
			"--auth", "token", "--no-key-fetch"}, false},
		{"preflight of an appId, client certificate", certEnv, []string{"preflight", "--app", docPayroll, "--cert", d.path("payroll.pem"),
			"--auth", "client-certificate", "--client-cert", k.pfx}, false},
		{"preflight of a display name, token", tokenEnv, []string{"preflight", "--app", "Payroll", "--cert", d.path("payroll.pem"), "--auth", "token"}, true},
		{"scan --usage, client secret", secretEnv, []string{"scan", "--auth", "client-secret", "--key-fetch", "all", "--usage"}, true},
		{"snapshot --usage --no-key-fetch, token", tokenEnv, []string{"snapshot", "--auth", "token", "--no-key-fetch", "--usage", "--out", "OUT"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := k.tokenServer(t, false)
			srv := serve(t, d.path("tenant.json"), graphtest.Options{Faults: faults, Usage: cmdUsageLog(nil),
				Accept: func(tok string) bool { return tok == fakeToken || ts.Issued(tok) }})
			args := append(slices.Clone(tc.args), "--graph-url", srv.URL)
			if i := slices.Index(args, "OUT"); i >= 0 {
				args[i] = t.TempDir() + "/tenant.json"
			} else {
				args = append(args, "-o", "json", "--as-of", asOf())
			}
			dials.take()
			hooks := clockHooks(graphtest.NewClock(audittest.Now()), nil).signInAt(ts, dials.client(ts))
			code, _, errOut := runLive(t, hooks, tc.env, args...)
			if code != exitOK && code != exitFindings {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			reads, batches := 0, 0
			for _, r := range srv.Requests() {
				switch {
				case r.Method == http.MethodGet:
					reads++
				case r.Method == http.MethodPost && r.Path == "/v1.0/$batch" && len(r.Batch) > 0:
					batches++
					for _, inner := range r.Batch {
						if !strings.HasPrefix(inner, "GET /") {
							t.Errorf("a $batch holds %q", inner)
						}
					}
				default:
					t.Errorf("%s %s reached Graph (batch %q)", r.Method, r.Path, r.Batch)
				}
				if r.Status == http.StatusMethodNotAllowed {
					t.Errorf("the fake refused %s %s", r.Method, r.Path)
				}
			}
			if reads == 0 || (batches > 0) != tc.batch {
				t.Errorf("%d GETs and %d batches: want GETs, and batches %v", reads, batches, tc.batch)
			}
			if activity, signIns := betaRequests(srv); (activity > 0 && signIns > 1) != slices.Contains(args, "--usage") {
				t.Errorf("%d activity and %d sign-in log requests (the first refused 429), with --usage %v", activity, signIns, slices.Contains(args, "--usage"))
			}
			allowed := []string{strings.TrimPrefix(srv.URL, "http://"), ts.Host()}
			dialed := dials.take()
			for _, addr := range dialed {
				if !slices.Contains(allowed, addr) {
					t.Errorf("a connection went to %s; only %v are configured", addr, allowed)
				}
			}
			if !slices.Contains(dialed, allowed[0]) {
				t.Errorf("connections %v: the Graph client's were not seen", dialed)
			}
			if signsIn := slices.Contains(args, "client-secret") || slices.Contains(args, "client-certificate"); signsIn != slices.Contains(dialed, ts.Host()) {
				t.Errorf("connections %v: the token endpoint was %v", dialed, map[bool]string{true: "not reached", false: "reached"}[signsIn])
			}
		})
	}
}
