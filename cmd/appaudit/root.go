package main

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/spf13/cobra"
)

// version is set at link time in release builds:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/appaudit
//
// When it is not, the module version from the build info is used (what
// `go install github.com/appaudit/appaudit/cmd/appaudit@v1.2.3` records),
// or "devel" and the VCS revision for a build from a checkout.
var version = ""

// appVersion is the version as --version, the reports and snapshots
// show it: with the VCS revision and the Go version when it comes from
// the build info.
func appVersion() string { return versions().full }

// moduleVersion is the version alone, for the User-Agent.
func moduleVersion() string { return versions().module }

// buildVersion is appVersion and moduleVersion.
type buildVersion struct{ full, module string }

// versions reads the build info once.
var versions = sync.OnceValue(func() buildVersion {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return versionOf(version, info)
})

// versionOf is the version a build says of itself: the one set at link
// time, or else the module version from info (nil when there is none),
// or else "devel".
func versionOf(linked string, info *debug.BuildInfo) buildVersion {
	if linked != "" {
		return buildVersion{linked, linked}
	}
	if info == nil {
		return buildVersion{"unknown", "unknown"}
	}
	module := info.Main.Version
	if module == "" || module == "(devel)" {
		module = "devel"
	}
	full := module
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	// A module version from a tag or a pseudo-version names the revision
	// already; a build from a checkout says which.
	if module == "devel" && len(revision) >= 12 {
		full += " (" + revision[:12]
		if modified == "true" {
			full += ", modified"
		}
		full += ")"
	}
	if info.GoVersion != "" {
		full += " " + info.GoVersion
	}
	return buildVersion{full, module}
}

// run builds the command tree, runs it, prints each error on stderr on a
// line of its own, and returns the exit code for main.
func run(ctx context.Context, args []string, s *streams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && cmd == root {
		err = unknownCommand(root, args, err)
	}
	for _, e := range errorList(err) {
		var ee *exitError
		if !errors.As(e, &ee) {
			s.say(e.Error())
		}
	}
	return exitCode(err)
}

// unknownCommand is err, cobra's error for a first argument that names no
// command, as a usage error of one line with cobra's suggestions; any
// other error is left as it is.
func unknownCommand(root *cobra.Command, args []string, err error) error {
	var ce *cmdError
	if errors.As(err, &ce) {
		return err
	}
	if _, _, ferr := root.Find(args); ferr == nil {
		return err
	}
	// The root command's only flags are --help and --version, which take
	// no value: its first argument that is not a flag is the command.
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			detail := fmt.Sprintf("unknown command %q", a)
			if sugg := root.SuggestionsFor(a); len(sugg) > 0 {
				detail += "; did you mean " + joinOr(sugg) + "?"
			}
			return &cmdError{Reason: reasonUsage, Detail: detail, Hint: "appaudit --help lists the commands", Err: err}
		}
	}
	return err
}

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "appaudit",
		Short: "Audit Entra ID app credentials against what is deployed, before sign-ins fail",
		Long: `appaudit reads a tenant's app registrations and service principals (live
from Microsoft Graph, or from a snapshot), holds their certificate and secret
credentials against what is actually deployed (local certificate files and a
mapping of apps to thumbprints), and says which apps will fail to sign in
with AADSTS700027 and friends, why, and what to do.

appaudit only reads: it never writes to a tenant.`,
		Version:       appVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// unknownCommand suggests the commands this close to a mistyped one.
		SuggestionsMinimumDistance: 2,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	setHelp(root, s.width)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &cmdError{Reason: reasonUsage, Detail: err.Error(), Hint: "see --help", Err: err}
	})
	root.AddCommand(
		newScanCmd(s, nil),
		newDoctorCmd(s, nil),
		newPreflightCmd(s, nil),
		newExplainCmd(s, nil),
		newSnapshotCmd(s, nil),
		newReportCmd(s, nil),
		&cobra.Command{Use: "exit-codes", Short: "What appaudit's exit codes mean", Long: exitCodesHelp},
	)
	return root
}

// noArgs rejects positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr("%s takes no arguments, got %q (see --help)", cmd.CommandPath(), args[0])
	}
	return nil
}
