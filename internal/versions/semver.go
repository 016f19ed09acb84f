package versions

import (
	"strconv"
	"strings"
)

// semverRules are the syntax differences between the semver dialects. The
// ordering is the same SemVer 2.0.0 precedence for all of them.
type semverRules struct {
	scheme       Scheme
	prefix       string // characters that may lead the version and are dropped
	minParts     int    // numeric parts required (missing ones count as 0)
	maxParts     int
	leadingZeros bool // whether "01" is tolerated in numeric parts
	foldCase     bool // NuGet compares labels case-insensitively
}

var (
	semverStrict = semverRules{scheme: Semver, minParts: 3, maxParts: 3}
	// Go accepts the "v1" and "v1.2" shorthands the go command accepts, and
	// also versions without the "v", because OSV writes Go versions bare.
	goRules    = semverRules{scheme: Go, prefix: "v", minParts: 1, maxParts: 3}
	npmRules   = semverRules{scheme: NPM, prefix: "v=", minParts: 3, maxParts: 3, leadingZeros: true}
	nugetRules = semverRules{scheme: NuGet, prefix: "v", minParts: 1, maxParts: 4, leadingZeros: true, foldCase: true}
	// OSV SEMVER ranges are semver, but real data (and Go purls) put a "v"
	// in front often enough that refusing it would only lose matches.
	osvSemverRules = semverRules{scheme: Semver, prefix: "v", minParts: 3, maxParts: 3}
)

// semver is a parsed version; the fields are substrings of the input, so
// parsing does not allocate.
type semver struct {
	nums  [4]string
	n     int
	pre   string
	isPre bool
}

func (r semverRules) parse(v string) (semver, error) {
	var out semver
	s := strings.TrimSpace(v)
	if r.prefix != "" {
		if r.scheme == NPM {
			// node-semver's loose mode drops any run of "v", "=" and spaces.
			s = strings.TrimSpace(strings.TrimLeft(s, r.prefix+" "))
		} else {
			s = strings.TrimPrefix(s, r.prefix)
		}
	}
	if i := strings.IndexByte(s, '+'); i >= 0 {
		// Build metadata (including Go's +incompatible) never affects
		// precedence, but it must still be well formed.
		if err := r.identifiers(v, s[i+1:], "build metadata", false); err != nil {
			return out, err
		}
		s = s[:i]
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		out.pre, out.isPre = s[i+1:], true
		if err := r.identifiers(v, out.pre, "prerelease", !r.leadingZeros); err != nil {
			return out, err
		}
		s = s[:i]
	}
	for s != "" {
		part, rest, more := strings.Cut(s, ".")
		if out.n == r.maxParts {
			return out, invalid(r.scheme, v, "too many numeric parts")
		}
		if !allDigits(part) {
			return out, invalid(r.scheme, v, "numeric part "+quote(part)+" is not a number")
		}
		if !r.leadingZeros && len(part) > 1 && part[0] == '0' {
			return out, invalid(r.scheme, v, "numeric part "+quote(part)+" has a leading zero")
		}
		out.nums[out.n] = part
		out.n++
		s = rest
		if more && s == "" {
			return out, invalid(r.scheme, v, "empty numeric part")
		}
	}
	if out.n < r.minParts {
		return out, invalid(r.scheme, v, "needs major.minor.patch")
	}
	if r.scheme == Go && out.n < 3 && (out.isPre || strings.Contains(v, "+")) {
		return out, invalid(r.scheme, v, "shorthand versions take no prerelease or build")
	}
	return out, nil
}

func (r semverRules) identifiers(v, s, what string, strictNumeric bool) error {
	if s == "" {
		return invalid(r.scheme, v, "empty "+what)
	}
	for s != "" {
		id, rest, more := strings.Cut(s, ".")
		if id == "" || (more && rest == "") {
			return invalid(r.scheme, v, "empty "+what+" identifier")
		}
		for i := 0; i < len(id); i++ {
			if c := id[i]; !isDigit(c) && !isAlpha(c) && c != '-' {
				return invalid(r.scheme, v, what+" identifier "+quote(id)+" has a character other than [0-9A-Za-z-]")
			}
		}
		if strictNumeric && len(id) > 1 && id[0] == '0' && allDigits(id) {
			return invalid(r.scheme, v, what+" identifier "+quote(id)+" has a leading zero")
		}
		s = rest
	}
	return nil
}

func (r semverRules) compare(a, b string) (int, error) {
	x, err := r.parse(a)
	if err != nil {
		return 0, err
	}
	y, err := r.parse(b)
	if err != nil {
		return 0, err
	}
	return r.order(x, y), nil
}

func (r semverRules) order(x, y semver) int {
	for i := range x.nums {
		// Missing parts are zero: nums holds "" there, which compareDigits
		// treats as 0.
		if c := compareDigits(x.nums[i], y.nums[i]); c != 0 {
			return c
		}
	}
	switch {
	case !x.isPre && !y.isPre:
		return 0
	case !x.isPre:
		return 1 // a release follows all of its prereleases
	case !y.isPre:
		return -1
	}
	return comparePrerelease(x.pre, y.pre, r.foldCase)
}

// comparePrerelease applies SemVer 2.0.0 §11.4: identifiers left to right,
// numeric ones numerically and below alphanumeric ones, and a longer list
// wins when one is a prefix of the other.
func comparePrerelease(a, b string, fold bool) int {
	for a != "" || b != "" {
		if a == "" {
			return -1
		}
		if b == "" {
			return 1
		}
		var x, y string
		x, a, _ = strings.Cut(a, ".")
		y, b, _ = strings.Cut(b, ".")
		xn, yn := allDigits(x), allDigits(y)
		var c int
		switch {
		case xn && yn:
			c = compareDigits(x, y)
		case xn:
			c = -1
		case yn:
			c = 1
		case fold:
			c = compareFold(x, y)
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// compareFold is an allocation-free case-insensitive ASCII comparison.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := lower(a[i]), lower(b[i])
		if x != y {
			return sign(int(x) - int(y))
		}
	}
	return sign(len(a) - len(b))
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func quote(s string) string { return strconv.Quote(s) }

func compareSemver(a, b string) (int, error) { return semverStrict.compare(a, b) }

// compareGo orders Go module versions. Pseudo-versions need no special
// case: the go command builds them as prereleases
// (v0.0.0-20191109021931-daa7c04131f5, vX.Y.(Z+1)-0.yyyymmddhhmmss-hash)
// precisely so that semver precedence puts them where they belong, and
// +incompatible is build metadata, which precedence ignores.
func compareGo(a, b string) (int, error) { return goRules.compare(a, b) }

func compareNPM(a, b string) (int, error) { return npmRules.compare(a, b) }

func compareNuGet(a, b string) (int, error) { return nugetRules.compare(a, b) }
