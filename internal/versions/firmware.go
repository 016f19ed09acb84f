package versions

// The firmware scheme is a heuristic for the version strings device makers
// print on labels and in advisories ("VA48A", "3.0.1.56", "R2.1.5 build 7",
// "2.4a", "DV26.0_R03"), which follow no published grammar.
//
// Rule: the string is cut into alternating runs of ASCII digits and ASCII
// letters; every other byte (".", "-", "_", spaces, "/", …) only separates
// runs. Runs are compared left to right: two digit runs numerically
// ("3.0.10" > "3.0.9", "R03" == "R3"), two letter runs case-insensitively
// ("va10" == "VA10"), and a digit run sorts above a letter run at the
// same position. When every run matches, the string with more runs is the
// greater ("2.4a" > "2.4", "1.0.1" > "1.0").
//
// Limits, because this is a guess and not a vendor's rule: a trailing
// letter run is always newer, so "2.0 beta" > "2.0" although a vendor may
// mean the opposite; separators carry no meaning, so "1.10" == "1.1.0"
// and "1-2" == "1.2"; a vendor prefix that one string has and the other
// lacks ("R2.1" against "2.1") decides the order by itself. Results are
// only meaningful between versions of one product line.

// firmwareRun returns the run starting at or after i and the index after
// it, skipping separators; ok is false at the end of the string.
func firmwareRun(s string, i int) (run string, next int, digits, ok bool) {
	for i < len(s) && !isAlnum(s[i]) {
		i++
	}
	if i == len(s) {
		return "", i, false, false
	}
	start := i
	digits = isDigit(s[i])
	for i < len(s) && isAlnum(s[i]) && isDigit(s[i]) == digits {
		i++
	}
	return s[start:i], i, digits, true
}

func compareFirmware(a, b string) (int, error) {
	if !hasAlnum(a) {
		return 0, invalid(Firmware, a, "no letters or digits")
	}
	if !hasAlnum(b) {
		return 0, invalid(Firmware, b, "no letters or digits")
	}
	i, j := 0, 0
	for {
		x, ni, xd, xok := firmwareRun(a, i)
		y, nj, yd, yok := firmwareRun(b, j)
		switch {
		case !xok && !yok:
			return 0, nil
		case !xok:
			return -1, nil
		case !yok:
			return 1, nil
		}
		var c int
		switch {
		case xd && yd:
			c = compareDigits(x, y)
		case xd:
			c = 1
		case yd:
			c = -1
		default:
			c = compareFold(x, y)
		}
		if c != 0 {
			return c, nil
		}
		i, j = ni, nj
	}
}

func hasAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if isAlnum(s[i]) {
			return true
		}
	}
	return false
}
