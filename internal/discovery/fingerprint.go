package discovery

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/vigil-oss/vigil/internal/core"
)

// The attributes identification sets on a device.
const (
	AttrVendor   = "vendor"
	AttrModel    = "model"
	AttrSoftware = "software_version"
	AttrType     = "device_type"
	AttrRole     = "role"
)

var attributes = []string{AttrVendor, AttrModel, AttrSoftware, AttrType, AttrRole}

// Limits on a fingerprint file, which a user may write.
const (
	maxFingerprintFile = 4 << 20
	maxRules           = 20000
	maxSignalValue     = 512 // longer signal values are cut before matching
)

//go:embed fingerprints.toml
var defaultFingerprints []byte

// Signal is one identifying fact a device gave away on the wire, named
// protocol.field (docs/fingerprints.md lists them): the value of a DHCP
// vendor class, the implementation class UID of a DICOM association, the
// organisation that owns a MAC's OUI.
type Signal struct {
	Name  string
	Value string
}

// Rule turns a signal into attribute values. Exactly one of Equals,
// Prefix, Contains, Regex or Any selects the signals it applies to; the
// string tests ignore case. The attribute templates may use {value} (the
// signal's value) and, with Regex, $1…$9 (its groups).
type Rule struct {
	ID         string  `toml:"id"`
	Signal     string  `toml:"signal"`
	Equals     string  `toml:"equals"`
	Prefix     string  `toml:"prefix"`
	Contains   string  `toml:"contains"`
	Regex      string  `toml:"regex"`
	Any        bool    `toml:"any"`
	Vendor     string  `toml:"vendor"`
	Model      string  `toml:"model"`
	Software   string  `toml:"software_version"`
	DeviceType string  `toml:"device_type"`
	Role       string  `toml:"role"`
	Confidence float64 `toml:"confidence"`
	Note       string  `toml:"note"`

	re          *regexp.Regexp
	lowerEquals string
	lowerPrefix string
	lowerContns string
}

// Vendor is a maker's canonical name and the other names it goes by (IEEE
// registrations, former names, common misspellings), compared after
// folding case and dropping company-form words such as Inc. or GmbH.
type Vendor struct {
	Name    string   `toml:"name"`
	Aliases []string `toml:"aliases"`
}

// Fingerprints is a set of identification rules and vendor names, read
// from TOML (docs/fingerprints.md). It is immutable once built and safe
// for concurrent use.
type Fingerprints struct {
	rules    []Rule
	bySignal map[string][]int
	vendors  map[string]string // folded alias -> canonical name
	prefixes []vendorPrefix    // folded alias prefixes, longest first
}

type vendorPrefix struct{ folded, name string }

type fingerprintFile struct {
	Vendor []Vendor `toml:"vendor"`
	Rule   []Rule   `toml:"rule"`
}

var (
	defaultOnce sync.Once
	defaultFP   *Fingerprints
	defaultErr  error
)

// DefaultFingerprints returns the rules built into the binary.
func DefaultFingerprints() (*Fingerprints, error) {
	defaultOnce.Do(func() {
		defaultFP, defaultErr = ParseFingerprints("built-in fingerprints", defaultFingerprints)
	})
	return defaultFP, defaultErr
}

