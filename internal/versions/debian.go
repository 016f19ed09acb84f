package versions

import "strings"

// Debian versions are [epoch:]upstream[-revision], ordered as dpkg does
// (deb-version(7)): epochs numerically, then upstream, then revision, each
// of the last two with the verrevcmp walk below.

type debVersion struct {
	epoch, upstream, revision string
}

func parseDebian(v string) (debVersion, error) {
	var d debVersion
	var err error
	if d.epoch, d.upstream, d.revision, _, err = splitEVR(Debian, v, "upstream version", "revision"); err != nil {
		return d, err
	}
	// dpkg only warns when upstream does not start with a digit; real
	// archives hold such versions, so they are accepted here too.
	for i := 0; i < len(d.upstream); i++ {
		c := d.upstream[i]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".+~-:", rune(c)) {
			return d, invalid(Debian, v, "upstream version has character "+quote(string(c)))
		}
		if c == ':' && d.epoch == "" {
			return d, invalid(Debian, v, "':' in upstream version without an epoch")
		}
	}
	for i := 0; i < len(d.revision); i++ {
		if c := d.revision[i]; !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".+~", rune(c)) {
			return d, invalid(Debian, v, "revision has character "+quote(string(c)))
		}
	}
	return d, nil
}

func compareDebian(a, b string) (int, error) {
	x, err := parseDebian(a)
	if err != nil {
		return 0, err
	}
	y, err := parseDebian(b)
	if err != nil {
		return 0, err
	}
	if c := compareDigits(x.epoch, y.epoch); c != 0 {
		return c, nil
	}
	if c := verrevcmp(x.upstream, y.upstream); c != 0 {
		return c, nil
	}
	// An absent revision compares like an empty one, as dpkg does.
	return verrevcmp(x.revision, y.revision), nil
}

// debOrder is the weight dpkg gives a non-digit character: '~' below
// everything including the end of the string (so 1.0~rc1 < 1.0), letters
// next in ASCII order, then every other character above all letters.
func debOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	}
	return int(c) + 256
}

// verrevcmp alternates between a non-digit run, compared character by
// character with debOrder, and a digit run, compared numerically.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			if x, y := debOrder(a, i), debOrder(b, j); x != y {
				return sign(x - y)
			}
			i++
			j++
		}
		si := i
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		sj := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := compareDigits(a[min(si, len(a)):min(i, len(a))], b[min(sj, len(b)):min(j, len(b))]); c != 0 {
			return c
		}
	}
	return 0
}

// splitEVR splits [epoch:]version[-release], the shape Debian and RPM
// versions share, and returns the text after the epoch as rest.
func splitEVR(scheme Scheme, v, verName, relName string) (epoch, version, release, rest string, err error) {
	rest = strings.TrimSpace(v)
	if e, after, ok := strings.Cut(rest, ":"); ok {
		if !allDigits(e) {
			return "", "", "", "", invalid(scheme, v, "epoch "+quote(e)+" is not a number")
		}
		epoch, rest = e, after
	}
	version = rest
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		version, release = rest[:i], rest[i+1:]
		if release == "" {
			return "", "", "", "", invalid(scheme, v, "empty "+relName+" after '-'")
		}
	}
	if version == "" {
		return "", "", "", "", invalid(scheme, v, "empty "+verName)
	}
	return epoch, version, release, rest, nil
}
