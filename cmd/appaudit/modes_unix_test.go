//go:build unix

package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// withUmask runs f with the process umask set to mask.
func withUmask(mask int, f func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	f()
}

// mode is the permission bits of path.
func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// existing writes a file of mode perm, whatever the umask.
func existing(t *testing.T, path string, perm fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte("old\n"), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

// A new report file follows the umask, as any file the user creates, so
// that node-exporter's textfile collector, running as another user, can
// read the .prom file; an existing file keeps its mode. A new snapshot is
// its owner's only, whatever the umask; an existing one keeps its mode.
func TestFileModes(t *testing.T) {
	dir := t.TempDir()
	srv := serve(t, demoSnapshot(t), graphtest.Options{MaxPageSize: 100})
	for _, tc := range []struct {
		umask            int
		newReport        fs.FileMode
		existing, keeps  fs.FileMode
		newSnapshot      fs.FileMode
		existingSnapshot fs.FileMode
	}{
		{umask: 0o022, newReport: 0o644, existing: 0o600, keeps: 0o600, newSnapshot: 0o600, existingSnapshot: 0o640},
		{umask: 0o077, newReport: 0o600, existing: 0o644, keeps: 0o644, newSnapshot: 0o600, existingSnapshot: 0o644},
		{umask: 0o002, newReport: 0o664, existing: 0o640, keeps: 0o640, newSnapshot: 0o600, existingSnapshot: 0o600},
	} {
		t.Run(fmt.Sprintf("umask %03o", tc.umask), func(t *testing.T) {
			newProm := filepath.Join(dir, fmt.Sprintf("new-%03o.prom", tc.umask))
			oldJSON := filepath.Join(dir, fmt.Sprintf("old-%03o.json", tc.umask))
			existing(t, oldJSON, tc.existing)
			newSnap := filepath.Join(dir, fmt.Sprintf("new-%03o-tenant.json", tc.umask))
			oldSnap := filepath.Join(dir, fmt.Sprintf("old-%03o-tenant.json", tc.umask))
			existing(t, oldSnap, tc.existingSnapshot)
			withUmask(tc.umask, func() {
				if code, _, errOut := runCLI(t, nil, "scan", "--demo", "-q", "--fail-on", "none", "-o", "prometheus="+newProm, "-o", "json="+oldJSON); code != exitOK {
					t.Fatalf("scan: exit %d: %s", code, errOut)
				}
				for _, out := range []string{newSnap, oldSnap} {
					if code, _, errOut := runCLI(t, tokenEnv, "snapshot", "--auth", "token", "--graph-url", srv.URL, "-q", "--out", out); code != exitOK {
						t.Fatalf("snapshot: exit %d: %s", code, errOut)
					}
				}
			})
			for _, f := range []struct {
				path string
				want fs.FileMode
			}{{newProm, tc.newReport}, {oldJSON, tc.keeps}, {newSnap, tc.newSnapshot}, {oldSnap, tc.existingSnapshot}} {
				if got := mode(t, f.path); got != f.want {
					t.Errorf("%s: mode %04o, want %04o", filepath.Base(f.path), got, f.want)
				}
			}
			if b, err := os.ReadFile(oldJSON); err != nil || string(b) == "old\n" {
				t.Errorf("the existing report was not replaced: %v", err)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 12 {
		t.Errorf("%d files, want 12: temporary files left behind?", len(entries))
	}
}