// ParseFingerprints reads a fingerprint file; name is used in errors.
func ParseFingerprints(name string, data []byte) (*Fingerprints, error) {
	if len(data) > maxFingerprintFile {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d MiB allowed", name, len(data), maxFingerprintFile>>20)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not UTF-8 text", name)
	}
	var f fingerprintFile
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%s: unknown key %q", name, und[0].String())
	}
	if len(f.Rule) > maxRules {
		return nil, fmt.Errorf("%s: %d rules, more than the %d allowed", name, len(f.Rule), maxRules)
	}
	fp := &Fingerprints{}
	var errs []error
	for i, v := range f.Vendor {
		if strings.TrimSpace(v.Name) == "" {
			errs = append(errs, fmt.Errorf("%s: vendor %d: name is required", name, i+1))
		}
	}
	ids := map[string]bool{}
	for i := range f.Rule {
		r := &f.Rule[i]
		where := fmt.Sprintf("%s: rule %d", name, i+1)
		if r.ID != "" {
			where += fmt.Sprintf(" (%s)", r.ID)
		}
		if err := r.compile(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if ids[r.ID] {
			errs = append(errs, fmt.Errorf("%s: id %q used twice", where, r.ID))
		}
		ids[r.ID] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	fp.build(f.Vendor, f.Rule)
	return fp, nil
}

func (r *Rule) compile() error {
	if strings.TrimSpace(r.ID) == "" {
		return errors.New("id is required")
	}
	if strings.TrimSpace(r.Signal) == "" {
		return errors.New("signal is required")
	}
	n := 0
	for _, set := range []bool{r.Equals != "", r.Prefix != "", r.Contains != "", r.Regex != "", r.Any} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errors.New("needs exactly one of equals, prefix, contains, regex or any = true")
	}
	if r.Regex != "" {
		re, err := regexp.Compile(r.Regex)
		if err != nil {
			return fmt.Errorf("regex: %w", err)
		}
		r.re = re
	}
	if r.Vendor == "" && r.Model == "" && r.Software == "" && r.DeviceType == "" && r.Role == "" {
		return errors.New("sets no attribute (vendor, model, software_version, device_type or role)")
	}
	if math.IsNaN(r.Confidence) || r.Confidence <= 0 || r.Confidence > 1 {
		return fmt.Errorf("confidence %v: must be above 0 and at most 1", r.Confidence)
	}
	r.lowerEquals, r.lowerPrefix, r.lowerContns = strings.ToLower(r.Equals), strings.ToLower(r.Prefix), strings.ToLower(r.Contains)
	return nil
}

func (fp *Fingerprints) build(vendors []Vendor, rules []Rule) {
	fp.rules = rules
	fp.bySignal = map[string][]int{}
	for i, r := range rules {
		fp.bySignal[r.Signal] = append(fp.bySignal[r.Signal], i)
	}
	fp.vendors = map[string]string{}
	fp.prefixes = nil
	for _, v := range vendors {
		for _, a := range append([]string{v.Name}, v.Aliases...) {
			k := foldVendor(a)
			if k == "" {
				continue
			}
			fp.vendors[k] = v.Name
			fp.prefixes = append(fp.prefixes, vendorPrefix{k, v.Name})
		}
	}
	slices.SortStableFunc(fp.prefixes, func(a, b vendorPrefix) int { return len(b.folded) - len(a.folded) })
}

// Merge returns the rules of fp followed by those of more; a rule of more
// with the id of one of fp's replaces it, and more's vendor names are
// added. Neither input changes.
func (fp *Fingerprints) Merge(more *Fingerprints) *Fingerprints {
	if more == nil {
		return fp
	}
	override := map[string]int{}
	for i, r := range more.rules {
		override[r.ID] = i
	}
	var rules []Rule
	for _, r := range fp.rules {
		if _, ok := override[r.ID]; !ok {
			rules = append(rules, r)
		}
	}
	rules = append(rules, more.rules...)
	var vendors []Vendor
	names := map[string][]string{}
	var order []string
	for _, src := range []*Fingerprints{fp, more} {
		for k, name := range src.vendors {
			if _, ok := names[name]; !ok {
				order = append(order, name)
			}
			names[name] = append(names[name], k)
		}
	}
	slices.Sort(order)
	for _, n := range order {
		vendors = append(vendors, Vendor{Name: n, Aliases: names[n]})
	}
	out := &Fingerprints{}
	out.build(vendors, rules)
	return out
}

// Len is the number of rules.
func (fp *Fingerprints) Len() int { return len(fp.rules) }

// Hit is what one rule made of one signal: the attribute values it sets.
type Hit struct {
	Rule       string
	Values     map[string]string // attribute -> value, canonical
	Confidence float64
}

