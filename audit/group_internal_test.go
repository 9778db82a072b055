package audit

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// addWalk groups p's key credentials with groupWalk alone, as groupKeys
// does for an object of few groups.
func addWalk(p *Principal) []*CertGroup {
	var groups []*CertGroup
	for i := range p.KeyCredentials {
		k := &p.KeyCredentials[i]
		if gi := groupWalk(groups, k); gi >= 0 {
			g := groups[gi]
			g.Keys = append(g.Keys, k)
			if k.Usage == UsageVerify && g.Keys[0].Usage != UsageVerify {
				last := len(g.Keys) - 1
				g.Keys[0], g.Keys[last] = g.Keys[last], g.Keys[0]
			}
			continue
		}
		groups = append(groups, &CertGroup{Keys: []*KeyCredential{k}})
	}
	return groups
}

// The grouping index groupKeys turns to past walkGroups groups gives the
// groups the walk gives, key for key and in the same order, on
// credentials drawn from alphabets small enough that digests,
// identifiers, windows, usages and swaps of the primary collide often
// and large enough that objects pass walkGroups groups; a time in
// another zone is the same instant.
func TestGroupIndexAgreesWithWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	zones := []*time.Location{time.UTC, time.FixedZone("X", 3600)}
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	digest := func(n int) string {
		if rng.IntN(2) == 0 {
			return ""
		}
		return fmt.Sprint(rng.IntN(n))
	}
	indexed := 0
	for round := 0; round < 3000; round++ {
		p := &Principal{}
		n := 1 + rng.IntN(60)
		for i := rng.IntN(n); i >= 0; i-- {
			k := KeyCredential{
				KeyID:               fmt.Sprint(i),
				Usage:               pick(UsageVerify, UsageSign),
				Thumbprints:         Thumbprints{SHA1: digest(1 + n/2), SHA256: digest(1 + n/3)},
				CustomKeyIdentifier: []byte(digest(3)),
				Start:               base.Add(time.Duration(rng.IntN(2))*time.Hour + time.Duration(rng.IntN(2))*time.Millisecond).In(zones[rng.IntN(2)]),
				End:                 base.Add(time.Duration(rng.IntN(2)) * 24 * time.Hour),
			}
			if rng.IntN(4) == 0 {
				k.Start = time.Time{}
			}
			p.KeyCredentials = append(p.KeyCredentials, k)
		}
		want := addWalk(p)
		got := groupKeys(&Object{P: p})
		if len(want) > walkGroups+1 {
			indexed++
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: %d groups, the walk makes %d", round, len(got), len(want))
		}
		for i := range want {
			if len(got[i].Keys) != len(want[i].Keys) {
				t.Fatalf("round %d, group %d: %d keys, the walk has %d", round, i, len(got[i].Keys), len(want[i].Keys))
			}
			for j := range want[i].Keys {
				if got[i].Keys[j] != want[i].Keys[j] {
					t.Fatalf("round %d, group %d, key %d: %s, the walk has %s", round, i, j, got[i].Keys[j].KeyID, want[i].Keys[j].KeyID)
				}
			}
		}
	}
	if indexed < 500 {
		t.Fatalf("only %d objects passed %d groups: the index was hardly tried", indexed, walkGroups)
	}
}
