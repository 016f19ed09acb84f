package csaf

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
)

// cvssMetric maps one vector metric to its CSAF/FIRST JSON property and the
// property value of each vector value.
type cvssMetric struct {
	key, prop string
	values    map[string]string
}

var (
	v3Base  = map[string]string{"N": "NONE", "L": "LOW", "H": "HIGH"}
	v3Req   = map[string]string{"L": "LOW", "M": "MEDIUM", "H": "HIGH", "X": "NOT_DEFINED"}
	v3AV    = map[string]string{"N": "NETWORK", "A": "ADJACENT_NETWORK", "L": "LOCAL", "P": "PHYSICAL"}
	v3MAV   = map[string]string{"N": "NETWORK", "A": "ADJACENT_NETWORK", "L": "LOCAL", "P": "PHYSICAL", "X": "NOT_DEFINED"}
	v3MBase = map[string]string{"N": "NONE", "L": "LOW", "H": "HIGH", "X": "NOT_DEFINED"}
	v3LH    = map[string]string{"L": "LOW", "H": "HIGH"}
	v3MLH   = map[string]string{"L": "LOW", "H": "HIGH", "X": "NOT_DEFINED"}
	v3UI    = map[string]string{"N": "NONE", "R": "REQUIRED"}
	v3MUI   = map[string]string{"N": "NONE", "R": "REQUIRED", "X": "NOT_DEFINED"}
	v3S     = map[string]string{"U": "UNCHANGED", "C": "CHANGED"}
	v3MS    = map[string]string{"U": "UNCHANGED", "C": "CHANGED", "X": "NOT_DEFINED"}

	// The metrics of CVSS v3.0/v3.1 in vector order; the first eight are mandatory.
	v3Metrics = []cvssMetric{
		{"AV", "attackVector", v3AV},
		{"AC", "attackComplexity", v3LH},
		{"PR", "privilegesRequired", v3Base},
		{"UI", "userInteraction", v3UI},
		{"S", "scope", v3S},
		{"C", "confidentialityImpact", v3Base},
		{"I", "integrityImpact", v3Base},
		{"A", "availabilityImpact", v3Base},
		{"E", "exploitCodeMaturity", map[string]string{"X": "NOT_DEFINED", "U": "UNPROVEN", "P": "PROOF_OF_CONCEPT", "F": "FUNCTIONAL", "H": "HIGH"}},
		{"RL", "remediationLevel", map[string]string{"X": "NOT_DEFINED", "O": "OFFICIAL_FIX", "T": "TEMPORARY_FIX", "W": "WORKAROUND", "U": "UNAVAILABLE"}},
		{"RC", "reportConfidence", map[string]string{"X": "NOT_DEFINED", "U": "UNKNOWN", "R": "REASONABLE", "C": "CONFIRMED"}},
		{"CR", "confidentialityRequirement", v3Req},
		{"IR", "integrityRequirement", v3Req},
		{"AR", "availabilityRequirement", v3Req},
		{"MAV", "modifiedAttackVector", v3MAV},
		{"MAC", "modifiedAttackComplexity", v3MLH},
		{"MPR", "modifiedPrivilegesRequired", v3MBase},
		{"MUI", "modifiedUserInteraction", v3MUI},
		{"MS", "modifiedScope", v3MS},
		{"MC", "modifiedConfidentialityImpact", v3MBase},
		{"MI", "modifiedIntegrityImpact", v3MBase},
		{"MA", "modifiedAvailabilityImpact", v3MBase},
	}

	v2CIA = map[string]string{"N": "NONE", "P": "PARTIAL", "C": "COMPLETE"}
	v2Req = map[string]string{"L": "LOW", "M": "MEDIUM", "H": "HIGH", "ND": "NOT_DEFINED"}

	// The metrics of CVSS v2 in the order go-cvss requires (see canonicalV2);
	// the first six are mandatory.
	v2Metrics = []cvssMetric{
		{"AV", "accessVector", map[string]string{"L": "LOCAL", "A": "ADJACENT_NETWORK", "N": "NETWORK"}},
		{"AC", "accessComplexity", map[string]string{"H": "HIGH", "M": "MEDIUM", "L": "LOW"}},
		{"Au", "authentication", map[string]string{"M": "MULTIPLE", "S": "SINGLE", "N": "NONE"}},
		{"C", "confidentialityImpact", v2CIA},
		{"I", "integrityImpact", v2CIA},
		{"A", "availabilityImpact", v2CIA},
		{"E", "exploitability", map[string]string{"U": "UNPROVEN", "POC": "PROOF_OF_CONCEPT", "F": "FUNCTIONAL", "H": "HIGH", "ND": "NOT_DEFINED"}},
		{"RL", "remediationLevel", map[string]string{"OF": "OFFICIAL_FIX", "TF": "TEMPORARY_FIX", "W": "WORKAROUND", "U": "UNAVAILABLE", "ND": "NOT_DEFINED"}},
		{"RC", "reportConfidence", map[string]string{"UC": "UNCONFIRMED", "UR": "UNCORROBORATED", "C": "CONFIRMED", "ND": "NOT_DEFINED"}},
		{"CDP", "collateralDamagePotential", map[string]string{"N": "NONE", "L": "LOW", "LM": "LOW_MEDIUM", "MH": "MEDIUM_HIGH", "H": "HIGH", "ND": "NOT_DEFINED"}},
		{"TD", "targetDistribution", map[string]string{"N": "NONE", "L": "LOW", "M": "MEDIUM", "H": "HIGH", "ND": "NOT_DEFINED"}},
		{"CR", "confidentialityRequirement", v2Req},
		{"IR", "integrityRequirement", v2Req},
		{"AR", "availabilityRequirement", v2Req},
	}
)

