package demo

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/vigil-oss/vigil/internal/core"
)

// catalogJSON is the curated catalog. It is data, written by hand from the
// advisories; nothing reads the advisories at run time.
//
//go:embed catalog.json
var catalogJSON []byte

// Catalog lists real makers and models named in CISA ICS medical advisories,
// with our classification of each and the releases the demo installs.
type Catalog struct {
	About         string                `json:"about"`
	AsOf          core.Date             `json:"as_of"` // the day support levels describe
	Manufacturers []CatalogManufacturer `json:"manufacturers"`
	Models        []CatalogModel        `json:"models"`
}

// CatalogManufacturer is a maker under one canonical name. Aliases are the
// other spellings advisories use ("Becton, Dickinson and Company (BD)",
// "Phillips"), so a later import can map them back.
type CatalogManufacturer struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
	// OUIs are the maker's IEEE assignments as hex digits: six for an MA-L
	// block, seven for an MA-M one. Empty means the demo gives the maker's
	// devices locally administered MAC addresses.
	OUIs []string `json:"ouis"`
}

// Platform values: what a model runs on, which decides whose MAC it has.
const (
	PlatformAppliance   = "appliance"   // the maker's own hardware
	PlatformWorkstation = "workstation" // the maker's software on a PC
	PlatformVM          = "vm"          // the maker's software on a hospital VM
)

// Network values: how a model connects.
const (
	NetworkWired    = "wired"
	NetworkWireless = "wireless"
	NetworkNone     = "none" // tracked by asset tag and serial only
)

// CatalogModel is one device model and the facts the demo needs about it.
type CatalogModel struct {
	Manufacturer string        `json:"manufacturer"`
	Name         string        `json:"name"`
	Short        string        `json:"short"` // for device names and host names
	Number       string        `json:"number,omitempty"`
	DeviceType   string        `json:"device_type"`
	FDAClass     string        `json:"fda_class"` // "" where the product is not a regulated device
	Function     core.Function `json:"function"`
	HandlesPHI   bool          `json:"handles_phi"`
	Platform     string        `json:"platform"`
	Network      string        `json:"network"`
	OUI          string        `json:"oui,omitempty"` // overrides the maker's first OUI
	DICOM        bool          `json:"dicom,omitempty"`
	HL7App       string        `json:"hl7_app,omitempty"`
	// Serial is a pattern: '#' is a random digit, '@' a random capital
	// letter, anything else is literal.
	Serial string `json:"serial"`
	Note   string `json:"note,omitempty"`
	// Advisories are the ICSMA ids the model was taken from; AdvisoryNames
	// are the product names as those advisories print them.
	Advisories    []string         `json:"advisories"`
	AdvisoryNames []string         `json:"advisory_names"`
	Releases      []CatalogRelease `json:"releases"` // oldest first
}

// CatalogRelease is one software or firmware version of a model.
type CatalogRelease struct {
	Version      string     `json:"version"`
	Released     *core.Date `json:"released,omitempty"`
	Support      string     `json:"support"`
	EndOfSupport *core.Date `json:"end_of_support,omitempty"`
	// Named is true when the version string appears in one of the model's
	// advisories (as affected or as fixed); false marks an illustrative
	// version for a model whose advisory says "all versions".
	Named bool `json:"named"`
}

var (
	advisoryIDRE = regexp.MustCompile(`^ICSMA-\d{2}-\d{3}-\d{2}[A-Z]?$`)
	ouiRE        = regexp.MustCompile(`^[0-9A-F]{6,7}$`)
)

// ReadCatalog decodes and checks the embedded catalog. Each call returns a
// fresh copy the caller may change.
func ReadCatalog() (*Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(catalogJSON))
	dec.DisallowUnknownFields()
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, core.Wrap(core.KindInternal, err, "decode the demo catalog")
	}
	if err := c.check(); err != nil {
		return nil, core.Wrap(core.KindInternal, err, "check the demo catalog")
	}
	return &c, nil
}

