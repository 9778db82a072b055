package reports

import (
	"bufio"
	"encoding/csv"
	"io"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// csvReporter writes one row per finding under a header row that is
// written even when there are no findings, for spreadsheets and for
// tools that load CSV into a database. An incomplete audit has a first
// row of its own saying so, so that a sheet of few findings never passes
// for a clean one. Every cell is neutralised for spreadsheets: see
// csvCell.
type csvReporter struct{}

// csvIncomplete is the check column of the row that says the audit is
// incomplete; no check of the catalogue has this ID.
const csvIncomplete = "audit-incomplete"

func newCSV(Options) Reporter { return csvReporter{} }

// csvHeader names the columns. They are part of the report contract, like
// the JSON field names: columns are only ever added at the end.
var csvHeader = []string{
	"severity", "check", "title",
	"object_kind", "app_id", "object_id", "display_name",
	"credential_kind", "key_id", "credential_name", "usage", "end_date_time", "sha1",
	"local_source", "message", "remediation", "fingerprint",
}

// Write writes a row at a time through a buffer of streamBuffer bytes
// (the csv.Writer's own), and stops at the first write error.
func (csvReporter) Write(w io.Writer, r *audit.Result) error {
	cw := csv.NewWriter(bufio.NewWriterSize(w, streamBuffer))
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	row := make([]string, len(csvHeader))
	if !r.Complete {
		row[0], row[1], row[2] = audit.SeverityCritical.String(), csvIncomplete, "Audit incomplete"
		row[14] = csvCell(r.Incomplete + ": the findings cover only what was read; this is not a clean result")
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		clear(row)
		row[0], row[1], row[2] = f.Severity.String(), f.Check, f.Title()
		if o := f.App; o != nil {
			row[3], row[4], row[5], row[6] = string(o.Kind), o.AppID, o.ObjectID, o.DisplayName
		}
		if c := f.Credential; c != nil {
			row[7], row[8], row[9], row[10] = c.Kind, c.KeyID, c.DisplayName, c.Usage
			if c.EndDateTime != nil {
				row[11] = c.EndDateTime.UTC().Format(time.RFC3339)
			}
			if c.Thumbprints != nil {
				row[12] = c.Thumbprints.SHA1
			}
		}
		if l := f.Local; l != nil {
			row[13] = l.Source
		}
		row[14], row[15], row[16] = f.Message, f.Remediation(), f.Fingerprint
		for j := range row {
			row[j] = csvCell(row[j])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell makes a value safe to open in a spreadsheet. Control and
// invisible format characters become visible escapes (plainText), and a
// cell that a spreadsheet would take for a formula (one starting with =,
// +, -, @, a tab or a carriage return) is prefixed with a single quote,
// as OWASP advises against CSV injection. appaudit's CSV has no numeric
// cells, so no legitimate value is changed by this but hostile ones:
// display names are chosen by whoever registered the app.
func csvCell(s string) string {
	s = plainText(s)
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
