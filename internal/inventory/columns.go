package inventory

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/core"
)

// Column is one of the canonical device columns an import understands.
type Column int

// The canonical columns, in the order an export writes them.
const (
	ColAssetTag Column = iota
	ColSerial
	ColName
	ColManufacturer
	ColModel
	ColModelNumber
	ColDeviceType
	ColFDAClass
	ColFunction
	ColHandlesPHI
	ColSoftwareVersion
	ColSite
	ColZone
	ColBuilding
	ColFloor
	ColDepartment
	ColRoom
	ColOwner
	ColLifecycle
	ColMACs
	ColIPs
	ColHostnames
	ColAETitles
	ColHL7
	ColHL7Application
	ColHL7Facility
	ColUDI
	ColNotes
	numColumns
)

var columnNames = [numColumns]string{
	ColAssetTag: "asset_tag", ColSerial: "serial", ColName: "name",
	ColManufacturer: "manufacturer", ColModel: "model", ColModelNumber: "model_number",
	ColDeviceType: "device_type", ColFDAClass: "fda_class", ColFunction: "function",
	ColHandlesPHI: "handles_phi", ColSoftwareVersion: "software_version",
	ColSite: "site", ColZone: "zone", ColBuilding: "building", ColFloor: "floor",
	ColDepartment: "department", ColRoom: "room", ColOwner: "owner", ColLifecycle: "lifecycle",
	ColMACs: "macs", ColIPs: "ips", ColHostnames: "hostnames", ColAETitles: "ae_titles",
	ColHL7: "hl7", ColHL7Application: "hl7_application", ColHL7Facility: "hl7_facility",
	ColUDI: "udi", ColNotes: "notes",
}

func (c Column) String() string {
	if c >= 0 && c < numColumns {
		return columnNames[c]
	}
	return fmt.Sprintf("column(%d)", int(c))
}

// Columns lists the canonical column names in export order.
func Columns() []string { return append([]string(nil), columnNames[:]...) }

// ParseColumn returns the canonical column a name denotes, matched the way
// headers are (case, spaces, underscores and punctuation ignored).
func ParseColumn(name string) (Column, bool) {
	k := HeaderKey(name)
	for c, n := range columnNames {
		if HeaderKey(n) == k {
			return Column(c), true
		}
	}
	return 0, false
}

// aliases are the headers asset systems use for each column, as HeaderKey
// forms, best first: when two headers of one file map to the same column
// the one whose alias comes first wins and the other is ignored. They cover
// ServiceNow (cmdb_ci, alm_hardware: labels and field names, dot-walked
// display fields) and Nuvolo clinical-device exports, whose columns are
// ServiceNow fields, so custom "u_" fields appear too.
var aliases = [numColumns][]string{
	ColAssetTag: {"assettag", "uassettag", "assettagnumber", "assetnumber", "assetno", "asset",
		"controlnumber", "controlno", "tagnumber", "tag"},
	ColSerial:       {"serialnumber", "userialnumber", "serialno", "serialnum", "sn"},
	ColName:         {"displayname", "devicename", "ciname", "assetname"},
	ColManufacturer: {"modelidmanufacturer", "manufacturername", "umanufacturer", "make", "mfr", "mfg"},
	ColModel: {"modelid", "modelname", "devicemodel", "umodel", "modeliddisplayname",
		"modeldisplayname"},
	ColModelNumber: {"modelnumber", "modelno", "umodelnumber", "catalognumber"},
	ColDeviceType: {"devicetype", "udevicetype", "equipmenttype", "equipmentclass",
		"modelcategory", "devicecategory", "type"},
	ColFDAClass:        {"fdaclass", "fdadeviceclass", "ufdaclass", "deviceclass", "regulatoryclass"},
	ColFunction:        {"clinicalfunction", "ufunction", "uclinicalfunction"},
	ColHandlesPHI:      {"handlesphi", "containsphi", "storesphi", "uphi", "ephi", "phi"},
	ColSoftwareVersion: {"softwareversion", "firmwareversion", "usoftwareversion", "ufirmwareversion", "swversion", "fwversion", "firmware", "version"},
	ColSite:            {"usite", "sitename", "campus", "facility", "hospital"},
	ColZone:            {"networkzone", "uzone", "networksegment", "segment"},
	ColBuilding:        {"ubuilding", "buildingname", "bldg"},
	ColFloor:           {"ufloor", "floorname", "level"},
	ColDepartment: {"udepartment", "departmentname", "dept", "carearea", "ucarearea",
		"clinicaldepartment"},
	ColRoom:      {"uroom", "roomnumber", "location", "locationname", "ulocation"},
	ColOwner:     {"ownedby", "assignedto", "uowner", "custodian", "managedby"},
	ColLifecycle: {"installstatus", "lifecyclestate", "status", "assetstatus", "ustatus", "hardwarestatus", "state", "operationalstatus"},
	ColMACs: {"macaddress", "macaddresses", "mac", "umacaddress", "ethernetaddress",
		"hardwareaddress", "wifimacaddress"},
	ColIPs: {"ipaddress", "ipaddresses", "ip", "uipaddress", "ipv4address", "ipv4", "ipv6address"},
	ColHostnames: {"hostname", "fqdn", "fullyqualifieddomainname", "dnsname", "dnshostname",
		"uhostname", "networkname"},
	ColAETitles:       {"aetitle", "dicomaetitle", "dicomaetitles", "uaetitle", "aet"},
	ColHL7:            {"hl7endpoints", "hl7endpoint"},
	ColHL7Application: {"sendingapplication", "msh3", "uhl7application"},
	ColHL7Facility:    {"sendingfacility", "msh4", "uhl7facility"},
	ColUDI:            {"uniquedeviceidentifier", "uudi", "udidi"},
	ColNotes:          {"comments", "comment", "description", "shortdescription", "remarks", "note", "unotes"},
}

