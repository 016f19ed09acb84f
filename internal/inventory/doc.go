// Package inventory is the pure engine behind device import and export: it
// reads device rows from CSV exports of asset systems (Vigil's own columns,
// ServiceNow and Nuvolo headers, or a user's column mapping) into typed
// records with per-row errors that name the line and the column, and it
// writes devices as CSV (safe to open in a spreadsheet) or JSON.
//
// It does no I/O of its own and knows nothing about storage: it takes an
// io.Reader or io.Writer and returns records and diagnostics. Every input
// limit (cell size, fields per row, bytes per row) is enforced while
// reading, so hostile files cost bounded memory. The column reference for
// users is docs/inventory-csv.md.
package inventory
