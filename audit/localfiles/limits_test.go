package localfiles

import (
	"os"
	"path/filepath"
	"testing"
)

// sparse makes a file of size bytes that takes no room on disk.
func sparse(t *testing.T, name string, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return path
}

// A file larger than its kind can be is refused from its size alone, and
// one that is not a regular file (a device, a pipe) is not read at all:
// reading either would take all the memory there is.
func TestFilesTooLargeAreNotRead(t *testing.T) {
	load := map[string]func(string) error{
		"certificate file":  func(p string) error { _, err := ReadFile(p, Options{}); return err },
		"deployed mapping":  func(p string) error { _, _, err := ReadDeployed(p); return err },
		"suppression file":  func(p string) error { _, err := LoadSuppressions(p); return err },
		"certificate files": func(p string) error { _, err := Load([]string{p}, "", Options{}); return err },
	}
	for what, size := range map[string]int64{"certificate file": MaxCertFileSize, "deployed mapping": MaxMappingFileSize, "suppression file": MaxSuppressionFileSize} {
		t.Run(what, func(t *testing.T) {
			path := sparse(t, "huge", 100<<20)
			hint := "is it the right file?"
			if what == "certificate file" {
				hint = "not at an archive"
			}
			wantErr(t, load[what](path), path+": larger than the "+itoa(int(size>>20))+" MiB a "+what+" may be", hint)
			if _, err := os.Stat("/dev/zero"); err == nil {
				wantErr(t, load[what]("/dev/zero"), "/dev/zero: is not a regular file")
			}
		})
	}
	path := sparse(t, "huge.pem", 100<<20)
	wantErr(t, load["certificate files"](path), path+": larger than the 16 MiB")
}
