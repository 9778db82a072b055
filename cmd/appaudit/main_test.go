package main

import (
	"os"
	"testing"

	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// No test of the command may reach the network: sign-in modes with
// defaults would try Entra or the instance metadata endpoint.
func TestMain(m *testing.M) { os.Exit(graphtest.RunOffline(m)) }
