// Package advisory reads vulnerability intelligence from the files hospitals
// carry into air-gapped networks: OSV records (from a directory or a zip,
// as an fs.FS), CISA's Known Exploited Vulnerabilities catalog and FIRST's
// EPSS scores so far; NVD and CSAF readers join later. Readers bound what
// they read and return typed records, or an error naming where the input
// went wrong; a feed's bad files are listed with their reasons, not fatal.
// No I/O of its own: callers hand in readers and file systems.
package advisory
