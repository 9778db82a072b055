package graphclient_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/appaudit/appaudit/audit"
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
	_, err := graphclient.ResolveEndpoint("germany", "")
	var choice *audit.ChoiceError
	if !errors.As(err, &choice) || choice.Name != "germany" || err.Error() != `graphclient: unknown cloud "germany" (want one of public, usgov, usgovdod, china)` {
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
		{"public", "http://graph.contoso.com", "", "", "graphclient: Graph URL http://graph.contoso.com: plain http is allowed only for localhost, 127.0.0.1 and ::1, since requests carry an access token (use https)", ""},
		{"public", "http://127.0.0.2:8080", "", "", "graphclient: Graph URL http://127.0.0.2:8080: plain http is allowed only for localhost, 127.0.0.1 and ::1, since requests carry an access token (use https)", ""},
		{"public", "https://graph.microsoft.com/v1.0", "", "", "graphclient: Graph URL https://graph.microsoft.com/v1.0: ends with the version v1.0 (leave it out; appaudit adds /v1.0)", ""},
		{"public", "https://graph.microsoft.us", "", "", "graphclient: Graph URL graph.microsoft.us: is the usgov cloud's Microsoft Graph, but the cloud is public, and tokens do not cross clouds (choose the usgov cloud)", ""},
		{"public", "https://user:pw@graph.microsoft.com", "", "", "graphclient: Graph URL https://graph.microsoft.com: has a user, a query or a fragment (give only the scheme, host and port, and a path prefix)", ""},
		{"public", "graph.microsoft.com", "", "", `graphclient: Graph URL "graph.microsoft.com": not an http(s) URL with a host (for example https://graph.microsoft.us or http://127.0.0.1:8080)`, ""},
	} {
		ep, err := graphclient.ResolveEndpoint(tc.cloud, tc.url)
		if tc.err != "" {
			// A *ConfigError about the Graph URL, which never repeats a
			// password in it.
			var ce *graphclient.ConfigError
			if !errors.As(err, &ce) || ce.Setting != graphclient.SettingGraphURL || err.Error() != tc.err {
				t.Errorf("%s: %v\nwant %s", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil || ep.Root != tc.root || ep.Host() != tc.host || ep.Scope != tc.scope {
			t.Errorf("%s: %+v %v", tc.url, ep, err)
		}
	}
}
