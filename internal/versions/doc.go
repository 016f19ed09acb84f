// Package versions owns version ordering and version-range evaluation for
// every versioning scheme Vigil matches advisories against: semver, Go
// modules, PyPI (PEP 440), npm, NuGet, Maven, Debian, RPM, Alpine and a
// heuristic for vendor firmware strings. On top of the comparators it
// evaluates OSV affected ranges and purl-spec "vers" range strings.
//
// It is a pure engine: strings in, orderings and verdicts out. It does no
// I/O and imports no other Vigil package, so the advisory and matching
// engines can both depend on it. Every input is bounded (MaxVersionLen,
// MaxVersLen) and malformed input yields an error wrapping ErrInvalid,
// never a panic.
//
// CPE version matching lives in internal/cpe, which applies its own
// wildcard rules before asking this package to order plain versions.
package versions
