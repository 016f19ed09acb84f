package versions

import (
	"errors"
	"strings"
	"testing"
)

// orderings lists, per scheme, versions in strictly ascending order;
// every pair is checked both ways. equal lists pairs of equal precedence.
var orderings = map[Scheme][]string{
	Semver: {"0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0",
		"2.0.0", "18446744073709551616.0.0"},
	Go: {"v0.0.0-20190101000000-abcdefabcdef", "v0.0.0-20191109021931-daa7c04131f5",
		"v0.1.0", "v0.1.1-0.20200101000000-abcdefabcdef", "v0.1.1", "v1.0.0-rc.1",
		"v1.0.0", "v1.2", "v1.2.1", "v2.0.0+incompatible", "v2.1.0"},
	NPM:   {"0.0.1", "v1.0.0-beta", "=1.0.0-rc.1", "1.0.0", "v1.0.1", "1.1.0"},
	NuGet: {"1.0.0-Alpha", "1.0.0-beta", "1.0", "1.0.0.1", "1.0.1", "2.0"},
	PyPI: {"0.9", "1.0.dev1", "1.0a1.dev1", "1.0a1", "1.0a2", "1.0b1", "1.0rc1",
		"1.0", "1.0+local.1", "1.0+local.2", "1.0+local.2.x", "1.0.post1.dev1", "1.0.post1",
		"1.0.post2", "1.0.1", "1.1.dev1", "2.0", "1!0.1", "1!1.0"},
	Maven: {"1.0-alpha", "1.0-alpha-1", "1.0-beta", "1.0-milestone-1", "1.0-rc", "1.0-snapshot",
		"1.0", "1.0-sp", "1.0-sp1", "1.0-xyz", "1.0.1", "1.1", "2.0-alpha1", "2.0", "10"},
	// dpkg ranks letters below every other non-digit, so 1.0a < 1.0+b1 < 1.0.1.
	Debian: {"1.0~~", "1.0~rc1", "1.0", "1.0-1", "1.0-1ubuntu1", "1.0-2", "1.0a", "1.0+b1",
		"1.0.1", "1.1", "1:0.1", "2:0"},
	RPM: {"1.0~rc1", "1.0", "1.0^", "1.0^git1", "1.0a", "1.0.1", "1.0.1-1", "1.0.1-2.el9",
		"1.0.1-10", "1.1", "1:0.1"},
	Alpine: {"1.0_alpha1", "1.0_beta", "1.0_pre2", "1.0_rc1", "1.0", "1.0-r1", "1.0_cvs",
		"1.0_svn", "1.0_git20200101", "1.0_hg", "1.0_p1", "1.0_p2", "1.0a", "1.0.1",
		"1.05", "1.1", "2.0"},
	// A letter run sorts below a digit run, so prefixed lines come first.
	Firmware: {"DV26.0_R03", "DV26.0_R4", "DV26.1", "R2.1.5", "R2.1.5 build 7", "R2.1.5 build 10",
		"va10", "VA48A", "1.0", "1.0a", "2.4", "2.4a", "2.4b", "3.0.1.9", "3.0.1.56", "3.0.2",
		"4.0d", "4.0e"},
}

var equal = map[Scheme][][2]string{
	Semver:   {{"1.0.0+build.1", "1.0.0+build.2"}},
	Go:       {{"v1.0.0", "1.0.0"}, {"v2.0.0+incompatible", "v2.0.0"}, {"v1", "v1.0.0"}},
	NPM:      {{"v1.2.3", "1.2.3"}, {"=1.2.3", "1.2.3"}, {" v1.2.3 ", "1.2.3"}},
	NuGet:    {{"1.0.0-ALPHA", "1.0.0-alpha"}, {"1.0", "1.0.0.0"}},
	PyPI:     {{"1.0rc1", "1.0.0rc1"}, {"1.0", "1.0.0"}, {"1.0c1", "1.0rc1"}, {"1.0-1", "1.0.post1"}, {"v1.0Alpha", "1.0a0"}, {"0!1.0", "1.0"}},
	Maven:    {{"1", "1.0"}, {"1.0", "1.0.0"}, {"1-ga", "1"}, {"1-final", "1"}, {"1.0-rc1", "1.0-cr1"}, {"1.0-RELEASE", "1.0"}, {"1a1", "1-alpha-1"}},
	Debian:   {{"0:1.0", "1.0"}, {"1.01", "1.1"}},
	RPM:      {{"0:1.0", "1.0"}, {"1.01", "1.1"}, {"1.0_1", "1.0.1"}},
	Alpine:   {{"1.0", "1.0-r0"}},
	Firmware: {{"va10", "VA10"}, {"DV26.0_R03", "dv26.0-r3"}, {"1-2", "1.2"}},
}

func TestCompareOrderings(t *testing.T) {
	for scheme, list := range orderings {
		t.Run(string(scheme), func(t *testing.T) {
			for i := range list {
				for j := range list {
					got, err := Compare(scheme, list[i], list[j])
					if err != nil {
						t.Fatalf("Compare(%q, %q): %v", list[i], list[j], err)
					}
					want := sign(i - j)
					if got != want {
						t.Errorf("Compare(%q, %q) = %d, want %d", list[i], list[j], got, want)
					}
				}
			}
		})
	}
}