// v2Factor holds the CVSS v2 temporal and environmental multipliers that
// v2Scores needs to round exact x.x5 scores up, which go-cvss, rounding in
// binary floating point, may not: 9.0 × 0.95 = 8.55 comes out as 8.5 where
// the specification (and NVD) give 8.6. Values not listed multiply by 1,
// except CDP (default 0).
var v2Factor = map[string]float64{
	"E:U": 0.85, "E:POC": 0.9, "E:F": 0.95,
	"RL:OF": 0.87, "RL:TF": 0.9, "RL:W": 0.95,
	"RC:UC": 0.9, "RC:UR": 0.95,
	"CDP:L": 0.1, "CDP:LM": 0.3, "CDP:MH": 0.4, "CDP:H": 0.5,
	"TD:N": 0, "TD:L": 0.25, "TD:M": 0.75,
}

// cvssVector is what the go-cvss v2.0, v3.0 and v3.1 types share. Get
// returns "X" (v3) or "ND" (v2) for a metric the vector does not give, and
// the scores of undefined groups equal the base or temporal score.
type cvssVector interface {
	Get(abv string) (string, error)
	BaseScore() float64
	TemporalScore() float64
	EnvironmentalScore() float64
}

// parseVector parses a CVSS vector with go-cvss and returns it with the
// version it has. v3 vectors must start with "CVSS:3.0/" or "CVSS:3.1/" and
// go to the parser of that version (the v3.1 one rejects CVSS:3.0). v2
// vectors are first put in the canonical order with every group complete,
// since the CVSS v2 JSON schema allows any order and partial groups, which
// the go-cvss v2 parser rejects.
func parseVector(vec string, v3 bool) (cvssVector, string, error) {
	if !v3 {
		canon, err := canonicalV2(vec)
		if err != nil {
			return nil, "", err
		}
		v, err := gocvss20.ParseVector(canon)
		if err != nil {
			return nil, "", err
		}
		return v, "2.0", nil
	}
	switch {
	case strings.HasPrefix(vec, "CVSS:3.1/"):
		v, err := gocvss31.ParseVector(vec)
		if err != nil {
			return nil, "", nameBadValue(err, gocvss31.ErrInvalidMetricValue, vec, new(gocvss31.CVSS31).Set)
		}
		return v, "3.1", nil
	case strings.HasPrefix(vec, "CVSS:3.0/"):
		v, err := gocvss30.ParseVector(vec)
		if err != nil {
			return nil, "", nameBadValue(err, gocvss30.ErrInvalidMetricValue, vec, new(gocvss30.CVSS30).Set)
		}
		return v, "3.0", nil
	}
	return nil, "", fmt.Errorf("vector %q does not start with CVSS:3.0/ or CVSS:3.1/", truncate(vec))
}

