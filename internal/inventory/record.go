package inventory

import (
	"fmt"
	"strings"

	"github.com/vigil-oss/vigil/internal/core"
)

// Record is one device row. Empty cells carry no information: Has reports
// which columns had a value, and only those may change a stored device.
type Record struct {
	Line int // the line the row starts on, 1-based

	// Device holds the device's own attributes from the row: identity
	// (asset tag, serial, normalised MACs), name, location, owner,
	// lifecycle, IPs, host names, AE titles, HL7 endpoints, UDI and notes.
	Device core.Device

	// Names of the records the device refers to, resolved by the importer.
	Manufacturer, Model, SoftwareVersion, Site, Zone string
	// Model attributes, used when the import creates the model.
	ModelNumber, DeviceType, FDAClass string
	Function                          core.Function
	HandlesPHI                        bool

	// Errs are the row's problems; a row with any is rejected as a whole.
	Errs []RowError

	has            uint64 // bit c: column c had a non-empty value
	hl7App, hl7Fac string // the HL7 application and facility columns
	reader         *Reader
}

// Has reports whether the row gave a value for column c.
func (r *Record) Has(c Column) bool { return r.has&(1<<uint(c)) != 0 }

// ColumnName is the file's header for column c, for error messages; the
// canonical name when the file has no such column.
func (r *Record) ColumnName(c Column) string {
	if r.reader != nil {
		if i := r.reader.byCol[c]; i >= 0 {
			return r.reader.columnName(i)
		}
	}
	return c.String()
}

// reject adds a problem with column c (or the whole row when c < 0).
func (r *Record) reject(c Column, format string, args ...any) {
	col := ""
	if c >= 0 {
		col = r.ColumnName(c)
	}
	r.addErr(col, fmt.Sprintf(format, args...))
}

func (r *Record) addErr(col, msg string) {
	if len(r.Errs) >= maxProblems {
		return
	}
	r.Errs = append(r.Errs, RowError{Line: r.Line, Column: col, Message: msg})
}

// decode turns the current record's cells into rec's fields.
func (rd *Reader) decode(rec *Record) {
	for c := Column(0); c < numColumns; c++ {
		i := rd.byCol[c]
		if i < 0 {
			continue
		}
		v, bad := rd.cellText(i)
		if bad != "" {
			rec.reject(c, "%s", bad)
			continue
		}
		if v == "" {
			continue
		}
		rec.has |= 1 << uint(c)
		rec.set(c, v)
	}
	// An HL7 application column alone, or with a facility, is one endpoint.
	if rec.Has(ColHL7Application) {
		if rec.Has(ColHL7) {
			rec.reject(ColHL7Application, "give HL7 endpoints either in %s or in %s and %s, not both",
				rec.ColumnName(ColHL7), rec.ColumnName(ColHL7Application), rec.ColumnName(ColHL7Facility))
		} else {
			rec.Device.HL7 = []core.HL7Endpoint{{Application: rec.hl7App, Facility: rec.hl7Fac}}
			rec.has |= 1 << uint(ColHL7)
		}
	} else if rec.Has(ColHL7Facility) {
		rec.reject(ColHL7Facility, "an HL7 facility needs an HL7 application in the same row")
	}
	if rec.Has(ColModel) && !rec.Has(ColManufacturer) {
		rec.reject(ColModel, "a model needs its manufacturer in the same row (column %s)", ColManufacturer)
	}
	if !rec.Has(ColModel) {
		// Model attributes have nowhere to go without a model; CMMS exports
		// often fill the equipment type and leave the model blank, and the
		// rest of such a row is still worth importing.
		for _, c := range []Column{ColModelNumber, ColDeviceType, ColFDAClass, ColFunction, ColHandlesPHI} {
			rec.has &^= 1 << uint(c)
		}
	}
	d := &rec.Device
	if d.AssetTag == "" && d.Serial == "" && len(d.MACs) == 0 && len(rec.Errs) == 0 {
		rec.reject(-1, "the row has no asset tag, serial or MAC address to identify the device")
	}
}

