package versions

import (
	"fmt"
	"slices"
	"strings"
)

// Op is a vers comparator.
type Op string

// The vers comparators.
const (
	OpEQ Op = "="
	OpNE Op = "!="
	OpLT Op = "<"
	OpLE Op = "<="
	OpGT Op = ">"
	OpGE Op = ">="
)

// Constraint is one comparator and version of a vers range.
type Constraint struct {
	Op      Op
	Version string
}

// Vers is a parsed purl-spec "vers" range such as
// "vers:npm/>=1.0.0|<2.0.0|!=1.5.0".
type Vers struct {
	// VersScheme is the versioning scheme as written after "vers:".
	VersScheme string
	// Scheme orders the versions. For a versioning scheme this package
	// does not know it is Firmware and Heuristic is true: the ordering is
	// then a guess the caller should say it made.
	Scheme    Scheme
	Heuristic bool
	// Any is true for "vers:<scheme>/*", which contains every version.
	Any bool
	// Constraints are sorted by version.
	Constraints []Constraint
}

var versSchemes = map[string]Scheme{
	"semver": Semver, "cargo": Semver,
	"npm":   NPM,
	"pypi":  PyPI,
	"maven": Maven,
	"deb":   Debian, "debian": Debian,
	"rpm": RPM,
	"apk": Alpine, "alpine": Alpine,
	"golang": Go, "go": Go,
	"nuget":   NuGet,
	"generic": Firmware,
}

// ParseVers parses a vers string. Every version must be valid in the
// scheme, a version may appear only once, and whitespace is ignored as
// the specification asks.
func ParseVers(s string) (*Vers, error) {
	if len(s) > MaxVersLen {
		return nil, fmt.Errorf("%w vers: %d bytes, longer than the limit of %d", ErrInvalid, len(s), MaxVersLen)
	}
	s = stripSpace(s)
	if len(s) < 5 || !strings.EqualFold(s[:5], "vers:") {
		return nil, fmt.Errorf("%w vers %q: does not start with \"vers:\"", ErrInvalid, clip(s))
	}
	name, constraints, ok := strings.Cut(s[5:], "/")
	if !ok || name == "" {
		return nil, fmt.Errorf("%w vers %q: no \"<scheme>/\" after \"vers:\"", ErrInvalid, clip(s))
	}
	if len(name) > 32 || strings.IndexFunc(name, func(r rune) bool {
		return !(r < 0x80 && (isAlnum(byte(r)) || r == '-' || r == '.' || r == '+' || r == '_'))
	}) >= 0 {
		return nil, fmt.Errorf("%w vers %q: scheme %q is not a short ASCII name", ErrInvalid, clip(s), clip(name))
	}
	name = strings.ToLower(name)
	v := &Vers{VersScheme: name}
	if v.Scheme, ok = versSchemes[name]; !ok {
		v.Scheme, v.Heuristic = Firmware, true
	}
	if constraints == "" {
		return nil, fmt.Errorf("%w vers %q: no constraints", ErrInvalid, clip(s))
	}
	if constraints == "*" {
		v.Any = true
		return v, nil
	}
	for _, part := range strings.Split(constraints, "|") {
		c, err := parseConstraint(v.Scheme, part)
		if err != nil {
			return nil, fmt.Errorf("vers constraint %q: %w", clip(part), err)
		}
		v.Constraints = append(v.Constraints, c)
	}
	var sortErr error
	slices.SortStableFunc(v.Constraints, func(a, b Constraint) int {
		c, err := Compare(v.Scheme, a.Version, b.Version)
		if err != nil && sortErr == nil {
			sortErr = err
		}
		return c
	})
	if sortErr != nil {
		return nil, fmt.Errorf("vers: %w", sortErr)
	}
	for i := 1; i < len(v.Constraints); i++ {
		if c, _ := Compare(v.Scheme, v.Constraints[i-1].Version, v.Constraints[i].Version); c == 0 {
			return nil, fmt.Errorf("%w vers: version %q appears in more than one constraint", ErrInvalid, v.Constraints[i].Version)
		}
	}
	return v, nil
}

