package purl

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want PURL
		str  string // canonical form
	}{
		{
			in:   "pkg:golang/github.com/BurntSushi/toml@v1.3.2",
			want: PURL{Type: "golang", Namespace: "github.com/BurntSushi", Name: "toml", Version: "v1.3.2"},
			str:  "pkg:golang/github.com/BurntSushi/toml@v1.3.2",
		},
		{
			// '+' is literal, never a space, and is written back encoded.
			in:   "pkg:golang/github.com/docker/docker@v28.5.2+incompatible",
			want: PURL{Type: "golang", Namespace: "github.com/docker", Name: "docker", Version: "v28.5.2+incompatible"},
			str:  "pkg:golang/github.com/docker/docker@v28.5.2%2Bincompatible",
		},
		{
			in:   "pkg:golang/github.com/docker/docker@v28.5.2%2bincompatible",
			want: PURL{Type: "golang", Namespace: "github.com/docker", Name: "docker", Version: "v28.5.2+incompatible"},
			str:  "pkg:golang/github.com/docker/docker@v28.5.2%2Bincompatible",
		},
		{
			// Scheme and type are case-insensitive; slashes after the scheme are ignored.
			in:   "PKG:///GoLang/golang.org/x/net@v0.1.0",
			want: PURL{Type: "golang", Namespace: "golang.org/x", Name: "net", Version: "v0.1.0"},
			str:  "pkg:golang/golang.org/x/net@v0.1.0",
		},
		{
			in:   "pkg:golang/google.golang.org/genproto/googleapis/api@v0.0.0-20240101000000-abcdef#annotations",
			want: PURL{Type: "golang", Namespace: "google.golang.org/genproto/googleapis", Name: "api", Version: "v0.0.0-20240101000000-abcdef", Subpath: "annotations"},
			str:  "pkg:golang/google.golang.org/genproto/googleapis/api@v0.0.0-20240101000000-abcdef#annotations",
		},
		{
			in:   "pkg:npm/%40Angular/Animation@12.3.1",
			want: PURL{Type: "npm", Namespace: "@angular", Name: "animation", Version: "12.3.1"},
			str:  "pkg:npm/%40angular/animation@12.3.1",
		},
		{
			// An unencoded scope '@' is not a version separator.
			in:   "pkg:npm/@angular/core",
			want: PURL{Type: "npm", Namespace: "@angular", Name: "core"},
			str:  "pkg:npm/%40angular/core",
		},
		{
			in:   "pkg:pypi/Django_Allauth@0.1",
			want: PURL{Type: "pypi", Name: "django-allauth", Version: "0.1"},
			str:  "pkg:pypi/django-allauth@0.1",
		},
		{
			in: "pkg:maven/org.apache.xmlgraphics/Batik-Anim@1.9.1?Type=Pom&classifier=&repository_url=repo.spring.io%2Frelease",
			want: PURL{Type: "maven", Namespace: "org.apache.xmlgraphics", Name: "Batik-Anim", Version: "1.9.1",
				Qualifiers: []Qualifier{{"repository_url", "repo.spring.io/release"}, {"type", "Pom"}}},
			str: "pkg:maven/org.apache.xmlgraphics/Batik-Anim@1.9.1?repository_url=repo.spring.io/release&type=Pom",
		},
		{
			in:   "pkg:nuget/EnterpriseLibrary.Common@6.0.1304",
			want: PURL{Type: "nuget", Name: "EnterpriseLibrary.Common", Version: "6.0.1304"},
			str:  "pkg:nuget/EnterpriseLibrary.Common@6.0.1304",
		},
		{
			in: "pkg:deb/Debian/CURL@7.50.3-1?distro=jessie&arch=i386",
			want: PURL{Type: "deb", Namespace: "debian", Name: "curl", Version: "7.50.3-1",
				Qualifiers: []Qualifier{{"arch", "i386"}, {"distro", "jessie"}}},
			str: "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
		},
		{
			in:   "pkg:rpm/Fedora/Curl@7.50.3-1.fc25?arch=i386",
			want: PURL{Type: "rpm", Namespace: "fedora", Name: "Curl", Version: "7.50.3-1.fc25", Qualifiers: []Qualifier{{"arch", "i386"}}},
			str:  "pkg:rpm/fedora/Curl@7.50.3-1.fc25?arch=i386",
		},
		{
			in:   "pkg:github/Package-URL/Purl-Spec@244fd47e07d1004#everybody/loves/dogs",
			want: PURL{Type: "github", Namespace: "package-url", Name: "purl-spec", Version: "244fd47e07d1004", Subpath: "everybody/loves/dogs"},
			str:  "pkg:github/package-url/purl-spec@244fd47e07d1004#everybody/loves/dogs",
		},
		{
			in:   "pkg:composer/Laravel/Laravel@5.5.0",
			want: PURL{Type: "composer", Namespace: "laravel", Name: "laravel", Version: "5.5.0"},
			str:  "pkg:composer/laravel/laravel@5.5.0",
		},
		{
			in:   "pkg:hex/Phoenix@1.7.0",
			want: PURL{Type: "hex", Name: "phoenix", Version: "1.7.0"},
			str:  "pkg:hex/phoenix@1.7.0",
		},
		{
			// Subpath: empty, "." and ".." segments go, even when encoded.
			in:   "pkg:generic/x@1#/a/./b/../%2E%2E//c/",
			want: PURL{Type: "generic", Name: "x", Version: "1", Subpath: "a/b/c"},
			str:  "pkg:generic/x@1#a/b/c",
		},
		{
			// Trailing and doubled slashes in the path are dropped.
			in:   "pkg:golang/github.com//foo/bar/",
			want: PURL{Type: "golang", Namespace: "github.com/foo", Name: "bar"},
			str:  "pkg:golang/github.com/foo/bar",
		},
		{
			in: "pkg:generic/openssl@1.1.10g?download_url=https://openssl.org/source/openssl-1.1.0g.tar.gz&checksum=sha256:de4d501267da",
			want: PURL{Type: "generic", Name: "openssl", Version: "1.1.10g", Qualifiers: []Qualifier{
				{"checksum", "sha256:de4d501267da"}, {"download_url", "https://openssl.org/source/openssl-1.1.0g.tar.gz"}}},
			str: "pkg:generic/openssl@1.1.10g?checksum=sha256:de4d501267da&download_url=https://openssl.org/source/openssl-1.1.0g.tar.gz",
		},
		{
			in:   "pkg:generic/a%20b%23c@1%40x",
			want: PURL{Type: "generic", Name: "a b#c", Version: "1@x"},
			str:  "pkg:generic/a%20b%23c@1%40x",
		},
		{
			in:   "pkg:c++/x",
			want: PURL{Type: "c++", Name: "x"},
			str:  "pkg:c++/x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n %#v\nwant\n %#v", got, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String = %q, want %q", s, tt.str)
			}
			again, err := Parse(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("round trip: %#v, %v", again, err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in        string
		component string
		reason    string // substring
	}{
		{"", "purl", "empty"},
		{"pkg:maven/@1.3.4", "name", "missing"},
		{"pkg:maven", "name", "missing"},
		{"pkg:/", "type", "missing"},
		{"pkg:maven/", "name", "missing"},
		{"pkg:npm", "name", "missing"},
		{"pkg:npm/ns/", "", ""}, // valid: name "ns"
		{"pkg:golang", "name", "missing"},
		{"pkg:", "type", "missing"},
		{"pkg:golang/x/%zz", "name", "bad percent-encoding"},
		{"pkg:golang/x%4/y", "namespace", "percent-encoding"},
		{"pkg:golang/x/y@v1%", "version", "truncated"},
		{"pkg:golang/x/y#a/%g0", "subpath", "bad percent-encoding"},
		{"pkg:golang/x/y?a=%", "qualifiers", "truncated"},
		{"pkg:golang/a%2Fb/c", "namespace", "'/'"},
		{"pkg:g_o/x", "type", "'_'"},
		{"pkg:9go/x", "type", "digit"},
		{"pkg:n%70m/x", "type", "'%'"},
		{"pkg:npm/x?1a=b", "qualifiers", "digit"},
		{"pkg:npm/x?a b=c", "qualifiers", "' '"},
		{"pkg:npm/x?=c", "qualifiers", "empty key"},
		{"pkg:npm/x?a", "qualifiers", "no '='"},
		{"pkg:npm/x?a=1&A=2", "qualifiers", "twice"},
		{"http://example.com/x", "scheme", "pkg:"},
		{"golang/x/y", "scheme", "pkg:"},
		{"pkg:golang/" + strings.Repeat("a", MaxLen), "purl", "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			if tt.component == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want *Error", err)
			}
			if pe.Component != tt.component || !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("error = %q (component %q), want component %q containing %q", err, pe.Component, tt.component, tt.reason)
			}
		})
	}
}

