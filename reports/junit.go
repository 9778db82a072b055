package reports

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
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

// junitSuites is the document Write streams: the root element, with the
// totals of every suite, then each suite in turn.
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

// Write streams the document: the root element carries the totals, so
// the suites are made twice, once to count their cases (without the text
// of their failures) and once to write them, one suite at a time.
func (j *junitReporter) Write(w io.Writer, r *audit.Result) error {
	suites := newJUnitSuites(j.opts, r)
	doc := junitSuites{Name: "appaudit", Time: "0"}
	suites.each(false, func(s *junitSuite) bool {
		s.count()
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		return true
	})

	bw := bufio.NewWriterSize(w, streamBuffer)
	if _, err := bw.WriteString(xml.Header); err != nil {
		return err
	}
	// The encoder buffers what it writes in a bufio.Writer of its own and
	// empties it into bw after every suite; handed bw itself, it would
	// use bw and empty that instead, a write to w per suite.
	enc := xml.NewEncoder(struct{ io.Writer }{bw})
	enc.Indent("", "  ")
	root := xml.StartElement{Name: xml.Name{Local: "testsuites"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "name"}, Value: doc.Name},
		{Name: xml.Name{Local: "tests"}, Value: strconv.Itoa(doc.Tests)},
		{Name: xml.Name{Local: "failures"}, Value: strconv.Itoa(doc.Failures)},
		{Name: xml.Name{Local: "errors"}, Value: strconv.Itoa(doc.Errors)},
		{Name: xml.Name{Local: "skipped"}, Value: strconv.Itoa(doc.Skipped)},
		{Name: xml.Name{Local: "time"}, Value: doc.Time},
	}}
	err := enc.EncodeToken(root)
	suite := xml.StartElement{Name: xml.Name{Local: "testsuite"}}
	suites.each(true, func(s *junitSuite) bool {
		if err == nil {
			s.count()
			err = enc.EncodeElement(s, suite)
		}
		return err == nil
	})
	if err == nil {
		err = enc.EncodeToken(root.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err == nil {
		_, err = bw.WriteString("\n")
	}
	if err == nil {
		err = bw.Flush()
	}
	return err
}

// count counts the cases of s by outcome.
func (s *junitSuite) count() {
	s.Tests, s.Failures, s.Errors, s.Skipped = len(s.Cases), 0, 0, 0
	for _, c := range s.Cases {
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Error != nil:
			s.Errors++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
}

// junitSuiteMaker makes the suites of a Result, in order: the audit
// itself, then one per object in the order of the tenant's inventory,
// then the objects with findings that the inventory does not list, then
// the local files.
type junitSuiteMaker struct {
	opts Options
	r    *audit.Result
	// found holds the findings of each object with findings, in the order
	// of its first finding; byObject is where each object is in found.
	// local holds the findings about local files alone.
	found    []junitFound
	byObject map[audit.ObjectRef]int
	local    []*audit.Finding
}

// junitFound is the findings of one object, and whether the inventory
// lists it.
type junitFound struct {
	fs     []*audit.Finding
	listed bool
}

func newJUnitSuites(o Options, r *audit.Result) *junitSuiteMaker {
	m := &junitSuiteMaker{opts: o, r: r, byObject: map[audit.ObjectRef]int{}}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.App == nil {
			m.local = append(m.local, f)
			continue
		}
		at, seen := m.byObject[*f.App]
		if !seen {
			at = len(m.found)
			m.byObject[*f.App] = at
			m.found = append(m.found, junitFound{})
		}
		m.found[at].fs = append(m.found[at].fs, f)
	}
	return m
}

// each makes the suites one at a time and hands them to yield until it
// returns false; with text false the failures carry no text, which
// counting the cases does without.
func (m *junitSuiteMaker) each(text bool, yield func(*junitSuite) bool) {
	r := m.r
	stamp := r.AsOf.UTC().Format("2006-01-02T15:04:05")
	newSuite := func(name string) junitSuite { return junitSuite{Name: name, Time: "0", Timestamp: stamp} }

	// The audit itself: complete or not.
	head := newSuite("appaudit")
	head.Properties = []junitProperty{
		{"schemaVersion", SchemaVersion}, {"tool", strings.TrimSpace(toolName(m.opts))},
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
	if !yield(&head) {
		return
	}

	var unchecked []string
	for i := range r.Objects {
		o := &r.Objects[i]
		var fs []*audit.Finding
		if at, ok := m.byObject[o.ObjectRef]; ok {
			m.found[at].listed = true
			fs = m.found[at].fs
		}
		unchecked = unchecked[:0]
		for _, id := range o.Unchecked {
			if slices.Contains(r.ChecksRun, id) {
				unchecked = append(unchecked, id)
			}
		}
		s := junitObjectSuite(newSuite, o.ObjectRef, o.ChecksOn(r.ChecksRun), o.Withheld, unchecked, fs, text)
		if !yield(&s) {
			return
		}
	}
	for _, found := range m.found {
		if !found.listed {
			s := junitObjectSuite(newSuite, *found.fs[0].App, nil, nil, nil, found.fs, text)
			if !yield(&s) {
				return
			}
		}
	}
	if ls := junitLocalSuite(newSuite, r, m.local, text); len(ls.Cases) > 0 {
		yield(&ls)
	}
}

// junitObjectSuite is the suite of one object: a case per check that
// examined it, per check that could not (skipped), and per check that
// found something on it.
func junitObjectSuite(newSuite func(string) junitSuite, o audit.ObjectRef, examined, withheld, unchecked []string, fs []*audit.Finding, text bool) junitSuite {
	var s junitSuite
	var classname string
	if text {
		name := clipRunes(plainText(o.DisplayName), 120) + " (" + plainText(o.AppID) + ")"
		if o.Kind == audit.KindServicePrincipal {
			name += " service principal"
		}
		s = newSuite(name)
		s.Properties = []junitProperty{{"kind", string(o.Kind)}, {"appId", plainText(o.AppID)}}
		if o.ObjectID != "" {
			s.Properties = append(s.Properties, junitProperty{"objectId", plainText(o.ObjectID)})
		}
		classname = string(o.Kind) + "." + plainText(o.AppID)
	}
	// Appending to examined copies it first: the caller's stays as it is.
	checks := append(examined[:len(examined):len(examined)], unchecked...)
	for _, f := range fs {
		if !slices.Contains(checks, f.Check) {
			checks = append(checks, f.Check)
		}
	}
	s.Cases = make([]junitCase, 0, len(checks))
	var of []*audit.Finding
	for _, id := range checks {
		of = of[:0]
		for _, f := range fs {
			if f.Check == id {
				of = append(of, f)
			}
		}
		c := junitCheckCase(id, classname, of, slices.Contains(withheld, id), text)
		if c.Failure == nil && c.Skipped == nil && slices.Contains(unchecked, id) {
			c.Skipped = junitUncheckedSkip
		}
		s.Cases = append(s.Cases, c)
	}
	return s
}

// junitUncheckedSkip is why a check that could not examine all of an
// object is skipped there.
var junitUncheckedSkip = &junitSkipped{Message: "not checked on every certificate: a certificate's body is known neither from Graph nor from a local file"}

// junitLocalSuite holds the findings about local files alone, and a
// passed case for every local certificate the tenant has registered.
func junitLocalSuite(newSuite func(string) junitSuite, r *audit.Result, fs []*audit.Finding, text bool) junitSuite {
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
		s.Cases = append(s.Cases, junitCheckCase(k.check, "local."+clipRunes(plainText(k.source), 200), byKey[k], false, text))
	}
	return s
}

// junitCounted is the failure of every case made without text: enough to
// count it as one.
var junitCounted = &junitProblem{}

// junitCheckCase is one check on one object or file: failed with every
// finding of it, skipped when its findings were left out, else passed.
// Without text, a failure says no more than that it is one.
func junitCheckCase(check, classname string, fs []*audit.Finding, withheld, text bool) junitCase {
	c := junitCase{Name: check, Classname: classname, Time: "0"}
	switch {
	case len(fs) > 0 && !text:
		c.Failure = junitCounted
	case len(fs) > 0:
		worst := fs[0].Severity
		var lines []string
		for _, f := range fs {
			worst = max(worst, f.Severity)
			line := f.Severity.String() + ": " + plainText(f.Message)
			if f.Remediation() != "" {
				line += "\nWhat to do: " + plainText(f.Remediation())
			}
			lines = append(lines, line)
		}
		msg := plainText(fs[0].Title())
		if len(fs) > 1 {
			msg += fmt.Sprintf(" (%d findings)", len(fs))
		}
		c.Failure = &junitProblem{Message: msg, Type: worst.String(), Text: strings.Join(lines, "\n\n")}
	case withheld:
		c.Skipped = &junitSkipped{Message: "findings of this check are left out of the report (below --min-severity, suppressed or in the baseline)"}
	}
	return c
}
