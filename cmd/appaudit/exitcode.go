package main

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/localfiles"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/keyvault"
	"github.com/appaudit/appaudit/reports"
)

// Exit codes: a documented contract (`appaudit help exit-codes`, the
// README's Exit codes section and the examples that branch on them).
const (
	exitOK         = 0 // audit complete, nothing at or above --fail-on
	exitFindings   = 1 // audit complete, findings at or above --fail-on
	exitUsage      = 2 // usage error or unreadable input
	exitIncomplete = 3 // audit incomplete: what was read is still reported
	exitOutput     = 4 // a report or the snapshot could not be written
)

// exitPrecedence is the order in which exit codes win when several apply.
var exitPrecedence = []int{exitUsage, exitOutput, exitIncomplete, exitFindings, exitOK}

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
  4  a report or the snapshot could not be written: the path is a
     directory or in one that does not exist, permission denied, the disk
     is full. The other reports are still written; the audit's verdict is
     in them, not in the exit code.

--fail-on (default high; "none" never exits 1) decides code 1 and is
independent of --min-severity, which only decides what reports show.
When several apply, the first of 2, 4, 3 and 1 wins.
`

// reason is why a command failed; it decides the exit code.
type reason int

const (
	reasonUsage      reason = iota + 1 // a flag or an argument that is wrong: exit 2
	reasonInput                        // an input that cannot be read: exit 2
	reasonIncomplete                   // the audit could not read everything: exit 3
	reasonOutput                       // a report or the snapshot cannot be written: exit 4
)

func (r reason) code() int {
	switch r {
	case reasonIncomplete:
		return exitIncomplete
	case reasonOutput:
		return exitOutput
	}
	return exitUsage
}

// cmdError is what a command fails with: why (Reason, which decides the
// exit code), the flag and the file or value it is about, where in the
// file, what is wrong and what to do. It prints as
// "FLAG VALUE:LINE:COLUMN: detail (hint)", each part when known:
// "--snapshot nosuch.json: no such file".
type cmdError struct {
	Reason reason
	Flag   string // the flag at fault, "--snapshot" or "-o"; "" for none
	// Value is the flag's value, or the file it led to that is at fault
	// (certs/app.pem of --certs certs); "" for none.
	Value        string
	Line, Column int    // 1-based, in Value; 0 when not known
	Detail       string // what is wrong, lower case
	Hint         string // what to do about it; may be empty
	Err          error  // the error this one explains, for errors.Is and As
}

func (e *cmdError) Error() string {
	var b strings.Builder
	b.WriteString(e.Flag)
	if e.Value != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(shellWord(e.Value))
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Detail)
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

func (e *cmdError) Unwrap() error { return e.Err }

// shellWord is v as a user would type it: quoted when a shell would split
// it.
func shellWord(v string) string {
	if strings.ContainsAny(v, " \t\n'\"") {
		return strconv.Quote(v)
	}
	return v
}

// usageErr is a flag or argument that is wrong, said in the words of the
// format: exit 2.
func usageErr(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &cmdError{Reason: reasonUsage, Detail: err.Error(), Err: errors.Unwrap(err)}
}

// incompleteErr is an audit that could not read everything: exit 3.
func incompleteErr(detail string) error {
	return &cmdError{Reason: reasonIncomplete, Detail: detail}
}

// flagErr explains err, met with the value of flag, as a cmdError of
// reason r. The typed errors of the packages cmd calls carry the file and
// line, what is wrong and the hint, which it takes as they are; an
// *fs.PathError says what the file system refused.
func flagErr(r reason, flag, value string, err error) *cmdError {
	e := &cmdError{Reason: r, Flag: flag, Value: value, Err: err}
	var (
		lf     *localfiles.Error
		de     *graphclient.DecodeError
		ce     *graphclient.ConfigError
		kce    *keyvault.ConfigError
		spec   *reports.SpecError
		choice *audit.ChoiceError
		base   *audit.BaselineError
		pe     *fs.PathError
		le     *os.LinkError
		re     *reports.ReadError
	)
	switch {
	case errors.As(err, &lf):
		e.Value, e.Line, e.Detail, e.Hint = cmp.Or(lf.Path, value), lf.Line, lf.Msg, lf.Hint
	case errors.As(err, &de):
		e.Value, e.Line, e.Column, e.Detail, e.Hint = cmp.Or(de.Name, value), de.Line, de.Column, de.What(), de.Hint
	case errors.As(err, &ce):
		e.Flag = cmp.Or(settingFlags[ce.Setting], flag)
		e.Value, e.Detail, e.Hint = ce.Value, ce.Msg, ce.Hint
	case errors.As(err, &kce):
		e.Detail, e.Hint = kce.Msg, kce.Hint
	case errors.As(err, &spec):
		e.Value, e.Detail, e.Hint = spec.Spec, spec.Msg, spec.Hint
	case errors.As(err, &choice):
		e.Value, e.Detail, e.Hint = choice.Name, "unknown "+choice.What, "want one of "+strings.Join(choice.Choices, ", ")
	case errors.As(err, &base):
		e.Value = base.Report
		e.Detail = fmt.Sprintf("a report on tenant %s, not on %s", base.ReportTenant, base.Tenant)
		e.Hint = "give a baseline of the same tenant"
	case errors.As(err, &pe):
		e.Detail = osProblem(pe.Err)
	case errors.As(err, &le):
		e.Detail = osProblem(le.Err)
	case errors.As(err, &re):
		e.Value, e.Detail, e.Hint = re.Name, re.Msg, re.Hint
	default:
		e.Detail = err.Error()
	}
	return e
}

// settingFlags are the flags of graphclient's settings.
var settingFlags = map[graphclient.Setting]string{
	graphclient.SettingAuth:     "--auth",
	graphclient.SettingGraphURL: "--graph-url",
}

// osProblem says what the file system refused: the system's own words
// (is a directory, permission denied, no space left on device), but for a
// missing file, which it says is missing whatever the call was, and
// without the path an *fs.PathError repeats.
func osProblem(err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.As(err, &pe):
		return pe.Err.Error()
	}
	return err.Error()
}

// exitError ends a command with a code and no message: the reports said
// it all.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// silentExit ends with a code and no message.
func silentExit(code int) error { return &exitError{code: code} }

// errorList is err, or the errors it joins (errors.Join), each of which a
// command prints on a line of its own.
func errorList(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, errorList(e)...)
		}
		return out
	}
	return []error{err}
}

// exitCode is the code err ends the command with: of the errors it joins,
// the one first in exitPrecedence. An error of cobra's own (an unknown
// flag) is a usage error.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	code := exitOK
	for _, e := range errorList(err) {
		c := exitUsage
		var ce *cmdError
		var ee *exitError
		switch {
		case errors.As(e, &ee):
			c = ee.code
		case errors.As(e, &ce):
			c = ce.Reason.code()
		}
		if slices.Index(exitPrecedence, c) < slices.Index(exitPrecedence, code) {
			code = c
		}
	}
	return code
}
