package advisory

import (
	"sort"
	"strconv"
	"strings"
)

// maxIDLen bounds an identifier Aliases keeps; longer strings are not ids.
const maxIDLen = 256

// Aliases joins the identifiers one vulnerability has across sources (CVE,
// GHSA, GO-…, PYSEC-…, ICSMA-…, vendor ids): a union-find over normalised
// ids, so A≡B and B≡C make A≡C. The zero value is not usable; call
// NewAliases. Not safe for concurrent use.
type Aliases struct {
	index   map[string]int
	parent  []int
	members [][]int // for each root, every id joined with it
	names   []string
}

// NewAliases returns an empty set of joins.
func NewAliases() *Aliases { return &Aliases{index: map[string]int{}} }

// upperPrefixes are the id schemes whose ids are written upper-case.
var upperPrefixes = []string{"CVE-", "GO-", "PYSEC-", "ICSMA-", "ICSA-"}

// NormalizeID writes an id as its source publishes it: surrounding space
// trimmed; CVE-, GO-, PYSEC-, ICSMA- and ICSA- ids upper-case
// ("cve-2021-44228" → "CVE-2021-44228"); GHSA ids with the prefix upper
// and the body lower-case ("GHSA-jfh8-c2jp-5v3q"). Other ids are returned
// unchanged apart from the trimming, since vendor schemes may be case
// sensitive.
func NormalizeID(id string) string {
	id = strings.TrimSpace(id)
	for _, p := range upperPrefixes {
		if len(id) > len(p) && strings.EqualFold(id[:len(p)], p) {
			return strings.ToUpper(id)
		}
	}
	if len(id) > 5 && strings.EqualFold(id[:5], "GHSA-") {
		return "GHSA-" + strings.ToLower(id[5:])
	}
	return id
}

func (a *Aliases) node(id string) int {
	if i, ok := a.index[id]; ok {
		return i
	}
	i := len(a.names)
	a.index[id] = i
	a.names = append(a.names, id)
	a.parent = append(a.parent, i)
	a.members = append(a.members, []int{i})
	return i
}

func (a *Aliases) find(i int) int {
	for a.parent[i] != i {
		a.parent[i] = a.parent[a.parent[i]]
		i = a.parent[i]
	}
	return i
}

// Add records that all of ids name one vulnerability. Ids are normalised;
// empty ones and ones longer than 256 bytes are ignored.
func (a *Aliases) Add(ids ...string) {
	root := -1
	for _, id := range ids {
		id = NormalizeID(id)
		if id == "" || len(id) > maxIDLen {
			continue
		}
		r := a.find(a.node(id))
		switch {
		case root < 0:
			root = r
		case r != root:
			if len(a.members[r]) > len(a.members[root]) {
				r, root = root, r
			}
			a.parent[r] = root
			a.members[root] = append(a.members[root], a.members[r]...)
			a.members[r] = nil
		}
	}
}

// Group returns every id joined with id, id itself included, normalised
// and sorted: CVE ids first (by year, then number), then the others in
// lexical order. An id never added is a group of its own.
func (a *Aliases) Group(id string) []string {
	id = NormalizeID(id)
	if id == "" {
		return nil
	}
	i, ok := a.index[id]
	if !ok {
		return []string{id}
	}
	m := a.members[a.find(i)]
	out := make([]string, len(m))
	for j, k := range m {
		out[j] = a.names[k]
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i], out[j]) })
	return out
}

// CVEs returns the CVE ids joined with id, sorted.
func (a *Aliases) CVEs(id string) []string {
	var out []string
	for _, g := range a.Group(id) {
		if strings.HasPrefix(g, "CVE-") {
			out = append(out, g)
		}
	}
	return out
}

func idLess(x, y string) bool {
	cx, cy := strings.HasPrefix(x, "CVE-"), strings.HasPrefix(y, "CVE-")
	if cx != cy {
		return cx
	}
	if cx {
		yx, nx, okx := cveParts(x)
		yy, ny, oky := cveParts(y)
		if okx && oky && (yx != yy || nx != ny) {
			if yx != yy {
				return yx < yy
			}
			return nx < ny
		}
	}
	return x < y
}

// cveParts splits CVE-YYYY-N… into year and number.
func cveParts(id string) (int, int, bool) {
	rest := id[len("CVE-"):]
	y, n, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, 0, false
	}
	yi, err1 := strconv.Atoi(y)
	ni, err2 := strconv.Atoi(n)
	return yi, ni, err1 == nil && err2 == nil
}
