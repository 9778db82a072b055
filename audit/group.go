package audit

// groupKeys groups an object's keyCredentials by certificate: the
// registrations of one certificate (by thumbprint, or, when neither side
// has one, by the same customKeyIdentifier and window) are one group,
// with the Verify registration first.
func groupKeys(o *Object) []*CertGroup {
	var groups []*CertGroup
	var idx *groupIndex
	keys := o.P.KeyCredentials
	for i := range keys {
		k := &keys[i]
		if idx == nil && len(groups) > walkGroups {
			idx = newGroupIndex(groups)
		}
		gi := -1
		if idx == nil {
			gi = groupWalk(groups, k)
		} else {
			gi = idx.find(k)
		}
		if gi >= 0 {
			g := groups[gi]
			g.Keys = append(g.Keys, k)
			if k.Usage == UsageVerify && g.Keys[0].Usage != UsageVerify {
				// Keep the Verify registration as the group's face.
				idx.drop(gi, g.Primary())
				last := len(g.Keys) - 1
				g.Keys[0], g.Keys[last] = g.Keys[last], g.Keys[0]
				idx.put(gi, g.Primary())
			}
			continue
		}
		idx.put(len(groups), k)
		groups = append(groups, &CertGroup{Obj: o, Keys: []*KeyCredential{k}})
	}
	return groups
}

// walkGroups is how many groups an object may have before groupKeys finds
// a credential's group by an index rather than a walk over them: a walk
// made reading an object of 2,000 credentials cost 4 million
// comparisons, an index on every object costs a tenant of 100,000
// applications 47 MB.
const walkGroups = 16

// groupWalk finds the group k belongs to: the first whose primary is the
// same certificate (by thumbprint, or when neither side has one, same
// customKeyIdentifier and window), or -1.
func groupWalk(groups []*CertGroup, k *KeyCredential) int {
	for i, g := range groups {
		p := g.Primary()
		if k.Thumbprints.Known() {
			if p.Thumbprints.Matches(k.Thumbprints) {
				return i
			}
			continue
		}
		if !p.Thumbprints.Known() && len(k.CustomKeyIdentifier) > 0 &&
			string(p.CustomKeyIdentifier) == string(k.CustomKeyIdentifier) &&
			p.Start.Equal(k.Start) && p.End.Equal(k.End) {
			return i
		}
	}
	return -1
}

// groupIndex finds what groupWalk finds, by maps.
type groupIndex struct {
	byThumb map[thumbKey][]int // group indexes by the primary's digests
	byCKI   map[ckiKey][]int   // by identifier and window, for primaries without a digest
}

func newGroupIndex(groups []*CertGroup) *groupIndex {
	x := &groupIndex{byThumb: make(map[thumbKey][]int), byCKI: make(map[ckiKey][]int)}
	for i, g := range groups {
		x.put(i, g.Primary())
	}
	return x
}

type ckiKey struct {
	cki                        string
	start, startNS, end, endNS int64
}

// ckiKeyOf is k's identifier and window, the instants as time.Equal
// compares them.
func ckiKeyOf(k *KeyCredential) ckiKey {
	return ckiKey{cki: string(k.CustomKeyIdentifier),
		start: k.Start.Unix(), startNS: int64(k.Start.Nanosecond()),
		end: k.End.Unix(), endNS: int64(k.End.Nanosecond())}
}

// find is the index of k's group, or -1.
func (x *groupIndex) find(k *KeyCredential) int {
	best := -1
	pick := func(gs []int) {
		for _, g := range gs {
			if best < 0 || g < best {
				best = g
			}
		}
	}
	if k.Thumbprints.Known() {
		for _, tk := range thumbKeys(k.Thumbprints) {
			pick(x.byThumb[tk])
		}
		return best
	}
	if len(k.CustomKeyIdentifier) > 0 {
		pick(x.byCKI[ckiKeyOf(k)])
	}
	return best
}

// put records that group g has primary k; drop forgets it. Both do
// nothing on a nil index, while groupKeys walks.
func (x *groupIndex) put(g int, k *KeyCredential) {
	if x == nil {
		return
	}
	if k.Thumbprints.Known() {
		for _, tk := range thumbKeys(k.Thumbprints) {
			x.byThumb[tk] = append(x.byThumb[tk], g)
		}
		return
	}
	if len(k.CustomKeyIdentifier) > 0 {
		ck := ckiKeyOf(k)
		x.byCKI[ck] = append(x.byCKI[ck], g)
	}
}

func (x *groupIndex) drop(g int, k *KeyCredential) {
	if x == nil {
		return
	}
	remove := func(gs []int) []int {
		out := gs[:0]
		for _, v := range gs {
			if v != g {
				out = append(out, v)
			}
		}
		return out
	}
	if k.Thumbprints.Known() {
		for _, tk := range thumbKeys(k.Thumbprints) {
			x.byThumb[tk] = remove(x.byThumb[tk])
		}
		return
	}
	if len(k.CustomKeyIdentifier) > 0 {
		ck := ckiKeyOf(k)
		x.byCKI[ck] = remove(x.byCKI[ck])
	}
}