// nameBadValue replaces go-cvss's bare "invalid metric value" error with one
// naming the metric, found by setting the vector's metrics one by one.
func nameBadValue(err, errValue error, vec string, set func(k, v string) error) error {
	if !errors.Is(err, errValue) {
		return err
	}
	_, rest, _ := strings.Cut(vec, "/") // after the CVSS:3.x header
	for part := range strings.SplitSeq(rest, "/") {
		k, v, _ := strings.Cut(part, ":")
		if set(k, v) != nil {
			return fmt.Errorf("metric %s has no value %q", truncate(k), truncate(v))
		}
	}
	return err
}

// canonicalV2 checks that a CVSS v2 vector gives known metrics once each,
// with allowed values and all six base metrics, and rewrites it in the
// order go-cvss requires with "ND" for each metric not given.
func canonicalV2(vec string) (string, error) {
	vals := make([]string, len(v2Metrics))
	var probe gocvss20.CVSS20
	for part := range strings.SplitSeq(vec, "/") {
		k, v, ok := strings.Cut(part, ":")
		if !ok {
			return "", fmt.Errorf("vector part %q is not metric:value", truncate(part))
		}
		i := slices.IndexFunc(v2Metrics, func(m cvssMetric) bool { return m.key == k })
		if i < 0 {
			return "", fmt.Errorf("unknown metric %q", truncate(k))
		}
		if probe.Set(k, v) != nil {
			return "", fmt.Errorf("metric %s has no value %q", k, truncate(v))
		}
		if vals[i] != "" {
			return "", fmt.Errorf("metric %s given twice", k)
		}
		vals[i] = v
	}
	var b strings.Builder
	for i, m := range v2Metrics {
		v := vals[i]
		if v == "" {
			if i < 6 {
				return "", fmt.Errorf("mandatory metric %s missing", m.key)
			}
			v = "ND"
		}
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(m.key + ":" + v)
	}
	return b.String(), nil
}

// round1 rounds to one decimal with an exact x.x5 going up, as the CVSS v2
// round_to_1_decimal does. Scores here have at most seven decimals, so the
// epsilon only lifts ties.
func round1(x float64) float64 { return math.Round(x*10+1e-9) / 10 }

// v2Scores returns the base, temporal and environmental scores of a CVSS v2
// vector. go-cvss computes the base score and the adjusted base score; the
// temporal and environmental multipliers are applied here with round1.
func v2Scores(v *gocvss20.CVSS20) (base, temporal, env float64) {
	factor := func(k string, def float64) float64 {
		val, _ := v.Get(k)
		if f, ok := v2Factor[k+":"+val]; ok {
			return f
		}
		return def
	}
	m := factor("E", 1) * factor("RL", 1) * factor("RC", 1)
	base = v.BaseScore()
	temporal = round1(base * m)
	// Without E, RL, RC, CDP and TD, go-cvss's environmental score is the
	// adjusted base score (base metrics weighted by CR, IR and AR).
	adj := *v
	for _, k := range []string{"E", "RL", "RC", "CDP", "TD"} {
		_ = adj.Set(k, "ND")
	}
	adjTemporal := round1(adj.EnvironmentalScore() * m)
	env = round1((adjTemporal + (10-adjTemporal)*factor("CDP", 0)) * factor("TD", 1))
	return base, temporal, env
}

