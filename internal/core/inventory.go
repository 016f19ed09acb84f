package core

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on text attributes, so one hostile record cannot bloat the store.
const (
	MaxNameLen  = 256  // names, tags, serials, versions
	MaxNotesLen = 8192 // free text
	MaxListLen  = 64   // entries in MACs, IPs, hostnames, AE titles, HL7 endpoints, CIDRs, VLANs
)

// Site is a hospital campus or building group.
type Site struct {
	ID         SiteID     `json:"id"`
	Name       string     `json:"name"`
	Code       string     `json:"code,omitempty"`
	Address    string     `json:"address,omitempty"`
	Provenance Provenance `json:"provenance,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Validate checks a site's attributes.
func (s *Site) Validate() error {
	v := Validation{What: "site"}
	checkText(&v, "name", s.Name, MaxNameLen, true)
	checkText(&v, "code", s.Code, MaxNameLen, false)
	checkText(&v, "address", s.Address, MaxNotesLen, false)
	return v.Err()
}

// Zone is a network segment (IEC 62443 zone) of one site.
type Zone struct {
	ID         ZoneID     `json:"id"`
	SiteID     SiteID     `json:"site_id"`
	Name       string     `json:"name"`
	CIDRs      []string   `json:"cidrs"`
	VLANs      []int      `json:"vlans"`
	DoNotProbe bool       `json:"do_not_probe"`
	Provenance Provenance `json:"provenance,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Validate checks a zone's attributes and normalises its CIDRs.
func (z *Zone) Validate() error {
	v := Validation{What: "zone"}
	checkText(&v, "name", z.Name, MaxNameLen, true)
	if z.SiteID <= 0 {
		v.Add("site_id", "is required")
	}
	if len(z.CIDRs) > MaxListLen {
		v.Add("cidrs", "at most %d entries", MaxListLen)
	}
	for i, c := range z.CIDRs {
		p, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			v.Add(fmt.Sprintf("cidrs[%d]", i), "%q is not a CIDR prefix such as 10.1.0.0/16", c)
			continue
		}
		z.CIDRs[i] = p.Masked().String()
	}
	if len(z.VLANs) > MaxListLen {
		v.Add("vlans", "at most %d entries", MaxListLen)
	}
	for i, id := range z.VLANs {
		if id < 1 || id > 4094 {
			v.Add(fmt.Sprintf("vlans[%d]", i), "VLAN id %d is outside 1-4094", id)
		}
	}
	return v.Err()
}

