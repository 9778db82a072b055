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
