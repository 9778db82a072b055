package reports

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// objectKey names an object, or one credential of it, in the indexes the
// reports build over every finding of a tenant: 16 bytes where the
// object's ObjectRef is four strings (64 bytes, and 80 with a key ID), so
// that an index of 200,000 findings costs a few megabytes, not tens.
type objectKey [16]byte

// objectKeys makes objectKeys: the first 16 bytes of the SHA-256 of what
// the key names, as the Prometheus report's series digests are, so that
// no name in a tenant can be chosen to make two keys alike. It keeps the
// bytes it hashes between calls: one goroutine uses it.
type objectKeys struct{ buf []byte }

func newObjectKeys() *objectKeys { return &objectKeys{} }

// object is the key of o; a nil o (the findings about local files alone)
// has the key of the zero ObjectRef. Its fields are hashed each after its
// length, so that no two objects differ only in where one field ends and
// the next begins.
func (k *objectKeys) object(o *audit.ObjectRef) objectKey {
	var ref audit.ObjectRef
	if o != nil {
		ref = *o
	}
	b := append(k.buf[:0], 0)
	for _, s := range [...]string{string(ref.Kind), ref.ObjectID, ref.AppID, ref.DisplayName} {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return k.sum(b)
}

// credential is the key of the credential keyID of the object whose key
// is obj: the key of the object is hashed, not the object again. Key IDs
// are GUIDs, matched whatever their case: the key ID is hashed in lower
// case.
func (k *objectKeys) credential(obj objectKey, keyID string) objectKey {
	b := append(append(k.buf[:0], 1), obj[:]...)
	return k.sum(append(b, strings.ToLower(keyID)...))
}

func (k *objectKeys) sum(b []byte) objectKey {
	k.buf = b
	sum := sha256.Sum256(b)
	return objectKey(sum[:16])
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
func chainByObject(fs []audit.Finding, keys *objectKeys, skipLocal bool) findingChains {
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
