// Package sbom owns reading software bills of materials: CycloneDX JSON and
// XML (1.2–1.6, and the older XML versions the decoder knows), SPDX 2.2/2.3
// JSON and SPDX 2.x tag-value. It detects the format from the content (Sniff),
// validates JSON against the official schemas when the caller supplies them
// (LoadSchemas), decodes with the CycloneDX and SPDX reference libraries, and
// flattens the result into one Document with a list of Components carrying
// what the matcher needs: purl, CPEs, supplier, hashes, licenses and the FDA
// fields "level of support" and "end-of-support date".
//
// Real-world SBOMs are often slightly non-conformant. Where a repair is safe
// (trailing bytes after a JSON document, CR line endings, element ids without
// the SPDXRef- prefix, suppliers without an "Organization:" prefix, snippets
// in a package section, unreadable CycloneDX attestations) the document is
// accepted and each repair is recorded in Document.Warnings. Everything else
// is rejected with a *DecodeError naming the format and the location.
//
// Input is bounded (Limits): total size, nesting depth and component count.
//
// The package is a pure engine: bytes, readers and fs.FS in, typed results
// and diagnostics out; no file, network or database access of its own.
package sbom
