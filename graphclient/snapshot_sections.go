package graphclient

import (
	"bufio"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/appaudit/appaudit/audit"
)

// A snapshot can keep, beside the tenant, what other sources read with
// it: the Azure Key Vault certificates `appaudit snapshot --keyvault`
// read, under "keyVaults" (docs/snapshot-format.md, version 2).
// graphclient writes and reads such a section's value as JSON without
// knowing its shape: the package that reads the source (keyvault)
// encodes and decodes it.

// snapshotSections are the members of a snapshot that are sections.
var snapshotSections = []string{"keyVaults"}

func isSection(key string) bool { return slices.Contains(snapshotSections, key) }

// SnapshotSection is one section to write: Name is the member's name
// ("keyVaults"), Value its value, written with encoding/json.
type SnapshotSection struct {
	Name  string
	Value any
}

// snapshotVersionFor is the version a snapshot of t is written as: 1,
// which every appaudit reads, unless it has sections or usage evidence
// (usagesnapshot.go), which came with 2.
func snapshotVersionFor(t *audit.Tenant, meta SnapshotMeta) int {
	if len(meta.Sections) > 0 || t.Usage != nil {
		return SnapshotVersion
	}
	return 1
}

// section keeps the raw value of the section member key of d. A value is
// bounded as one object is (MaxObjectSize).
func (in *input) section(d *document, key string) error {
	raw, start, err := in.value()
	if err != nil || len(raw) == 0 {
		return in.readFailure(start, err, "the "+key+" section")
	}
	if d.sections == nil {
		d.sections = map[string][]byte{}
	}
	d.sections[key] = append([]byte(nil), raw...)
	return nil
}

// writeSections writes each section as a member of the snapshot.
func writeSections(w *bufio.Writer, sections []SnapshotSection) error {
	for _, s := range sections {
		if !isSection(s.Name) {
			return fmt.Errorf("graphclient: writing a snapshot: %q is not a snapshot section", s.Name)
		}
		b, err := json.Marshal(s.Value)
		if err != nil {
			return fmt.Errorf("graphclient: writing the %s section of a snapshot: %w", s.Name, err)
		}
		_, _ = w.WriteString(",\n\"" + s.Name + "\": ")
		_, _ = w.Write(b)
	}
	return nil
}