// ignoredColumns are columns Vigil's own export writes that an import does
// not read (the store owns them); they are skipped without a notice.
var ignoredColumns = map[string]bool{"id": true, "version": true, "firstseen": true, "lastseen": true,
	"createdat": true, "updatedat": true, "provenance": true}

// HeaderKey is the form headers and mapping names are compared in: lower
// case, letters and digits only, so "Serial Number", "serial_number" and
// "SERIAL-NUMBER" are one header.
func HeaderKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r >= 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// Aliases returns the built-in header aliases of c, in HeaderKey form, best
// first; the canonical name itself always matches and is not listed.
func Aliases(c Column) []string { return append([]string(nil), aliases[c]...) }

// Mapping maps a file's headers (in HeaderKey form) to canonical columns.
// A header mapped to Ignore is dropped even when it would otherwise match.
type Mapping map[string]Column

// Ignore, as a Mapping target, drops the header.
const Ignore Column = -1

// ParseMapping parses the --map form: "Their Header=asset_tag,Other=serial".
// Use "-" as the target to drop a column.
func ParseMapping(spec string) (Mapping, error) {
	m := Mapping{}
	for _, part := range strings.Split(spec, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		if err := m.add(part, "--map"); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// maxMappingFile bounds a mapping file; real ones are a few dozen lines.
const maxMappingFile = 64 << 10

// ReadMapping reads a mapping file: one "their header = canonical" per
// line; blank lines and lines starting with # are skipped. name is used in
// error messages.
func ReadMapping(r io.Reader, name string) (Mapping, error) {
	m := Mapping{}
	sc := bufio.NewScanner(io.LimitReader(r, maxMappingFile+1))
	sc.Buffer(make([]byte, 4096), maxMappingFile+1)
	n, size := 0, 0
	for sc.Scan() {
		n++
		size += len(sc.Bytes()) + 1
		if size > maxMappingFile {
			return nil, core.Errorf(core.KindTooLarge, "mapping file %s is larger than %d bytes", name, maxMappingFile)
		}
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if err := m.add(line, fmt.Sprintf("%s:%d", name, n)); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, core.Wrap(core.KindInvalid, err, "read mapping file %s", name)
	}
	return m, nil
}

func (m Mapping) add(entry, where string) error {
	if !utf8.ValidString(entry) {
		return core.Errorf(core.KindInvalid, "%s: the mapping is not valid UTF-8", where)
	}
	theirs, canon, ok := strings.Cut(entry, "=")
	if !ok {
		return core.Errorf(core.KindInvalid, "%s: %q is not of the form \"their header=canonical column\"", where, strings.TrimSpace(entry))
	}
	key := HeaderKey(theirs)
	if key == "" {
		return core.Errorf(core.KindInvalid, "%s: the header before = is empty", where)
	}
	canon = strings.TrimSpace(canon)
	target := Ignore
	if canon != "-" && !strings.EqualFold(canon, "ignore") {
		c, ok := ParseColumn(canon)
		if !ok {
			return core.Errorf(core.KindInvalid, "%s: %q is not a column Vigil knows; use one of %s, or - to ignore the header",
				where, canon, strings.Join(columnNames[:], ", "))
		}
		target = c
	}
	if prev, dup := m[key]; dup && prev != target {
		return core.Errorf(core.KindInvalid, "%s: header %q is mapped twice", where, strings.TrimSpace(theirs))
	}
	m[key] = target
	return nil
}

// Merge adds other's entries to m; a header mapped differently by both is
// an error.
func (m Mapping) Merge(other Mapping) error {
	for k, v := range other {
		if prev, dup := m[k]; dup && prev != v {
			return core.Errorf(core.KindInvalid, "header %q is mapped both to %s and to %s", k, prev, v)
		}
		m[k] = v
	}
	return nil
}

// HeaderColumn says what one header of a file became.
type HeaderColumn struct {
	Index  int    // 0-based position in the row
	Header string // as written in the file, trimmed
	Column Column // meaningful only when Used
	Used   bool
	// Why is set when the header is not used: "unknown", "export-only",
	// "mapped to -", or "duplicate of column N".
	Why string
}

// matchHeader returns the column a header maps to and its priority (lower
// wins when two headers of one file claim the same column).
func matchHeader(key string, user Mapping) (col Column, prio int, ok bool, why string) {
	if c, found := user[key]; found {
		if c == Ignore {
			return 0, 0, false, "mapped to -"
		}
		return c, 0, true, ""
	}
	if key == "" {
		return 0, 0, false, "unknown"
	}
	for c, n := range columnNames {
		if HeaderKey(n) == key {
			return Column(c), 1, true, ""
		}
	}
	for c := range aliases {
		for i, a := range aliases[c] {
			if a == key {
				return Column(c), 2 + i, true, ""
			}
		}
	}
	if ignoredColumns[key] {
		return 0, 0, false, "export-only"
	}
	return 0, 0, false, "unknown"
}

// resolveHeader maps a header row to columns. Two headers claiming one
// column is an error when the user mapped both; otherwise the better alias
// wins and the other is reported as a duplicate.
func resolveHeader(headers []string, user Mapping) ([]HeaderColumn, error) {
	out := make([]HeaderColumn, len(headers))
	owner := map[Column]int{} // column → index in out of the header using it
	prio := map[Column]int{}
	for i, h := range headers {
		h = strings.TrimSpace(h)
		c, p, ok, why := matchHeader(HeaderKey(h), user)
		out[i] = HeaderColumn{Index: i, Header: h, Column: c, Used: ok, Why: why}
		if !ok {
			continue
		}
		j, taken := owner[c]
		switch {
		case !taken:
			owner[c], prio[c] = i, p
		case p == 0 && prio[c] == 0:
			return nil, core.Errorf(core.KindInvalid, "the mapping sends both column %d (%s) and column %d (%s) to %s",
				j+1, describeHeader(out[j].Header), i+1, describeHeader(h), c)
		case p == prio[c]:
			return nil, core.Errorf(core.KindInvalid, "columns %d (%s) and %d (%s) are both %s; drop one or map it elsewhere with --map \"%s=-\"",
				j+1, describeHeader(out[j].Header), i+1, describeHeader(h), c, h)
		case p < prio[c]:
			out[j].Used, out[j].Why = false, fmt.Sprintf("%s comes from column %d (%s)", c, i+1, describeHeader(h))
			owner[c], prio[c] = i, p
		default:
			out[i].Used, out[i].Why = false, fmt.Sprintf("%s comes from column %d (%s)", c, j+1, describeHeader(out[j].Header))
		}
	}
	return out, nil
}

func describeHeader(h string) string {
	if h == "" {
		return "no header"
	}
	return fmt.Sprintf("%q", h)
}
