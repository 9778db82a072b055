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
