package versions

import (
	"errors"
	"fmt"
	"strings"
)

// Scheme names a versioning scheme: the rules by which two version strings
// of one ecosystem are ordered.
type Scheme string

// The schemes this package can order.
const (
	Semver   Scheme = "semver"   // SemVer 2.0.0 precedence, strict syntax
	Go       Scheme = "go"       // Go module versions: semver with "v", pseudo-versions, +incompatible
	PyPI     Scheme = "pypi"     // PEP 440
	NPM      Scheme = "npm"      // node-semver: semver with a loose leading "v" or "="
	NuGet    Scheme = "nuget"    // semver with up to four numeric parts, case-insensitive labels
	Maven    Scheme = "maven"    // Maven ComparableVersion
	Debian   Scheme = "debian"   // dpkg: [epoch:]upstream[-revision]
	RPM      Scheme = "rpm"      // rpmvercmp: [epoch:]version[-release]
	Alpine   Scheme = "alpine"   // apk-tools versions
	Firmware Scheme = "firmware" // heuristic for vendor strings; see firmware.go
)

// Schemes lists every scheme, for tests and for callers that enumerate.
var schemes = []Scheme{Semver, Go, PyPI, NPM, NuGet, Maven, Debian, RPM, Alpine, Firmware}

// Schemes returns every supported scheme.
func Schemes() []Scheme { return append([]Scheme(nil), schemes...) }

// Size limits. Real versions are short; anything longer is either a
// mistake or an attempt to make a comparator do a lot of work.
const (
	MaxVersionLen = 256     // bytes in one version string
	MaxVersLen    = 4 << 10 // bytes in one vers range string
)

// ErrInvalid is wrapped by every error about a malformed version, range or
// vers string, so callers can tell bad input from other failures.
var ErrInvalid = errors.New("invalid")

func invalid(s Scheme, v, why string) error {
	return fmt.Errorf("%w %s version %q: %s", ErrInvalid, s, v, why)
}

// Compare orders a and b under scheme s: -1 if a sorts before b, 0 if they
// are equal in precedence (which need not mean equal strings: "1.0" and
// "1.0.0" are equal for PyPI), +1 otherwise. It fails if either string is
// not a valid version of the scheme or exceeds MaxVersionLen.
func Compare(s Scheme, a, b string) (int, error) {
	cmp, ok := comparators[s]
	if !ok {
		return 0, fmt.Errorf("%w scheme %q", ErrInvalid, s)
	}
	if err := bounded(s, a); err != nil {
		return 0, err
	}
	if err := bounded(s, b); err != nil {
		return 0, err
	}
	return cmp(a, b)
}

// Validate reports whether v is a well-formed version of scheme s.
func Validate(s Scheme, v string) error {
	_, err := Compare(s, v, v)
	return err
}

func bounded(s Scheme, v string) error {
	if len(v) > MaxVersionLen {
		return fmt.Errorf("%w %s version: %d bytes, longer than the limit of %d", ErrInvalid, s, len(v), MaxVersionLen)
	}
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%w %s version: empty", ErrInvalid, s)
	}
	return nil
}

var comparators = map[Scheme]func(a, b string) (int, error){
	Semver:   compareSemver,
	Go:       compareGo,
	PyPI:     comparePEP440,
	NPM:      compareNPM,
	NuGet:    compareNuGet,
	Maven:    compareMaven,
	Debian:   compareDebian,
	RPM:      compareRPM,
	Alpine:   compareAlpine,
	Firmware: compareFirmware,
}

// ForEcosystem maps an OSV ecosystem name to its scheme. OSV qualifies
// distribution ecosystems with a release ("Debian:12", "Alpine:v3.19",
// "Ubuntu:22.04:LTS"); only the part before the first colon matters.
// Ecosystems without a scheme of their own get Firmware, the generic
// heuristic, and ok=false so the caller can say the ordering is a guess.
func ForEcosystem(ecosystem string) (s Scheme, ok bool) {
	name, _, _ := strings.Cut(ecosystem, ":")
	switch strings.TrimSpace(name) {
	case "Go":
		return Go, true
	case "PyPI":
		return PyPI, true
	case "npm":
		return NPM, true
	case "Maven":
		return Maven, true
	case "Debian", "Ubuntu":
		return Debian, true
	case "Alpine":
		return Alpine, true
	case "Red Hat", "Rocky Linux", "AlmaLinux", "openSUSE", "SUSE", "Mageia":
		return RPM, true
	case "crates.io":
		return Semver, true
	case "NuGet":
		return NuGet, true
	}
	return Firmware, false
}

// ForPurlType maps a purl type to its scheme, with ok=false (and the
// Firmware heuristic) for types without one.
func ForPurlType(purlType string) (s Scheme, ok bool) {
	switch strings.ToLower(purlType) {
	case "golang":
		return Go, true
	case "pypi":
		return PyPI, true
	case "npm":
		return NPM, true
	case "maven":
		return Maven, true
	case "deb":
		return Debian, true
	case "rpm":
		return RPM, true
	case "apk":
		return Alpine, true
	case "cargo":
		return Semver, true
	case "nuget":
		return NuGet, true
	case "generic":
		return Firmware, true
	}
	return Firmware, false
}

// sign folds any integer into -1, 0 or +1.
func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// compareDigits orders two runs of ASCII digits by numeric value without
// converting them, so arbitrarily long numbers neither overflow nor allocate.
func compareDigits(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
