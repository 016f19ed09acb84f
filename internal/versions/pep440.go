package versions

import "strings"

// PEP 440 versions: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local].
//
// The parser accepts every spelling PEP 440's normalisation rules allow:
// any case, a leading "v", "alpha"/"beta"/"c"/"pre"/"preview" for the
// pre-release letters, "rev"/"r" or a bare "-N" for post-releases,
// optional '.', '-' or '_' between segments, and implicit zero numbers
// ("1.0a" is 1.0a0). It is hand-written rather than a regular expression
// because it sits on the matching hot path; pep440_test.go checks it
// against the specification's regular expression.

type pep440 struct {
	epoch   string
	release string // dotted digits; compared part by part
	preKind int    // 0 a, 1 b, 2 rc
	pre     string
	hasPre  bool
	post    string
	hasPost bool
	dev     string
	hasDev  bool
	local   string
}

// Longer spellings first, so "preview" is not read as "pre" + "view".
var (
	pep440Pre = []struct {
		word string
		kind int
	}{{"preview", 2}, {"alpha", 0}, {"beta", 1}, {"pre", 2}, {"rc", 2}, {"a", 0}, {"b", 1}, {"c", 2}}
	pep440Post = []string{"post", "rev", "r"}
)

func isPEP440Sep(c byte) bool { return c == '.' || c == '-' || c == '_' }

// pep440Scanner walks the lowercased version.
type pep440Scanner struct{ s string }

func (sc *pep440Scanner) digits() string {
	i := 0
	for i < len(sc.s) && isDigit(sc.s[i]) {
		i++
	}
	d := sc.s[:i]
	sc.s = sc.s[i:]
	return d
}

// word consumes an optional separator and then w, or nothing at all.
func (sc *pep440Scanner) word(w string) bool {
	s := sc.s
	if s != "" && isPEP440Sep(s[0]) {
		s = s[1:]
	}
	if !strings.HasPrefix(s, w) {
		return false
	}
	sc.s = s[len(w):]
	return true
}

// number consumes an optional separator and then optional digits. The
// separator goes even when no digits follow ("1.0post." is valid): every
// later segment's own separator is optional, so taking it never loses a
// match the specification's expression would find.
func (sc *pep440Scanner) number() string {
	if sc.s != "" && isPEP440Sep(sc.s[0]) {
		sc.s = sc.s[1:]
	}
	return sc.digits()
}

func parsePEP440(v string) (pep440, error) {
	var p pep440
	s := strings.TrimSpace(v)
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			s = strings.ToLower(s)
			break
		}
	}
	sc := pep440Scanner{strings.TrimPrefix(s, "v")}
	bad := func() (pep440, error) { return pep440{}, invalid(PyPI, v, "not a PEP 440 version") }

	n := sc.digits()
	if n == "" {
		return bad()
	}
	if strings.HasPrefix(sc.s, "!") {
		p.epoch = n
		sc.s = sc.s[1:]
		if n = sc.digits(); n == "" {
			return bad()
		}
	}
	start := len(s) - len(sc.s) - len(n)
	for len(sc.s) > 1 && sc.s[0] == '.' && isDigit(sc.s[1]) {
		sc.s = sc.s[1:]
		sc.digits()
	}
	p.release = s[start : len(s)-len(sc.s)]

	for _, w := range pep440Pre {
		if sc.word(w.word) {
			p.hasPre, p.preKind, p.pre = true, w.kind, sc.number()
			break
		}
	}
	if len(sc.s) > 1 && sc.s[0] == '-' && isDigit(sc.s[1]) {
		sc.s = sc.s[1:]
		p.hasPost, p.post = true, sc.digits()
	} else {
		for _, w := range pep440Post {
			if sc.word(w) {
				p.hasPost, p.post = true, sc.number()
				break
			}
		}
	}
	if sc.word("dev") {
		p.hasDev, p.dev = true, sc.number()
	}
	if strings.HasPrefix(sc.s, "+") {
		p.local = sc.s[1:]
		if !validLocal(p.local) {
			return bad()
		}
		sc.s = ""
	}
	if sc.s != "" {
		return bad()
	}
	return p, nil
}

// validLocal checks [a-z0-9]+([-_.][a-z0-9]+)*.
func validLocal(s string) bool {
	if s == "" || isPEP440Sep(s[0]) || isPEP440Sep(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isPEP440Sep(c) {
			if isPEP440Sep(s[i-1]) {
				return false
			}
		} else if !isDigit(c) && !('a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

func comparePEP440(a, b string) (int, error) {
	x, err := parsePEP440(a)
	if err != nil {
		return 0, err
	}
	y, err := parsePEP440(b)
	if err != nil {
		return 0, err
	}
	return x.compare(y), nil
}

// phase ranks where a version sits around its release, following the sort
// key the packaging library uses: a bare dev release (1.0.dev1) precedes
// every pre-release of that release; otherwise pre-releases precede the
// release itself.
func (p pep440) phase() int {
	switch {
	case !p.hasPre && !p.hasPost && p.hasDev:
		return -1
	case p.hasPre:
		return p.preKind // 0..2
	}
	return 3
}

func (p pep440) compare(q pep440) int {
	if c := compareDigits(p.epoch, q.epoch); c != 0 {
		return c
	}
	// A missing part compares as "" and so as zero: trailing zeros do not
	// change a release (1.0 == 1.0.0).
	for x, y := p.release, q.release; x != "" || y != ""; {
		var xp, yp string
		xp, x, _ = strings.Cut(x, ".")
		yp, y, _ = strings.Cut(y, ".")
		if c := compareDigits(xp, yp); c != 0 {
			return c
		}
	}
	if c := sign(p.phase() - q.phase()); c != 0 {
		return c
	}
	if p.hasPre {
		if c := compareDigits(p.pre, q.pre); c != 0 {
			return c
		}
	}
	// No post-release sorts before any post-release.
	if p.hasPost != q.hasPost {
		if p.hasPost {
			return 1
		}
		return -1
	}
	if c := compareDigits(p.post, q.post); c != 0 {
		return c
	}
	// A dev release precedes the same version without one.
	if p.hasDev != q.hasDev {
		if p.hasDev {
			return -1
		}
		return 1
	}
	if c := compareDigits(p.dev, q.dev); c != 0 {
		return c
	}
	return compareLocal(p.local, q.local)
}

// compareLocal orders local version labels: none before any; segment by
// segment, numbers above strings, numbers numerically, strings
// lexically; a longer label wins when one is a prefix of the other.
func compareLocal(a, b string) int {
	if a == "" || b == "" {
		return sign(len(a) - len(b))
	}
	for a != "" && b != "" {
		x, y := localSegment(a), localSegment(b)
		a, b = strings.TrimLeft(a[len(x):], ".-_"), strings.TrimLeft(b[len(y):], ".-_")
		xn, yn := allDigits(x), allDigits(y)
		var c int
		switch {
		case xn && yn:
			c = compareDigits(x, y)
		case xn:
			c = 1
		case yn:
			c = -1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return sign(len(a) - len(b))
}

func localSegment(s string) string {
	i := 0
	for i < len(s) && !isPEP440Sep(s[i]) {
		i++
	}
	return s[:i]
}
