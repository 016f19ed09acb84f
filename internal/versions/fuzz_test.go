package versions

import "testing"

func FuzzCompare(f *testing.F) {
	for _, list := range orderings {
		for i := 0; i+2 < len(list); i++ {
			f.Add(list[i], list[i+1], list[i+2])
		}
	}
	for _, pairs := range equal {
		for _, p := range pairs {
			f.Add(p[0], p[1], p[0])
		}
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, s := range schemes {
			ab, errAB := Compare(s, a, b)
			ba, errBA := Compare(s, b, a)
			if (errAB == nil) != (errBA == nil) {
				t.Fatalf("%s: Compare(%q, %q) error %v but reversed %v", s, a, b, errAB, errBA)
			}
			if errAB != nil {
				continue
			}
			if ab != -ba || ab < -1 || ab > 1 {
				t.Fatalf("%s: Compare(%q, %q) = %d, reversed %d", s, a, b, ab, ba)
			}
			if aa, err := Compare(s, a, a); err != nil || aa != 0 {
				t.Fatalf("%s: Compare(%q, itself) = %d, %v", s, a, aa, err)
			}
			if s == Maven {
				// ComparableVersion is not transitive when a version starts
				// with a qualifier ("v0.0.0" < "0.a0" < "0.0.0" < "v0.0.0"):
				// lists are not padded, so a string item can meet an int item
				// in one comparison and a missing item in another. Maven
				// itself behaves so; we keep its order rather than invent one.
				continue
			}
			bc, err := Compare(s, b, c)
			if err != nil {
				continue
			}
			ac, err := Compare(s, a, c)
			if err != nil {
				t.Fatalf("%s: %q and %q valid but %q against %q: %v", s, a, b, a, c, err)
			}
			if ab <= 0 && bc <= 0 && ac > 0 || ab >= 0 && bc >= 0 && ac < 0 {
				t.Fatalf("%s: not transitive: %q ? %q = %d, %q ? %q = %d, %q ? %q = %d", s, a, b, ab, b, c, bc, a, c, ac)
			}
		}
	})
}

func FuzzVers(f *testing.F) {
	for _, s := range []string{
		"vers:npm/>=1.0.0|<2.0.0", "vers:pypi/>=1.0|!=1.5|<2.0", "vers:maven/>1.0|<=1.5|>=2.0|<3.0",
		"vers:deb/1.0-1|2.0-1", "vers:generic/foo%7Cbar", "vers:semver/*", "vers:gem/>=1.0",
		"vers:rpm/>=1:1.0", "vers:apk/<1.36.1-r15", "vers:golang/>=v0.0.0-20200101000000-abcdefabcdef|<v0.1.0",
	} {
		f.Add(s, "1.0")
	}
	f.Fuzz(func(t *testing.T, s, version string) {
		v, err := ParseVers(s)
		if err != nil {
			return
		}
		again, err := ParseVers(v.String())
		if err != nil {
			t.Fatalf("%q parsed, but its canonical form %q does not: %v", s, v.String(), err)
		}
		if again.String() != v.String() {
			t.Fatalf("canonical form not stable: %q then %q", v.String(), again.String())
		}
		_, _ = v.Contains(version)
		for _, c := range v.Constraints {
			in, err := v.Contains(c.Version)
			if err != nil {
				t.Fatalf("%q: Contains(own version %q): %v", s, c.Version, err)
			}
			if want := c.Op != OpNE && c.Op != OpLT && c.Op != OpGT; in != want {
				t.Fatalf("%q: Contains(own version %q) = %v, want %v", s, c.Version, in, want)
			}
		}
	})
}
