package csaf

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/vigil-oss/vigil/internal/versions"
)

// ErrRange is wrapped by every error of ParseVersionRange: the text is not a
// version range this package understands. The matcher records such a range
// as not understood rather than guessing.
var ErrRange = errors.New("version range not understood")

// maxRangeLen bounds the text of one range.
const maxRangeLen = 1024

// VersionRange is a parsed product_version_range or product_version name.
// Exactly one of All, Vers, Versions and Constraints describes it.
type VersionRange struct {
	All         bool                  // every version
	Constraints []versions.Constraint // AND-ed (e.g. >=1.0, <2.0); one OpEQ for a named version
	Versions    []string              // a list of named versions, OR-ed ("1.1 | 1.2 | 1.4")
	Vers        *versions.Vers        // when written as vers; its own scheme applies
	// Model is the model number a trailing "model X" limits the range to
	// ("8.x model 35700BAX2": versions 8.x of model 35700BAX2).
	Model string
	Text  string // the original text
}

// modelRE finds a trailing model qualifier.
var modelRE = regexp.MustCompile(`(?i)^(.*\S)\s+model\s+([A-Za-z0-9][A-Za-z0-9._/-]*)$`)

func rangeErr(s, why string) error {
	return fmt.Errorf("csaf: %w: %q: %s", ErrRange, truncate(s), why)
}

