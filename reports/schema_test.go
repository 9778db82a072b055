package reports_test

import (
	"encoding"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

// jsonPaths lists every field path the JSON encoding of t can produce,
// ("findings[].app.appId"), from the struct tags.
func jsonPaths(t reflect.Type, prefix string, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[audit.Finding]() {
		t = reflect.TypeFor[audit.WireFinding]() // what its MarshalJSON writes
	}
	textMarshaler := reflect.TypeFor[encoding.TextMarshaler]()
	switch {
	case t == reflect.TypeFor[time.Time](), t.Implements(textMarshaler), reflect.PointerTo(t).Implements(textMarshaler):
		return
	case t.Kind() == reflect.Slice:
		jsonPaths(t.Elem(), prefix+"[]", out)
		return
	case t.Kind() != reflect.Struct:
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			jsonPaths(f.Type, prefix, out)
			continue
		}
		if name == "" {
			name = f.Name
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		*out = append(*out, path)
		jsonPaths(f.Type, path, out)
	}
}

// docs/json-schema.md documents every field of the JSON report, and
// nothing that is not one.
func TestJSONSchemaIsDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/json-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	jsonPaths(reflect.TypeFor[reports.Document](), "", &fields)
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(string(b), -1) {
		documented[m[1]] = true
	}
	for _, f := range fields {
		if !documented[f] {
			t.Errorf("docs/json-schema.md does not document %s", f)
		}
	}
	for d := range documented {
		if !slices.Contains(fields, d) {
			t.Errorf("docs/json-schema.md documents %s, which the report does not have", d)
		}
	}
	if !strings.Contains(string(b), "`schemaVersion` | string | `\""+reports.SchemaVersion+"\"`") {
		t.Errorf("docs/json-schema.md does not give schema version %s", reports.SchemaVersion)
	}
}
