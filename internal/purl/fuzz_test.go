package purl

import (
	"reflect"
	"testing"
)

var fuzzSeeds = []string{
	"pkg:golang/github.com/BurntSushi/toml@v1.3.2",
	"pkg:golang/github.com/docker/docker@v28.5.2%2Bincompatible",
	"pkg:npm/%40angular/animation@12.3.1",
	"pkg:npm/@angular/core",
	"pkg:pypi/Django_Allauth@0.1",
	"pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?repository_url=repo.spring.io%2Frelease&type=pom",
	"pkg:maven/@1.3.4",
	"pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
	"pkg:generic/x@1#/a/./b/../%2E%2E//c/",
	"PKG:///GoLang/golang.org/x/net@v0.1.0",
	"pkg:generic/a%20b%23c@1%40x?k=%26%3D&z=",
	"pkg:a/b%",
	"pkg:a/%2F/b",
}

// FuzzParse checks that Parse never panics and that the canonical form is a
// fixed point: parsing it gives the same PURL and the same string.
// Crashers found so far are kept in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		c := p.String()
		if len(c) > MaxLen {
			// Encoding can triple the length of the decoded text; the limit
			// is on input, so such a purl is legitimately not re-parsable.
			return
		}
		q, err := Parse(c)
		if err != nil {
			t.Fatalf("Parse(%q) ok, Parse of its String %q: %v", s, c, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("Parse(%q) = %#v, Parse(%q) = %#v", s, p, c, q)
		}
		if c2 := q.String(); c2 != c {
			t.Fatalf("String not stable: %q then %q", c, c2)
		}
		if !reflect.DeepEqual(p.Normalize(), p) {
			t.Fatalf("Normalize changed a parsed purl %#v", p)
		}
		_ = p.Key()
		_ = p.OSVName()
	})
}

func BenchmarkParse(b *testing.B) {
	purls, _ := sharedPurls(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Parse(purls[i%len(purls)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkString(b *testing.B) {
	p, err := Parse("pkg:golang/github.com/docker/docker@v28.5.2%2Bincompatible")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = p.String()
	}
}

func BenchmarkKey(b *testing.B) {
	p, err := Parse("pkg:golang/github.com/BurntSushi/toml@v1.3.2")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Key()
	}
}