// Apply runs the rules for s.Name over s.Value.
func (fp *Fingerprints) Apply(s Signal) []Hit {
	idx := fp.bySignal[s.Name]
	if len(idx) == 0 || s.Value == "" {
		return nil
	}
	v := s.Value
	if len(v) > maxSignalValue {
		v = v[:maxSignalValue]
	}
	lower := strings.ToLower(v)
	var hits []Hit
	for _, i := range idx {
		r := &fp.rules[i]
		var groups []string
		switch {
		case r.Any:
		case r.Equals != "":
			if lower != r.lowerEquals {
				continue
			}
		case r.Prefix != "":
			if !strings.HasPrefix(lower, r.lowerPrefix) {
				continue
			}
		case r.Contains != "":
			if !strings.Contains(lower, r.lowerContns) {
				continue
			}
		case r.re != nil:
			if groups = r.re.FindStringSubmatch(v); groups == nil {
				continue
			}
		}
		h := Hit{Rule: r.ID, Confidence: r.Confidence, Values: map[string]string{}}
		for attr, tmpl := range map[string]string{AttrVendor: r.Vendor, AttrModel: r.Model, AttrSoftware: r.Software,
			AttrType: r.DeviceType, AttrRole: r.Role} {
			if tmpl == "" {
				continue
			}
			val := strings.TrimSpace(expand(tmpl, v, groups))
			switch attr {
			case AttrVendor:
				val = fp.CanonicalVendor(val)
			case AttrType, AttrRole:
				val = core.NormalizeDeviceType(val)
			}
			if val != "" {
				h.Values[attr] = val
			}
		}
		if len(h.Values) > 0 {
			hits = append(hits, h)
		}
	}
	return hits
}

// expand fills in {value} and $1…$9.
func expand(tmpl, value string, groups []string) string {
	if !strings.ContainsAny(tmpl, "{$") {
		return tmpl
	}
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		switch {
		case strings.HasPrefix(tmpl[i:], "{value}"):
			b.WriteString(value)
			i += len("{value}") - 1
		case tmpl[i] == '$' && i+1 < len(tmpl) && tmpl[i+1] >= '0' && tmpl[i+1] <= '9':
			n, _ := strconv.Atoi(tmpl[i+1 : i+2])
			if n < len(groups) {
				b.WriteString(groups[n])
			}
			i++
		default:
			b.WriteByte(tmpl[i])
		}
	}
	return b.String()
}

// companyForms are the words of a registered company name that say what
// kind of company it is, not which.
var companyForms = map[string]bool{
	"inc": true, "incorporated": true, "corp": true, "corporation": true, "co": true, "company": true,
	"ltd": true, "limited": true, "llc": true, "gmbh": true, "ag": true, "kg": true, "se": true,
	"bv": true, "nv": true, "sa": true, "sas": true, "spa": true, "srl": true, "plc": true, "kk": true,
	"oy": true, "ab": true, "as": true, "pty": true, "pte": true, "lp": true, "llp": true, "the": true, "and": true,
}

// foldVendor lowers a company name to its distinguishing words.
func foldVendor(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 0x80)
	})
	out := words[:0]
	for i, w := range words {
		// "Co., Ltd." and "B.V." come apart into letters; join single
		// letters back before dropping forms.
		if len(w) == 1 && i+1 < len(words) && len(words[i+1]) == 1 {
			words[i+1] = w + words[i+1]
			continue
		}
		if !companyForms[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// CanonicalVendor names a maker as the vendor table does ("PHILIPS MEDICAL
// SYSTEMS" → "Philips"). A name the table does not know keeps its words
// without the company form ("Zebra Technologies Inc." → "Zebra
// Technologies").
func (fp *Fingerprints) CanonicalVendor(s string) string {
	k := foldVendor(s)
	if k == "" {
		return strings.TrimSpace(s)
	}
	if n, ok := fp.vendors[k]; ok {
		return n
	}
	for _, p := range fp.prefixes {
		if strings.HasPrefix(k, p.folded+" ") {
			return p.name
		}
	}
	return trimCompanyForm(s)
}

// trimCompanyForm drops trailing company-form words and punctuation.
func trimCompanyForm(s string) string {
	s = strings.TrimSpace(s)
	for {
		t := strings.TrimRight(s, " ,.")
		i := strings.LastIndexAny(t, " ,")
		if i < 0 {
			return t
		}
		last := strings.ToLower(strings.NewReplacer(".", "", ",", "").Replace(t[i+1:]))
		if !companyForms[last] {
			return t
		}
		s = t[:i]
	}
}