var (
	wsRE = regexp.MustCompile(`\s+`)
	// versionWord is one word of a version: letters, digits and the usual
	// separators, starting with a letter or digit.
	versionWord = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._\-+~:]*$`)
	// opRE finds the comparators of a comparator list.
	opRE = regexp.MustCompile(`(<=|>=|==|=<|=>|<|>|=)`)
	// wildcardRE is a numeric prefix ending in .x (or .x.x, .*).
	wildcardRE = regexp.MustCompile(`^v?((?:\d+\.)*\d+)(?:\.[x*])+$`)
)

// stopWords cannot be part of a version; a text holding one after a
// comparator qualifies the range in a way this package does not understand
// ("<=11.2 on Windows 8.1").
var stopWords = map[string]bool{
	"and": true, "or": true, "on": true, "with": true, "to": true, "through": true, "thru": true,
	"prior": true, "before": true, "after": true, "later": true, "earlier": true, "including": true,
	"from": true, "the": true, "versions": true, "version": true, "all": true, "than": true, "up": true,
	"older": true, "newer": true, "below": true, "above": true, "except": true, "not": true,
	"model": true, "between": true, "shipped": true, "option": true,
}

// months mark a date, which is no version ("< july 1 2017").
var months = func() map[string]bool {
	m := map[string]bool{}
	for w := range strings.FieldsSeq("january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec") {
		m[w] = true
	}
	return m
}()

// phrases maps the word forms of a one-sided range, with "%" for the
// version, to the comparator.
var phrases = []struct {
	re *regexp.Regexp
	op versions.Op
}{
	{regexp.MustCompile(`^(?:all versions )?(?:prior to|before|earlier than|older than|below|lower than|less than) (.+)$`), versions.OpLT},
	{regexp.MustCompile(`^(?:all versions )?(?:up to and including|up to|through|thru|until) (.+)$`), versions.OpLE},
	{regexp.MustCompile(`^(?:all versions )?(?:after|later than|newer than|greater than|above) (.+)$`), versions.OpGT},
	{regexp.MustCompile(`^(?:versions? )?(.+?) (?:and|or) (?:prior|earlier|below|lower|older|before)(?: versions)?$`), versions.OpLE},
	{regexp.MustCompile(`^(?:versions? )?(.+?) (?:and|or) (?:later|above|higher|newer|greater|after)(?: versions)?$`), versions.OpGE},
	{regexp.MustCompile(`^(?:versions? )?(.+?)\+$`), versions.OpGE},
}

// spans are the two-sided word forms: "1.0 through 1.4", "1.0 - 1.4".
var spans = regexp.MustCompile(`^(?:all )?(?:versions? )?(?:from )?(.+?) (?:through|thru|to|-|until) (.+)$`)

// ParseVersionRange parses the range forms found in real advisories'
// product_version_range and product_version names: vers strings
// ("vers:generic/>=1.0|<2.0"), comparator lists ("<=3.5", ">= 1.0 <2.0",
// ">= 1.0 | <= 1.3.1", "<V2.1.0"), words ("All versions", "all versions
// prior to 2.1", "2.1 and prior", "versions 1.0 through 1.4", "prior to 2.1",
// "before 2.1", "up to 3.0", "2.0 and later"), wildcards ("3.2.x", "<=
// 11.x"), dash spans ("1.0 - 1.4"), lists of named versions ("1.1 | 1.2",
// "2131 and 2141") and a single named version. A trailing parenthesised
// remark without comparators is ignored ("<= 1.54 (integrated into …)"). A
// leading "v" before a digit is dropped from versions. Anything else —
// dates, platform qualifiers, nested conditions — is an error wrapping
// ErrRange.
func ParseVersionRange(s string) (VersionRange, error) {
	r := VersionRange{Text: s}
	if len(s) > maxRangeLen {
		return r, rangeErr(s, fmt.Sprintf("longer than %d bytes", maxRangeLen))
	}
	t := strings.TrimSpace(wsRE.ReplaceAllString(s, " "))
	if t == "" {
		return r, rangeErr(s, "empty")
	}
	for i := range len(t) {
		// Versions are ASCII; this also keeps lower-casing length-preserving.
		if t[i] >= 0x80 {
			return r, rangeErr(s, "non-ASCII text")
		}
	}
	if strings.HasPrefix(strings.ToLower(t), "vers:") {
		v, err := versions.ParseVers(t)
		if err != nil {
			return r, fmt.Errorf("csaf: %w: %w", ErrRange, err)
		}
		r.Vers, r.All = v, v.Any
		return r, nil
	}
	// A trailing remark such as "(end-of-life Nov 2017)".
	if strings.HasSuffix(t, ")") {
		if i := strings.LastIndex(t, " ("); i > 0 {
			if rem := t[i+2 : len(t)-1]; !strings.ContainsAny(rem, "<>=|()") {
				t = strings.TrimSpace(t[:i])
			}
		}
	}
	if m := modelRE.FindStringSubmatch(t); m != nil {
		inner, err := ParseVersionRange(m[1])
		if err == nil && inner.Model == "" {
			inner.Model, inner.Text = m[2], s
			return inner, nil
		}
	}
	low := strings.ToLower(t)
	switch low {
	case "*", "all", "all versions", "any", "any version", "all versions affected":
		r.All = true
		return r, nil
	}
	low = strings.TrimPrefix(low, "all versions ")
	t = t[len(t)-len(low):]

	if opRE.MatchString(t) {
		cs, err := parseComparators(s, t)
		if err != nil {
			return r, err
		}
		r.Constraints = cs
		return r, nil
	}
	for _, p := range phrases {
		if m := p.re.FindStringSubmatch(low); m != nil {
			c, err := bound(s, p.op, original(t, low, m[1]))
			if err != nil {
				return r, err
			}
			r.Constraints = c
			return r, nil
		}
	}
	if m := spans.FindStringSubmatch(low); m != nil && !strings.Contains(m[1], " and ") {
		lo, err := bound(s, versions.OpGE, original(t, low, m[1]))
		if err != nil {
			return r, err
		}
		hi, err := bound(s, versions.OpLE, original(t, low, m[2]))
		if err != nil {
			return r, err
		}
		r.Constraints = append(lo, hi...)
		return r, nil
	}
	// A list of named versions.
	sep := "|"
	if !strings.Contains(t, "|") && strings.Contains(low, " and ") {
		sep = " and "
	}
	var list []string
	for part := range strings.SplitSeq(t, sep) {
		if sep == " and " {
			part = strings.ReplaceAll(part, " AND ", "")
		}
		part = strings.TrimSpace(part)
		if m := wildcardRE.FindStringSubmatch(strings.ToLower(part)); m != nil {
			if sep == "|" && strings.Contains(t, "|") {
				return r, rangeErr(s, "a wildcard in a list")
			}
			c, err := wildcard(s, m[1])
			if err != nil {
				return r, err
			}
			r.Constraints = c
			return r, nil
		}
		v, err := version(s, part)
		if err != nil {
			return r, err
		}
		list = append(list, v)
	}
	if len(list) == 1 {
		r.Constraints = []versions.Constraint{{Op: versions.OpEQ, Version: list[0]}}
	} else {
		r.Versions = list
	}
	return r, nil
}

// original returns the text of t at the position where sub occurs in low,
// its lower-cased form.
func original(t, low, sub string) string {
	i := strings.Index(low, sub)
	return t[i : i+len(sub)]
}

// parseComparators parses a list of comparator terms separated by spaces,
// "|", "," or "and": at most one lower and one upper bound, or one "=".
func parseComparators(s, t string) ([]versions.Constraint, error) {
	locs := opRE.FindAllStringIndex(t, -1)
	if pre := strings.TrimSpace(t[:locs[0][0]]); pre != "" {
		return nil, rangeErr(s, fmt.Sprintf("text %q before the first comparator", pre))
	}
	var out []versions.Constraint
	var lower, upper, eq int
	for i, loc := range locs {
		end := len(t)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		op := versions.Op(t[loc[0]:loc[1]])
		switch op {
		case "==":
			op = versions.OpEQ
		case "=<":
			op = versions.OpLE
		case "=>":
			op = versions.OpGE
		}
		text := strings.TrimSpace(t[loc[1]:end])
		for _, suf := range []string{"|", ",", "&&", " and", " AND", ";"} {
			text = strings.TrimSpace(strings.TrimSuffix(text, suf))
		}
		if text == "" {
			return nil, rangeErr(s, "comparator "+string(op)+" without a version")
		}
		cs, err := bound(s, op, text)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			switch c.Op {
			case versions.OpGT, versions.OpGE:
				lower++
			case versions.OpLT, versions.OpLE:
				upper++
			case versions.OpEQ:
				eq++
			}
		}
		out = append(out, cs...)
	}
	if lower > 1 || upper > 1 || (eq > 0 && len(out) > 1) {
		return nil, rangeErr(s, "more than one lower or upper bound; cannot tell an interval from a list")
	}
	return out, nil
}

// bound builds the constraints of "op text", where text is a version or a
// wildcard such as "11.x".
func bound(s string, op versions.Op, text string) ([]versions.Constraint, error) {
	if m := wildcardRE.FindStringSubmatch(strings.ToLower(text)); m != nil {
		w, err := wildcard(s, m[1])
		if err != nil {
			return nil, err
		}
		lo, hi := w[0].Version, w[1].Version // >= lo, < hi
		switch op {
		case versions.OpLT:
			return []versions.Constraint{{Op: versions.OpLT, Version: lo}}, nil
		case versions.OpLE:
			return []versions.Constraint{{Op: versions.OpLT, Version: hi}}, nil
		case versions.OpGE:
			return []versions.Constraint{{Op: versions.OpGE, Version: lo}}, nil
		case versions.OpGT:
			return []versions.Constraint{{Op: versions.OpGE, Version: hi}}, nil
		}
		return w, nil
	}
	v, err := version(s, text)
	if err != nil {
		return nil, err
	}
	return []versions.Constraint{{Op: op, Version: v}}, nil
}

// wildcard turns the numeric prefix of "3.2.x" into >= 3.2, < 3.3.
func wildcard(s, prefix string) ([]versions.Constraint, error) {
	parts := strings.Split(prefix, ".")
	n, err := strconv.ParseUint(parts[len(parts)-1], 10, 32)
	if err != nil {
		return nil, rangeErr(s, "wildcard number too large")
	}
	parts[len(parts)-1] = strconv.FormatUint(n+1, 10)
	return []versions.Constraint{{Op: versions.OpGE, Version: prefix}, {Op: versions.OpLT, Version: strings.Join(parts, ".")}}, nil
}

// version checks one version: words of letters, digits and separators, none
// a stop word or a month name; several words need a digit among them
// ("1.8.4 Service Pack 01", "HD 16"), a single word does not ("K", "IGS").
func version(s, text string) (string, error) {
	text = strings.TrimSpace(text)
	words := strings.Fields(text)
	if len(words) == 0 {
		return "", rangeErr(s, "missing version")
	}
	for i, w := range words {
		if !versionWord.MatchString(w) {
			return "", rangeErr(s, fmt.Sprintf("%q is not a version", truncate(w)))
		}
		if stopWords[strings.ToLower(w)] {
			return "", rangeErr(s, fmt.Sprintf("qualifier %q", truncate(strings.Join(words[i:], " "))))
		}
	}
	for _, w := range words {
		if months[strings.ToLower(w)] {
			return "", rangeErr(s, fmt.Sprintf("%q looks like a date, not a version", truncate(text)))
		}
		if len(words) > 1 && wildcardRE.MatchString(strings.ToLower(w)) {
			return "", rangeErr(s, fmt.Sprintf("wildcard %q inside a longer text", w))
		}
	}
	if !strings.ContainsAny(text, "0123456789") && len(words) > 1 {
		return "", rangeErr(s, fmt.Sprintf("%q has no digit: a name, not a version", truncate(text)))
	}
	if len(text) > versions.MaxVersionLen {
		return "", rangeErr(s, "version too long")
	}
	return stripV(text), nil
}

// stripV drops a leading "v" or "V" before a digit: "V2.1.0" is 2.1.0.
func stripV(v string) string {
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && v[1] >= '0' && v[1] <= '9' {
		return v[1:]
	}
	return v
}

// Contains reports whether version v is in the range, ordering versions with
// scheme s (versions.Firmware for vendor firmware strings, or an ecosystem
// scheme). A vers range uses its own scheme. A leading "v" before a digit is
// ignored in v as in the range. Named versions also match when equal as
// strings, ignoring case, so a name the scheme cannot parse still matches
// itself.
func (r VersionRange) Contains(v string, s versions.Scheme) (bool, error) {
	switch {
	case r.All:
		return true, nil
	case r.Vers != nil:
		return r.Vers.Contains(v)
	}
	v = stripV(strings.TrimSpace(v))
	if len(r.Versions) > 0 {
		for _, x := range r.Versions {
			if ok, err := equal(s, v, x); ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	}
	if len(r.Constraints) == 0 {
		return false, fmt.Errorf("csaf: empty version range %q", truncate(r.Text))
	}
	for _, c := range r.Constraints {
		if c.Op == versions.OpEQ {
			ok, err := equal(s, v, c.Version)
			if !ok || err != nil {
				return false, err
			}
			continue
		}
		n, err := versions.Compare(s, v, c.Version)
		if err != nil {
			return false, fmt.Errorf("csaf: range %q: %w", truncate(r.Text), err)
		}
		var ok bool
		switch c.Op {
		case versions.OpLT:
			ok = n < 0
		case versions.OpLE:
			ok = n <= 0
		case versions.OpGT:
			ok = n > 0
		case versions.OpGE:
			ok = n >= 0
		case versions.OpNE:
			ok = n != 0
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func equal(s versions.Scheme, a, b string) (bool, error) {
	if strings.EqualFold(a, b) {
		return true, nil
	}
	n, err := versions.Compare(s, a, b)
	if err != nil {
		return false, fmt.Errorf("csaf: compare %q with %q: %w", truncate(a), truncate(b), err)
	}
	return n == 0, nil
}