// checkCVSS runs tests 6.1.8 (structure), 6.1.9 (computation) and 6.1.10
// (properties consistent with the vector) on one CVSS object at path.
func checkCVSS(c *CVSS, v3 bool, path string, add func(test, path, msg string)) {
	required := []string{"version", "vectorString", "baseScore"}
	if v3 {
		required = append(required, "baseSeverity")
	}
	if c.Properties == nil { // built in Go rather than decoded: use the typed fields
		c = &CVSS{Version: c.Version, VectorString: c.VectorString, BaseScore: c.BaseScore, BaseSeverity: c.BaseSeverity,
			Properties: map[string]json.RawMessage{}}
		for k, v := range map[string]any{"version": c.Version, "vectorString": c.VectorString, "baseScore": c.BaseScore, "baseSeverity": c.BaseSeverity} {
			if v != "" {
				c.Properties[k], _ = json.Marshal(v)
			}
		}
	}
	for _, k := range required {
		if _, ok := c.Properties[k]; !ok {
			add("6.1.8", path, "required property "+k+" is missing")
			return
		}
	}
	vec, version, err := parseVector(c.VectorString, v3)
	if err != nil {
		add("6.1.8", path+"/vectorString", "invalid CVSS vector: "+err.Error())
		return
	}
	if v3 && c.Version != version {
		add("6.1.10", path+"/version", fmt.Sprintf("version %q does not match the vector's CVSS:%s", c.Version, version))
	}
	if !v3 && c.Version != "2.0" {
		add("6.1.8", path+"/version", fmt.Sprintf("version %q is not 2.0", c.Version))
	}
	base, temporal, env := vec.BaseScore(), vec.TemporalScore(), vec.EnvironmentalScore()
	if v2, ok := vec.(*gocvss20.CVSS20); ok {
		base, temporal, env = v2Scores(v2)
	}
	check := func(prop string, want float64) {
		raw, ok := c.Properties[prop]
		if !ok {
			return
		}
		var got float64
		if json.Unmarshal(raw, &got) != nil {
			return // the schema reports the type
		}
		if math.Abs(got-want) > 1e-9 {
			add("6.1.9", path+"/"+prop, fmt.Sprintf("%s is %.1f but the vector gives %.1f", prop, got, want))
		}
	}
	check("baseScore", base)
	check("temporalScore", temporal)
	check("environmentalScore", env)
	if v3 {
		sev := func(prop string, score float64) {
			raw, ok := c.Properties[prop]
			if !ok {
				return
			}
			var got string
			if json.Unmarshal(raw, &got) != nil {
				return
			}
			if want, _ := gocvss31.Rating(score); got != want {
				add("6.1.9", path+"/"+prop, fmt.Sprintf("%s is %s but the score %.1f is %s", prop, got, score, want))
			}
		}
		// Severities follow the scores as written where those are right,
		// else the computed ones; either way a mismatch is reported once.
		sev("baseSeverity", base)
		sev("temporalSeverity", temporal)
		sev("environmentalSeverity", env)
	}
	metrics := v2Metrics
	if v3 {
		metrics = v3Metrics
	}
	for _, mt := range metrics {
		raw, ok := c.Properties[mt.prop]
		if !ok {
			continue
		}
		var got string
		if json.Unmarshal(raw, &got) != nil {
			continue
		}
		v, _ := vec.Get(mt.key) // "X" or "ND" when not in the vector
		if want := mt.values[v]; got != want {
			add("6.1.10", path+"/"+mt.prop, fmt.Sprintf("%s is %s but the vector has %s:%s (%s)", mt.prop, got, mt.key, v, want))
		}
	}
}
