package match

import (
	"strings"

	cvss20 "github.com/pandatix/go-cvss/20"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	cvss40 "github.com/pandatix/go-cvss/40"
)

// Severity is a qualitative rating: critical, high, medium, low, none, or
// unknown when no source scores the vulnerability.
type Severity string

// The severities, from worst.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	None     Severity = "none"
	Unknown  Severity = "unknown"
)

// Rank orders severities: critical is 5, unknown 0.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 5
	case High:
		return 4
	case Medium:
		return 3
	case Low:
		return 2
	case None:
		return 1
	}
	return 0
}

// ParseSeverity reads a rating as sources write it ("HIGH", "Moderate",
// "critical"); anything else is Unknown.
func ParseSeverity(s string) Severity {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return Critical
	case "high", "important":
		return High
	case "medium", "moderate":
		return Medium
	case "low":
		return Low
	case "none":
		return None
	}
	return Unknown
}

// bandV3 is the CVSS v3 and v4 qualitative scale; v2 has no critical band
// of its own, and NVD rates v2 scores 7.0–10.0 high.
func bandV3(score float64) Severity {
	switch {
	case score >= 9.0:
		return Critical
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	case score > 0:
		return Low
	}
	return None
}

func bandV2(score float64) Severity {
	switch {
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	}
	return Low
}

// Score is a CVSS base score computed from a vector, with its version.
type Score struct {
	Version  string // "2.0", "3.0", "3.1", "4.0"
	Vector   string
	Base     float64
	Severity Severity
}

// ScoreVector computes the base score of a CVSS vector of any version,
// dispatching on its prefix ("CVSS:4.0/", "CVSS:3.1/", "CVSS:3.0/", or a
// bare v2 vector). ok is false for a vector the scorer rejects.
func ScoreVector(vector string) (Score, bool) {
	v := strings.TrimSpace(vector)
	switch {
	case strings.HasPrefix(v, "CVSS:4.0/"):
		c, err := cvss40.ParseVector(v)
		if err != nil {
			return Score{}, false
		}
		s := c.Score()
		return Score{"4.0", v, s, bandV3(s)}, true
	case strings.HasPrefix(v, "CVSS:3.1/"):
		c, err := cvss31.ParseVector(v)
		if err != nil {
			return Score{}, false
		}
		s := c.BaseScore()
		return Score{"3.1", v, s, bandV3(s)}, true
	case strings.HasPrefix(v, "CVSS:3.0/"):
		c, err := cvss30.ParseVector(v)
		if err != nil {
			return Score{}, false
		}
		s := c.BaseScore()
		return Score{"3.0", v, s, bandV3(s)}, true
	}
	c, err := cvss20.ParseVector(strings.TrimSuffix(strings.TrimPrefix(v, "("), ")"))
	if err != nil {
		return Score{}, false
	}
	s := c.BaseScore()
	return Score{"2.0", v, s, bandV2(s)}, true
}

// better reports whether a is the score to prefer over b: the newer CVSS
// version, then the higher score.
func better(a, b Score) bool {
	if a.Version != b.Version {
		return a.Version > b.Version
	}
	return a.Base > b.Base
}
