package keyvault_test

import (
	"context"
	"testing"
	"time"

	"github.com/appaudit/appaudit/keyvault"
	"github.com/appaudit/appaudit/keyvault/kvtest"
)

// BenchmarkReadVault reads a vault of 1,000 certificates of 3 versions
// each from the fake vault answering every request after 20 ms, as a
// vault far away would (docs/performance.md):
//
//	go test -run='^$' -bench=ReadVault -benchtime=1x ./keyvault/
func BenchmarkReadVault(b *testing.B) {
	certs := kvtest.Generate(1000, 3, now)
	s := kvtest.New(certs...)
	defer s.Close()
	s.Token, s.Latency = token, 20*time.Millisecond
	cred, err := keyvault.NewTokenCredential(token, "T", "public", func() time.Time { return now })
	if err != nil {
		b.Fatal(err)
	}
	ep, err := keyvault.ResolveVault(s.URL, "public")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		r, err := keyvault.NewReader(keyvault.Config{Credential: cred, Transport: s.Transport(), Clock: &clock{}})
		if err != nil {
			b.Fatal(err)
		}
		v := r.Read(context.Background(), ep)
		if !v.Complete || len(v.Certificates) != 1000 {
			b.Fatalf("complete %v (%s), %d certificates", v.Complete, v.IncompleteReason, len(v.Certificates))
		}
		st := r.Stats()
		b.ReportMetric(float64(st.Requests), "requests/op")
		b.ReportMetric(float64(st.Requests)/1000, "requests/certificate")
	}
}
