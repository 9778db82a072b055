package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
)

// ReencodeSARIF decodes a SARIF log into sarifLog, every member known,
// and encodes it again whole with encoding/json, as the reporter wrote
// it before it streamed.
func ReencodeSARIF(b []byte) ([]byte, error) {
	var log sarifLog
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&log); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetIndent("", "  ")
	err := enc.Encode(log)
	return out.Bytes(), err
}

// junitSuites is the JUnit report as encoding/xml reads and writes it:
// the document the reporter writes element by element is held to
// encoding/xml's rendering of this.
type junitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	junitTotals
	Suites []junitSuiteDoc `xml:"testsuite"`
}

// junitTotals are the attributes the root element and each suite start
// with.
type junitTotals struct {
	Name     string `xml:"name,attr"`
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Skipped  int    `xml:"skipped,attr"`
	Time     string `xml:"time,attr"`
}

type junitSuiteDoc struct {
	junitTotals
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCaseDoc  `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCaseDoc struct {
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

// ReencodeJUnit decodes a JUnit report into junitSuites and encodes it
// again whole with encoding/xml, as the reporter wrote it before it
// streamed.
func ReencodeJUnit(b []byte) ([]byte, error) {
	var doc junitSuites
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString(xml.Header)
	enc := xml.NewEncoder(&out)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	out.WriteString("\n")
	return out.Bytes(), nil
}
