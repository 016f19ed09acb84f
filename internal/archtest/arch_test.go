package archtest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/vigil-oss/vigil"

type pkg struct {
	ImportPath string
	Name       string
	Doc        string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// engines are pure: reader in, typed results out. They may not do I/O of
// their own or reach into storage or HTTP.
// Each engine names the internal packages it may import.
var engines = map[string][]string{
	"inventory": {"internal/core"},
	"demo":      {"internal/core", "internal/service", "internal/discovery", "internal/packet"},
	"versions":  {},
	"cpe":       {},
	"advisory":  {"internal/cpe"},
	"purl":      {},
	"sbom":      {"internal/purl"},
	"csaf":      {"internal/purl", "internal/cpe", "internal/versions"},
	"vex":       {"internal/purl"},
	"match": {"internal/advisory", "internal/sbom", "internal/csaf", "internal/vex",
		"internal/versions", "internal/cpe", "internal/purl"},
	"packet":          {},
	"packet/dicom":    {},
	"packet/hl7":      {},
	"packet/httphdr":  {},
	"packet/tlshello": {},
	"packet/dhcp":     {},
	"packet/dns":      {},
	"packet/lldp":     {},
	"oui":             {},
	"discovery": {"internal/core", "internal/oui", "internal/packet", "internal/packet/dicom",
		"internal/packet/hl7", "internal/packet/httphdr", "internal/packet/tlshello", "internal/packet/dhcp",
		"internal/packet/dns", "internal/packet/lldp"},
}

var engineForbidden = []string{"database/sql", "net/http", "os", "os/exec"}

func TestImportRules(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, imp := range p.Imports {
			internal := strings.HasPrefix(imp, module+"/")
			irel := strings.TrimPrefix(imp, module+"/")
			switch {
			case rel == "internal/core" && (internal || strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")):
				t.Errorf("core imports %s: core may use the standard library only", imp)
			case (irel == "internal/store/sqlite" || irel == "internal/store/postgres") &&
				rel != "internal/app" && !strings.HasPrefix(rel, "internal/store/"):
				t.Errorf("%s imports %s: only internal/app may import a concrete store", rel, imp)
			case rel == "internal/service" && (imp == "database/sql" || imp == "net/http" ||
				strings.HasPrefix(irel, "internal/store") || irel == "internal/httpapi" || irel == "internal/cli"):
				t.Errorf("service imports %s: use cases talk to core.Store only", imp)
			case strings.HasPrefix(rel, "internal/store/") && (irel == "internal/service" || irel == "internal/httpapi"):
				t.Errorf("%s imports %s: storage must not know about use cases or HTTP", rel, imp)
			case (rel == "internal/httpapi" || rel == "internal/server") && irel == "internal/cli":
				t.Errorf("%s imports the CLI", rel)
			}
			for e, allowed := range engines {
				if rel != "internal/"+e {
					continue
				}
				for _, f := range engineForbidden {
					if imp == f {
						t.Errorf("engine %s imports %s: engines take readers and return results", rel, imp)
					}
				}
				if internal && !contains(allowed, irel) {
					t.Errorf("engine %s imports %s", rel, imp)
				}
			}
		}
	}
}

func TestPackageDocs(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.Doc == "" {
			t.Errorf("package %s has no doc comment saying what it owns", p.ImportPath)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
