// Package match decides which advisories apply to which components and
// products, and says why. It is an engine: SBOM documents, advisory records
// and VEX statements in (already decoded by packages sbom, advisory, csaf
// and vex), findings with evidence out. Matching rules:
//
//   - purl: a component's purl gives an OSV ecosystem and package name;
//     every OSV record affecting that package is evaluated with the
//     ecosystem's version scheme (package versions).
//   - CPE: a component's CPE names are matched against NVD configurations;
//     AND configurations (an application on a platform) hold only when the
//     same SBOM also names the platform.
//   - CSAF: products of a CSAF product tree match by their identification
//     helper (purl or CPE) or, failing that, by normalised vendor, product
//     name and version; the rule used is recorded.
//
// VEX statements then mark each finding: not_affected and fixed suppress it
// (it stays in the result, with the justification), under_investigation
// keeps it marked, affected keeps it. KEV and EPSS data enrich findings
// through the CVE aliases of their advisory.
package match
