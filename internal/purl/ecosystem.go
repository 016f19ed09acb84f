package purl

import "strings"

// OSV ecosystem names for purl types whose package names carry over
// directly. Spellings are those of the OSV schema's ecosystems.json.
var osvEcosystems = map[string]string{
	"bitnami":  "Bitnami",
	"cargo":    "crates.io",
	"composer": "Packagist",
	"conan":    "ConanCenter",
	"cran":     "CRAN",
	"gem":      "RubyGems",
	// OSV's GitHub Actions ecosystem names an action by its owner/repo,
	// which is exactly a github purl's namespace/name.
	"github":  "GitHub Actions",
	"golang":  "Go",
	"hackage": "Hackage",
	"hex":     "Hex",
	"maven":   "Maven",
	"npm":     "npm",
	"nuget":   "NuGet",
	"pub":     "Pub",
	"pypi":    "PyPI",
	"swift":   "SwiftURL",
}

// Distribution packages: the purl namespace names the distribution, and OSV
// has one ecosystem per distribution.
var osvDistros = map[string]map[string]string{
	"deb": {"debian": "Debian", "ubuntu": "Ubuntu"},
	"apk": {"alpine": "Alpine", "wolfi": "Wolfi", "chainguard": "Chainguard", "alpaquita": "Alpaquita"},
	"rpm": {
		"almalinux": "AlmaLinux", "redhat": "Red Hat", "rocky-linux": "Rocky Linux",
		"rocky": "Rocky Linux", "opensuse": "openSUSE", "suse": "SUSE",
		"openeuler": "openEuler", "mageia": "Mageia", "photon": "Photon OS",
		"azurelinux": "Azure Linux",
	},
}

// Ecosystem returns the OSV ecosystem for p, or "" when OSV has none or the
// purl does not say which one (an rpm with an unknown vendor). For
// distribution packages it falls back from the namespace to the "distro"
// qualifier's leading word (distro=debian-12 → Debian). No release suffix
// is added.
func (p PURL) Ecosystem() string {
	if e, ok := osvEcosystems[p.Type]; ok {
		return e
	}
	distros, ok := osvDistros[p.Type]
	if !ok {
		return ""
	}
	if e, ok := distros[asciiLower(p.Namespace)]; ok {
		return e
	}
	d := asciiLower(p.QualifierValue("distro"))
	if i := strings.IndexAny(d, "-:/ "); i >= 0 {
		d = d[:i]
	}
	return distros[d]
}

// OSVName returns the package name as OSV records it in Ecosystem(), or ""
// when Ecosystem() is "".
func (p PURL) OSVName() string {
	if p.Ecosystem() == "" {
		return ""
	}
	switch p.Type {
	case "golang", "composer", "github", "swift":
		return p.path("/")
	case "maven":
		return p.path(":")
	case "npm":
		// The scope is the namespace, "@" included.
		return p.path("/")
	case "pypi":
		return pep503(p.Name)
	}
	// hex organisations, distribution vendors and the like are not part of
	// the OSV name.
	return p.Name
}

// GoModulePath returns the module path of a golang purl exactly as written,
// or "" for other types.
func (p PURL) GoModulePath() string {
	if p.Type != "golang" {
		return ""
	}
	return p.path("/")
}

func (p PURL) path(sep string) string {
	if p.Namespace == "" {
		return p.Name
	}
	return p.Namespace + sep + p.Name
}

// pep503 normalises a Python project name as OSV stores it: lowercase, with
// every run of '-', '_' and '.' collapsed to a single '-'. This is stronger
// than the purl rule (which only maps '_'), so "zope.interface" is found
// under "zope-interface".
func pep503(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}
