package match

import (
	"slices"
	"strings"
	"unicode"
)

// normName folds a vendor or product name for comparison: lower case,
// letters and digits only, words joined by single spaces, so
// "IntelliVue-MX40" and "intellivue mx40" agree.
func normName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// corporateWords are dropped from vendor names: they say what kind of
// company it is, not which one.
var corporateWords = map[string]bool{
	"inc": true, "incorporated": true, "corp": true, "corporation": true, "co": true, "company": true,
	"ltd": true, "limited": true, "llc": true, "gmbh": true, "ag": true, "sa": true, "se": true,
	"bv": true, "nv": true, "plc": true, "kg": true, "spa": true, "oy": true, "ab": true, "as": true,
	"the": true, "and": true, "of": true,
}

// vendorWords is a vendor name's significant words.
func vendorWords(s string) []string {
	var out []string
	for _, w := range strings.Fields(normName(s)) {
		if !corporateWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// vendorMatch compares a maker as the inventory or SBOM names it with a
// vendor as an advisory names it. It holds when the significant words are
// equal, when one name's words start the other's ("Philips" and "Philips
// Healthcare", "BD" inside "Becton, Dickinson and Company (BD)"), or when
// they differ by one letter in a word of six or more letters (a misspelling
// such as "Phillips"); fuzzy says the last rule was needed.
func vendorMatch(ours, theirs string) (ok, fuzzy bool) {
	a, b := vendorWords(ours), vendorWords(theirs)
	if len(a) == 0 || len(b) == 0 {
		return false, false
	}
	// An abbreviation given in parentheses: "Becton, Dickinson and
	// Company (BD)" is "BD".
	if len(a) == 1 && slices.Contains(abbreviations(theirs), a[0]) ||
		len(b) == 1 && slices.Contains(abbreviations(ours), b[0]) {
		return true, false
	}
	// The shorter name's words start the longer's, allowing one misspelt
	// long word.
	if len(a) > len(b) {
		a, b = b, a
	}
	diffs := 0
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		if len(a[i]) >= 6 && len(b[i]) >= 6 && editDistance1(a[i], b[i]) {
			diffs++
			continue
		}
		return false, false
	}
	return diffs <= 1, diffs == 1
}

// abbreviations are the single words a name gives in parentheses.
func abbreviations(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '(')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], ')')
		if j < 0 {
			return out
		}
		if w := strings.Fields(normName(s[i+1 : i+j])); len(w) == 1 {
			out = append(out, w[0])
		}
		s = s[i+j+1:]
	}
}

// editDistance1 reports whether a and b differ by exactly one insertion,
// deletion or substitution.
func editDistance1(a, b string) bool {
	if a == b {
		return false
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:]
	}
	return a[i:] == b[i+1:]
}
