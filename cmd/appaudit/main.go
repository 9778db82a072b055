// Command appaudit audits the certificate and secret credentials of a
// Microsoft Entra ID tenant's app registrations against what is actually
// deployed, and diagnoses client-assertion sign-in failures.
//
// This package wires flags to the audit, graphclient and reports packages,
// owns the terminal, and is the only place that exits: see exitcode.go for
// the codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// gcPercent is the garbage collector's target unless GOGC says otherwise:
// the heap may grow half over what is live, not double it. An audit's
// live heap is mostly its findings and credential inventory, kept to the
// end for the reports, so at Go's default of 100 the peak is twice it
// (docs/performance.md).
const gcPercent = 50

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], systemStreams())
	stop()
	os.Exit(code)
}