// Manufacturer makes device models.
type Manufacturer struct {
	ID         ManufacturerID `json:"id"`
	Name       string         `json:"name"`
	Provenance Provenance     `json:"provenance,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

// Validate checks a manufacturer's attributes.
func (m *Manufacturer) Validate() error {
	v := Validation{What: "manufacturer"}
	checkText(&v, "name", m.Name, MaxNameLen, true)
	return v.Err()
}

// Function is a device model's clinical function; it drives clinical impact.
type Function string

const (
	FunctionLifeSustaining Function = "life-sustaining"
	FunctionTherapy        Function = "therapy"
	FunctionDiagnostic     Function = "diagnostic"
	FunctionMonitoring     Function = "monitoring"
	FunctionWorkflow       Function = "workflow"
	FunctionNonClinical    Function = "non-clinical"
)

// Functions lists the valid clinical functions, most critical first.
var Functions = []Function{FunctionLifeSustaining, FunctionTherapy, FunctionDiagnostic,
	FunctionMonitoring, FunctionWorkflow, FunctionNonClinical}

// Valid reports whether f is a known function ("" is not).
func (f Function) Valid() bool {
	for _, g := range Functions {
		if f == g {
			return true
		}
	}
	return false
}

// FDA device classes.
var FDAClasses = []string{"I", "II", "III"}

// Model is a device model: what a maker sells, e.g. an infusion pump line.
type Model struct {
	ID             ModelID        `json:"id"`
	ManufacturerID ManufacturerID `json:"manufacturer_id"`
	Name           string         `json:"name"`
	Number         string         `json:"number,omitempty"`
	DeviceType     string         `json:"device_type,omitempty"`
	FDAClass       string         `json:"fda_class,omitempty"`
	Function       Function       `json:"function"`
	HandlesPHI     bool           `json:"handles_phi"`
	Provenance     Provenance     `json:"provenance,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Validate checks a model's attributes and normalises device type and class.
func (m *Model) Validate() error {
	v := Validation{What: "model"}
	if m.ManufacturerID <= 0 {
		v.Add("manufacturer_id", "is required")
	}
	checkText(&v, "name", m.Name, MaxNameLen, true)
	checkText(&v, "number", m.Number, MaxNameLen, false)
	m.DeviceType = NormalizeDeviceType(m.DeviceType)
	checkText(&v, "device_type", m.DeviceType, MaxNameLen, false)
	m.FDAClass = strings.ToUpper(strings.TrimSpace(m.FDAClass))
	if m.FDAClass != "" && m.FDAClass != "I" && m.FDAClass != "II" && m.FDAClass != "III" {
		v.Add("fda_class", "must be I, II or III")
	}
	if m.Function == "" {
		m.Function = FunctionNonClinical
	}
	if !m.Function.Valid() {
		v.Add("function", "must be one of %s", joinFunctions())
	}
	return v.Err()
}

// NormalizeDeviceType lowercases a device type and joins words with hyphens,
// so "Infusion Pump" and "infusion_pump" filter alike.
func NormalizeDeviceType(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("_", "-", " ", "-").Replace(s)
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	return s
}

func joinFunctions() string {
	parts := make([]string, len(Functions))
	for i, f := range Functions {
		parts[i] = string(f)
	}
	return strings.Join(parts, ", ")
}

// Support levels of a software release, as FDA premarket guidance names them.
const (
	SupportActive      = "active"
	SupportLimited     = "limited"
	SupportUnsupported = "unsupported"
	SupportUnknown     = ""
)

// Release is one software or firmware version of a model. SBOMs and findings
// attach here; every device running it inherits them.
type Release struct {
	ID           ReleaseID  `json:"id"`
	ModelID      ModelID    `json:"model_id"`
	Version      string     `json:"version"`
	ReleaseDate  *Date      `json:"release_date,omitempty"`
	SupportLevel string     `json:"support_level,omitempty"`
	EndOfSupport *Date      `json:"end_of_support,omitempty"`
	Provenance   Provenance `json:"provenance,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Validate checks a release's attributes.
func (r *Release) Validate() error {
	v := Validation{What: "release"}
	if r.ModelID <= 0 {
		v.Add("model_id", "is required")
	}
	checkText(&v, "version", r.Version, MaxNameLen, true)
	r.SupportLevel = strings.ToLower(strings.TrimSpace(r.SupportLevel))
	switch r.SupportLevel {
	case SupportActive, SupportLimited, SupportUnsupported, SupportUnknown:
	default:
		v.Add("support_level", "must be active, limited or unsupported")
	}
	return v.Err()
}

// Lifecycle is where a device is in its life at the hospital.
type Lifecycle string

const (
	LifecycleActive    Lifecycle = "active"
	LifecycleInStorage Lifecycle = "in-storage"
	LifecycleRetired   Lifecycle = "retired"
)

// Valid reports whether l is a known lifecycle state.
func (l Lifecycle) Valid() bool {
	return l == LifecycleActive || l == LifecycleInStorage || l == LifecycleRetired
}

// Location is where a device physically is.
type Location struct {
	Building   string `json:"building,omitempty"`
	Floor      string `json:"floor,omitempty"`
	Department string `json:"department,omitempty"`
	Room       string `json:"room,omitempty"`
}

// HL7Endpoint is an HL7 v2 sending/receiving application and facility (MSH-3/4 or MSH-5/6).
type HL7Endpoint struct {
	Application string `json:"application"`
	Facility    string `json:"facility,omitempty"`
}

// Device is one connected medical (or supporting) device at the hospital.
type Device struct {
	ID         DeviceID      `json:"id"`
	AssetTag   string        `json:"asset_tag,omitempty"`
	Serial     string        `json:"serial,omitempty"`
	Name       string        `json:"name,omitempty"`
	ModelID    ModelID       `json:"model_id,omitempty"`
	ReleaseID  ReleaseID     `json:"release_id,omitempty"`
	SiteID     SiteID        `json:"site_id,omitempty"`
	ZoneID     ZoneID        `json:"zone_id,omitempty"`
	Location   Location      `json:"location"`
	Owner      string        `json:"owner,omitempty"`
	Lifecycle  Lifecycle     `json:"lifecycle"`
	MACs       []string      `json:"macs"`
	IPs        []string      `json:"ips"`
	Hostnames  []string      `json:"hostnames"`
	AETitles   []string      `json:"ae_titles"`
	HL7        []HL7Endpoint `json:"hl7"`
	UDI        string        `json:"udi,omitempty"`
	FirstSeen  *time.Time    `json:"first_seen,omitempty"`
	LastSeen   *time.Time    `json:"last_seen,omitempty"`
	Notes      string        `json:"notes,omitempty"`
	Provenance Provenance    `json:"provenance,omitempty"`
	// Version increases by one on every change; the API exposes it as the ETag.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DeviceAttributes lists the device attributes that carry provenance, by JSON name.
var DeviceAttributes = []string{"asset_tag", "serial", "name", "model_id", "release_id",
	"site_id", "zone_id", "location", "owner", "lifecycle", "macs", "ips", "hostnames",
	"ae_titles", "hl7", "udi", "first_seen", "last_seen", "notes"}

// Validate checks a device's attributes and normalises MACs, IPs and names
// in place. Referential checks (does model 7 exist) belong to the service.
func (d *Device) Validate() error {
	v := Validation{What: "device"}
	checkText(&v, "asset_tag", d.AssetTag, MaxNameLen, false)
	checkText(&v, "serial", d.Serial, MaxNameLen, false)
	checkText(&v, "name", d.Name, MaxNameLen, false)
	checkText(&v, "owner", d.Owner, MaxNameLen, false)
	checkText(&v, "udi", d.UDI, MaxNameLen, false)
	checkText(&v, "notes", d.Notes, MaxNotesLen, false)
	checkText(&v, "location.building", d.Location.Building, MaxNameLen, false)
	checkText(&v, "location.floor", d.Location.Floor, MaxNameLen, false)
	checkText(&v, "location.department", d.Location.Department, MaxNameLen, false)
	checkText(&v, "location.room", d.Location.Room, MaxNameLen, false)
	if d.Lifecycle == "" {
		d.Lifecycle = LifecycleActive
	}
	if !d.Lifecycle.Valid() {
		v.Add("lifecycle", "must be active, in-storage or retired")
	}
	if d.ModelID < 0 || d.ReleaseID < 0 || d.SiteID < 0 || d.ZoneID < 0 {
		v.Add("id", "reference ids must be positive")
	}
	if d.ReleaseID > 0 && d.ModelID == 0 {
		v.Add("release_id", "a release needs the device's model_id")
	}
	d.MACs = normList(&v, "macs", d.MACs, func(s string) (string, error) { return NormalizeMAC(s) })
	d.IPs = normList(&v, "ips", d.IPs, NormalizeIP)
	d.Hostnames = normList(&v, "hostnames", d.Hostnames, NormalizeHostname)
	d.AETitles = normList(&v, "ae_titles", d.AETitles, CheckAETitle)
	if len(d.HL7) > MaxListLen {
		v.Add("hl7", "at most %d entries", MaxListLen)
	}
	for i, h := range d.HL7 {
		h.Application, h.Facility = strings.TrimSpace(h.Application), strings.TrimSpace(h.Facility)
		d.HL7[i] = h
		checkText(&v, fmt.Sprintf("hl7[%d].application", i), h.Application, MaxNameLen, true)
		checkText(&v, fmt.Sprintf("hl7[%d].facility", i), h.Facility, MaxNameLen, false)
	}
	if d.AssetTag == "" && d.Serial == "" && len(d.MACs) == 0 {
		v.Add("asset_tag", "a device needs an asset_tag, a serial or a MAC address to be identified")
	}
	if d.FirstSeen != nil && d.LastSeen != nil && d.LastSeen.Before(*d.FirstSeen) {
		v.Add("last_seen", "is before first_seen")
	}
	return v.Err()
}

// normList trims, normalises and de-duplicates a list, keeping order; nil
// becomes an empty list so JSON shows [] rather than null.
func normList(v *Validation, field string, in []string, norm func(string) (string, error)) []string {
	if len(in) > MaxListLen {
		v.Add(field, "at most %d entries", MaxListLen)
		return in
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for i, s := range in {
		n, err := norm(strings.TrimSpace(s))
		if err != nil {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "%v", err)
			continue
		}
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}

// NormalizeMAC returns a 48-bit MAC as lower-case colon-separated hex. It
// accepts colons, hyphens, dots (Cisco style) or no separators.
func NormalizeMAC(s string) (string, error) {
	s = strings.TrimSpace(s)
	var digits [12]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			c += 'a' - 'A'
		case c == ':' || c == '-' || c == '.':
			continue
		default:
			return "", fmt.Errorf("%q is not a MAC address", truncate(s, 40))
		}
		if n == 12 {
			return "", fmt.Errorf("%q is not a MAC address (too many digits)", truncate(s, 40))
		}
		digits[n] = c
		n++
	}
	if n != 12 {
		return "", fmt.Errorf("%q is not a MAC address (want 12 hex digits)", truncate(s, 40))
	}
	out := make([]byte, 0, 17)
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, digits[i], digits[i+1])
	}
	return string(out), nil
}

// NormalizeIP returns the canonical text of an IPv4 or IPv6 address.
func NormalizeIP(s string) (string, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("%q is not an IP address", truncate(s, 60))
	}
	return a.Unmap().String(), nil
}

// NormalizeHostname checks a host name (letters, digits, '_', and '.' or
// '-' after the first character; at most 253 bytes), drops a trailing dot
// and lowercases it. Written out rather than as a regexp: imports run it
// on every row.
func NormalizeHostname(s string) (string, error) {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return "", fmt.Errorf("%q is not a host name (1 to 253 characters)", truncate(s, 60))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' ||
			(i > 0 && (c == '.' || c == '-'))
		if !ok {
			return "", fmt.Errorf("%q is not a host name", truncate(s, 60))
		}
	}
	return strings.ToLower(s), nil
}

// CheckAETitle checks a DICOM AE title: up to 16 characters of the
// default character repertoire, no backslash or control characters.
func CheckAETitle(s string) (string, error) {
	if len(s) > 16 {
		return "", fmt.Errorf("AE title %q is longer than 16 characters", truncate(s, 40))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e || s[i] == '\\' {
			return "", fmt.Errorf("AE title %q has a character DICOM does not allow", truncate(s, 40))
		}
	}
	return s, nil
}

func checkText(v *Validation, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case len(s) > max:
		v.Add(field, "is longer than %d bytes", max)
	case !utf8.ValidString(s):
		v.Add(field, "is not valid UTF-8")
	case strings.ContainsRune(s, 0):
		v.Add(field, "contains a NUL character")
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Date is a calendar day without time of day, written YYYY-MM-DD.
type Date struct{ time.Time }

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD)", truncate(s, 40))
	}
	return Date{t}, nil
}

func (d Date) String() string { return d.Format(time.DateOnly) }

func (d Date) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

func (d *Date) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}