func TestNormalizeBuilt(t *testing.T) {
	p := PURL{
		Type: "PyPI", Namespace: "/", Name: "Foo_Bar", Version: "1.0",
		Qualifiers: []Qualifier{{"Z", "1"}, {"a", ""}, {"b", "2"}},
		Subpath:    "x/../y/",
	}
	orig := append([]Qualifier(nil), p.Qualifiers...)
	n := p.Normalize()
	if got, want := n.String(), "pkg:pypi/foo-bar@1.0?b=2&z=1#x/y"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if !reflect.DeepEqual(p.Qualifiers, orig) {
		t.Errorf("Normalize modified its receiver's qualifiers: %v", p.Qualifiers)
	}
	if !reflect.DeepEqual(n.Normalize(), n) {
		t.Errorf("Normalize is not idempotent")
	}
}

func TestKeyAndHelpers(t *testing.T) {
	tests := []struct {
		in, key, eco, osvName, goPath string
	}{
		{"pkg:golang/github.com/BurntSushi/toml@v1.3.2?type=module#sub", "pkg:golang/github.com/BurntSushi/toml", "Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"},
		{"pkg:golang/stdlib@v1.22.0", "pkg:golang/stdlib", "Go", "stdlib", "stdlib"},
		{"pkg:pypi/Zope.Interface@5", "pkg:pypi/zope.interface", "PyPI", "zope-interface", ""},
		{"pkg:npm/%40Babel/Core@7", "pkg:npm/%40babel/core", "npm", "@babel/core", ""},
		{"pkg:npm/lodash@4", "pkg:npm/lodash", "npm", "lodash", ""},
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core", "Maven", "org.apache.logging.log4j:log4j-core", ""},
		{"pkg:nuget/Newtonsoft.Json@13.0.1", "pkg:nuget/Newtonsoft.Json", "NuGet", "Newtonsoft.Json", ""},
		{"pkg:cargo/rand@0.7.2", "pkg:cargo/rand", "crates.io", "rand", ""},
		{"pkg:gem/rails@7", "pkg:gem/rails", "RubyGems", "rails", ""},
		{"pkg:composer/Symfony/HTTP-Kernel@5", "pkg:composer/symfony/http-kernel", "Packagist", "symfony/http-kernel", ""},
		{"pkg:deb/debian/openssl@3.0.11-1", "pkg:deb/debian/openssl", "Debian", "openssl", ""},
		{"pkg:deb/ubuntu/openssl@3", "pkg:deb/ubuntu/openssl", "Ubuntu", "openssl", ""},
		{"pkg:deb/acme/openssl@3?distro=debian-12", "pkg:deb/acme/openssl", "Debian", "openssl", ""},
		{"pkg:apk/alpine/busybox@1.36", "pkg:apk/alpine/busybox", "Alpine", "busybox", ""},
		{"pkg:rpm/redhat/openssl@3", "pkg:rpm/redhat/openssl", "Red Hat", "openssl", ""},
		{"pkg:rpm/fedora/openssl@3", "pkg:rpm/fedora/openssl", "", "", ""},
		{"pkg:hex/phoenix@1.7", "pkg:hex/phoenix", "Hex", "phoenix", ""},
		{"pkg:pub/http@1", "pkg:pub/http", "Pub", "http", ""},
		{"pkg:swift/github.com/apple/swift-nio@2.0.0", "pkg:swift/github.com/apple/swift-nio", "SwiftURL", "github.com/apple/swift-nio", ""},
		{"pkg:github/actions/checkout@v4", "pkg:github/actions/checkout", "GitHub Actions", "actions/checkout", ""},
		{"pkg:generic/openssl@3", "pkg:generic/openssl", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Key(); got != tt.key {
				t.Errorf("Key = %q, want %q", got, tt.key)
			}
			if got := p.Ecosystem(); got != tt.eco {
				t.Errorf("Ecosystem = %q, want %q", got, tt.eco)
			}
			if got := p.OSVName(); got != tt.osvName {
				t.Errorf("OSVName = %q, want %q", got, tt.osvName)
			}
			if got := p.GoModulePath(); got != tt.goPath {
				t.Errorf("GoModulePath = %q, want %q", got, tt.goPath)
			}
		})
	}
}

// The Go module path must survive parsing in its exact case: vulndb names
// github.com/BurntSushi/toml, and a lowercased path would match nothing.
func TestGoCaseKept(t *testing.T) {
	a, _ := Parse("pkg:golang/github.com/BurntSushi/toml@v1.3.2")
	b, _ := Parse("pkg:golang/github.com/burntsushi/toml@v1.3.2")
	if a.Key() == b.Key() {
		t.Errorf("golang keys of different case are equal: %q", a.Key())
	}
	// For case-insensitive types the two spellings are one package.
	c, _ := Parse("pkg:github/BurntSushi/toml")
	d, _ := Parse("pkg:github/burntsushi/toml")
	if c.Key() != d.Key() {
		t.Errorf("github keys differ: %q vs %q", c.Key(), d.Key())
	}
}
