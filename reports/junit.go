package reports

import (
	"encoding/xml"
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

// The document, as encoding/xml would write it: the root element with
// the totals of every suite, then each suite, its properties and its
// cases; a case holds a failure, an error or a skipped element, or
// nothing when it passed. ReencodeJUnit (export_test.go) holds the
// report to encoding/xml's rendering of it.
//
//	<testsuites name="appaudit" tests= failures= errors= skipped= time="0">
//	  <testsuite name= tests= failures= errors= skipped= time="0" timestamp=>
//	    <properties><property name= value=></property></properties>
//	    <testcase name= classname= time="0"><failure message= type=>text</failure></testcase>

// Write writes the document a suite at a time. The root element carries
// the totals, so the suites are gone through twice: once to count their
// cases, once to write them.
func (j *junitReporter) Write(w io.Writer, r *audit.Result) error {
	x := &xmlWriter{streamOut: streamOut{w: w}}
	// The declaration goes out first, so that a writer that fails is
	// found before the findings are indexed.
	x.writeString(xml.Header)
	if x.flush(true); x.err != nil {
		return x.err
	}
	m := newJUnitSuites(j.opts, r)
	var tests, failures, errs, skipped int
	m.each(false, func(s *junitSuite) bool {
		t, f, e, sk := s.count()
		tests, failures, errs, skipped = tests+t, failures+f, errs+e, skipped+sk
		return true
	})

	x.open("testsuites")
	x.attr("name", "appaudit")
	x.attrInt("tests", tests)
	x.attrInt("failures", failures)
	x.attrInt("errors", errs)
	x.attrInt("skipped", skipped)
	x.attr("time", "0")
	x.openEnd()
	m.each(true, func(s *junitSuite) bool {
		s.write(x)
		x.flush(false)
		return x.err == nil
	})
	x.close("testsuites")
	x.writeString("\n")
	x.flush(true)
	return x.err
}

// junitSuite is one suite of the document, made for counting its cases
// or writing it, and made again for the next: its slices are reused.
type junitSuite struct {
	// name is the suite's name in parts, written one after the other.
	name       []string
	timestamp  string
	properties [][2]string
	cases      []junitCase
	// found holds the findings of the object by check, in the order of
	// cases; each failed case's fs is a part of it.
	found []*audit.Finding
}

// junitCase is one test case: failed with the findings fs, else failed
// as an error when errType is set, else skipped when skip is set, else
// passed. Its class name is its parts, written one after the other.
type junitCase struct {
	name            string
	classname       [3]string
	fs              []*audit.Finding
	errType, errMsg string
	errText         string
	skip            string
}

// count counts the cases of s by outcome.
func (s *junitSuite) count() (tests, failures, errs, skipped int) {
	for i := range s.cases {
		switch c := &s.cases[i]; {
		case len(c.fs) > 0:
			failures++
		case c.errType != "":
			errs++
		case c.skip != "":
			skipped++
		}
	}
	return len(s.cases), failures, errs, skipped
}

// write writes s: its element, its properties and its cases.
func (s *junitSuite) write(x *xmlWriter) {
	tests, failures, errs, skipped := s.count()
	x.open("testsuite")
	x.attr("name", s.name...)
	x.attrInt("tests", tests)
	x.attrInt("failures", failures)
	x.attrInt("errors", errs)
	x.attrInt("skipped", skipped)
	x.attr("time", "0")
	x.attr("timestamp", s.timestamp)
	x.openEnd()
	// encoding/xml writes the properties element even when it is empty.
	x.open("properties")
	x.openEnd()
	for _, p := range s.properties {
		x.open("property")
		x.attr("name", p[0])
		x.attr("value", p[1])
		x.openEnd()
		x.close("property")
	}
	x.close("properties")
	for i := range s.cases {
		if x.err != nil {
			return
		}
		s.cases[i].write(x)
	}
	x.close("testsuite")
}

// write writes the case c.
func (c *junitCase) write(x *xmlWriter) {
	x.open("testcase")
	x.attr("name", c.name)
	x.attr("classname", c.classname[:]...)
	x.attr("time", "0")
	x.openEnd()
	switch {
	case len(c.fs) > 0:
		// Every finding of the check, the worst severity as its type.
		fs := c.fs
		worst := fs[0].Severity
		for _, f := range fs[1:] {
			worst = max(worst, f.Severity)
		}
		x.open("failure")
		if title := plainText(fs[0].Title()); len(fs) > 1 {
			x.attr("message", title, " (", strconv.Itoa(len(fs)), " findings)")
		} else {
			x.attr("message", title)
		}
		x.attr("type", worst.String())
		x.openEnd()
		for i, f := range fs {
			if i > 0 {
				x.escape("\n\n")
			}
			x.escape(f.Severity.String())
			x.escape(": ")
			x.escape(plainText(f.Message))
			if rem := f.Remediation(); rem != "" {
				x.escape("\nWhat to do: ")
				x.escape(plainText(rem))
			}
		}
		x.close("failure")
	case c.errType != "":
		x.open("error")
		x.attr("message", c.errMsg)
		x.attr("type", c.errType)
		x.openEnd()
		x.escape(c.errText)
		x.close("error")
	case c.skip != "":
		x.open("skipped")
		x.attr("message", c.skip)
		x.openEnd()
		x.close("skipped")
	}
	x.close("testcase")
}

// junitSuiteMaker makes the suites of a Result, in order: the audit
// itself, then one per object in the order of the tenant's inventory,
// then the objects with findings that the inventory does not list, then
// the local files.
type junitSuiteMaker struct {
	opts Options
	r    *audit.Result
	// chains holds the findings of each object with findings, keys finds
	// an object's chain; listed marks the chains of objects the
	// inventory lists. local holds the findings about local files alone.
	keys   *objectKeys
	chains findingChains
	listed []bool
	local  []*audit.Finding
	// suite is the suite being made; checks and unchecked are scratch.
	suite     junitSuite
	checks    []string
	unchecked []string
}

func newJUnitSuites(o Options, r *audit.Result) *junitSuiteMaker {
	m := &junitSuiteMaker{opts: o, r: r, keys: newObjectKeys()}
	m.chains = chainByObject(r.Findings, m.keys, true)
	m.listed = make([]bool, len(m.chains.heads))
	for i := range r.Findings {
		if f := &r.Findings[i]; f.App == nil {
			m.local = append(m.local, f)
		}
	}
	return m
}

// each makes the suites one at a time and hands them to yield until it
// returns false; with text false they have no names, properties or
// class names, nor do their failures carry text, which counting the
// cases does without. The suite handed is valid until yield returns.
func (m *junitSuiteMaker) each(text bool, yield func(*junitSuite) bool) {
	r := m.r
	s := &m.suite
	s.timestamp = r.AsOf.UTC().Format("2006-01-02T15:04:05")

	// The audit itself: complete or not.
	s.reset("appaudit")
	s.properties = append(s.properties, [2]string{"schemaVersion", SchemaVersion},
		[2]string{"tool", strings.TrimSpace(toolName(m.opts))}, [2]string{"source", sourceLine(r)})
	complete := junitCase{name: "audit is complete", classname: [3]string{"appaudit"}}
	if !r.Complete {
		complete.errMsg, complete.errType = "audit incomplete", "incomplete"
		complete.errText = plainText(r.Incomplete) + ": the findings cover only what was read; this is not a clean result"
	}
	s.cases = append(s.cases, complete)
	// The guard is older than withheldParts and differs from it only for
	// counts below zero, which a hand-edited saved report can hold.
	if w := r.Summary; w.Hidden+w.Suppressed > 0 || w.Baseline != nil {
		s.properties = append(s.properties, [2]string{"withheld", strings.Join(withheldParts(r), "; ")})
	}
	if !yield(s) {
		return
	}

	for i := range r.Objects {
		o := &r.Objects[i]
		head := int32(-1)
		if at, ok := m.chains.at[m.keys.object(&o.ObjectRef)]; ok {
			m.listed[at] = true
			head = m.chains.heads[at]
		}
		m.unchecked = m.unchecked[:0]
		for _, id := range o.Unchecked {
			if slices.Contains(r.ChecksRun, id) {
				m.unchecked = append(m.unchecked, id)
			}
		}
		m.checks = o.AppendChecksOn(m.checks[:0], r.ChecksRun)
		m.objectSuite(&o.ObjectRef, o.Withheld, head, text)
		if !yield(s) {
			return
		}
	}
	for at, head := range m.chains.heads {
		if !m.listed[at] {
			m.unchecked, m.checks = m.unchecked[:0], m.checks[:0]
			m.objectSuite(m.r.Findings[head].App, nil, head, text)
			if !yield(s) {
				return
			}
		}
	}
	if m.localSuite(text); len(s.cases) > 0 {
		yield(s)
	}
}

// objectSuite makes the suite of one object, whose findings are chained
// from head (-1: none): a case per check that examined it (m.checks),
// per check that could not (m.unchecked, skipped), and per check that
// found something on it.
func (m *junitSuiteMaker) objectSuite(o *audit.ObjectRef, withheld []string, head int32, text bool) {
	s := &m.suite
	s.reset()
	var classname [3]string
	if text {
		s.name = append(s.name, clipRunes(plainText(o.DisplayName), 120), " (", plainText(o.AppID), ")")
		if o.Kind == audit.KindServicePrincipal {
			s.name = append(s.name, " service principal")
		}
		s.properties = append(s.properties, [2]string{"kind", string(o.Kind)}, [2]string{"appId", plainText(o.AppID)})
		if o.ObjectID != "" {
			s.properties = append(s.properties, [2]string{"objectId", plainText(o.ObjectID)})
		}
		classname = [3]string{string(o.Kind), ".", plainText(o.AppID)}
	}
	fs := m.r.Findings
	checks := append(m.checks, m.unchecked...)
	for i := head; i >= 0; i = m.chains.next[i] {
		if !slices.Contains(checks, fs[i].Check) {
			checks = append(checks, fs[i].Check)
		}
	}
	m.checks = checks
	for _, id := range checks {
		from := len(s.found)
		for i := head; i >= 0; i = m.chains.next[i] {
			if fs[i].Check == id {
				s.found = append(s.found, &fs[i])
			}
		}
		c := junitCase{name: id, classname: classname, fs: s.found[from:len(s.found):len(s.found)]}
		if len(c.fs) == 0 {
			switch {
			case slices.Contains(withheld, id):
				c.skip = junitWithheldSkip
			case slices.Contains(m.unchecked, id):
				c.skip = junitUncheckedSkip
			}
		}
		s.cases = append(s.cases, c)
	}
}

// reset empties s for the next suite, named by the parts of name.
func (s *junitSuite) reset(name ...string) {
	s.name = append(s.name[:0], name...)
	s.properties, s.cases, s.found = s.properties[:0], s.cases[:0], s.found[:0]
}

// Why a case is skipped: its check's findings are left out of the
// report, or the check could not examine all of the object.
const (
	junitWithheldSkip  = "findings of this check are left out of the report (below --min-severity, suppressed or in the baseline)"
	junitUncheckedSkip = "not checked on every certificate: a certificate's body is known neither from Graph nor from a local file"
)

// localSuite makes the suite of the findings about local files alone (a
// failed case for each file and check), with a passed case for every
// local certificate the tenant has registered.
func (m *junitSuiteMaker) localSuite(text bool) {
	r, s := m.r, &m.suite
	s.reset("local files")
	type key struct{ source, check string }
	var order []key
	byKey := map[key][]*audit.Finding{}
	for _, f := range m.local {
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
		c := junitCase{name: k.check, fs: byKey[k]}
		if text {
			c.classname = [3]string{"local", ".", clipRunes(plainText(k.source), 200)}
		}
		s.cases = append(s.cases, c)
	}
}
