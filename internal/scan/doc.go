// Package scan is `vigil scan`: it reads SBOM files and advisory data from
// disk, matches them without a database, applies VEX, and renders the
// findings as a table, JSON, SARIF or a CycloneDX vulnerability disclosure
// report. It composes the engines sbom, feeds, match and vex.
package scan
