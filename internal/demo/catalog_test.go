package demo

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
)

func TestReadCatalog(t *testing.T) {
	c, err := ReadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Manufacturers); n < 20 {
		t.Errorf("catalog has %d manufacturers, want at least 20", n)
	}
	if n := len(c.Models); n < 40 || n > 70 {
		t.Errorf("catalog has %d models, want 40-70", n)
	}
	used := map[string]bool{}
	for _, m := range c.Models {
		used[m.Manufacturer] = true
		if len(m.Advisories) == 0 {
			t.Errorf("model %s %s names no advisory", m.Manufacturer, m.Name)
		}
		model := core.Model{ManufacturerID: 1, Name: m.Name, Number: m.Number, DeviceType: m.DeviceType,
			FDAClass: m.FDAClass, Function: m.Function, HandlesPHI: m.HandlesPHI}
		if err := model.Validate(); err != nil {
			t.Errorf("model %s %s: %v", m.Manufacturer, m.Name, err)
		}
	}
	for _, m := range c.Manufacturers {
		if !used[m.Name] {
			t.Errorf("manufacturer %s has no model in the catalog", m.Name)
		}
	}
	// The demo is meant to show the classes of device the advisories cover.
	for _, kinds := range [][]string{
		{"infusion-pump"},
		{"patient-monitor"},
		{"ct-scanner", "mri-scanner", "x-ray", "ultrasound"},
		{"lab-analyzer"},
		{"imaging-workstation", "clinical-workstation"},
		{"pacs"},
	} {
		found := false
		for _, m := range c.Models {
			for _, k := range kinds {
				found = found || m.DeviceType == k
			}
		}
		if !found {
			t.Errorf("no catalog model of type %v", kinds)
		}
	}
}

func TestReadCatalogReturnsCopies(t *testing.T) {
	a, err := ReadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	a.Models[0].Name = "changed"
	b, err := ReadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if b.Models[0].Name == "changed" {
		t.Error("ReadCatalog shares state between calls")
	}
}

func TestCatalogCheckRejects(t *testing.T) {
	for name, edit := range map[string]func(c *Catalog){
		"unknown maker":     func(c *Catalog) { c.Models[0].Manufacturer = "Acme" },
		"duplicate model":   func(c *Catalog) { c.Models[1] = c.Models[0] },
		"no advisory":       func(c *Catalog) { c.Models[0].Advisories = nil },
		"bad advisory id":   func(c *Catalog) { c.Models[0].Advisories = []string{"CVE-2020-1234"} },
		"no release":        func(c *Catalog) { c.Models[0].Releases = nil },
		"bad support":       func(c *Catalog) { c.Models[0].Releases[0].Support = "forever" },
		"releases unsorted": func(c *Catalog) { r := c.Models[0].Releases; r[0], r[1] = r[1], r[0] },
		"bad function":      func(c *Catalog) { c.Models[0].Function = "magic" },
		"bad platform":      func(c *Catalog) { c.Models[0].Platform = "cloud" },
		"bad OUI":           func(c *Catalog) { c.Manufacturers[0].OUIs = []string{"00-11-22"} },
		"unnormalised type": func(c *Catalog) { c.Models[0].DeviceType = "Infusion Pump" },
	} {
		t.Run(name, func(t *testing.T) {
			c, err := ReadCatalog()
			if err != nil {
				t.Fatal(err)
			}
			edit(c)
			if err := c.check(); err == nil {
				t.Error("check accepted a broken catalog")
			}
		})
	}
}

// sharedData finds the project's shared data directory, which lives beside
// the repository and is not part of it.
func sharedData(t *testing.T, parts ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{"..", "..", "..", "shared", "data"}, parts...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared data %s not found (%v); the cross-check needs the advisories beside the repository", dir, err)
	}
	return dir
}

// squash makes advisory text and catalog names comparable whatever the
// case, spacing and punctuation ("HD 16" and "HD16", "2023.3_Build_9342").
func squash(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// TestCatalogTracesToAdvisories checks the curated catalog against the CSAF
// files it was written from: each advisory exists and names the maker, the
// product names are quoted from it, and versions marked named appear in it.
func TestCatalogTracesToAdvisories(t *testing.T) {
	dir := sharedData(t, "csaf", "cisa-icsma")
	c, err := ReadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	read := func(id string) string {
		if s, ok := texts[id]; ok {
			return s
		}
		b, err := os.ReadFile(filepath.Join(dir, strings.ToLower(id)+".json"))
		if err != nil {
			t.Errorf("advisory %s: %v", id, err)
			return ""
		}
		var doc struct {
			Document struct {
				Tracking struct {
					ID string `json:"id"`
				} `json:"tracking"`
			} `json:"document"`
		}
		if err := json.Unmarshal(b, &doc); err != nil || doc.Document.Tracking.ID != id {
			t.Errorf("advisory %s: tracking id %q, err %v", id, doc.Document.Tracking.ID, err)
		}
		texts[id] = squash(string(b))
		return texts[id]
	}
	for _, m := range c.Models {
		t.Run(m.Manufacturer+" "+m.Name, func(t *testing.T) {
			mfr := c.manufacturer(m.Manufacturer)
			all := ""
			for _, id := range m.Advisories {
				text := read(id)
				all += text
				found := false
				for _, n := range append([]string{mfr.Name}, mfr.Aliases...) {
					found = found || strings.Contains(text, squash(n))
				}
				if !found {
					t.Errorf("advisory %s does not mention %s or its aliases", id, mfr.Name)
				}
			}
			for _, n := range m.AdvisoryNames {
				if !strings.Contains(all, squash(n)) {
					t.Errorf("product name %q is not in advisories %v", n, m.Advisories)
				}
			}
			for _, r := range m.Releases {
				if r.Named && !strings.Contains(all, squash(r.Version)) {
					t.Errorf("release %q is marked named but is not in advisories %v", r.Version, m.Advisories)
				}
			}
		})
	}
}

// TestCatalogOUIs checks every OUI the demo hands out against the IEEE
// registry copy (MA-L) or Wireshark's manuf file (which adds MA-M blocks).
func TestCatalogOUIs(t *testing.T) {
	dir := sharedData(t, "oui")
	known := map[string]string{}
	for _, name := range []string{"oui.csv", "manuf"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if name == "oui.csv" {
				if parts := strings.SplitN(line, ",", 3); len(parts) == 3 {
					known[parts[1]] = parts[2]
				}
				continue
			}
			if fields := strings.Split(line, "\t"); len(fields) >= 2 && !strings.HasPrefix(line, "#") {
				p := strings.ToUpper(strings.ReplaceAll(fields[0], ":", ""))
				if i := strings.IndexByte(p, '/'); i >= 0 {
					bits, err := strconv.Atoi(p[i+1:])
					if err != nil {
						t.Fatalf("manuf: %q: %v", line, err)
					}
					p = p[:(bits+3)/4] // the block's significant hex digits
				}
				known[p] = fields[len(fields)-1]
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	c, err := ReadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	check := func(who, oui string) {
		if _, ok := known[oui]; !ok {
			t.Errorf("%s: OUI %s is not in the IEEE registry copy", who, oui)
		}
	}
	for _, m := range c.Manufacturers {
		for _, o := range m.OUIs {
			check(m.Name, o)
		}
	}
	for _, m := range c.Models {
		if m.OUI != "" {
			check(m.Name, m.OUI)
		}
	}
	check("VMware", vmwareOUI)
	check("Dell", dellOUI)
}
