package inventory

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// ExportRow is one device with the records it refers to, resolved so that
// an export can write names rather than ids. Any reference may be nil.
type ExportRow struct {
	Device       *core.Device
	Manufacturer *core.Manufacturer
	Model        *core.Model
	Release      *core.Release
	Site         *core.Site
	Zone         *core.Zone
}

// Writer writes exported devices in one format.
type Writer interface {
	Write(row ExportRow) error
	// Close finishes the document and flushes; it does not close the
	// underlying io.Writer.
	Close() error
}

// Formula injection: a spreadsheet treats a cell starting with = + - @ (and,
// in some programs, tab or carriage return) as a formula, so an asset name
// like =HYPERLINK(...) in an export could run when an analyst opens it. The
// CSV writer prefixes such cells with an apostrophe, which spreadsheets
// show as text and hide. A value that already starts with an apostrophe
// followed by one of those characters, or by another apostrophe, gets one
// more, so that the import's unescapeCell restores every value exactly.
func isFormulaStart(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

// escapeCell makes v safe to open in a spreadsheet.
func escapeCell(v string) string {
	if v == "" {
		return v
	}
	if isFormulaStart(v[0]) || v[0] == '\'' && len(v) > 1 && (isFormulaStart(v[1]) || v[1] == '\'') {
		return "'" + v
	}
	return v
}

// unescapeCell undoes escapeCell; the import applies it to every cell.
func unescapeCell(v string) string {
	if len(v) > 1 && v[0] == '\'' && (isFormulaStart(v[1]) || v[1] == '\'') {
		return v[1:]
	}
	return v
}

// exportHeader is the CSV export's header: the import columns (so that an
// export imports back unchanged) then read-only columns the import skips.
func exportHeader() []string {
	h := Columns()
	// The HL7 endpoints travel in the hl7 column; the two single-endpoint
	// columns are for CMMS files only.
	out := h[:0]
	for _, c := range h {
		if c != "hl7_application" && c != "hl7_facility" {
			out = append(out, c)
		}
	}
	return append(out, "id", "first_seen", "last_seen", "created_at", "updated_at")
}

// CSVWriter writes devices as CSV with a header row, lists joined by "; ".
type CSVWriter struct {
	w      *csv.Writer
	header bool
	rec    []string
}

// NewCSVWriter returns a CSV writer on w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// Write writes one device.
func (cw *CSVWriter) Write(row ExportRow) error {
	if !cw.header {
		cw.header = true
		if err := cw.w.Write(exportHeader()); err != nil {
			return err
		}
	}
	d := row.Device
	r := cw.rec[:0]
	var mfr, model, number, dtype, fda, fn, phi, version, site, zone string
	if row.Manufacturer != nil {
		mfr = row.Manufacturer.Name
	}
	if m := row.Model; m != nil {
		model, number, dtype, fda, fn = m.Name, m.Number, m.DeviceType, m.FDAClass, string(m.Function)
		phi = "no"
		if m.HandlesPHI {
			phi = "yes"
		}
	}
	if row.Release != nil {
		version = row.Release.Version
	}
	if row.Site != nil {
		site = row.Site.Name
	}
	if row.Zone != nil {
		zone = row.Zone.Name
	}
	hl7 := make([]string, len(d.HL7))
	for i, h := range d.HL7 {
		hl7[i] = h.Application
		if h.Facility != "" {
			hl7[i] += "^" + h.Facility
		}
	}
	r = append(r, d.AssetTag, d.Serial, d.Name, mfr, model, number, dtype, fda, fn, phi, version, site, zone,
		d.Location.Building, d.Location.Floor, d.Location.Department, d.Location.Room, d.Owner, string(d.Lifecycle),
		strings.Join(d.MACs, "; "), strings.Join(d.IPs, "; "), strings.Join(d.Hostnames, "; "),
		strings.Join(d.AETitles, "; "), strings.Join(hl7, "; "), d.UDI, d.Notes,
		strconv.FormatInt(int64(d.ID), 10), timeCell(d.FirstSeen), timeCell(d.LastSeen),
		timeCell(&d.CreatedAt), timeCell(&d.UpdatedAt))
	for i := range r {
		r[i] = escapeCell(r[i])
	}
	cw.rec = r
	return cw.w.Write(r)
}

// Close writes the header if no device was written, and flushes.
func (cw *CSVWriter) Close() error {
	if !cw.header {
		cw.header = true
		if err := cw.w.Write(exportHeader()); err != nil {
			return err
		}
	}
	cw.w.Flush()
	return cw.w.Error()
}

func timeCell(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// JSONWriter writes {"devices":[...]}: each device as the REST API shows it
// (ids, provenance, times), plus the names of the records it refers to and
// its model's attributes, one device per line.
type JSONWriter struct {
	w     *bufio.Writer
	n     int
	buf   bytes.Buffer
	enc   *json.Encoder
	began bool
}

// NewJSONWriter returns a JSON writer on w.
func NewJSONWriter(w io.Writer) *JSONWriter {
	jw := &JSONWriter{w: bufio.NewWriter(w)}
	jw.enc = json.NewEncoder(&jw.buf)
	jw.enc.SetEscapeHTML(false)
	return jw
}

// jsonDevice is a device with its references named.
type jsonDevice struct {
	*core.Device
	Manufacturer    string `json:"manufacturer,omitempty"`
	Model           string `json:"model,omitempty"`
	ModelNumber     string `json:"model_number,omitempty"`
	DeviceType      string `json:"device_type,omitempty"`
	FDAClass        string `json:"fda_class,omitempty"`
	Function        string `json:"function,omitempty"`
	HandlesPHI      *bool  `json:"handles_phi,omitempty"`
	SoftwareVersion string `json:"software_version,omitempty"`
	Site            string `json:"site,omitempty"`
	Zone            string `json:"zone,omitempty"`
}

func (jw *JSONWriter) begin() error {
	if jw.began {
		return nil
	}
	jw.began = true
	_, err := jw.w.WriteString(`{"devices":[`)
	return err
}

// Write writes one device.
func (jw *JSONWriter) Write(row ExportRow) error {
	if err := jw.begin(); err != nil {
		return err
	}
	j := jsonDevice{Device: row.Device}
	if row.Manufacturer != nil {
		j.Manufacturer = row.Manufacturer.Name
	}
	if m := row.Model; m != nil {
		phi := m.HandlesPHI
		j.Model, j.ModelNumber, j.DeviceType, j.FDAClass = m.Name, m.Number, m.DeviceType, m.FDAClass
		j.Function, j.HandlesPHI = string(m.Function), &phi
	}
	if row.Release != nil {
		j.SoftwareVersion = row.Release.Version
	}
	if row.Site != nil {
		j.Site = row.Site.Name
	}
	if row.Zone != nil {
		j.Zone = row.Zone.Name
	}
	jw.buf.Reset()
	if err := jw.enc.Encode(j); err != nil {
		return err
	}
	sep := ",\n"
	if jw.n == 0 {
		sep = "\n"
	}
	jw.n++
	if _, err := jw.w.WriteString(sep); err != nil {
		return err
	}
	_, err := jw.w.Write(bytes.TrimSuffix(jw.buf.Bytes(), []byte{'\n'}))
	return err
}

// Close ends the document and flushes.
func (jw *JSONWriter) Close() error {
	if err := jw.begin(); err != nil {
		return err
	}
	if _, err := jw.w.WriteString("\n]}\n"); err != nil {
		return err
	}
	return jw.w.Flush()
}
