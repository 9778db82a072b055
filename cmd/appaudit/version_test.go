package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// The version a build says of itself: the one set at link time; else the
// module version `go install module@version` records; else devel and the
// VCS revision of a build from a checkout.
func TestVersionOf(t *testing.T) {
	revision := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}}
	modified := append(revision[:2:2], debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	for _, tc := range []struct {
		name         string
		linked       string
		info         *debug.BuildInfo
		full, module string
	}{
		{"release build", "v1.2.3", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, "v1.2.3", "v1.2.3"},
		{"go install @v0.4.0", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/appaudit/appaudit", Version: "v0.4.0"}},
			"v0.4.0 go1.26.8", "v0.4.0"},
		{"go install @latest of a commit", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.4.1-0.20260601120000-0123456789ab"}},
			"v0.4.1-0.20260601120000-0123456789ab go1.26.8", "v0.4.1-0.20260601120000-0123456789ab"},
		{"go build in a checkout", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: revision},
			"devel (0123456789ab) go1.26.8", "devel"},
		{"go build in a changed checkout", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: modified},
			"devel (0123456789ab, modified) go1.26.8", "devel"},
		{"go test", "", &debug.BuildInfo{GoVersion: "go1.26.8"}, "devel go1.26.8", "devel"},
		{"no build info", "", nil, "unknown", "unknown"},
	} {
		if got := versionOf(tc.linked, tc.info); got.full != tc.full || got.module != tc.module {
			t.Errorf("%s: %+v, want %q and %q", tc.name, got, tc.full, tc.module)
		}
	}
}

// The release build command the README gives sets the version --version
// prints and the reports record.
func TestReleaseBuildVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds appaudit")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "appaudit")
	build := exec.Command(gobin, "build", "-ldflags", "-X main.version=v9.8.7", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || string(out) != "appaudit version v9.8.7\n" {
		t.Errorf("--version: %q %v", out, err)
	}
	report := filepath.Join(dir, "report.json")
	if err := exec.Command(bin, "scan", "--demo", "--fail-on", "none", "-q", "-o", "json="+report).Run(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tool string `json:"tool"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Tool != "appaudit v9.8.7" {
		t.Errorf("the report records %q (%v)", doc.Tool, err)
	}
}
