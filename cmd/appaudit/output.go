package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

// outputOptions say which reports to write where.
type outputOptions struct {
	Outputs    []string
	OutputFile string
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
}

func (o *outputOptions) parse() ([]reports.OutputSpec, error) {
	var specs []reports.OutputSpec
	toStdout := 0
	for _, raw := range o.Outputs {
		spec, err := reports.ParseOutputSpec(raw)
		if err != nil {
			return nil, usageErr("-o %s: %v", raw, strings.TrimPrefix(err.Error(), "reports: "))
		}
		if spec.Path == "" {
			toStdout++
			spec.Path = o.OutputFile
		}
		specs = append(specs, spec)
	}
	if toStdout > 1 {
		return nil, usageErr("only one report can go to stdout; give the others a file: -o sarif=results.sarif")
	}
	if toStdout == 0 && o.OutputFile != "" {
		return nil, usageErr("--output-file names the file for the stdout report, but every -o already has a file")
	}
	return specs, nil
}

// writeOutputs renders r in every requested format. A file is written to a
// temporary name in its folder and renamed into place, so a scheduled job
// never leaves a half-written report behind.
func writeOutputs(s *streams, specs []reports.OutputSpec, r *audit.Result) error {
	for _, spec := range specs {
		rep := spec.Format.New(reports.Options{Color: spec.Path == "" && s.colorOK(), ToolVersion: appVersion()})
		if spec.Path == "" {
			if err := rep.Write(s.Out, r); err != nil {
				return fmt.Errorf("writing the %s report: %w", spec.Format.Name, err)
			}
			continue
		}
		if err := writeFileAtomic(spec.Path, func(w io.Writer) error { return rep.Write(w, r) }); err != nil {
			return inputErr(fmt.Errorf("writing the %s report to %s: %w", spec.Format.Name, spec.Path, err))
		}
	}
	return nil
}

func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// finish ends every command that produces a Result: the exit code is
// decided on the whole Result, before --min-severity filters what the
// reports show; then the reports are written and the warnings printed
// (unless quiet). An incomplete Result exits 3 whatever its findings.
func finish(s *streams, outs []reports.OutputSpec, p *policyOptions, quiet bool, r *audit.Result) error {
	code := p.exitFor(r)
	r.FilterMinSeverity(p.minSeverity)
	if err := writeOutputs(s, outs, r); err != nil {
		return err
	}
	if !quiet {
		s.warn(r.Warnings)
	}
	if !r.Complete {
		return incompleteErr(fmt.Errorf("audit incomplete: %s", r.Incomplete))
	}
	return silentExit(code)
}
