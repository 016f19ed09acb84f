// Package vex owns VEX statements: what a manufacturer or supplier says about
// whether a vulnerability affects its product. It reads OpenVEX documents
// (DecodeOpenVEX) and the vulnerability analysis of CycloneDX VEX and VDR
// BOMs (DecodeCycloneDX, FromCycloneDX) into one Statement type, which also
// carries CSAF VEX product statuses converted elsewhere (Format "csaf").
//
// An Index answers, for one finding (a Subject: vulnerability ids plus the
// purl, CPE, bom-ref or CSAF product ids of what was found), which statement
// governs it: the latest statement naming one of the finding's vulnerability
// ids and a matching product. The caller decides what the status means for
// the finding: not_affected and fixed suppress it (shown with the
// justification, never dropped), under_investigation keeps and marks it,
// affected keeps it.
//
// The package is a pure engine: it takes bytes or decoded BOMs, does no I/O and
// does not log; problems that do not stop decoding are returned as warnings.
package vex
