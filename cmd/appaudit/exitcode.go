package main

import (
	"errors"
	"fmt"
)

// Exit codes: a documented contract (`appaudit help exit-codes`).
const (
	exitOK         = 0 // audit complete, nothing at or above --fail-on
	exitFindings   = 1 // audit complete, findings at or above --fail-on
	exitUsage      = 2 // usage error or unreadable input
	exitIncomplete = 3 // audit incomplete: what was read is still reported
)

const exitCodesHelp = `appaudit exits with:

  0  the audit is complete and nothing is at or above --fail-on
  1  the audit is complete and findings are at or above --fail-on
     (preflight: the switch to the new certificate is not safe)
  2  usage error or unreadable input: a bad flag, a file that cannot be
     read or parsed, a wrong PFX password
  3  the audit is incomplete: Graph failed part-way through the tenant.
     What was read is still reported, marked "complete": false, and never
     counts as clean. When nothing could be read (sign-in to Graph failed,
     Graph refused the token or the permission), one line on stderr says
     why and no report is written.

--fail-on (default high; "none" never exits 1) decides code 1 and is
independent of --min-severity, which only decides what reports show.
When several apply, the highest code wins: 2, then 3, then 1.
`

// exitError carries an exit code to run, which prints the error (if any)
// and returns the code to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr marks a bad flag or unreadable input: exit 2.
func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// inputErr wraps an error reading the user's input: exit 2.
func inputErr(err error) error { return &exitError{code: exitUsage, err: err} }

// incompleteErr marks an audit that could not read everything: exit 3.
func incompleteErr(err error) error { return &exitError{code: exitIncomplete, err: err} }

// silentExit ends with a code and no message (the report said it all).
func silentExit(code int) error { return &exitError{code: code} }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitUsage
}
