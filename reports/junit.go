package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// junitReporter writes JUnit XML, which CI systems (GitHub Actions test
// reporters, Azure DevOps, GitLab, Jenkins) show as test results: one test
// suite per object, one test case per check that examined it, failed when
// the check found something and passed when it did not. A check whose
// findings the report leaves out (below --min-severity, suppressed, known
// from the baseline) is skipped, never shown as passed. Findings about
// local files alone go in a suite of their own, and an incomplete audit
// fails a test case of the "appaudit" suite, so that it is never green.
type junitReporter struct{ opts Options }

func newJUnit(o Options) Reporter { return &junitReporter{opts: o} }

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func (j *junitReporter) Write(w io.Writer, r *audit.Result) error {
	stamp := r.AsOf.UTC().Format("2006-01-02T15:04:05")
	newSuite := func(name string) junitSuite { return junitSuite{Name: name, Time: "0", Timestamp: stamp} }

	// The audit itself: complete or not.
	head := newSuite("appaudit")
	head.Properties = []junitProperty{
		{"schemaVersion", SchemaVersion}, {"tool", strings.TrimSpace(toolName(j.opts))},
		{"source", sourceLine(r)},
	}
	complete := junitCase{Name: "audit is complete", Classname: "appaudit", Time: "0"}
	if !r.Complete {
		complete.Error = &junitProblem{Message: "audit incomplete", Type: "incomplete",
			Text: plainText(r.Incomplete) + ": the findings cover only what was read; this is not a clean result"}
	}
	head.Cases = append(head.Cases, complete)
	// The guard is older than withheldParts and differs from it only for
	// counts below zero, which a hand-edited saved report can hold.
	if w := r.Summary; w.Hidden+w.Suppressed > 0 || w.Baseline != nil {
		head.Properties = append(head.Properties, junitProperty{"withheld", strings.Join(withheldParts(r), "; ")})
	}

	// Findings by object, in the order of the tenant's inventory; objects
	// with findings that the inventory does not list come after.
	byObject := map[audit.ObjectRef][]*audit.Finding{}
	var local []*audit.Finding
	var extra []audit.ObjectRef
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.App == nil {
			local = append(local, f)
			continue
		}
		if _, seen := byObject[*f.App]; !seen {
			extra = append(extra, *f.App)
		}
		byObject[*f.App] = append(byObject[*f.App], f)
	}
	suites := []junitSuite{head}
	listed := map[audit.ObjectRef]bool{}
	unchecked := map[audit.ObjectRef][]string{}
	for i := range r.Objects {
		o := &r.Objects[i]
		listed[o.ObjectRef] = true
		examined := o.ChecksOn(r.ChecksRun)
		for _, id := range o.Unchecked {
			if slices.Contains(r.ChecksRun, id) {
				unchecked[o.ObjectRef] = append(unchecked[o.ObjectRef], id)
			}
		}
		suites = append(suites, junitObjectSuite(newSuite, o.ObjectRef, examined, o.Withheld, unchecked[o.ObjectRef], byObject[o.ObjectRef]))
	}
	for _, ref := range extra {
		if !listed[ref] {
			suites = append(suites, junitObjectSuite(newSuite, ref, nil, nil, nil, byObject[ref]))
		}
	}
	if ls := junitLocalSuite(newSuite, r, local); len(ls.Cases) > 0 {
		suites = append(suites, ls)
	}

	doc := junitSuites{Name: "appaudit", Time: "0"}
	for i := range suites {
		s := &suites[i]
		for _, c := range s.Cases {
			s.Tests++
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Error != nil:
				s.Errors++
			case c.Skipped != nil:
				s.Skipped++
			}
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
	}
	doc.Suites = suites
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitObjectSuite is the suite of one object: a case per check that
// examined it, per check that could not (skipped), and per check that
// found something on it.
func junitObjectSuite(newSuite func(string) junitSuite, o audit.ObjectRef, examined, withheld, unchecked []string, fs []*audit.Finding) junitSuite {
	name := clipRunes(plainText(o.DisplayName), 120) + " (" + plainText(o.AppID) + ")"
	if o.Kind == audit.KindServicePrincipal {
		name += " service principal"
	}
	s := newSuite(name)
	s.Properties = []junitProperty{{"kind", string(o.Kind)}, {"appId", plainText(o.AppID)}}
	if o.ObjectID != "" {
		s.Properties = append(s.Properties, junitProperty{"objectId", plainText(o.ObjectID)})
	}
	classname := string(o.Kind) + "." + plainText(o.AppID)
	byCheck := map[string][]*audit.Finding{}
	checks := append(slices.Clone(examined), unchecked...)
	for _, f := range fs {
		if !slices.Contains(checks, f.Check) {
			checks = append(checks, f.Check)
		}
		byCheck[f.Check] = append(byCheck[f.Check], f)
	}
	for _, id := range checks {
		c := junitCheckCase(id, classname, byCheck[id], slices.Contains(withheld, id))
		if c.Failure == nil && c.Skipped == nil && slices.Contains(unchecked, id) {
			c.Skipped = &junitSkipped{Message: "not checked on every certificate: a certificate's body is known neither from Graph nor from a local file"}
		}
		s.Cases = append(s.Cases, c)
	}
	return s
}

// junitLocalSuite holds the findings about local files alone, and a
// passed case for every local certificate the tenant has registered.
func junitLocalSuite(newSuite func(string) junitSuite, r *audit.Result, fs []*audit.Finding) junitSuite {
	s := newSuite("local files")
	type key struct{ source, check string }
	var order []key
	byKey := map[key][]*audit.Finding{}
	for _, f := range fs {
		k := key{"", f.Check}
		if f.Local != nil {
			k.source = f.Local.Source
		}
		if _, seen := byKey[k]; !seen {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], f)
	}
	if slices.Contains(r.ChecksRun, audit.CheckLocalCertUnregistered) {
		for _, lc := range r.LocalCertificates {
			k := key{lc.Source, audit.CheckLocalCertUnregistered}
			if _, found := byKey[k]; !found && len(lc.RegisteredOn) > 0 {
				order = append(order, k)
			}
		}
	}
	for _, k := range order {
		s.Cases = append(s.Cases, junitCheckCase(k.check, "local."+clipRunes(plainText(k.source), 200), byKey[k], false))
	}
	return s
}

// junitCheckCase is one check on one object or file: failed with every
// finding of it, skipped when its findings were left out, else passed.
func junitCheckCase(check, classname string, fs []*audit.Finding, withheld bool) junitCase {
	c := junitCase{Name: check, Classname: classname, Time: "0"}
	switch {
	case len(fs) > 0:
		worst := fs[0].Severity
		var text []string
		for _, f := range fs {
			worst = max(worst, f.Severity)
			line := f.Severity.String() + ": " + plainText(f.Message)
			if f.Remediation != "" {
				line += "\nWhat to do: " + plainText(f.Remediation)
			}
			text = append(text, line)
		}
		msg := plainText(fs[0].Title)
		if len(fs) > 1 {
			msg += fmt.Sprintf(" (%d findings)", len(fs))
		}
		c.Failure = &junitProblem{Message: msg, Type: worst.String(), Text: strings.Join(text, "\n\n")}
	case withheld:
		c.Skipped = &junitSkipped{Message: "findings of this check are left out of the report (below --min-severity, suppressed or in the baseline)"}
	}
	return c
}
