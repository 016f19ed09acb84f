// Package advisory reads vulnerability intelligence from the files hospitals
// carry into air-gapped networks: CISA's Known Exploited Vulnerabilities
// catalog and FIRST's EPSS scores so far; OSV, NVD and CSAF readers join
// later. Readers take an io.Reader, bound what they read, and return typed
// records or an error naming where the input went wrong. No I/O of its own.
package advisory
