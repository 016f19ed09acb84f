package versions

import "strings"

// Alpine (apk-tools) versions: number{.number}[letter]{_suffix[number]}[-rN].
// Ordering: numbers part by part, then the letter (absent first), then the
// suffixes, then the package revision. Suffixes rank
// _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p.

var alpineSuffixes = []string{"alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p"}

const alpineNoSuffix = 4 // index of "" above

type alpineSuffix struct {
	rank int
	num  string
}

type alpineVersion struct {
	nums     []string
	letter   byte
	suffixes []alpineSuffix
	rev      string
}

func parseAlpine(v string) (alpineVersion, error) {
	var a alpineVersion
	s := strings.TrimSpace(v)
	if i := strings.LastIndex(s, "-r"); i >= 0 {
		a.rev = s[i+2:]
		if !allDigits(a.rev) {
			return a, invalid(Alpine, v, "revision "+quote(s[i:])+" is not -r followed by a number")
		}
		s = s[:i]
	}
	// Numbers.
	for {
		j := 0
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == 0 {
			return a, invalid(Alpine, v, "expected a number at "+quote(s))
		}
		a.nums = append(a.nums, s[:j])
		s = s[j:]
		if len(s) > 1 && s[0] == '.' && isDigit(s[1]) {
			s = s[1:]
			continue
		}
		break
	}
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		a.letter, s = s[0], s[1:]
	}
	for s != "" {
		if s[0] != '_' {
			return a, invalid(Alpine, v, "unexpected "+quote(s))
		}
		s = s[1:]
		j := 0
		for j < len(s) && 'a' <= s[j] && s[j] <= 'z' {
			j++
		}
		rank := -1
		for r, name := range alpineSuffixes {
			if name != "" && name == s[:j] {
				rank = r
			}
		}
		if rank < 0 {
			return a, invalid(Alpine, v, "unknown suffix "+quote("_"+s[:j]))
		}
		s = s[j:]
		j = 0
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		a.suffixes = append(a.suffixes, alpineSuffix{rank: rank, num: s[:j]})
		s = s[j:]
	}
	return a, nil
}

func compareAlpine(a, b string) (int, error) {
	x, err := parseAlpine(a)
	if err != nil {
		return 0, err
	}
	y, err := parseAlpine(b)
	if err != nil {
		return 0, err
	}
	return x.compare(y), nil
}

func (a alpineVersion) compare(b alpineVersion) int {
	for i := 0; i < len(a.nums) && i < len(b.nums); i++ {
		x, y := a.nums[i], b.nums[i]
		var c int
		if i > 0 && (x[0] == '0' || y[0] == '0') {
			// apk, like Gentoo, treats a later part with a leading zero as
			// a decimal fraction: 1.05 < 1.1, compared as text once trailing
			// zeros are removed.
			c = strings.Compare(strings.TrimRight(x, "0"), strings.TrimRight(y, "0"))
		} else {
			c = compareDigits(x, y)
		}
		if c != 0 {
			return c
		}
	}
	if c := sign(len(a.nums) - len(b.nums)); c != 0 {
		return c // 1.0 < 1.0.1
	}
	if c := sign(int(a.letter) - int(b.letter)); c != 0 {
		return c
	}
	for i := 0; i < len(a.suffixes) || i < len(b.suffixes); i++ {
		x := alpineSuffix{rank: alpineNoSuffix}
		y := x
		if i < len(a.suffixes) {
			x = a.suffixes[i]
		}
		if i < len(b.suffixes) {
			y = b.suffixes[i]
		}
		if c := sign(x.rank - y.rank); c != 0 {
			return c
		}
		if c := compareDigits(x.num, y.num); c != 0 {
			return c
		}
	}
	return compareDigits(a.rev, b.rev)
}
