package versions

import (
	"errors"
	"strings"
	"testing"
)

func TestVers(t *testing.T) {
	tests := []struct {
		vers string
		in   []string
		out  []string
	}{
		// vers is plain ordering: unlike node-semver ranges it does not hide
		// prereleases, and 2.0.0-rc.1 sorts below 2.0.0.
		{"vers:npm/>=1.0.0|<2.0.0", []string{"1.0.0", "1.5.0", "v1.9.9", "2.0.0-rc.1"}, []string{"0.9.0", "2.0.0", "1.0.0-rc.1"}},
		{"vers:npm/<2.0.0|>=1.0.0", []string{"1.5.0"}, []string{"2.0.0"}}, // order of writing does not matter
		{"vers:pypi/>=1.0|!=1.5|<2.0", []string{"1.0", "1.4.9"}, []string{"1.5", "1.5.0", "2.0"}},
		{"vers:pypi/<1.0|>=2.0", []string{"0.1", "2.0", "3"}, []string{"1.0", "1.5"}},
		{"vers:maven/>1.0|<=1.5|>=2.0|<3.0", []string{"1.1", "1.5", "2.0", "2.9"}, []string{"1.0", "1.6", "3.0"}},
		{"vers:deb/1.0-1|2.0-1", []string{"1.0-1", "2.0-1"}, []string{"1.5"}},
		{"vers:rpm/>=1:1.0", []string{"1:1.0", "1:2.0"}, []string{"5.0"}},
		{"vers:apk/<1.36.1-r15", []string{"1.36.1_rc1", "1.36.1-r14"}, []string{"1.36.1-r15"}},
		{"vers:golang/>=v0.0.0-20200101000000-abcdefabcdef|<v0.1.0", []string{"v0.0.0-20210101000000-abcdefabcdef"}, []string{"v0.1.0"}},
		{"vers:semver/*", []string{"0.0.1", "99.0.0"}, nil},
		{"vers:generic/>=3.0.1.9|<3.0.2", []string{"3.0.1.56"}, []string{"3.0.2"}},
		{"vers:npm/!=1.0.0", []string{"1.0.1"}, []string{"1.0.0"}},
		{"vers:npm/ >= 1.0.0 | < 2.0.0 ", []string{"1.0.0"}, []string{"2.0.0"}},
		{"VERS:npm/=1.0.0", []string{"1.0.0"}, []string{"1.0.1"}},
		{"vers:gem/>=1.0", []string{"1.1"}, []string{"0.9"}},
		{"vers:generic/foo%7Cbar", []string{"foo|bar"}, []string{"foo"}},
	}
	for _, tt := range tests {
		t.Run(tt.vers, func(t *testing.T) {
			v, err := ParseVers(tt.vers)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.in {
				if ok, err := v.Contains(s); err != nil || !ok {
					t.Errorf("Contains(%q) = %v, %v; want true", s, ok, err)
				}
			}
			for _, s := range tt.out {
				if ok, err := v.Contains(s); err != nil || ok {
					t.Errorf("Contains(%q) = %v, %v; want false", s, ok, err)
				}
			}
			again, err := ParseVers(v.String())
			if err != nil || again.String() != v.String() {
				t.Errorf("round trip %q: %v, %v", v.String(), again, err)
			}
		})
	}
}

func TestVersHeuristic(t *testing.T) {
	v, err := ParseVers("vers:gem/>=1.0")
	if err != nil || !v.Heuristic || v.Scheme != Firmware {
		t.Errorf("unknown scheme: %+v, %v; want the firmware heuristic, flagged", v, err)
	}
	v, err = ParseVers("vers:maven/1.0")
	if err != nil || v.Heuristic || v.Scheme != Maven {
		t.Errorf("maven: %+v, %v", v, err)
	}
}

func TestVersErrors(t *testing.T) {
	tests := []struct{ vers, want string }{
		{"npm/1.0.0", `"vers:"`},
		{"vers:npm", "<scheme>/"},
		{"vers:/1.0.0", "<scheme>/"},
		{"vers:npm/", "no constraints"},
		{"vers:npm/1.0.0||2.0.0", "empty constraint"},
		{"vers:npm/>=", "without a version"},
		{"vers:npm/==1.0.0", "followed by"},
		{"vers:\xe4/1.0", "ASCII"},
		{"vers:npm/>=1.0.0|*", `"*"`},
		{"vers:npm/>=1.0.x", `">=1.0.x"`},
		{"vers:npm/>=1.0.0|<=1.0.0", "more than one"},
		{"vers:generic/a%zz", "percent"},
		{"vers:npm/" + strings.Repeat("1", MaxVersLen), "limit"},
	}
	for _, tt := range tests {
		t.Run(clip(tt.vers), func(t *testing.T) {
			_, err := ParseVers(tt.vers)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want ErrInvalid mentioning %s", err, tt.want)
			}
		})
	}
	v, _ := ParseVers("vers:npm/>=1.0.0")
	if _, err := v.Contains("one"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Contains(bad) error = %v, want ErrInvalid", err)
	}
}
