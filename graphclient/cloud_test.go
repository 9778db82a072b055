package graphclient_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/graphclient"
)

func TestCloudTable(t *testing.T) {
	for _, tc := range []struct{ cloud, authority, graph string }{
		{"public", "https://login.microsoftonline.com/", "https://graph.microsoft.com"},
		{"usgov", "https://login.microsoftonline.us/", "https://graph.microsoft.us"},
		{"usgovdod", "https://login.microsoftonline.us/", "https://dod-graph.microsoft.us"},
		{"China", "https://login.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn"},
		// The Azure CLI's names, as doctor --cloud takes them: one table
		// of clouds (audit.Clouds), so one set of names everywhere.
		{"AzureUSGovernment", "https://login.microsoftonline.us/", "https://graph.microsoft.us"},
		{"AzureChinaCloud", "https://login.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn"},
	} {
		ep, err := graphclient.ResolveEndpoint(tc.cloud, "")
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := graphclient.LookupCloud(tc.cloud); c.Name != ep.Cloud.Name || !slices.Contains(graphclient.CloudNames(), c.Name) {
			t.Errorf("%s: LookupCloud names it %q, not one of %v", tc.cloud, c.Name, graphclient.CloudNames())
		}
		if ep.Cloud.AuthorityHost != tc.authority || ep.Root != tc.graph || ep.Base() != tc.graph+"/v1.0" || ep.Scope != tc.graph+"/.default" {
			t.Errorf("%s: %+v", tc.cloud, ep)
		}
	}
	if _, err := graphclient.ResolveEndpoint("germany", ""); err == nil || !strings.Contains(err.Error(), "public, usgov, usgovdod, china") {
		t.Errorf("unknown cloud: %v", err)
	}
}

func TestGraphURL(t *testing.T) {
	for _, tc := range []struct {
		cloud, url      string
		root, host, err string
		scope           string
	}{
		{"public", "http://127.0.0.1:8080", "http://127.0.0.1:8080", "127.0.0.1:8080", "", "https://graph.microsoft.com/.default"},
		{"public", "http://localhost:9/", "http://localhost:9", "localhost:9", "", "https://graph.microsoft.com/.default"},
		{"public", "http://[::1]:9", "http://[::1]:9", "[::1]:9", "", "https://graph.microsoft.com/.default"},
		{"usgov", "https://graph.microsoft.us", "https://graph.microsoft.us", "graph.microsoft.us", "", "https://graph.microsoft.us/.default"},
		{"public", "https://proxy.contoso.com/graph", "https://proxy.contoso.com/graph", "proxy.contoso.com", "", "https://graph.microsoft.com/.default"},
		{"public", "http://graph.contoso.com", "", "", "plain http is allowed only for localhost", ""},
		{"public", "http://127.0.0.2:8080", "", "", "plain http is allowed only for localhost", ""},
		{"public", "https://graph.microsoft.com/v1.0", "", "", "leave out the version", ""},
		{"public", "https://graph.microsoft.us", "", "", "is the usgov cloud's Microsoft Graph, but the cloud is public", ""},
		{"public", "https://user:pw@graph.microsoft.com", "", "", "no user", ""},
		{"public", "graph.microsoft.com", "", "", "not an http(s) URL", ""},
	} {
		ep, err := graphclient.ResolveEndpoint(tc.cloud, tc.url)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "pw") {
				t.Errorf("%s: %v, want %q", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil || ep.Root != tc.root || ep.Host() != tc.host || ep.Scope != tc.scope {
			t.Errorf("%s: %+v %v", tc.url, ep, err)
		}
	}
}
