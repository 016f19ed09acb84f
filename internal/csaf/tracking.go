package csaf

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-oss/vigil/internal/purl"
)

// purls is test 6.1.13: every purl is a valid package URL.
func (c *checker) purls() {
	c.eachProduct(func(f *FullProductName, path string) {
		if f.Helper == nil || f.Helper.PURL == "" {
			return
		}
		p, err := purl.Parse(f.Helper.PURL)
		if err == nil && p.Name == "" {
			err = fmt.Errorf("no name")
		}
		if err != nil {
			c.add("6.1.13", path+"/product_identification_helper/purl", fmt.Sprintf("invalid purl %q: %v", truncate(f.Helper.PURL), err))
		}
	})
}

// docVersion is a parsed CSAF version: an integer or a semantic version.
type docVersion struct {
	valid      bool
	semver     bool
	major      uint64 // the integer, or the semver major
	minor      uint64
	patch      uint64
	prerelease string
	raw        string
}

var semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
var intRE = regexp.MustCompile(`^(0|[1-9]\d*)$`)

func parseDocVersion(s string) docVersion {
	if intRE.MatchString(s) {
		n, err := strconv.ParseUint(s, 10, 64)
		return docVersion{valid: err == nil, major: n, raw: s}
	}
	m := semverRE.FindStringSubmatch(s)
	if m == nil {
		return docVersion{raw: s}
	}
	var nums [3]uint64
	for i := range nums {
		n, err := strconv.ParseUint(m[i+1], 10, 64)
		if err != nil {
			return docVersion{raw: s}
		}
		nums[i] = n
	}
	return docVersion{valid: true, semver: true, major: nums[0], minor: nums[1], patch: nums[2], prerelease: m[4], raw: s}
}

// compareDocVersions orders two versions of one kind by precedence.
func compareDocVersions(a, b docVersion) int {
	if r := cmp.Compare(a.major, b.major); r != 0 || !a.semver {
		return r
	}
	if r := cmp.Compare(a.minor, b.minor); r != 0 {
		return r
	}
	if r := cmp.Compare(a.patch, b.patch); r != 0 {
		return r
	}
	switch {
	case a.prerelease == b.prerelease:
		return 0
	case a.prerelease == "":
		return 1
	case b.prerelease == "":
		return -1
	}
	ap, bp := strings.Split(a.prerelease, "."), strings.Split(b.prerelease, ".")
	for i := 0; i < len(ap) && i < len(bp); i++ {
		an, aerr := strconv.ParseUint(ap[i], 10, 64)
		bn, berr := strconv.ParseUint(bp[i], 10, 64)
		switch {
		case aerr == nil && berr == nil:
			if r := cmp.Compare(an, bn); r != 0 {
				return r
			}
		case aerr == nil:
			return -1
		case berr == nil:
			return 1
		default:
			if r := strings.Compare(ap[i], bp[i]); r != 0 {
				return r
			}
		}
	}
	return cmp.Compare(len(ap), len(bp))
}

// withoutBuild strips semver build metadata.
func withoutBuild(s string) string {
	before, _, _ := strings.Cut(s, "+")
	return before
}

