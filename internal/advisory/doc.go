// Package advisory reads vulnerability intelligence from the files hospitals
// carry into air-gapped networks: OSV records (also as a lazily decoded
// index over a directory or zip), NVD CVE records, CISA's Known Exploited
// Vulnerabilities catalog and FIRST's EPSS scores; Walk finds and classifies
// the documents of a feed, and Aliases joins ids across sources. CSAF has a
// package of its own (internal/csaf). Readers bound what
// they read and return typed records, or an error naming where the input
// went wrong; a feed's bad files are listed with their reasons, not fatal.
// No I/O of its own: callers hand in readers and file systems.
package advisory
