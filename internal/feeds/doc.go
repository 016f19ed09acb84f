// Package feeds loads advisory data from the paths a user names — single
// files, directories, or zip archives of OSV, NVD, CSAF, KEV, EPSS and VEX
// documents — into memory: each document sniffed by content, decoded by the
// engine for its kind, and every file skipped listed with its reason. It is
// shared by `vigil scan` (Load, no database), `vigil feeds import` (Walk)
// and the server, which builds its matcher from stored documents through a
// Bundle's Add.
package feeds
