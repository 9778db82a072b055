package kvtest_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/appaudit/appaudit/keyvault/kvtest"
)

// A client that gives up on a vault that hangs or is slow gets no answer
// at all. net/http's Transport, when a request's time runs out, sends
// TLS's close_notify and then closes the connection; an answer that
// reaches it in between is taken as the answer. The fake must not write
// one then: a handler that returns without writing sends 200 OK with an
// empty body, which the Key Vault client reads as an empty last page.
func TestAClientThatGivesUpGetsNoAnswer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*kvtest.Server)
	}{
		{"a vault that hangs", func(s *kvtest.Server) {
			s.Fault(kvtest.Fault{Path: "/certificates", Exact: true, Hang: true})
		}},
		{"a slow vault", func(s *kvtest.Server) { s.Latency = time.Hour }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := kvtest.New(kvtest.Generate(1, 1, time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC))...)
			s.Token = "t"
			t.Cleanup(s.Close)
			tc.setup(s)
			conn, err := tls.Dial("tcp", s.Listener.Addr().String(), s.Transport().TLSClientConfig)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Only a fake that never stops waiting runs into this.
			if err := conn.SetDeadline(time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if _, err := fmt.Fprintf(conn, "GET /certificates?api-version=7.4 HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer t\r\n\r\n", s.Listener.Addr()); err != nil {
				t.Fatal(err)
			}
			// The client gives up: close_notify, the read side still open.
			if err := conn.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(conn)
			if len(got) > 0 {
				t.Fatalf("the fake answered a client that had given up:\n%s", got)
			}
			if err != nil {
				t.Fatalf("the connection did not end with the fake closing it: %v", err)
			}
			if n := len(s.Requests()); n != 1 {
				t.Errorf("%d requests recorded, want the one sent", n)
			}
		})
	}
}
