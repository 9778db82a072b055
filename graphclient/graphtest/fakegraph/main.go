// Command fakegraph serves a tenant as a fake Microsoft Graph, for trying
// appaudit without a tenant and for measuring it:
//
//	go run ./graphclient/graphtest/fakegraph --snapshot tenant.json --addr 127.0.0.1:8080 --latency 20ms
//	APPAUDIT_ACCESS_TOKEN=x appaudit scan --auth token --graph-url http://127.0.0.1:8080
//
// --generate N serves a made-up tenant of N applications (and as many
// service principals) instead of a snapshot, --fault scripts failures, and
// --token makes every other token a 401, and --token-uses a token a 401
// after some requests. --activity and --failed-sign-ins serve made-up
// usage evidence on Graph beta (appaudit --usage). It serves until
// interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

type faults []graphtest.Fault

func (f *faults) String() string { return fmt.Sprint(len(*f)) }
func (f *faults) Set(s string) error {
	x, err := graphtest.ParseFault(s)
	if err != nil {
		return err
	}
	*f = append(*f, x)
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fakegraph:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("fakegraph", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks one)")
	snapshot := fs.String("snapshot", "", "serve the tenant in `FILE` (any shape appaudit scan --snapshot reads)")
	generate := fs.Int("generate", 0, "serve a made-up tenant of `N` applications and N service principals instead")
	bodyEvery := fs.Int("body-every", 10, "with --generate, one certificate in `N` has a body")
	token := fs.String("token", "", "accept only this bearer `TOKEN` (default: any)")
	tokenUses := fs.Int("token-uses", 0, "accept each token for `N` requests, then answer 401 as for an expired token (0: no limit)")
	latency := fs.Duration("latency", 0, "delay every answer by `DURATION`")
	pageSize := fs.Int("page-size", 100, "page size without $top")
	maxPage := fs.Int("max-page-size", 0, "largest page whatever $top asks (0: $top decides)")
	keysOnList := fs.Bool("keys-on-list", false, "return certificate bodies on list pages too")
	forbidden := fs.Bool("forbidden", false, "answer every read 403, as for an identity without Application.Read.All")
	activity := fs.Int("activity", 0, "serve a made-up credential sign-in activity report of `N` credentials on Graph beta")
	failed := fs.Int("failed-sign-ins", 0, "serve a made-up sign-in log with `N` failed service principal sign-ins over the last 30 days on Graph beta")
	usageForbidden := fs.Bool("usage-forbidden", false, "answer the usage evidence 403, as for an identity without AuditLog.Read.All")
	usageUnlicensed := fs.Bool("usage-unlicensed", false, "answer the usage evidence 403, as for a tenant without Entra ID P1")
	keyReads := fs.Int("key-reads-per-minute", 0, "answer 429 to requests that select keyCredentials past `N` a minute, as Graph does past 150 (0: no limit)")
	unidentified := fs.Int("unidentified-every", 0, "with --generate, one application in `N` has a certificate whose customKeyIdentifier is not a thumbprint")
	var fl faults
	fs.Var(&fl, "fault", "script a fault: `SPEC` such as path=/applications,page=2,status=429,retry-after=5,times=2 (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var t *audit.Tenant
	switch {
	case *snapshot != "" && *generate > 0:
		return errors.New("give --snapshot or --generate, not both")
	case *snapshot != "":
		var err error
		if t, err = graphclient.ReadSnapshotFile(*snapshot); err != nil {
			return err
		}
	case *generate > 0:
		t = graphtest.Synthetic(graphtest.SyntheticSpec{Applications: *generate, ServicePrincipals: *generate, BodyEvery: *bodyEvery,
			UnidentifiedEvery: *unidentified, Now: time.Now()})
	default:
		return errors.New("give the tenant to serve: --snapshot FILE or --generate N")
	}
	opts := graphtest.Options{Token: *token, TokenUses: *tokenUses, Forbidden: *forbidden, PageSize: *pageSize, MaxPageSize: *maxPage,
		KeysOnList: *keysOnList, Latency: *latency, KeyReadsPerMinute: *keyReads, Faults: fl}
	if *activity > 0 || *failed > 0 || *usageForbidden || *usageUnlicensed {
		opts.Usage = graphtest.SyntheticUsage(graphtest.UsageSpec{Credentials: *activity, FailedSignIns: *failed, Now: time.Now()})
		opts.Usage.Forbidden, opts.Usage.Unlicensed = *usageForbidden, *usageUnlicensed
	}
	h, err := graphtest.NewHandler(t, opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !graphclient.IsLoopback(host) {
		fmt.Fprintf(os.Stderr, "fakegraph: warning: %s is not a loopback address, and appaudit sends tokens over plain http only to loopback hosts\n", host)
	}
	fmt.Fprintf(os.Stderr, "fakegraph: serving %d applications and %d service principals at %s (appaudit --graph-url %s)\n",
		len(t.Applications), len(t.ServicePrincipals), url, strings.TrimSuffix(url, "/"))
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
