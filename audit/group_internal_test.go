package audit

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// addWalk groups p's key credentials with groupWalk alone, as scan.add
// does for an object of few groups.
func addWalk(p *Principal) []*certGroup {
	var groups []*certGroup
	for i := range p.KeyCredentials {
		k := &p.KeyCredentials[i]
		if gi := groupWalk(groups, k); gi >= 0 {
			g := groups[gi]
			g.keys = append(g.keys, k)
			if k.Usage == UsageVerify && g.keys[0].Usage != UsageVerify {
				last := len(g.keys) - 1
				g.keys[0], g.keys[last] = g.keys[last], g.keys[0]
			}
			continue
		}
		groups = append(groups, &certGroup{keys: []*KeyCredential{k}})
	}
	return groups
}

// The grouping index scan.add turns to past walkGroups groups gives the
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
		s := &scan{}
		got := s.add(ObjectRef{}, p).groups
		if len(want) > walkGroups+1 {
			indexed++
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: %d groups, the walk makes %d", round, len(got), len(want))
		}
		for i := range want {
			if len(got[i].keys) != len(want[i].keys) {
				t.Fatalf("round %d, group %d: %d keys, the walk has %d", round, i, len(got[i].keys), len(want[i].keys))
			}
			for j := range want[i].keys {
				if got[i].keys[j] != want[i].keys[j] {
					t.Fatalf("round %d, group %d, key %d: %s, the walk has %s", round, i, j, got[i].keys[j].KeyID, want[i].keys[j].KeyID)
				}
			}
		}
	}
	if indexed < 500 {
		t.Fatalf("only %d objects passed %d groups: the index was hardly tried", indexed, walkGroups)
	}
}
