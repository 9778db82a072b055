package graphtest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"

	"github.com/appaudit/appaudit/audit"
)

// NewPipeServer is NewServer for a test run in a testing/synctest bubble:
// the fake is served over in-memory connections (net.Pipe) instead of a
// loopback port, and reached only through Server.Transport. The requests
// and answers are the same HTTP/1.1 bytes; what changes is time. In a
// bubble time stands still while any goroutine can run, and moves on, at
// once, to the next timer when every goroutine is waiting: a Retry-After,
// a backoff, a slow answer (Fault.Delay) or a per-attempt timeout then
// lasts exactly as long as it says, whatever the load on the machine, and
// concurrent waits overlap as they would on a real clock. Over a loopback
// port that cannot work: a goroutine reading a socket can be woken from
// outside the bubble, so the bubble's time would never move.
//
// Create it inside the bubble, with the client that reads it, and Close
// it there (t.Cleanup does), so that no connection outlives the bubble.
func NewPipeServer(t *audit.Tenant, opts Options) (*Server, error) {
	h, err := NewHandler(t, opts)
	if err != nil {
		return nil, err
	}
	l := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
	srv := &http.Server{Handler: h}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
	tr := &http.Transport{DialContext: l.dial, MaxIdleConnsPerHost: 16}
	return &Server{Handler: h, URL: pipeURL, transport: tr, close: func() {
		tr.CloseIdleConnections()
		_ = srv.Close() // closes the listener and every connection
		<-served
	}}, nil
}

// pipeURL is the address a pipe server answers on. It is a loopback one,
// so that --graph-url takes it over plain http, and nothing listens on
// port 9 (discard): a request that does not go through the server's
// Transport fails instead of reaching anything.
const pipeURL = "http://127.0.0.1:9"

// pipeListener hands the server end of each dialled pipe to the server.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial connects to the server, whatever the address asked for.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		err := errors.New("graphtest: the pipe server is closed")
		client.Close()
		server.Close()
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: err}
	case <-ctx.Done():
		client.Close()
		server.Close()
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }
