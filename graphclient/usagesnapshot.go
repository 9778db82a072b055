package graphclient

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/appaudit/appaudit/audit"
)

// The "usage" member of an appaudit snapshot (version 2) holds the usage
// evidence read with the tenant: the window, whether each source was read
// and completely, the credential sign-in activity in Graph's own JSON, and
// the failed sign-ins aggregated. docs/snapshot-format.md describes it.
// Unlike the sections of snapshot_sections.go, held whole (bounded as one
// object is), it is written and read one list entry at a time: a tenant's
// activity report can be tens of MiB.
// Nothing in it identifies a user: client addresses are counted, never
// written.

// wireUsage is the usage section without its two lists.
type wireUsage struct {
	From             string          `json:"from"`
	To               string          `json:"to"`
	Complete         *bool           `json:"complete"`
	IncompleteReason string          `json:"incompleteReason,omitempty"`
	Activity         wireUsageSource `json:"activity"`
	Failures         wireUsageSource `json:"failures"`
}

type wireUsageSource struct {
	Read  bool   `json:"read"`
	Pages int    `json:"pages,omitempty"`
	Note  string `json:"note,omitempty"`
	// The failures only: every failed sign-in read, those left out of the
	// list at the cap, and whether the cap was reached.
	SignIns int64 `json:"signIns,omitempty"`
	Dropped int64 `json:"dropped,omitempty"`
	Capped  bool  `json:"capped,omitempty"`
}

// wireFailed is one aggregated group of failed sign-ins; the member names
// follow Graph's signIn where they carry its values.
type wireFailed struct {
	AppID                string   `json:"appId"`
	ServicePrincipalID   string   `json:"servicePrincipalId,omitempty"`
	ErrorCode            int      `json:"errorCode"`
	FailureReason        string   `json:"failureReason,omitempty"`
	KeyID                string   `json:"servicePrincipalCredentialKeyId,omitempty"`
	Thumbprint           string   `json:"servicePrincipalCredentialThumbprint,omitempty"`
	ClientCredentialType string   `json:"clientCredentialType,omitempty"`
	Count                int64    `json:"count"`
	First                string   `json:"firstDateTime"`
	Last                 string   `json:"lastDateTime"`
	Resources            []string `json:"resourceDisplayNames,omitempty"`
	MoreResources        bool     `json:"moreResources,omitempty"`
	Sources              int      `json:"clientAddresses,omitempty"`
	SourcesCapped        bool     `json:"clientAddressesCapped,omitempty"`
}

func wireFailedOf(f *audit.FailedSignIns) wireFailed {
	return wireFailed{AppID: f.AppID, ServicePrincipalID: f.ServicePrincipalID, ErrorCode: f.ErrorCode, FailureReason: f.Reason,
		KeyID: f.KeyID, Thumbprint: f.Thumbprint, ClientCredentialType: f.ClientCredentialType, Count: f.Count,
		First: formatDate(f.First), Last: formatDate(f.Last), Resources: f.Resources, MoreResources: f.MoreResources,
		Sources: f.Sources, SourcesCapped: f.SourcesCapped}
}

func (w *wireFailed) group() (audit.FailedSignIns, string, error) {
	f := audit.FailedSignIns{AppID: w.AppID, ServicePrincipalID: w.ServicePrincipalID, ErrorCode: w.ErrorCode, Reason: w.FailureReason,
		KeyID: w.KeyID, Thumbprint: w.Thumbprint, ClientCredentialType: w.ClientCredentialType, Count: w.Count,
		Resources: w.Resources, MoreResources: w.MoreResources, Sources: w.Sources, SourcesCapped: w.SourcesCapped}
	var err error
	if f.First, err = parseUsageDate(w.First); err != nil {
		return f, "firstDateTime", err
	}
	if f.Last, err = parseUsageDate(w.Last); err != nil {
		return f, "lastDateTime", err
	}
	if w.Count < 1 {
		return f, "count", fmt.Errorf("%d: a group holds at least one sign-in", w.Count)
	}
	return f, "", nil
}

// usage writes u as the snapshot's "usage" member, one list entry a
// line, holding one entry's JSON at a time.
func (sw *snapshotWriter) usage(u *audit.Usage) error {
	complete := u.Complete
	head := wireUsage{From: formatDate(u.From), To: formatDate(u.To), Complete: &complete,
		Activity: wireUsageSource{Read: u.Activity.Read, Pages: u.Activity.Pages, Note: u.Activity.Note},
		Failures: wireUsageSource{Read: u.Failures.Read, Pages: u.Failures.Pages, Note: u.Failures.Note,
			SignIns: u.FailedTotal, Dropped: u.FailedDropped, Capped: u.FailedCapped}}
	if !complete {
		head.IncompleteReason = u.IncompleteReason
	}
	b, err := sw.encode(head)
	if err != nil {
		return fmt.Errorf("graphclient: writing the usage evidence of a snapshot: %w", err)
	}
	_, _ = sw.bw.WriteString(",\n\"usage\": ")
	_, _ = sw.bw.Write(bytes.TrimSuffix(b, []byte("}")))
	if err := sw.list("credentialActivity", "usage.credentialActivity", len(u.Credentials), func(i int) any { return wireActivityOf(&u.Credentials[i]) }, false); err != nil {
		return err
	}
	if err := sw.list("failedSignIns", "usage.failedSignIns", len(u.Failed), func(i int) any { return wireFailedOf(&u.Failed[i]) }, false); err != nil {
		return err
	}
	_, err = sw.bw.WriteString("}")
	return err
}

// usage reads the snapshot's "usage" member, the input at its value: an
// object whose two lists are read one entry at a time, so that a tenant's
// 100,000 credentials never sit in memory as JSON.
func (in *input) usage() (*audit.Usage, error) {
	at := in.offset()
	if c, ok := in.next(); !ok || c != '{' {
		raw, start, err := in.value()
		if err != nil {
			return nil, in.readFailure(start, err, "usage")
		}
		return nil, in.errAt(start, describe(raw)+", not the usage evidence", `"usage" is an object {"from": ..., "credentialActivity": [...], "failedSignIns": [...]}`)
	}
	in.pos++
	u := &audit.Usage{}
	var head wireUsage
	targets := map[string]any{"from": &head.From, "to": &head.To, "complete": &head.Complete,
		"incompleteReason": &head.IncompleteReason, "activity": &head.Activity, "failures": &head.Failures}
	err := in.members("usage", false, func(key string) error {
		switch key {
		case "credentialActivity":
			return usageEntries(in, key, "write dates in RFC 3339, as Graph does: 2026-01-31T12:00:00Z", (*wireActivity).credential,
				func(a audit.CredentialActivity) { u.Credentials = append(u.Credentials, a) })
		case "failedSignIns":
			return usageEntries(in, key, "write the usage evidence as `appaudit snapshot --usage` does", (*wireFailed).group,
				func(f audit.FailedSignIns) { u.Failed = append(u.Failed, f) })
		}
		raw, start, err := in.value()
		if err != nil {
			return in.readFailure(start, err, "usage")
		}
		// Members this appaudit does not know are skipped.
		if target, known := targets[key]; known {
			if err := json.Unmarshal(raw, target); err != nil {
				e := in.jsonError(raw, start, err)
				e.Field = pathString([]any{"usage", key})
				return e
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := head.apply(u); err != nil {
		e := in.errAt(at, err.Error(), "write the usage evidence as `appaudit snapshot --usage` does")
		e.Field = pathString([]any{"usage"})
		return nil, e
	}
	audit.SortFailedSignIns(u.Failed)
	return u, nil
}

// apply sets u's window and state from the head.
func (h *wireUsage) apply(u *audit.Usage) error {
	var err error
	if u.From, err = parseUsageDate(h.From); err != nil {
		return fmt.Errorf("from: %v", err)
	}
	if u.To, err = parseUsageDate(h.To); err != nil {
		return fmt.Errorf("to: %v", err)
	}
	if u.From.IsZero() || u.To.IsZero() || u.To.Before(u.From) {
		return fmt.Errorf("the window from %q to %q is not one", h.From, h.To)
	}
	// No "complete" member is incomplete: the reader cannot vouch for it.
	u.Complete = h.Complete != nil && *h.Complete
	u.IncompleteReason = h.IncompleteReason
	if !u.Complete && u.IncompleteReason == "" {
		u.IncompleteReason = "the snapshot's usage evidence is not marked complete"
	}
	u.Activity = audit.UsageSource{Read: h.Activity.Read, Pages: h.Activity.Pages, Note: h.Activity.Note}
	u.Failures = audit.UsageSource{Read: h.Failures.Read, Pages: h.Failures.Pages, Note: h.Failures.Note}
	u.FailedTotal, u.FailedDropped, u.FailedCapped = h.Failures.SignIns, h.Failures.Dropped, h.Failures.Capped
	var counted int64
	for i := range u.Failed {
		counted += u.Failed[i].Count
	}
	if counted+u.FailedDropped != u.FailedTotal {
		return fmt.Errorf("failures.signIns is %d, but the groups count %d and %d were dropped", u.FailedTotal, counted, u.FailedDropped)
	}
	return nil
}

// usageEntries reads the list member key of the usage section: each entry
// into a W, converted by conv (which names the member at fault), handed to
// add.
func usageEntries[W, T any](in *input, key, hint string, conv func(*W) (T, string, error), add func(T)) error {
	return in.usageList(key, func(raw []byte, i int, start int64) error {
		var w W
		if err := json.Unmarshal(raw, &w); err != nil {
			e := in.jsonError(raw, start, err)
			e.Field = pathString([]any{"usage", key, i})
			return e
		}
		v, field, err := conv(&w)
		if err != nil {
			e := in.errAt(start, err.Error(), hint)
			e.Field = pathString([]any{"usage", key, i, field})
			return e
		}
		add(v)
		return nil
	})
}

// usageList reads the list member name of the usage section, one entry at
// a time; null is an empty list.
func (in *input) usageList(name string, each func(raw []byte, i int, start int64) error) error {
	c, ok := in.next()
	switch {
	case !ok:
		return in.readFailure(in.offset(), in.readErr(), "usage."+name)
	case c == 'n':
		raw, start, err := in.value()
		if err != nil || string(raw) != "null" {
			return in.errAt(start, "not valid JSON", hintSyntax)
		}
		return nil
	case c != '[':
		raw, start, err := in.value()
		if err != nil {
			return in.readFailure(start, err, "usage."+name)
		}
		e := in.errAt(start, describe(raw)+", not a list", "usage."+name+" is a JSON array")
		e.Field = pathString([]any{"usage", name})
		return e
	}
	in.pos++
	for i := 0; ; i++ {
		c, ok := in.next()
		if !ok {
			return in.readFailure(in.offset(), in.readErr(), "usage."+name)
		}
		if c == ']' {
			in.pos++
			return nil
		}
		if i > 0 {
			if c != ',' {
				return in.errAt(in.offset(), "not valid JSON: expected , or ] after an entry", hintSyntax)
			}
			in.pos++
		}
		raw, start, err := in.value()
		if err != nil {
			return in.readFailure(start, err, fmt.Sprintf("usage.%s[%d]", name, i))
		}
		if err := each(raw, i, start); err != nil {
			return err
		}
	}
}
