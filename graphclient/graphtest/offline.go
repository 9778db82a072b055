package graphtest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
)

// RunOffline runs a package's tests with every HTTP request that would
// leave the machine caught: it points the proxy variables the Azure SDK's
// and net/http's transports honour at a loopback listener that answers
// nothing and records what was asked for, then fails the run if anything
// was. Loopback addresses are never proxied, so fake servers still answer.
// Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(graphtest.RunOffline(m)) }
//
// It exists because a sign-in mode with defaults (the default chain, a
// managed identity) would otherwise try Entra or the instance metadata
// endpoint from a test that forgot to point it at a fake.
func RunOffline(m *testing.M) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "graphtest: cannot start the network guard:", err)
		return 1
	}
	var (
		mu    sync.Mutex
		tried []string
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(c).ReadString('\n')
			mu.Lock()
			tried = append(tried, strings.TrimSpace(line))
			mu.Unlock()
			c.Close()
		}
	}()
	proxy := "http://" + ln.Addr().String()
	for _, v := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"} {
		os.Setenv(v, proxy)
	}
	for _, v := range []string{"NO_PROXY", "no_proxy"} {
		os.Unsetenv(v)
	}
	code := m.Run()
	ln.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(tried) > 0 {
		fmt.Fprintf(os.Stderr, "graphtest: the tests tried to reach the network %d times, first: %q\n", len(tried), tried[0])
		if code == 0 {
			code = 1
		}
	}
	return code
}