func parseConstraint(s Scheme, part string) (Constraint, error) {
	if part == "" {
		return Constraint{}, fmt.Errorf("%w: empty constraint", ErrInvalid)
	}
	if part == "*" {
		return Constraint{}, fmt.Errorf("%w: \"*\" must be the only constraint", ErrInvalid)
	}
	var c Constraint
	// Two-character comparators first, so "<=" is not read as "<" and "=1".
	for _, op := range []Op{OpNE, OpLE, OpGE, OpLT, OpGT, OpEQ} {
		if rest, ok := strings.CutPrefix(part, string(op)); ok {
			c.Op, part = op, rest
			break
		}
	}
	if c.Op == "" {
		c.Op = OpEQ // a bare version means equality
	}
	if part != "" && strings.ContainsRune("<>=!", rune(part[0])) {
		return c, fmt.Errorf("%w: comparator %q followed by %q", ErrInvalid, c.Op, part[:1])
	}
	version, err := percentDecode(part)
	if err != nil {
		return c, err
	}
	if version == "" {
		return c, fmt.Errorf("%w: comparator %q without a version", ErrInvalid, c.Op)
	}
	if err := Validate(s, version); err != nil {
		return c, err
	}
	c.Version = version
	return c, nil
}

// stripSpace drops ASCII whitespace byte by byte; strings.Map would also
// rewrite invalid UTF-8, changing bytes inside versions.
func stripSpace(s string) string {
	if !strings.ContainsAny(s, " \t\n\r") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

// percentDecode undoes the URL-style escaping vers uses for characters
// such as '|' inside a version.
func percentDecode(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
			return "", fmt.Errorf("%w: bad percent-escape in %q", ErrInvalid, s)
		}
		b.WriteByte(byte(unhex(s[i+1])<<4 | unhex(s[i+2])))
		i += 2
	}
	return b.String(), nil
}

func unhex(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// clip keeps error messages about oversized input readable.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// Contains reports whether version is in the range, with the algorithm of
// the vers specification: equality constraints decide first ("!=" on an
// equal version excludes it), then the remaining "<", "<=", ">", ">="
// constraints, in version order, are read as a sequence of intervals.
//
// One deviation: a range made only of "!=" constraints contains every
// version it does not exclude; the specification's literal algorithm would
// contain none, which no author of such a range means.
func (v *Vers) Contains(version string) (bool, error) {
	if err := Validate(v.Scheme, version); err != nil {
		return false, err
	}
	if v.Any {
		return true, nil
	}
	bounds := make([]Constraint, 0, len(v.Constraints))
	sawNE := false
	for _, c := range v.Constraints {
		cmp, err := Compare(v.Scheme, version, c.Version)
		if err != nil {
			return false, err
		}
		if cmp == 0 {
			switch c.Op {
			case OpEQ, OpLE, OpGE:
				return true, nil
			case OpNE:
				return false, nil
			}
		}
		switch c.Op {
		case OpEQ:
		case OpNE:
			sawNE = true
		default:
			bounds = append(bounds, c)
		}
	}
	if len(bounds) == 0 {
		return sawNE, nil
	}
	less := func(c Constraint) bool { return c.Op == OpLT || c.Op == OpLE }
	greater := func(c Constraint) bool { return c.Op == OpGT || c.Op == OpGE }
	cmpTo := func(c Constraint) int {
		r, _ := Compare(v.Scheme, version, c.Version) // validated above
		return r
	}
	if len(bounds) == 1 {
		c := bounds[0]
		return less(c) && cmpTo(c) < 0 || greater(c) && cmpTo(c) > 0, nil
	}
	for i := 0; i+1 < len(bounds); i++ {
		cur, next := bounds[i], bounds[i+1]
		if i == 0 && less(cur) && cmpTo(cur) < 0 {
			return true, nil
		}
		if i+2 == len(bounds) && greater(next) && cmpTo(next) > 0 {
			return true, nil
		}
		if greater(cur) && less(next) && cmpTo(cur) > 0 && cmpTo(next) < 0 {
			return true, nil
		}
	}
	return false, nil
}

// String writes the range back in canonical vers form.
func (v *Vers) String() string {
	var b strings.Builder
	b.WriteString("vers:")
	b.WriteString(v.VersScheme)
	b.WriteByte('/')
	if v.Any {
		b.WriteByte('*')
		return b.String()
	}
	for i, c := range v.Constraints {
		if i > 0 {
			b.WriteByte('|')
		}
		if c.Op != OpEQ {
			b.WriteString(string(c.Op))
		}
		for i := 0; i < len(c.Version); i++ {
			// Escape what the parser would otherwise read as syntax or drop.
			switch ch := c.Version[i]; ch {
			case '%', '|', ' ', '\t', '\n', '\r':
				b.WriteString(fmt.Sprintf("%%%02X", ch))
			default:
				b.WriteByte(ch)
			}
		}
	}
	return b.String()
}
