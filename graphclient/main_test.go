package graphclient_test

import (
	"os"
	"testing"

	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// No test of the client may reach the network: every Graph and token
// endpoint is a fake on loopback.
func TestMain(m *testing.M) { os.Exit(graphtest.RunOffline(m)) }
