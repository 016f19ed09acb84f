package versions

import (
	"fmt"
	"slices"
)

// RangeType is an OSV range type.
type RangeType string

// The OSV range types.
const (
	RangeSemver    RangeType = "SEMVER"
	RangeEcosystem RangeType = "ECOSYSTEM"
	RangeGit       RangeType = "GIT"
)

// Event is one OSV range event. Exactly one field is set.
type Event struct {
	Introduced   string
	Fixed        string
	LastAffected string
	Limit        string
}

// Range is one entry of an OSV "ranges" array.
type Range struct {
	Type   RangeType
	Events []Event
}

// Verdict is the outcome of evaluating a version against OSV data.
type Verdict int

// The verdicts. Unmatchable is not a failure: the data describe the
// affected code by commit, and a version string cannot be placed among
// commits without the repository's history.
const (
	NotAffected Verdict = iota
	Affected
	Unmatchable
)

func (v Verdict) String() string {
	switch v {
	case Affected:
		return "affected"
	case Unmatchable:
		return "unmatchable"
	}
	return "not affected"
}

// event kinds, in the order they sort when two events share a version: a
// fixed event that closes one interval goes before an introduced event
// that opens the next at the same version, so adjacent intervals
// [a, x) [x, b) leave x affected.
const (
	evFixed = iota
	evLastAffected
	evIntroduced
	evLimit
)

type event struct {
	kind    int
	version string
}

// Affects evaluates one OSV affected entry, its ranges and its explicit
// versions list, for version under scheme s (the scheme of the entry's
// ecosystem; SEMVER ranges always use semver precedence, as OSV requires).
//
// It is Affected if the versions list holds version or any SEMVER or
// ECOSYSTEM range includes it. When only GIT ranges are present and no
// versions list, it is Unmatchable. Otherwise NotAffected.
func Affects(s Scheme, version string, ranges []Range, versions []string) (Verdict, error) {
	if err := Validate(s, version); err != nil {
		return NotAffected, err
	}
	for _, listed := range versions {
		if listed == version {
			return Affected, nil
		}
		// The list may spell a version differently (PEP 440 "1.0.0" for
		// "1.0"); entries that do not parse can only match literally.
		if c, err := Compare(s, listed, version); err == nil && c == 0 {
			return Affected, nil
		}
	}
	evaluable := len(versions) > 0
	for i, r := range ranges {
		verdict, err := r.Contains(s, version)
		if err != nil {
			return NotAffected, fmt.Errorf("range %d: %w", i, err)
		}
		switch verdict {
		case Affected:
			return Affected, nil
		case NotAffected:
			evaluable = true
		}
	}
	if !evaluable && len(ranges) > 0 {
		return Unmatchable, nil
	}
	return NotAffected, nil
}

// Contains evaluates one range for version, following the algorithm in the
// OSV schema: sort the events by version and walk them, switching to
// affected at an introduced event at or below the version and back at a
// fixed event at or below it or a last_affected event below it. Limit
// events cap the range: a version at or above every limit is not in it.
func (r Range) Contains(s Scheme, version string) (Verdict, error) {
	switch r.Type {
	case RangeGit:
		return Unmatchable, nil
	case RangeSemver, RangeEcosystem:
	default:
		return NotAffected, fmt.Errorf("%w OSV range type %q", ErrInvalid, r.Type)
	}
	cmp := func(a, b string) (int, error) { return Compare(s, a, b) }
	if r.Type == RangeSemver {
		cmp = osvSemverRules.compare
	}
	events, err := collectEvents(r.Events)
	if err != nil {
		return NotAffected, err
	}
	for _, e := range events {
		if isOpenEnd(e) {
			continue
		}
		if _, err := cmp(e.version, e.version); err != nil {
			return NotAffected, fmt.Errorf("%s event: %w", eventName(e.kind), err)
		}
	}
	if _, err := cmp(version, version); err != nil {
		return NotAffected, err
	}
	slices.SortStableFunc(events, func(a, b event) int {
		// "0" as introduced and "*" as limit are the open ends.
		switch ao, bo := isOpenEnd(a), isOpenEnd(b); {
		case ao && bo:
			return 0
		case ao:
			if a.kind == evIntroduced {
				return -1
			}
			return 1
		case bo:
			if b.kind == evIntroduced {
				return 1
			}
			return -1
		}
		c, _ := cmp(a.version, b.version) // every version was checked above
		if c == 0 {
			c = a.kind - b.kind
		}
		return c
	})
	affected, limited, belowLimit := false, false, false
	for _, e := range events {
		var c int
		if !isOpenEnd(e) {
			c, _ = cmp(version, e.version)
		}
		switch e.kind {
		case evIntroduced:
			if isOpenEnd(e) || c >= 0 {
				affected = true
			}
		case evFixed:
			if c >= 0 {
				affected = false
			}
		case evLastAffected:
			if c > 0 {
				affected = false
			}
		case evLimit:
			limited = true
			if isOpenEnd(e) || c < 0 {
				belowLimit = true
			}
		}
	}
	if limited && !belowLimit {
		affected = false
	}
	if affected {
		return Affected, nil
	}
	return NotAffected, nil
}

func isOpenEnd(e event) bool {
	return e.kind == evIntroduced && e.version == "0" || e.kind == evLimit && e.version == "*"
}

func eventName(kind int) string {
	return [...]string{"fixed", "last_affected", "introduced", "limit"}[kind]
}

func collectEvents(in []Event) ([]event, error) {
	out := make([]event, 0, len(in))
	introduced := false
	for i, e := range in {
		set := 0
		for kind, v := range [...]string{e.Fixed, e.LastAffected, e.Introduced, e.Limit} {
			if v != "" {
				set++
				out = append(out, event{kind: kind, version: v})
			}
		}
		if set != 1 {
			return nil, fmt.Errorf("%w OSV event %d: must set exactly one of introduced, fixed, last_affected, limit", ErrInvalid, i)
		}
		if e.Introduced != "" {
			introduced = true
		}
	}
	if !introduced {
		return nil, fmt.Errorf("%w OSV range: no introduced event", ErrInvalid)
	}
	return out, nil
}
