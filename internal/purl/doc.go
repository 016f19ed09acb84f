// Package purl owns Package URLs (purls): parsing, the canonical string form,
// the per-type normalisation the purl specification requires, the key a
// matcher indexes advisories by, and the mapping from purl types to OSV
// ecosystems and package names.
//
// It exists instead of the common purl library because that library
// lowercases golang namespaces and names when parsing, while Go module paths
// are case-sensitive and OSV advisories name modules in their exact case
// (github.com/BurntSushi/toml is not github.com/burntsushi/toml).
//
// The package is a pure engine: standard library only, no I/O.
//
// # Parsing
//
// Parse follows the specification's algorithm: the "pkg" scheme is
// case-insensitive and slashes after it are ignored; the type is lowercased
// and may hold only ASCII letters, digits, '.', '+' and '-', not starting with
// a digit; namespace segments, name, version, qualifier values and subpath
// segments are percent-decoded; qualifier keys are lowercased, must be
// letters, digits, '.', '-' or '_' and not start with a digit; qualifiers with
// an empty value are dropped and the rest are sorted by key; empty, "." and
// ".." subpath segments are removed. A version is taken only from the last
// path segment, so an npm scope such as "@angular" is never mistaken for a
// version. Input longer than MaxLen bytes is rejected. Errors are *Error
// values naming the component at fault.
//
// # Normalisation
//
// Parse applies Normalize, so two spellings the specification treats as the
// same package compare equal. The rules, from the specification's type
// definitions:
//
//   - alpm, apk, bitbucket, composer, deb, github, hex: namespace and name
//     lowercased (these registries are case-insensitive).
//   - npm: namespace and name lowercased.
//   - bitnami, luarocks, oci, pub: name lowercased.
//   - qpkg, rpm: namespace (the vendor or distribution) lowercased; the rpm
//     name keeps its case.
//   - pypi: name lowercased and '_' replaced by '-'.
//   - golang: namespace and name kept exactly as written, because Go module
//     paths are case-sensitive.
//   - maven, nuget, cargo, gem, swift, generic and every other type: kept as
//     written.
//
// # Canonical form
//
// String writes pkg:type/namespace/name@version?qualifiers#subpath. Every byte
// other than ASCII letters, digits, '.', '-', '_', '~' and ':' is
// percent-encoded with upper-case hex, so '+' in a version becomes %2B and
// '@' in an npm scope becomes %40. '/' is kept between namespace segments,
// between subpath segments and inside qualifier values.
//
// # Matching
//
// Key is the canonical string without version, qualifiers and subpath: the
// identity of a package across its versions. Ecosystem and OSVName give the
// OSV ecosystem and package name for the purl types OSV knows. Distribution
// ecosystems (Debian, Alpine, Red Hat…) are returned without a release
// suffix; scoping to a release is left to the caller.
package purl
