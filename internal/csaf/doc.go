// Package csaf owns CSAF 2.0 advisories (OASIS Common Security Advisory
// Framework): Vigil's own Go types for the format, a decoder that reports
// unknown fields as warnings and wrong types as errors with their JSON path,
// validation against the CSAF 2.0 JSON schema plus the mandatory tests of
// spec section 6.1, the flattening of a product tree into products for the
// matcher, and the parsing of the free-text version ranges vendors write into
// product_version_range and product_version branches.
//
// It defines its own types because those of github.com/gocsaf/csaf are wrong
// for real documents (acknowledgments misspelt, product_groups, group_ids and
// hashes typed as objects); from that module it uses only ValidateCSAF, which
// embeds the CSAF 2.0 and CVSS JSON schemas.
//
// It is a pure engine: bytes in, typed results and problems out. It does no
// I/O and bounds its input (MaxDocumentBytes, MaxDepth).
package csaf