// tracking runs the version and revision history tests 6.1.14 and 6.1.16
// to 6.1.22 and 6.1.30.
func (c *checker) tracking() {
	t := &c.d.Tracking
	ver := parseDocVersion(t.Version)
	status := t.Status
	released := status == "final" || status == "interim"

	type rev struct {
		i int
		v docVersion
		r *Revision
	}
	revs := make([]rev, len(t.RevisionHistory))
	kinds := map[bool]bool{}
	if ver.valid {
		kinds[ver.semver] = true
	}
	for i := range t.RevisionHistory {
		r := &t.RevisionHistory[i]
		revs[i] = rev{i, parseDocVersion(r.Number), r}
		if revs[i].v.valid {
			kinds[revs[i].v.semver] = true
		}
	}
	revPath := func(i int) string { return fmt.Sprintf("/document/tracking/revision_history/%d/number", i) }

	// 6.1.30: integer and semantic versioning must not be mixed.
	mixed := len(kinds) > 1
	if mixed {
		c.add("6.1.30", "/document/tracking/version", "the document version and revision history mix integer and semantic versioning")
	}

	// 6.1.17 and 6.1.20: draft versions and released statuses.
	if ver.valid && (ver.major == 0 || ver.prerelease != "") && status != "draft" {
		c.add("6.1.17", "/document/tracking/status", fmt.Sprintf("version %s is a draft version but the status is %q", t.Version, status))
	}
	if ver.valid && released && ver.prerelease != "" {
		c.add("6.1.20", "/document/tracking/version", fmt.Sprintf("version %s has a pre-release part but the status is %q", t.Version, status))
	}
	seen := map[string]int{}
	for _, r := range revs {
		// 6.1.18: a released document has no 0 or 0.y.z revision.
		if released && r.v.valid && r.v.major == 0 {
			c.add("6.1.18", revPath(r.i), fmt.Sprintf("revision %s is a draft version in a %s document", r.r.Number, status))
		}
		// 6.1.19: no pre-release revisions.
		if r.v.valid && r.v.prerelease != "" {
			c.add("6.1.19", revPath(r.i), fmt.Sprintf("revision %s has a pre-release part", r.r.Number))
		}
		// 6.1.22: a number appears once.
		if j, dup := seen[r.r.Number]; dup {
			c.add("6.1.22", revPath(r.i), fmt.Sprintf("revision %s is already at %s", r.r.Number, revPath(j)))
		}
		seen[r.r.Number] = r.i
	}
	if mixed || len(revs) == 0 {
		return
	}
	for _, r := range revs {
		if !r.v.valid {
			return // the schema reports it; the ordering tests need valid numbers
		}
	}

	// Sorted by date; revisions of one date count as sorted among themselves.
	byDate := slices.Clone(revs)
	slices.SortStableFunc(byDate, func(a, b rev) int {
		if r := a.r.Date.Compare(b.r.Date); r != 0 {
			return r
		}
		return compareDocVersions(a.v, b.v)
	})

	// 6.1.14: sorted by date, the numbers ascend.
	for k := 1; k < len(byDate); k++ {
		if compareDocVersions(byDate[k-1].v, byDate[k].v) > 0 {
			c.add("6.1.14", revPath(byDate[k].i), fmt.Sprintf("revision %s is dated after revision %s but numbered lower", byDate[k].r.Number, byDate[k-1].r.Number))
			break
		}
	}

	// 6.1.16: the version is the number of the latest revision.
	last := byDate
	want := withoutBuild(last[len(last)-1].r.Number)
	got := withoutBuild(t.Version)
	if status == "draft" {
		want, _, _ = strings.Cut(want, "-")
		got, _, _ = strings.Cut(got, "-")
	}
	if want != got {
		c.add("6.1.16", "/document/tracking/version", fmt.Sprintf("version %s is not the number of the latest revision, %s", t.Version, last[len(last)-1].r.Number))
	}

	// 6.1.21: no missing revisions: the (major) numbers run from 0 or 1
	// without gaps.
	var majors []uint64
	for _, r := range revs {
		majors = append(majors, r.v.major)
	}
	slices.Sort(majors)
	majors = slices.Compact(majors)
	if majors[0] > 1 {
		c.add("6.1.21", "/document/tracking/revision_history", fmt.Sprintf("the revision history starts at %d, not 0 or 1", majors[0]))
		return
	}
	for k := 1; k < len(majors); k++ {
		if majors[k] != majors[k-1]+1 {
			c.add("6.1.21", "/document/tracking/revision_history", fmt.Sprintf("the revision history misses version %d", majors[k-1]+1))
			return
		}
	}
}
