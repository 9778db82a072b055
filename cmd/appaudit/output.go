package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

// outputOptions say which reports to write where.
type outputOptions struct {
	Outputs    []string
	OutputFile string
	Wide       bool
}

func (o *outputOptions) addFlags(cmd *cobra.Command) {
	var names []string
	for _, f := range reports.Formats() {
		names = append(names, f.Name)
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.Outputs, "output", "o", []string{"table"},
		"report `FORMAT`, or FORMAT=FILE to write it to a file (repeatable; formats: "+strings.Join(names, ", ")+")")
	f.StringVar(&o.OutputFile, "output-file", "", "write the report that would go to stdout to `FILE` instead")
	f.BoolVar(&o.Wide, "wide", false, "lay the table out with no width limit: one line a finding, with its whole message")
}

// output is one report to write: its format and file (empty for stdout),
// and the flag and value that asked for it, for messages.
type output struct {
	reports.OutputSpec
	flag, value string
}

// toFiles reports whether every report goes to a file.
func toFiles(outs []output) bool {
	for _, o := range outs {
		if o.Path == "" {
			return false
		}
	}
	return true
}

// parse reads the -o flags and checks, before anything is read, that
// each file can be where it is to be written: a report that cannot be
// written is an output failure (exit 4), found before the audit rather
// than after it.
func (o *outputOptions) parse() ([]output, error) {
	var outs []output
	var stdout []int // the outputs to stdout, by index
	for _, raw := range o.Outputs {
		spec, err := reports.ParseOutputSpec(raw)
		if err != nil {
			return nil, flagErr(reasonUsage, "-o", raw, err)
		}
		if spec.Path == "" {
			stdout = append(stdout, len(outs))
		}
		spec.Wide = o.Wide
		outs = append(outs, output{OutputSpec: spec, flag: "-o", value: raw})
	}
	switch {
	case len(stdout) > 1:
		return nil, &cmdError{Reason: reasonUsage, Detail: "only one report can go to stdout",
			Hint: "give the others a file: " + fileSuggestion(outs)}
	case len(stdout) == 0 && o.OutputFile != "":
		return nil, usageErr("--output-file names the file for the stdout report, but every -o already has a file")
	case o.OutputFile != "":
		out := &outs[stdout[0]]
		out.Path, out.flag, out.value = o.OutputFile, "--output-file", o.OutputFile
	}
	for _, out := range outs {
		if out.Path == "" {
			continue
		}
		if problem := unwritable(out.Path); problem != "" {
			return nil, &cmdError{Reason: reasonOutput, Flag: out.flag, Value: out.value, Detail: problem}
		}
	}
	return outs, nil
}

// fileSuggestion is the -o flags of outs with a file for every report
// to stdout but the first: -o json -o csv=report.csv.
func fileSuggestion(outs []output) string {
	var flags []string
	first := true
	for _, o := range outs {
		v := o.value
		if o.Path == "" {
			if !first {
				v = o.Format.Name + "=report." + o.Format.Extension
			}
			first = false
		}
		flags = append(flags, "-o "+shellWord(v))
	}
	return strings.Join(flags, " ")
}

// unwritable says why no file can be written at path, when it can tell
// without writing one: it is a directory, or its directory is not one.
func unwritable(path string) string {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return "is a directory"
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such directory " + dir
	case err != nil:
		return osProblem(err)
	case !fi.IsDir():
		return dir + " is not a directory"
	}
	return ""
}

// Modes of the files appaudit writes, before the umask: reports are
// created as any file the user creates (node-exporter's textfile
// collector, which runs as another user, must read the .prom file); a
// snapshot, which holds the tenant's app registrations, is its owner's
// only. A file that exists keeps its mode.
const (
	reportPerm   fs.FileMode = 0o666
	snapshotPerm fs.FileMode = 0o600
)

// writeOutputs renders r in every requested format, each file written
// atomically (writeFileAtomic). A report that cannot be written does not
// stop the others: the errors of all that failed are joined, each an
// output failure (exit 4).
func writeOutputs(s *streams, outs []output, r *audit.Result) error {
	var errs []error
	for _, out := range outs {
		rep := out.Format.New(reports.Options{Color: out.Path == "" && s.colorOK(), ToolVersion: appVersion(), Width: s.width(), Wide: out.Wide})
		if out.Path == "" {
			if err := rep.Write(s.Out, r); err != nil {
				e := flagErr(reasonOutput, out.flag, out.value, err)
				e.Detail = "writing to stdout: " + e.Detail
				errs = append(errs, e)
			}
			continue
		}
		if err := writeFileAtomic(out.Path, reportPerm, func(w io.Writer) error { return rep.Write(w, r) }); err != nil {
			errs = append(errs, flagErr(reasonOutput, out.flag, out.value, err))
		}
	}
	return errors.Join(errs...)
}

// writeFileAtomic writes a file to a temporary name in its directory and
// renames it into place, so that a scheduled job never leaves a
// half-written file behind. A new file gets perm less the umask; a file
// that exists keeps its mode. A path that exists and is not a regular
// file (a device such as /dev/stdout, a named pipe) is written to as it
// is, never replaced.
func writeFileAtomic(path string, perm fs.FileMode, write func(io.Writer) error) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		// os.Rename would say "file exists".
		return &fs.PathError{Op: "write", Path: path, Err: syscall.EISDIR}
	case err == nil && !fi.Mode().IsRegular():
		return writeInPlace(path, write)
	}
	tmp, err := createTemp(filepath.Dir(path), "."+filepath.Base(path)+".", perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if fi != nil && fi.Mode().IsRegular() {
		// The umask may take away bits the file has.
		if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// writeInPlace writes to a path that is not a regular file.
func writeInPlace(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// createTemp is os.CreateTemp(dir, prefix+"*") with the mode perm less the
// umask, where os.CreateTemp always gives 0600.
func createTemp(dir, prefix string, perm fs.FileMode) (*os.File, error) {
	for range 1000 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, prefix+"*"), Err: fs.ErrExist}
}

// finish ends every command that produces a Result: the exit code is
// decided on the whole Result, before --min-severity filters what the
// reports show; then the reports are written and the warnings printed
// (unless quiet), and, when no report went to stdout, a line that says
// what was found and why the command exits as it does. A report that
// cannot be written exits 4, and an incomplete Result 3, whatever its
// findings.
func finish(s *streams, outs []output, p *policyOptions, quiet bool, r *audit.Result) error {
	code := p.exitFor(r)
	r.FilterMinSeverity(p.minSeverity)
	werr := writeOutputs(s, outs, r)
	if !quiet {
		s.warn(r.Warnings)
		if toFiles(outs) {
			s.say(reports.FindingsLine(r) + "; " + written(outs, werr))
			if code != exitIncomplete && werr == nil {
				s.say(p.exitReason(code, r))
			}
		}
	}
	var incomplete error
	if !r.Complete {
		incomplete = incompleteErr("audit incomplete: " + r.Incomplete)
	}
	if werr != nil || incomplete != nil {
		return errors.Join(werr, incomplete)
	}
	return silentExit(code)
}

// written says that the reports were written: "report written to
// report.json", "3 reports written"; or that not all were.
func written(outs []output, werr error) string {
	switch {
	case werr != nil:
		return fmt.Sprintf("%d of %d reports not written", len(errorList(werr)), len(outs))
	case len(outs) == 1:
		return "report written to " + outs[0].Path
	}
	return fmt.Sprintf("%d reports written", len(outs))
}
