package reports_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/reports"
)

// largeResult audits audittest.LargeTenant of n applications, dated
// relative to the fixture's time so that the checks fire often, like
// audit's BenchmarkRun100k, twelve days after it was read, as
// cmd/appaudit's BenchmarkScanSnapshot100k and .ci/scale do: 100,000
// applications give 185,089 findings.
func largeResult(n int) *audit.Result {
	return audit.Run(audittest.LargeTenant(n, fixtureNow, 0), nil, audit.DefaultPolicy(), fixtureNow.Add(audittest.Days(12)))
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return io.Discard.Write(p)
}

// BenchmarkFormats100k renders the audit of 100,000 applications in every
// format. Run with:
//
//	go test -run='^$' -bench=Formats100k -benchmem -benchtime=3x ./reports/
func BenchmarkFormats100k(b *testing.B) {
	r := largeResult(100_000)
	type format struct {
		name string
		opts reports.Options
		reports.Format
	}
	var formats []format
	for _, f := range reports.Formats() {
		formats = append(formats, format{f.Name, reports.Options{ToolVersion: "bench"}, f})
	}
	// The table at 80 columns is stacked records; at 120 and with --wide,
	// tablewriter draws it.
	table, err := reports.Lookup("table")
	if err != nil {
		b.Fatal(err)
	}
	formats = append(formats,
		format{"table-w120", reports.Options{ToolVersion: "bench", Width: 120}, table},
		format{"table-wide", reports.Options{ToolVersion: "bench", Wide: true}, table})
	for _, f := range formats {
		b.Run(f.name, func(b *testing.B) {
			rep := f.New(f.opts)
			var out countingWriter
			b.ReportAllocs()
			for b.Loop() {
				out.n = 0
				if err := rep.Write(&out, r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.n)/1e6, "MB")
			b.ReportMetric(float64(len(r.Findings)), "findings")
			b.ReportMetric(float64(len(r.Objects)), "objects")
		})
	}
}

// BenchmarkReadJSON100k reads back the JSON report of 100,000
// applications, as report --from and --baseline do. Run with:
//
//	go test -run='^$' -bench=ReadJSON100k -benchmem -benchtime=3x ./reports/
func BenchmarkReadJSON100k(b *testing.B) {
	var buf bytes.Buffer
	if err := jsonFormat(b).New(reports.Options{}).Write(&buf, largeResult(100_000)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reports.ReadJSON(bytes.NewReader(buf.Bytes()), "report.json"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len())/1e6, "MB")
}

func jsonFormat(b *testing.B) reports.Format {
	f, err := reports.Lookup("json")
	if err != nil {
		b.Fatal(err)
	}
	return f
}
