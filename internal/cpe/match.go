package cpe

import (
	"errors"
	"fmt"
	"strings"
)

// Compare orders two version strings: negative if a < b, zero if equal,
// positive if a > b, and an error when either cannot be ordered. The
// firmware-aware ordering lives outside this package and is injected.
type Compare func(a, b string) (int, error)

// Matches reports whether w, used as a criteria name (typically from NVD,
// possibly holding ANY, NA and wildcards), matches target, a concrete name
// of something present on a device. Attributes are compared one by one:
//
//   - criteria ANY matches anything;
//   - criteria NA matches only NA or ANY (a platform that does not say);
//   - a criteria value or pattern never matches a target that is ANY or NA,
//     because "unknown version" must not turn into every version's findings;
//   - otherwise the value, or pattern with '*' and '?', is compared without
//     regard to ASCII case, since NVD lower-cases its dictionary but device
//     makers and SBOMs do not.
//
// Wildcards in target are compared as ordinary characters: a target is meant
// to name one thing.
func (w WFN) Matches(target WFN) bool {
	c, t := w.values(), target.values()
	for i := range c {
		if !matchValue(*c[i], *t[i]) {
			return false
		}
	}
	return true
}

func matchValue(c, t Value) bool {
	switch {
	case c.IsAny():
		return true
	case c.IsNA():
		return t.IsNA() || t.IsAny()
	case t.IsAny() || t.IsNA():
		return false
	case !c.wild:
		// Both are canonical, so equal text means equal strings up to case.
		return strings.EqualFold(c.s, t.s)
	}
	return glob(c.s, t.s)
}

// glob matches pattern p against text t, both in canonical 2.3 form, where
// a quoted character is one logical character. It backtracks only to the
// last '*', which keeps it linear in practice and quadratic at worst.
func glob(p, t string) bool {
	pi, ti := 0, 0
	starP, starT := -1, 0
	for ti < len(t) {
		tc, tn := t[ti], 1
		if tc == '\\' && ti+1 < len(t) {
			tc, tn = t[ti+1], 2
		}
		if pi < len(p) {
			switch pc := p[pi]; pc {
			case '*':
				starP, starT = pi, ti
				pi++
				continue
			case '?':
				pi++
				ti += tn
				continue
			default:
				lc, ln := pc, 1
				if pc == '\\' && pi+1 < len(p) {
					lc, ln = p[pi+1], 2
				}
				if lower(lc) == lower(tc) {
					pi += ln
					ti += tn
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last '*' swallow one more logical character and retry.
		if t[starT] == '\\' && starT+1 < len(t) {
			starT += 2
		} else {
			starT++
		}
		pi, ti = starP+1, starT
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Range is an NVD version range. Empty bounds are absent; a zero Range
// places no constraint.
type Range struct {
	StartIncluding string `json:"versionStartIncluding,omitempty"`
	StartExcluding string `json:"versionStartExcluding,omitempty"`
	EndIncluding   string `json:"versionEndIncluding,omitempty"`
	EndExcluding   string `json:"versionEndExcluding,omitempty"`
}

// IsZero reports whether r has no bounds.
func (r Range) IsZero() bool { return r == Range{} }

// String renders r for evidence, e.g. ">= 4.0, < 4.0e".
func (r Range) String() string {
	var parts []string
	if r.StartIncluding != "" {
		parts = append(parts, ">= "+r.StartIncluding)
	}
	if r.StartExcluding != "" {
		parts = append(parts, "> "+r.StartExcluding)
	}
	if r.EndIncluding != "" {
		parts = append(parts, "<= "+r.EndIncluding)
	}
	if r.EndExcluding != "" {
		parts = append(parts, "< "+r.EndExcluding)
	}
	return strings.Join(parts, ", ")
}

// ErrNoCompare is returned when a range must be evaluated without a Compare.
var ErrNoCompare = errors.New("cpe: version range needs a Compare function")

// Contains reports whether version lies within every bound of r.
func (r Range) Contains(version string, cmp Compare) (bool, error) {
	if r.IsZero() {
		return true, nil
	}
	if cmp == nil {
		return false, ErrNoCompare
	}
	bounds := [4]struct {
		v  string
		ok func(int) bool
	}{
		{r.StartIncluding, func(c int) bool { return c >= 0 }},
		{r.StartExcluding, func(c int) bool { return c > 0 }},
		{r.EndIncluding, func(c int) bool { return c <= 0 }},
		{r.EndExcluding, func(c int) bool { return c < 0 }},
	}
	for _, b := range bounds {
		if b.v == "" {
			continue
		}
		c, err := cmp(version, b.v)
		if err != nil {
			return false, fmt.Errorf("cpe: compare version %q with bound %q: %w", clip(version), clip(b.v), err)
		}
		if !b.ok(c) {
			return false, nil
		}
	}
	return true, nil
}

// Criterion is one NVD cpeMatch: a criteria name, an optional version range,
// and whether the named thing is the vulnerable one or only the platform it
// must run on.
type Criterion struct {
	Vulnerable      bool   `json:"vulnerable"`
	Criteria        string `json:"criteria"`
	MatchCriteriaID string `json:"matchCriteriaId,omitempty"`
	Range
}

// Matches reports whether target satisfies c: the names match and, when c
// has a range, the target's version is a concrete value inside it.
func (c Criterion) Matches(target WFN, cmp Compare) (bool, error) {
	name, err := Parse(c.Criteria)
	if err != nil {
		return false, fmt.Errorf("cpe: criteria %q: %w", clip(c.Criteria), err)
	}
	return matchCriterion(name, c.Range, target, cmp)
}

func matchCriterion(name WFN, r Range, target WFN, cmp Compare) (bool, error) {
	if !name.Matches(target) {
		return false, nil
	}
	if r.IsZero() {
		return true, nil
	}
	// A range needs a version to place; ANY, NA or a pattern has none.
	if v := target.Version; v.IsAny() || v.IsNA() || v.wild {
		return false, nil
	}
	return r.Contains(target.Version.Text(), cmp)
}