// set stores one non-empty cell value.
func (r *Record) set(c Column, v string) {
	d := &r.Device
	switch c {
	case ColAssetTag:
		d.AssetTag = r.name(c, v)
	case ColSerial:
		d.Serial = r.name(c, v)
	case ColName:
		d.Name = r.name(c, v)
	case ColManufacturer:
		r.Manufacturer = r.name(c, v)
	case ColModel:
		r.Model = r.name(c, v)
	case ColModelNumber:
		r.ModelNumber = r.name(c, v)
	case ColDeviceType:
		r.DeviceType = r.reader.deviceType(r.name(c, v))
	case ColFDAClass:
		if fc, ok := parseFDAClass(v); ok {
			r.FDAClass = fc
		} else {
			r.reject(c, "must be I, II or III (also accepted: 1, 2, 3, Class II)")
		}
	case ColFunction:
		if f, ok := parseFunction(v); ok {
			r.Function = f
		} else {
			r.reject(c, "must be one of life-sustaining, therapy, diagnostic, monitoring, workflow, non-clinical")
		}
	case ColHandlesPHI:
		if b, ok := parseBool(v); ok {
			r.HandlesPHI = b
		} else {
			r.reject(c, "must be yes or no (also accepted: true, false, y, n, 1, 0)")
		}
	case ColSoftwareVersion:
		r.SoftwareVersion = r.name(c, v)
	case ColSite:
		r.Site = r.name(c, v)
	case ColZone:
		r.Zone = r.name(c, v)
	case ColBuilding:
		d.Location.Building = r.name(c, v)
	case ColFloor:
		d.Location.Floor = r.name(c, v)
	case ColDepartment:
		d.Location.Department = r.name(c, v)
	case ColRoom:
		d.Location.Room = r.name(c, v)
	case ColOwner:
		d.Owner = r.name(c, v)
	case ColLifecycle:
		if l, ok := parseLifecycle(v); ok {
			d.Lifecycle = l
		} else {
			r.reject(c, "must be active, in-storage or retired (also accepted: CMMS states such as Installed, In stock, Retired; see docs/inventory-csv.md)")
		}
	case ColMACs:
		d.MACs = r.list(c, splitList(v), func(s string) (string, error) { return core.NormalizeMAC(s) }, "a MAC address such as 00:1a:2b:3c:4d:5e")
	case ColIPs:
		d.IPs = r.list(c, splitList(v), core.NormalizeIP, "an IPv4 or IPv6 address")
	case ColHostnames:
		d.Hostnames = r.list(c, splitList(v), core.NormalizeHostname, "a host name")
	case ColAETitles:
		d.AETitles = r.list(c, splitAETitles(v), core.CheckAETitle, "a DICOM AE title (up to 16 characters, no backslash)")
	case ColHL7:
		d.HL7 = r.hl7(c, v)
	case ColHL7Application:
		r.hl7App = r.name(c, v)
	case ColHL7Facility:
		r.hl7Fac = r.name(c, v)
	case ColUDI:
		d.UDI = r.name(c, v)
	case ColNotes:
		if len(v) > core.MaxNotesLen {
			r.reject(c, "is longer than %d bytes", core.MaxNotesLen)
			return
		}
		d.Notes = v
	}
}

// name checks a short text value's length.
func (r *Record) name(c Column, v string) string {
	if len(v) > core.MaxNameLen {
		r.reject(c, "is longer than %d bytes", core.MaxNameLen)
		return ""
	}
	return v
}

