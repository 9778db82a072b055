package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
	"github.com/appaudit/appaudit/reports"
)

// The app appaudit signs in as against a fake token endpoint.
const (
	signInTenant = "11111111-2222-4333-8444-555555555555"
	signInClient = "5a5a5a5a-0000-4000-8000-00000000a0d1"
)

// clockHooks give the Graph client a clock that never sleeps, the
// default retry policy otherwise, and apply edit.
func clockHooks(clock *graphtest.Clock, edit func(*graphclient.Config)) *liveHooks {
	return &liveHooks{config: func(c *graphclient.Config) {
		c.Clock = clock
		if edit != nil {
			edit(c)
		}
	}}
}

// pipeHooks are clockHooks for a test run in a testing/synctest bubble:
// the client reaches srv, a servePipe fake, on its in-memory connections,
// and waits on clock (graphtest.NewSleepingClock), whose waits take no
// real time in the bubble.
func pipeHooks(srv *graphtest.Server, clock *graphtest.Clock, edit func(*graphclient.Config)) *liveHooks {
	return clockHooks(clock, func(c *graphclient.Config) {
		c.Transport = srv.Transport()
		if edit != nil {
			edit(c)
		}
	})
}

// signInAt points the sign-in at a fake token endpoint, reached with
// client (nil: the server's own).
func (h *liveHooks) signInAt(ts *graphtest.TokenServer, client policy.Transporter) *liveHooks {
	if client == nil {
		client = ts.Client()
	}
	h.auth = func(o *graphclient.AuthOptions) {
		o.Cloud.AuthorityHost = ts.Authority()
		o.Transport = client
		o.DisableInstanceDiscovery = true
	}
	return h
}

// signInEnv is the environment of a client-secret sign-in.
func signInEnv(secret string) []string {
	return []string{"AZURE_TENANT_ID=" + signInTenant, "AZURE_CLIENT_ID=" + signInClient, "AZURE_CLIENT_SECRET=" + secret}
}

// testStreams are streams over buffers, with an environment from env
// ("KEY=value" strings) and no terminal.
func testStreams(stdin string, env ...string) (*streams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	return &streams{
		In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut,
		Getenv: func(k string) string { return vars[k] },
	}, &out, &errOut
}

// formatFile is where reportFormats writes the report of a format in dir.
func formatFile(dir string, f reports.Format) string {
	return filepath.Join(dir, "report."+f.Extension)
}

// reportFormats are every format, each to a file in dir.
func reportFormats(dir string) []string {
	var args []string
	for _, f := range reports.Formats() {
		args = append(args, "-o", f.Name+"="+formatFile(dir, f))
	}
	return args
}

// readReports reads the files reportFormats names, by format.
func readReports(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range reports.Formats() {
		b, err := os.ReadFile(formatFile(dir, f))
		if err != nil {
			t.Fatalf("the %s report: %v", f.Name, err)
		}
		out[f.Name] = string(b)
	}
	return out
}