func TestCompareEqual(t *testing.T) {
	for scheme, pairs := range equal {
		t.Run(string(scheme), func(t *testing.T) {
			for _, p := range pairs {
				for _, q := range [][2]string{p, {p[1], p[0]}} {
					got, err := Compare(scheme, q[0], q[1])
					if err != nil || got != 0 {
						t.Errorf("Compare(%q, %q) = %d, %v; want 0", q[0], q[1], got, err)
					}
				}
			}
		})
	}
}

func TestCompareInvalid(t *testing.T) {
	tests := []struct {
		scheme  Scheme
		version string
		want    string // part of the error
	}{
		{Semver, "1.0", "major.minor.patch"},
		{Semver, "v1.0.0", "not a number"},
		{Semver, "01.0.0", "leading zero"},
		{Semver, "1.0.0-01", "leading zero"},
		{Semver, "1.0.0-", "empty prerelease"},
		{Semver, "1.0.0-a..b", "empty prerelease identifier"},
		{Semver, "1.0.0+", "empty build"},
		{Semver, "1.0.0-a_b", "character"},
		{Go, "v1.2-pre", "shorthand"},
		{Go, "vv1.0.0", "not a number"},
		{NuGet, "1.0.0.0.0", "too many"},
		{PyPI, "1.0-foo", "PEP 440"},
		{PyPI, "1.0+", "PEP 440"},
		{Debian, "a:1.0", "epoch"},
		{Debian, "1.0-", "empty revision"},
		{Debian, "1.0 beta", "character"},
		{RPM, "x:1.0", "epoch"},
		{RPM, "1.0 1", "character"},
		{Alpine, "1.0_foo", "unknown suffix"},
		{Alpine, "abc", "expected a number"},
		{Alpine, "1.0-r", "revision"},
		{Maven, "1.0\x00", "character"},
		{Firmware, "...", "no letters or digits"},
		{Firmware, "", "empty"},
		{Semver, strings.Repeat("1", MaxVersionLen+1), "limit"},
		{"cobol", "1", "scheme"},
	}
	for _, tt := range tests {
		t.Run(string(tt.scheme)+"/"+clip(tt.version), func(t *testing.T) {
			_, err := Compare(tt.scheme, tt.version, "1.0.0")
			if err == nil {
				_, err = Compare(tt.scheme, "1.0.0", tt.version)
			}
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want ErrInvalid mentioning %q", err, tt.want)
			}
		})
	}
}

func TestForEcosystem(t *testing.T) {
	tests := map[string]Scheme{
		"Go": Go, "PyPI": PyPI, "npm": NPM, "Maven": Maven, "Debian": Debian, "Debian:12": Debian,
		"Ubuntu:22.04:LTS": Debian, "Alpine:v3.19": Alpine, "Red Hat": RPM, "Rocky Linux:9": RPM,
		"AlmaLinux": RPM, "crates.io": Semver, "NuGet": NuGet,
	}
	for eco, want := range tests {
		if got, ok := ForEcosystem(eco); got != want || !ok {
			t.Errorf("ForEcosystem(%q) = %s, %v; want %s, true", eco, got, ok, want)
		}
	}
	if got, ok := ForEcosystem("Hackage"); got != Firmware || ok {
		t.Errorf("ForEcosystem(Hackage) = %s, %v; want firmware, false", got, ok)
	}
}

func TestForPurlType(t *testing.T) {
	tests := map[string]Scheme{
		"golang": Go, "pypi": PyPI, "npm": NPM, "maven": Maven, "deb": Debian, "rpm": RPM,
		"apk": Alpine, "cargo": Semver, "nuget": NuGet, "generic": Firmware,
	}
	for typ, want := range tests {
		if got, ok := ForPurlType(typ); got != want || !ok {
			t.Errorf("ForPurlType(%q) = %s, %v; want %s, true", typ, got, ok, want)
		}
	}
	if got, ok := ForPurlType("hex"); got != Firmware || ok {
		t.Errorf("ForPurlType(hex) = %s, %v; want firmware, false", got, ok)
	}
}

func BenchmarkCompare(b *testing.B) {
	cases := []struct {
		scheme Scheme
		a, b   string
	}{
		{Semver, "1.2.3-beta.11", "1.2.3-beta.2"},
		{Go, "v0.0.0-20191109021931-daa7c04131f5", "v0.1.0"},
		{PyPI, "1.0.post1", "1.0rc1"},
		{Maven, "1.0-alpha-1", "1.0-SNAPSHOT"},
		{Debian, "1:2.30-1ubuntu2", "1:2.30~rc1-1"},
		{RPM, "2.34-60.el9", "2.34-100.el9_2"},
		{Alpine, "1.36.1-r15", "1.36.1_rc1-r2"},
		{Firmware, "R2.1.5 build 7", "R2.1.5 build 10"},
	}
	for _, c := range cases {
		b.Run(string(c.scheme), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compare(c.scheme, c.a, c.b); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
