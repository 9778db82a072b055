package reports_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// render writes r in the named format with fixed options.
func render(t testing.TB, format string, r *audit.Result, opts reports.Options) []byte {
	t.Helper()
	f, err := reports.Lookup(format)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.New(opts).Write(&buf, r); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./reports -update if the change is intended)\n--- got:\n%s", name, got)
	}
}

// Every format renders the shared fixture exactly as its golden file.
func TestGolden(t *testing.T) {
	opts := reports.Options{ToolVersion: "test"}
	for _, f := range reports.Formats() {
		t.Run(f.Name, func(t *testing.T) {
			golden(t, "fixture."+f.Extension, render(t, f.Name, fixtureResult(), opts))
		})
	}
}
