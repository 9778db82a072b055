package reports

import (
	"hash/maphash"

	"github.com/appaudit/appaudit/audit"
)

// objectKey names an object, or one credential of it, in the indexes the
// reports build over every finding of a tenant: 16 bytes where the
// object's ObjectRef is four strings (64 bytes, and 80 with a key ID), so
// that an index of 200,000 findings costs a few megabytes, not tens.
type objectKey [2]uint64

// objectKeys makes objectKeys: two 64-bit hashes of what the key names,
// with seeds drawn for each report, so that no name in a tenant can be
// chosen to make two keys alike, and the chance that two of n keys are
// alike by accident is about n²/2¹²⁹ (for a million keys, 10⁻²⁷).
type objectKeys struct{ a, b maphash.Seed }

func newObjectKeys() objectKeys { return objectKeys{maphash.MakeSeed(), maphash.MakeSeed()} }

// keyed is what an objectKey stands for: an object, or with cred one of
// its credentials by key ID.
type keyed struct {
	obj   audit.ObjectRef
	keyID string
	cred  bool
}

// object is the key of o; a nil o (the findings about local files alone)
// has the key of the zero ObjectRef.
func (k objectKeys) object(o *audit.ObjectRef) objectKey {
	var v keyed
	if o != nil {
		v.obj = *o
	}
	return k.of(v)
}

// credential is the key of o's credential keyID.
func (k objectKeys) credential(o audit.ObjectRef, keyID string) objectKey {
	return k.of(keyed{obj: o, keyID: keyID, cred: true})
}

func (k objectKeys) of(v keyed) objectKey {
	return objectKey{maphash.Comparable(k.a, v), maphash.Comparable(k.b, v)}
}

// findingChains group findings by object without copying them: heads
// holds the first finding of each object, in the order of those first
// findings (worst first, as findings come), next the finding after each
// of the same object (-1 after its last), and at the position in heads
// of each object's chain. Positions are int32: 8 bytes a finding in all,
// and 20 an object.
type findingChains struct {
	heads []int32
	next  []int32
	at    map[objectKey]int32
}

// chainByObject chains fs by object. The findings about local files
// alone are one object, the zero ObjectRef's, unless skipLocal leaves
// them out of every chain.
func chainByObject(fs []audit.Finding, keys objectKeys, skipLocal bool) findingChains {
	c := findingChains{next: make([]int32, len(fs)), at: map[objectKey]int32{}}
	var tails []int32
	for i := range fs {
		c.next[i] = -1
		if skipLocal && fs[i].App == nil {
			continue
		}
		k := keys.object(fs[i].App)
		if at, ok := c.at[k]; ok {
			c.next[tails[at]] = int32(i)
			tails[at] = int32(i)
			continue
		}
		c.at[k] = int32(len(c.heads))
		c.heads = append(c.heads, int32(i))
		tails = append(tails, int32(i))
	}
	return c
}
