package versions

import (
	"regexp"
	"strings"
	"testing"
)

// pep440Spec is the regular expression PEP 440 (appendix B) publishes for
// the permissive syntax, written out here as the oracle the hand-written
// parser must agree with.
var pep440Spec = regexp.MustCompile(`^v?` +
	`(?:([0-9]+)!)?` +
	`([0-9]+(?:\.[0-9]+)*)` +
	`(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?([0-9]+)?)?` +
	`(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?` +
	`(?:[-_.]?(dev)[-_.]?([0-9]+)?)?` +
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$`)

func checkPEP440AgainstSpec(t *testing.T, v string) {
	t.Helper()
	if len(v) > MaxVersionLen {
		return
	}
	got, err := parsePEP440(v)
	m := pep440Spec.FindStringSubmatch(strings.ToLower(strings.TrimSpace(v)))
	if (m == nil) != (err != nil) {
		t.Fatalf("%q: parser error %v, specification match %v", v, err, m != nil)
	}
	if m == nil {
		return
	}
	post, hasPost := m[5], m[5] != ""
	if m[6] != "" {
		post, hasPost = m[7], true
	}
	want := pep440{epoch: m[1], release: m[2], pre: m[4], hasPre: m[3] != "",
		post: post, hasPost: hasPost, dev: m[9], hasDev: m[8] != "", local: m[10]}
	got.preKind = 0
	if got != want {
		t.Fatalf("%q: parsed %+v, specification says %+v", v, got, want)
	}
}

func TestPEP440AgainstSpec(t *testing.T) {
	for _, v := range append(orderings[PyPI],
		"1.0a", "1.0.a.1", "1.0-a-1", "1.0_alpha_1", "1.0preview2", "1.0pre", "1.0c", "1.0-1",
		"1.0.r1", "1.0rev", "1.0-post-2", "1.0.dev", "1.0-dev-3", "1.0+ubuntu-1", "1.0+a..b",
		"1.0.", "1.0-", "1.0a-1", "1.0.post", "v1!2.3", "1!", "!1", "1.0+", "1.0+_a", "1.0rc1.post2.dev3+x.y") {
		checkPEP440AgainstSpec(t, v)
	}
}

func FuzzPEP440(f *testing.F) {
	for _, v := range orderings[PyPI] {
		f.Add(v)
	}
	f.Add("1.0-a-1.post-2.dev-3+X.y_z")
	f.Fuzz(checkPEP440AgainstSpec)
}
