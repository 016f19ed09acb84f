package discovery

import (
	"slices"
	"strings"
	"time"
)

// maxEvidence bounds what one device keeps; a chatty device repeats the
// same signals, which add nothing.
const maxEvidence = 64

// Evidence is one reason for an attribute value: which rule turned which
// signal into it, and when the signal was first seen.
type Evidence struct {
	Attribute  string    `json:"attribute"`
	Value      string    `json:"value"`
	Confidence float64   `json:"confidence"`
	Rule       string    `json:"rule"`
	Signal     string    `json:"signal"`
	Observed   string    `json:"observed"`
	Time       time.Time `json:"time"`
}

// Identity gathers the evidence about one device and says what it is.
type Identity struct {
	evidence []Evidence
	seen     map[evidenceKey]bool
}

type evidenceKey struct{ attr, value, rule string }

// Observe runs the fingerprints over s, seen at t, and keeps what they
// conclude. The same rule concluding the same value again adds nothing.
func (id *Identity) Observe(fp *Fingerprints, s Signal, t time.Time) {
	for _, h := range fp.Apply(s) {
		for _, attr := range attributes {
			v, ok := h.Values[attr]
			if !ok {
				continue
			}
			k := evidenceKey{attr, strings.ToLower(v), h.Rule}
			if id.seen[k] || len(id.evidence) >= maxEvidence {
				continue
			}
			if id.seen == nil {
				id.seen = map[evidenceKey]bool{}
			}
			id.seen[k] = true
			obs := s.Value
			if len(obs) > maxSignalValue {
				obs = obs[:maxSignalValue]
			}
			id.evidence = append(id.evidence, Evidence{Attribute: attr, Value: v, Confidence: h.Confidence,
				Rule: h.Rule, Signal: s.Name, Observed: obs, Time: t})
		}
	}
}

// Evidence returns what was kept, in the order it was seen.
func (id *Identity) Evidence() []Evidence {
	if id.evidence == nil {
		return []Evidence{}
	}
	return slices.Clone(id.evidence)
}

// Conclusion is an attribute's value and how sure identification is of it.
type Conclusion struct {
	Value      string  `json:"value"`
	Confidence float64 `json:"confidence"`
}

// Resolve picks each attribute's value: the one whose evidence, from
// distinct rules, adds up to the highest confidence (1 - Π(1 - c)). Values
// that differ only in case are one value, written as first seen. Ties go to
// the value seen first.
func (id *Identity) Resolve() map[string]Conclusion {
	type acc struct {
		value string
		doubt float64
		first int
	}
	out := map[string]Conclusion{}
	for _, attr := range attributes {
		var accs []*acc
		byValue := map[string]*acc{}
		for i, e := range id.evidence {
			if e.Attribute != attr {
				continue
			}
			k := strings.ToLower(e.Value)
			a := byValue[k]
			if a == nil {
				a = &acc{value: e.Value, doubt: 1, first: i}
				byValue[k] = a
				accs = append(accs, a)
			}
			a.doubt *= 1 - e.Confidence
		}
		var best *acc
		for _, a := range accs {
			if best == nil || a.doubt < best.doubt {
				best = a
			}
		}
		if best != nil {
			out[attr] = Conclusion{Value: best.value, Confidence: round3(1 - best.doubt)}
		}
	}
	return out
}

func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }
