package cpe

import (
	"errors"
	"strings"
	"testing"
)

// fallbackCompare is the tests' stand-in for the firmware-aware comparator
// in internal/versions, which this package must not import. It splits a
// version into runs of digits and of letters (anything else separates),
// compares digit runs numerically and letter runs case-insensitively, and
// treats a missing run as smaller than any present one except a zero, so
// "4.0" < "4.0e" and "1.0" == "1.0.0".
func fallbackCompare(a, b string) (int, error) {
	ra, rb := runs(a), runs(b)
	if len(ra) == 0 || len(rb) == 0 {
		return 0, errors.New("version has no digits or letters")
	}
	for i := range max(len(ra), len(rb)) {
		var x, y string
		if i < len(ra) {
			x = ra[i]
		}
		if i < len(rb) {
			y = rb[i]
		}
		if c := compareRun(x, y); c != 0 {
			return c, nil
		}
	}
	return 0, nil
}

func runs(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		j := i
		switch {
		case isDigit(s[i]):
			for j < len(s) && isDigit(s[j]) {
				j++
			}
		case isLetter(s[i]):
			for j < len(s) && isLetter(s[j]) {
				j++
			}
		default:
			i++
			continue
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

func compareRun(x, y string) int {
	switch {
	case x == "" && y == "":
		return 0
	case x == "":
		if strings.Trim(y, "0") == "" {
			return 0
		}
		return -1
	case y == "":
		return -compareRun(y, x)
	}
	dx, dy := isDigit(x[0]), isDigit(y[0])
	switch {
	case dx && dy:
		x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
		if len(x) != len(y) {
			return cmpInt(len(x), len(y))
		}
		return strings.Compare(x, y)
	case dx:
		return 1 // a number sorts after a letter run such as a pre-release tag
	case dy:
		return -1
	}
	return strings.Compare(strings.ToLower(x), strings.ToLower(y))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func TestFallbackCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0.0", 0},
		{"4.0", "4.0e", -1},
		{"4.0e", "4.0d", 1},
		{"2.4a", "2.4", 1},
		{"va10", "vb10", -1},
		{"va10", "va9", 1},
		{"1.8.5", "1.8.6", -1},
		{"12.1.3", "12.1.10", -1},
		{"VA48A", "va48a", 0},
	}
	for _, tt := range tests {
		got, err := fallbackCompare(tt.a, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("fallbackCompare(%q, %q) = %d, %v; want %d", tt.a, tt.b, got, err, tt.want)
		}
	}
	if _, err := fallbackCompare("..", "1"); err == nil {
		t.Error("fallbackCompare accepted a version with no digits or letters")
	}
}

func mustParse(t testing.TB, s string) WFN {
	t.Helper()
	w, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return w
}

func mustLiteral(t testing.TB, s string) Value {
	t.Helper()
	v, err := Literal(s)
	if err != nil {
		t.Fatalf("Literal(%q): %v", s, err)
	}
	return v
}
