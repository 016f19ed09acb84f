package versions

import "strings"

// RPM versions are [epoch:]version[-release], ordered as rpm does: epoch
// numerically (absent is 0), then version and release with rpmvercmp.

type rpmVersion struct {
	epoch, version, release string
}

func parseRPM(v string) (rpmVersion, error) {
	var r rpmVersion
	var s string
	var err error
	if r.epoch, r.version, r.release, s, err = splitEVR(RPM, v, "version", "release"); err != nil {
		return r, err
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == ':' {
			return r, invalid(RPM, v, "character "+quote(string(c))+" is not allowed")
		}
	}
	return r, nil
}

func compareRPM(a, b string) (int, error) {
	x, err := parseRPM(a)
	if err != nil {
		return 0, err
	}
	y, err := parseRPM(b)
	if err != nil {
		return 0, err
	}
	if c := compareDigits(x.epoch, y.epoch); c != 0 {
		return c, nil
	}
	if c := rpmvercmp(x.version, y.version); c != 0 {
		return c, nil
	}
	// rpm itself skips the release when either side lacks one (a
	// dependency on "1.0" matches any 1.0-N). For a total order we compare
	// an absent release as empty, which sorts before any real release.
	return rpmvercmp(x.release, y.release), nil
}

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// rpmvercmp splits both strings into runs of digits or of letters,
// skipping every other character as a separator. '~' sorts before
// anything, even the end of the string (pre-releases); '^' sorts after
// the end of the string but before any further run (post-release
// snapshots: 1.0 < 1.0^git1 < 1.0.1). A digit run beats a letter run.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		at, bt := i < len(a), j < len(b)
		if (at && a[i] == '~') || (bt && b[j] == '~') {
			if !at || a[i] != '~' {
				return 1
			}
			if !bt || b[j] != '~' {
				return -1
			}
			i++
			j++
			continue
		}
		if (at && a[i] == '^') || (bt && b[j] == '^') {
			if !at {
				return -1
			}
			if !bt {
				return 1
			}
			if a[i] != '^' {
				return 1
			}
			if b[j] != '^' {
				return -1
			}
			i++
			j++
			continue
		}
		if !at || !bt {
			break
		}
		si, sj := i, j
		num := isDigit(a[i])
		for i < len(a) && (num && isDigit(a[i]) || !num && isAlpha(a[i])) {
			i++
		}
		for j < len(b) && (num && isDigit(b[j]) || !num && isAlpha(b[j])) {
			j++
		}
		if j == sj {
			// Different run types: numbers are newer than letters.
			if num {
				return 1
			}
			return -1
		}
		var c int
		if num {
			c = compareDigits(a[si:i], b[sj:j])
		} else {
			c = strings.Compare(a[si:i], b[sj:j])
		}
		if c != 0 {
			return c
		}
	}
	at, bt := i < len(a), j < len(b)
	switch {
	case !at && !bt:
		return 0
	case at:
		return 1
	}
	return -1
}
