package localfiles

import (
	"fmt"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit/audittest"
)

// A mapping as large tenants have: 100,000 thumbprint rows.
const benchRows = 100_000

func benchMapping(yaml bool) []byte {
	tp := certs().leaf.Thumbprints().SHA1
	var b strings.Builder
	if !yaml {
		b.WriteString("app,thumbprint,owner\n")
	}
	for i := range benchRows {
		if yaml {
			fmt.Fprintf(&b, "- app: %08d-0000-0000-0000-000000000000\n  thumbprint: %s\n  owner: team %d\n", i, tp, i%50)
		} else {
			fmt.Fprintf(&b, "%08d-0000-0000-0000-000000000000,%s,team %d\n", i, tp, i%50)
		}
	}
	return []byte(b.String())
}

func benchmarkMapping(b *testing.B, name string, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rows, _, err := parseMapping(name, data, nil)
		if err != nil || len(rows) != benchRows {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}

func BenchmarkReadDeployedCSV(b *testing.B) { benchmarkMapping(b, "deployed.csv", benchMapping(false)) }
func BenchmarkReadDeployedYAML(b *testing.B) {
	benchmarkMapping(b, "deployed.yaml", benchMapping(true))
}

// A CA bundle of 200 certificates, every one checked as a possible issuer
// of every other.
func BenchmarkParsePEMBundle(b *testing.B) {
	now := audittest.Now()
	var data []byte
	for i := range 200 {
		c := audittest.MustCert(audittest.Spec{CommonName: fmt.Sprintf("CA %d", i), NotBefore: now, NotAfter: now.Add(audittest.Days(1)), IsCA: true, Serial: int64(i + 1)})
		data = append(data, c.CertPEM()...)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		bundle, err := parseBytes("bundle.pem", data, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if entries, _ := pair(bundle.certs, bundle.keys); len(entries) != 200 {
			b.Fatal(len(entries))
		}
	}
}
