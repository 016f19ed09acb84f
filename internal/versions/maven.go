package versions

import "strings"

// Maven ordering follows org.apache.maven.artifact.versioning.
// ComparableVersion (Maven 3): the lowercased version is split into a tree
// of items. '.' separates items in one list; '-' and every change between
// digits and letters open a nested list. Items are integers, qualifiers
// (strings) or lists, and trailing "null" items (0, "", ga, final,
// release) are dropped from each list so 1.0 == 1 == 1-ga.

type mavenKind uint8

const (
	mavenInt mavenKind = iota
	mavenString
	mavenList
)

type mavenItem struct {
	kind  mavenKind
	text  string // digits for ints, comparable qualifier for strings
	items []*mavenItem
}

// mavenQualifiers are the known qualifiers in ascending order; "" is the
// release itself.
var mavenQualifiers = []string{"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"}

// mavenQualifierKey makes a qualifier comparable as a plain string: a
// known one becomes its rank digit, an unknown one sorts after all known
// ones and lexically among its kind.
func mavenQualifierKey(q string, followedByDigit bool) string {
	if followedByDigit && len(q) == 1 {
		switch q {
		case "a":
			q = "alpha"
		case "b":
			q = "beta"
		case "m":
			q = "milestone"
		}
	}
	switch q {
	case "ga", "final", "release":
		q = ""
	case "cr":
		q = "rc"
	}
	for i, k := range mavenQualifiers {
		if k == q {
			return string(rune('0' + i))
		}
	}
	return "7-" + q
}

var mavenReleaseKey = mavenQualifierKey("", false)

func (it *mavenItem) isNull() bool {
	switch it.kind {
	case mavenInt:
		return strings.TrimLeft(it.text, "0") == ""
	case mavenString:
		return it.text == mavenReleaseKey
	}
	return len(it.items) == 0
}

func parseMaven(v string) (*mavenItem, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return nil, invalid(Maven, v, "character "+quote(string(s[i]))+" is not allowed")
		}
	}
	root := &mavenItem{kind: mavenList}
	list := root
	lists := []*mavenItem{root}
	token := func(t string, followedByDigit bool) *mavenItem {
		if allDigits(t) {
			return &mavenItem{kind: mavenInt, text: t}
		}
		return &mavenItem{kind: mavenString, text: mavenQualifierKey(t, followedByDigit)}
	}
	nest := func() {
		child := &mavenItem{kind: mavenList}
		list.items = append(list.items, child)
		list = child
		lists = append(lists, child)
	}
	start, digit := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' || c == '-':
			if i == start {
				list.items = append(list.items, &mavenItem{kind: mavenInt, text: "0"})
			} else {
				list.items = append(list.items, token(s[start:i], false))
			}
			start = i + 1
			if c == '-' {
				nest()
			}
		case isDigit(c):
			if !digit && i > start {
				list.items = append(list.items, token(s[start:i], true))
				start = i
				nest()
			}
			digit = true
		default:
			if digit && i > start {
				list.items = append(list.items, token(s[start:i], false))
				start = i
				nest()
			}
			digit = false
		}
	}
	if len(s) > start {
		list.items = append(list.items, token(s[start:], false))
	}
	for i := len(lists) - 1; i >= 0; i-- {
		lists[i].normalize()
	}
	return root, nil
}

func (it *mavenItem) normalize() {
	for i := len(it.items) - 1; i >= 0; i-- {
		last := it.items[i]
		if last.isNull() {
			it.items = append(it.items[:i], it.items[i+1:]...)
		} else if last.kind != mavenList {
			break
		}
	}
}

// compare orders it against other; a nil other stands for a missing item,
// which compares like a null one.
func (it *mavenItem) compare(other *mavenItem) int {
	switch it.kind {
	case mavenInt:
		if other == nil {
			if it.isNull() {
				return 0
			}
			return 1
		}
		switch other.kind {
		case mavenInt:
			return compareDigits(it.text, other.text)
		default:
			return 1 // 1.1 > 1-sp and 1.1 > 1-1
		}
	case mavenString:
		if other == nil {
			return strings.Compare(it.text, mavenReleaseKey)
		}
		switch other.kind {
		case mavenString:
			return strings.Compare(it.text, other.text)
		default:
			return -1 // 1-rc < 1.1 and 1-rc < 1-1
		}
	}
	if other == nil {
		// Every item counts, not only the first (Maven fixed this in
		// MNG-6964; looking at the first alone breaks transitivity).
		for _, x := range it.items {
			if c := x.compare(nil); c != 0 {
				return c
			}
		}
		return 0
	}
	switch other.kind {
	case mavenInt:
		return -1
	case mavenString:
		return 1
	}
	for i := 0; i < len(it.items) || i < len(other.items); i++ {
		var l, r *mavenItem
		if i < len(it.items) {
			l = it.items[i]
		}
		if i < len(other.items) {
			r = other.items[i]
		}
		var c int
		switch {
		case l == nil && r == nil:
		case l == nil:
			c = -r.compare(nil)
		default:
			c = l.compare(r)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func compareMaven(a, b string) (int, error) {
	x, err := parseMaven(a)
	if err != nil {
		return 0, err
	}
	y, err := parseMaven(b)
	if err != nil {
		return 0, err
	}
	return x.compare(y), nil
}
