package cpe

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// MaxRecordSize bounds one NVD CVE record read by Decode. The largest real
// records (long CPE lists) are a few hundred KiB.
const MaxRecordSize = 16 << 20

// CVE is the part of an NVD API 2.0 CVE record that this package needs.
type CVE struct {
	ID             string          `json:"id"`
	Configurations []Configuration `json:"configurations,omitempty"`
}

// Configuration is one NVD configuration: nodes joined by Operator ("AND"
// or "OR"; empty means OR), optionally negated. An AND configuration is how
// NVD says "this application or firmware, running on that platform".
type Configuration struct {
	Operator string `json:"operator,omitempty"`
	Negate   bool   `json:"negate,omitempty"`
	Nodes    []Node `json:"nodes"`
}

// Node is a list of criteria joined by Operator ("AND" or "OR"; empty means
// OR), optionally negated.
type Node struct {
	Operator string      `json:"operator"`
	Negate   bool        `json:"negate,omitempty"`
	CPEMatch []Criterion `json:"cpeMatch"`
}

// Decode reads one NVD CVE record: either the bare cve object (as in the
// per-CVE files) or the API's {"cve": {...}} wrapper. Fields other than the
// id and configurations are ignored.
func Decode(r io.Reader) (CVE, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRecordSize+1))
	if err != nil {
		return CVE{}, fmt.Errorf("cpe: read nvd record: %w", err)
	}
	if len(data) > MaxRecordSize {
		return CVE{}, fmt.Errorf("cpe: nvd record longer than %d bytes", MaxRecordSize)
	}
	var env struct {
		Wrapped *CVE `json:"cve"`
		CVE
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return CVE{}, fmt.Errorf("cpe: decode nvd record: %w", err)
	}
	if env.Wrapped != nil {
		return *env.Wrapped, nil
	}
	return env.CVE, nil
}

// Evidence is one vulnerable criterion that matched, and the name present on
// the device that satisfied it.
type Evidence struct {
	Criteria        string
	MatchCriteriaID string
	Range           Range
	Target          WFN
}

// Result is the outcome of evaluating configurations against a device.
type Result struct {
	// Vulnerable is set when a configuration holds and at least one of its
	// vulnerable criteria matched: a configuration satisfied only by
	// platform (vulnerable:false) criteria names nothing vulnerable.
	Vulnerable bool
	// Evidence lists the vulnerable criteria that matched, in document
	// order, once per criterion.
	Evidence []Evidence
	// Diagnostics lists criteria that could not be evaluated (a malformed
	// name, a version the comparator rejected, an unknown operator). They
	// count as not matching; the caller decides whether to show them.
	Diagnostics []error
}

// Evaluate evaluates every configuration of a CVE against the names present
// on a device. The CVE applies when any configuration does; evidence is
// gathered from every configuration that holds. No configurations means no
// match, which is not an error.
func Evaluate(cfgs []Configuration, present []WFN, cmp Compare) Result {
	var res Result
	for _, c := range cfgs {
		r := c.Evaluate(present, cmp)
		res.Diagnostics = append(res.Diagnostics, r.Diagnostics...)
		if r.Vulnerable {
			res.Vulnerable = true
			res.Evidence = append(res.Evidence, r.Evidence...)
		}
	}
	return res
}

// Evaluate evaluates one configuration against the names present on a
// device (for example its firmware's and its hardware's CPE).
//
// A node holds when any (OR) or every (AND) of its criteria is satisfied by
// some present name; the configuration holds when any (OR) or every (AND) of
// its nodes does; Negate inverts either. Criteria marked vulnerable:false
// count towards holding but are not evidence, and nothing under a negation
// is evidence, since it matched by being absent.
func (c Configuration) Evaluate(present []WFN, cmp Compare) Result {
	var res Result
	and, ok := parseOperator(c.Operator)
	if !ok {
		res.Diagnostics = append(res.Diagnostics, fmt.Errorf("cpe: configuration operator %q: want AND or OR", clip(c.Operator)))
		return res
	}
	if len(c.Nodes) == 0 {
		return res
	}
	holds := and
	var ev []Evidence
	for _, n := range c.Nodes {
		m, nev := n.evaluate(present, cmp, &res.Diagnostics)
		if m {
			ev = append(ev, nev...)
		}
		if and {
			holds = holds && m
		} else {
			holds = holds || m
		}
	}
	if c.Negate {
		holds, ev = !holds, nil
	}
	if holds && len(ev) > 0 {
		res.Vulnerable, res.Evidence = true, ev
	}
	return res
}

func (n Node) evaluate(present []WFN, cmp Compare, diags *[]error) (bool, []Evidence) {
	and, ok := parseOperator(n.Operator)
	if !ok {
		*diags = append(*diags, fmt.Errorf("cpe: node operator %q: want AND or OR", clip(n.Operator)))
		return false, nil
	}
	if len(n.CPEMatch) == 0 {
		return false, nil
	}
	holds := and
	var ev []Evidence
	for _, cr := range n.CPEMatch {
		target, m := cr.firstMatch(present, cmp, diags)
		if m && cr.Vulnerable {
			ev = append(ev, Evidence{
				Criteria:        cr.Criteria,
				MatchCriteriaID: cr.MatchCriteriaID,
				Range:           cr.Range,
				Target:          target,
			})
		}
		if and {
			holds = holds && m
		} else {
			holds = holds || m
		}
	}
	if n.Negate {
		return !holds, nil
	}
	if !holds {
		return false, nil
	}
	return true, ev
}

// firstMatch returns the first present name satisfying cr. A criterion that
// cannot be evaluated is reported once and treated as not matching.
func (cr Criterion) firstMatch(present []WFN, cmp Compare, diags *[]error) (WFN, bool) {
	name, err := Parse(cr.Criteria)
	if err != nil {
		*diags = append(*diags, fmt.Errorf("cpe: criteria %q: %w", clip(cr.Criteria), err))
		return WFN{}, false
	}
	for _, t := range present {
		m, err := matchCriterion(name, cr.Range, t, cmp)
		if err != nil {
			*diags = append(*diags, fmt.Errorf("cpe: criteria %q against %s: %w", clip(cr.Criteria), clip(t.String()), err))
			continue
		}
		if m {
			return t, true
		}
	}
	return WFN{}, false
}

func parseOperator(op string) (and, ok bool) {
	switch {
	case op == "" || strings.EqualFold(op, "OR"):
		return false, true
	case strings.EqualFold(op, "AND"):
		return true, true
	}
	return false, false
}
