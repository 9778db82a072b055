package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/reports"
)

var heapProfile = flag.String("heapprofile", "", "BenchmarkScanSnapshot100k: write a profile of the largest live heap while each report is written to `DIR`/scan-FORMAT.heap")

// BenchmarkScanSnapshot100k runs appaudit scan --snapshot, the whole
// command in this process, on a snapshot of 100,000 applications
// (audittest.LargeTenant, written before the timer starts) audited twelve
// days after it was taken, in every format, to a discarding stdout. It
// measures what a scheduled audit allocates from the file to the report;
// .ci/scale measures the binary's wall time and peak RSS. Run with:
//
//	go test -run='^$' -bench=ScanSnapshot100k -benchmem -benchtime=1x ./cmd/appaudit/
//
// and add -args -heapprofile=DIR for a heap profile of each format, to
// read with go tool pprof -sample_index=inuse_space: the profile of the
// largest live heap (after a collection) from the report's first byte to
// its last, which is where the scan's memory peaks.
func BenchmarkScanSnapshot100k(b *testing.B) {
	snap := filepath.Join(b.TempDir(), "tenant.json")
	writeBenchSnapshot(b, snap, 100_000)
	asOf := audittest.Now().Add(audittest.Days(12)).Format(time.RFC3339)
	for _, f := range reports.Formats() {
		b.Run(f.Name, func(b *testing.B) {
			b.ReportAllocs()
			var out *heapWatch
			for b.Loop() {
				out = &heapWatch{watch: *heapProfile != ""}
				s := &streams{In: strings.NewReader(""), Out: out, ErrOut: io.Discard, Getenv: func(string) string { return "" }}
				if code := run(context.Background(), []string{"scan", "--snapshot", snap, "--as-of", asOf, "--fail-on", "none", "-q", "-o", f.Name}, s); code != 0 {
					b.Fatalf("scan -o %s: exit %d", f.Name, code)
				}
			}
			b.ReportMetric(float64(out.n)/1e6, "MB")
			if out.watch {
				b.ReportMetric(float64(out.peak)/(1<<20), "MiB-live")
				if err := os.WriteFile(filepath.Join(*heapProfile, "scan-"+f.Name+".heap"), out.profile.Bytes(), 0o644); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// writeBenchSnapshot writes audittest.LargeTenant of n applications as an
// appaudit snapshot.
func writeBenchSnapshot(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if err := graphclient.WriteSnapshot(w, audittest.LargeTenant(n, audittest.Now(), 0), graphclient.SnapshotMeta{Tool: "bench"}); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
}

// heapWatch counts what is written to it. With watch, it collects
// garbage before the first write (what the report built before it wrote
// anything is then live), and at every write after that looks at the
// live heap the last collection found: when it is the largest yet, it
// keeps a heap profile, whose in-use figures are those of the same
// collection.
type heapWatch struct {
	n       int64
	watch   bool
	peak    uint64
	profile bytes.Buffer
	live    []metrics.Sample
}

func (w *heapWatch) Write(p []byte) (int, error) {
	if w.watch {
		if w.live == nil {
			runtime.GC()
			w.live = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		}
		metrics.Read(w.live)
		if live := w.live[0].Value.Uint64(); live > w.peak {
			w.peak = live
			w.profile.Reset()
			if err := pprof.Lookup("heap").WriteTo(&w.profile, 0); err != nil {
				return 0, err
			}
		}
	}
	w.n += int64(len(p))
	return len(p), nil
}