// list normalises each entry with norm; messages name the entry's position
// rather than repeating it.
func (r *Record) list(c Column, entries []string, norm func(string) (string, error), want string) []string {
	if len(entries) > core.MaxListLen {
		r.reject(c, "has %d entries; at most %d are allowed", len(entries), core.MaxListLen)
		return nil
	}
	out := make([]string, 0, len(entries))
	for i, e := range entries {
		n, err := norm(e)
		if err != nil {
			if len(entries) == 1 {
				r.reject(c, "is not %s", want)
			} else {
				r.reject(c, "entry %d of %d is not %s", i+1, len(entries), want)
			}
			continue
		}
		if !contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// splitList splits MACs, IPs and host names on ';', ',', '|' or white space:
// none of them can contain those.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool {
		return r == ';' || r == ',' || r == '|' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

// splitAETitles splits on ';', '|', a backslash (DICOM's own multi-value
// separator) or a line break, but not on spaces, which AE titles may hold.
func splitAETitles(v string) []string {
	parts := strings.FieldsFunc(v, func(r rune) bool {
		return r == ';' || r == '|' || r == '\\' || r == '\n' || r == '\r'
	})
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// hl7 parses "APP^FACILITY" entries separated by ';' or line breaks.
func (r *Record) hl7(c Column, v string) []core.HL7Endpoint {
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' })
	var out []core.HL7Endpoint
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		app, fac, _ := strings.Cut(p, "^")
		app, fac = strings.TrimSpace(app), strings.TrimSpace(fac)
		switch {
		case app == "":
			r.reject(c, "entry %d has no application (write APPLICATION^FACILITY)", i+1)
			continue
		case len(app) > core.MaxNameLen || len(fac) > core.MaxNameLen:
			r.reject(c, "entry %d is longer than %d bytes", i+1, core.MaxNameLen)
			continue
		}
		out = append(out, core.HL7Endpoint{Application: app, Facility: fac})
	}
	if len(out) > core.MaxListLen {
		r.reject(c, "has %d entries; at most %d are allowed", len(out), core.MaxListLen)
		return nil
	}
	return out
}

// valueKey folds an enumerated value: lower case, letters and digits only.
func valueKey(v string) string { return HeaderKey(v) }

func parseBool(v string) (bool, bool) {
	switch valueKey(v) {
	case "yes", "y", "true", "t", "1", "x":
		return true, true
	case "no", "n", "false", "f", "0":
		return false, true
	}
	return false, false
}

func parseFDAClass(v string) (string, bool) {
	k := strings.TrimPrefix(valueKey(v), "class")
	switch k {
	case "i", "1":
		return "I", true
	case "ii", "2":
		return "II", true
	case "iii", "3":
		return "III", true
	}
	return "", false
}

var functionValues = map[string]core.Function{
	"lifesustaining": core.FunctionLifeSustaining, "lifesupport": core.FunctionLifeSustaining,
	"lifesupporting": core.FunctionLifeSustaining,
	"therapy":        core.FunctionTherapy, "therapeutic": core.FunctionTherapy, "treatment": core.FunctionTherapy,
	"diagnostic": core.FunctionDiagnostic, "diagnostics": core.FunctionDiagnostic, "diagnosis": core.FunctionDiagnostic,
	"imaging":    core.FunctionDiagnostic,
	"monitoring": core.FunctionMonitoring, "monitor": core.FunctionMonitoring,
	"workflow": core.FunctionWorkflow, "clinicalworkflow": core.FunctionWorkflow,
	"nonclinical": core.FunctionNonClinical, "none": core.FunctionNonClinical,
}

func parseFunction(v string) (core.Function, bool) {
	f, ok := functionValues[valueKey(v)]
	return f, ok
}

// lifecycleValues maps Vigil's states and the install and asset states of
// ServiceNow and Nuvolo (display values) to a lifecycle.
var lifecycleValues = map[string]core.Lifecycle{
	"active": core.LifecycleActive, "installed": core.LifecycleActive, "inuse": core.LifecycleActive,
	"inservice": core.LifecycleActive, "operational": core.LifecycleActive, "deployed": core.LifecycleActive,
	"inmaintenance": core.LifecycleActive, "maintenance": core.LifecycleActive,
	"pendingrepair": core.LifecycleActive, "inrepair": core.LifecycleActive,
	"repairinprogress": core.LifecycleActive,

	"instorage": core.LifecycleInStorage, "storage": core.LifecycleInStorage, "instock": core.LifecycleInStorage,
	"stock": core.LifecycleInStorage, "onorder": core.LifecycleInStorage, "pendinginstall": core.LifecycleInStorage,
	"spare": core.LifecycleInStorage, "available": core.LifecycleInStorage, "inventory": core.LifecycleInStorage,

	"retired": core.LifecycleRetired, "disposed": core.LifecycleRetired, "decommissioned": core.LifecycleRetired,
	"stolen": core.LifecycleRetired, "absent": core.LifecycleRetired, "lost": core.LifecycleRetired,
	"missing": core.LifecycleRetired, "inactive": core.LifecycleRetired, "pendingdisposal": core.LifecycleRetired,
}

func parseLifecycle(v string) (core.Lifecycle, bool) {
	l, ok := lifecycleValues[valueKey(v)]
	return l, ok
}

// maxTypeCache bounds the device-type cache: a file names a few dozen types.
const maxTypeCache = 1024

// deviceType normalises a device type, remembering the answers: a file
// repeats a few types thousands of times, and normalising builds a
// replacer each time.
func (rd *Reader) deviceType(v string) string {
	if n, ok := rd.types[v]; ok {
		return n
	}
	n := core.NormalizeDeviceType(v)
	if rd.types == nil {
		rd.types = map[string]string{}
	}
	if len(rd.types) < maxTypeCache {
		rd.types[v] = n
	}
	return n
}
