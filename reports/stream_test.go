package reports_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

// streamResults are the Results the streaming tests render: the shared
// fixtures, an empty audit, a diagnosis without a tenant or findings, one
// with every member of the JSON report, and one large enough that every
// format writes more than its buffer holds.
func streamResults(t *testing.T) map[string]*audit.Result {
	t.Helper()
	full := fixtureResult()
	full.Command = "doctor"
	full.Complete, full.Incomplete = false, "servicePrincipals: page 4 failed after 6 attempts"
	full.Verdict = &audit.Verdict{Cause: full.Findings[0].Check, Text: "most likely cause: " + full.Findings[0].Title(),
		Values: map[string]string{"x5t": "aGVsbG8", "aud": "https://login.microsoftonline.com/t/oauth2/v2.0/token"}}
	full.Source.TakenAt = fixtureNow.Add(-time.Hour)
	// Every member but complete, which is always written.
	typ := reflect.TypeFor[audit.Result]()
	for i := range typ.NumField() {
		if typ.Field(i).Type.Kind() != reflect.Bool && reflect.ValueOf(full).Elem().Field(i).IsZero() {
			t.Fatalf("the full Result leaves %s empty: give it a value, so that the streamed JSON report is held to it", typ.Field(i).Name)
		}
	}
	empty := &audit.Result{Command: "scan", Complete: true, Findings: []audit.Finding{}}
	empty.CountFindings()
	return map[string]*audit.Result{
		"fixture": fixtureResult(),
		"hostile": hostileResult(),
		"triaged": triagedResult(t),
		"full":    full,
		"empty":   empty,
		"nil":     {Command: "doctor", Complete: true, Source: audit.Source{Kind: "none"}},
		"large":   largeResult(2000),
	}
}

// firstDifference shows where got and want part.
func firstDifference(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("%d and %d bytes, first difference at byte %d:\n--- got:\n%s\n--- want:\n%s",
		len(got), len(want), i, got[from:min(len(got), i+80)], want[from:min(len(want), i+80)])
}

// The JSON report, written member by member and finding by finding, is
// byte for byte what encoding/json writes for the whole Document.
func TestJSONStreamsTheDocument(t *testing.T) {
	for name, r := range streamResults(t) {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			if err := enc.Encode(reports.Document{SchemaVersion: reports.SchemaVersion, Tool: "appaudit test", Result: *r}); err != nil {
				t.Fatal(err)
			}
			if got := render(t, "json", r, testOpts); !bytes.Equal(got, want.Bytes()) {
				t.Error(firstDifference(got, want.Bytes()))
			}
		})
	}
}

// SARIF and JUnit, written result by result and suite by suite, are byte
// for byte what encoding/json and encoding/xml write for the whole
// document they decode to: no member unknown to it, none out of its
// order, the same indentation and escaping.
func TestSARIFAndJUnitStreamTheirDocument(t *testing.T) {
	for name, r := range streamResults(t) {
		for _, tc := range []struct {
			format   string
			reencode func([]byte) ([]byte, error)
		}{{"sarif", reports.ReencodeSARIF}, {"junit", reports.ReencodeJUnit}} {
			t.Run(tc.format+"/"+name, func(t *testing.T) {
				got := render(t, tc.format, r, testOpts)
				want, err := tc.reencode(got)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Error(firstDifference(got, want))
				}
			})
		}
	}
}

var errDiskFull = errors.New("write report.out: no space left on device")

// failingWriter takes the first room bytes written to it, and fails
// every write after that.
type failingWriter struct {
	room   int
	got    bytes.Buffer
	failed bool
	// retries counts the writes tried after one failed.
	retries int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.failed {
		w.retries++
		return 0, errDiskFull
	}
	n := min(len(p), w.room-w.got.Len())
	w.got.Write(p[:n])
	if n < len(p) {
		w.failed = true
		return n, errDiskFull
	}
	return n, nil
}

// A report whose writer fails says so: every format returns the writer's
// error, whether the failure comes at the first byte, in the middle or
// at the last, and tries no write after it. Nothing is cut silently.
func TestEveryFormatReturnsTheWriteError(t *testing.T) {
	results := streamResults(t)
	for _, f := range reports.Formats() {
		for _, name := range []string{"fixture", "large"} {
			r := results[name]
			t.Run(f.Name+"/"+name, func(t *testing.T) {
				full := render(t, f.Name, r, testOpts)
				for _, room := range []int{0, 1, 100, 4096, len(full) / 3, len(full) / 2, len(full) - 1, len(full)} {
					if room > len(full) {
						continue // a small report: the cut would come after its end
					}
					w := &failingWriter{room: room}
					err := f.New(testOpts).Write(w, r)
					switch {
					case room == len(full):
						if err != nil || !bytes.Equal(w.got.Bytes(), full) {
							t.Errorf("room for the whole report: error %v, %d bytes of %d", err, w.got.Len(), len(full))
						}
						continue
					case !errors.Is(err, errDiskFull):
						t.Errorf("writer full after %d of %d bytes: error %v, want the writer's", room, len(full), err)
					case w.retries > 0:
						t.Errorf("writer full after %d bytes: %d writes tried after the failure", room, w.retries)
					}
					if !bytes.Equal(w.got.Bytes(), full[:room]) {
						t.Errorf("writer full after %d bytes: it got %d bytes, not the start of the report", room, w.got.Len())
					}
				}
			})
		}
	}
}

// allocated is how many bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Every format but the two made for people to read (which lay out at
// most 5,000 findings whole) writes as it goes: when its writer fails at
// the first byte, it stops there, having done a fraction of the work of
// the whole report, instead of rendering the rest for nothing, or
// rendering it all before it writes anything.
func TestStreamingFormatsStopAtTheFirstWriteError(t *testing.T) {
	r := largeResult(20_000)
	for _, f := range reports.Formats() {
		if f.Name == "table" || f.Name == "html" {
			continue
		}
		rep := f.New(testOpts)
		whole := allocated(func() {
			if err := rep.Write(io.Discard, r); err != nil {
				t.Fatal(err)
			}
		})
		failed := allocated(func() {
			if err := rep.Write(&failingWriter{}, r); !errors.Is(err, errDiskFull) {
				t.Fatalf("%s: error %v", f.Name, err)
			}
		})
		t.Logf("%s: %d bytes allocated for the report, %d when the writer fails at once", f.Name, whole, failed)
		if failed > whole/4 {
			t.Errorf("%s: %d bytes allocated when the writer fails at the first byte, %d for the whole report", f.Name, failed, whole)
		}
	}
}

// writeCounter counts the writes a report makes.
type writeCounter struct{ writes, bytes int }

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes++
	w.bytes += len(p)
	return len(p), nil
}

// Every format writes through a buffer: a large report is a few writes
// of kilobytes, not one a line or a cell (each a system call on a
// terminal or a file).
func TestEveryFormatWritesInBlocks(t *testing.T) {
	r := largeResult(2000)
	for _, f := range reports.Formats() {
		w := &writeCounter{}
		if err := f.New(testOpts).Write(w, r); err != nil {
			t.Fatal(err)
		}
		if w.writes > w.bytes/4096+4 {
			t.Errorf("%s: %d writes for %d bytes", f.Name, w.writes, w.bytes)
		}
	}
}
