package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
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

// reportFormats are every format, each to a file in dir.
func reportFormats(dir string) []string {
	var args []string
	for _, ext := range []string{"table=report.txt", "json=report.json", "csv=report.csv", "markdown=report.md", "html=report.html",
		"sarif=report.sarif", "junit=report.xml", "prometheus=report.prom"} {
		name, file, _ := strings.Cut(ext, "=")
		args = append(args, "-o", name+"="+filepath.Join(dir, file))
	}
	return args
}

// readReports reads the files reportFormats names, by format.
func readReports(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for format, file := range map[string]string{"table": "report.txt", "json": "report.json", "csv": "report.csv", "markdown": "report.md",
		"html": "report.html", "sarif": "report.sarif", "junit": "report.xml", "prometheus": "report.prom"} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatalf("the %s report: %v", format, err)
		}
		out[format] = string(b)
	}
	return out
}