// check catches editing mistakes in the catalog before they turn into a
// half-loaded demo.
func (c *Catalog) check() error {
	makers := map[string]bool{}
	for _, m := range c.Manufacturers {
		if strings.TrimSpace(m.Name) == "" || makers[strings.ToLower(m.Name)] {
			return fmt.Errorf("manufacturer %q: empty or duplicate name", m.Name)
		}
		makers[strings.ToLower(m.Name)] = true
		for _, o := range m.OUIs {
			if !ouiRE.MatchString(o) {
				return fmt.Errorf("manufacturer %q: OUI %q is not 6 or 7 upper-case hex digits", m.Name, o)
			}
		}
	}
	models := map[string]bool{}
	for _, m := range c.Models {
		key := strings.ToLower(m.Manufacturer + "\x00" + m.Name)
		where := fmt.Sprintf("model %s %q", m.Manufacturer, m.Name)
		switch {
		case !makers[strings.ToLower(m.Manufacturer)]:
			return fmt.Errorf("%s: manufacturer is not in the catalog", where)
		case strings.TrimSpace(m.Name) == "" || models[key]:
			return fmt.Errorf("%s: empty or duplicate name", where)
		case m.Short == "" || m.Serial == "" || m.DeviceType == "":
			return fmt.Errorf("%s: short, serial and device_type are required", where)
		case core.NormalizeDeviceType(m.DeviceType) != m.DeviceType:
			return fmt.Errorf("%s: device_type %q is not normalised", where, m.DeviceType)
		case !m.Function.Valid():
			return fmt.Errorf("%s: unknown function %q", where, m.Function)
		case m.FDAClass != "" && m.FDAClass != "I" && m.FDAClass != "II" && m.FDAClass != "III":
			return fmt.Errorf("%s: FDA class %q", where, m.FDAClass)
		case m.Platform != PlatformAppliance && m.Platform != PlatformWorkstation && m.Platform != PlatformVM:
			return fmt.Errorf("%s: unknown platform %q", where, m.Platform)
		case m.Network != NetworkWired && m.Network != NetworkWireless && m.Network != NetworkNone:
			return fmt.Errorf("%s: unknown network %q", where, m.Network)
		case m.Platform == PlatformVM && m.Network != NetworkWired:
			return fmt.Errorf("%s: a VM is wired", where)
		case m.OUI != "" && !ouiRE.MatchString(m.OUI):
			return fmt.Errorf("%s: OUI %q", where, m.OUI)
		case len(m.Advisories) == 0 || len(m.AdvisoryNames) == 0:
			return fmt.Errorf("%s: needs the advisories and product names it came from", where)
		case len(m.Releases) == 0:
			return fmt.Errorf("%s: needs at least one release", where)
		}
		models[key] = true
		for _, a := range m.Advisories {
			if !advisoryIDRE.MatchString(a) {
				return fmt.Errorf("%s: %q is not an ICSMA advisory id", where, a)
			}
		}
		versions := map[string]bool{}
		for i, r := range m.Releases {
			if strings.TrimSpace(r.Version) == "" || versions[r.Version] {
				return fmt.Errorf("%s: empty or duplicate release %q", where, r.Version)
			}
			versions[r.Version] = true
			switch r.Support {
			case core.SupportActive, core.SupportLimited, core.SupportUnsupported:
			default:
				return fmt.Errorf("%s release %s: support %q", where, r.Version, r.Support)
			}
			if r.Released == nil {
				return fmt.Errorf("%s release %s: needs a release date", where, r.Version)
			}
			if i > 0 && r.Released.Before(m.Releases[i-1].Released.Time) {
				return fmt.Errorf("%s release %s: releases must be listed oldest first", where, r.Version)
			}
			if r.EndOfSupport != nil && r.EndOfSupport.Before(r.Released.Time) {
				return fmt.Errorf("%s release %s: end of support before release", where, r.Version)
			}
		}
	}
	return nil
}

// manufacturer returns the catalog entry named name.
func (c *Catalog) manufacturer(name string) *CatalogManufacturer {
	for i := range c.Manufacturers {
		if strings.EqualFold(c.Manufacturers[i].Name, name) {
			return &c.Manufacturers[i]
		}
	}
	return nil
}
