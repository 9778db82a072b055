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
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], systemStreams())
	stop()
	os.Exit(code)
}
