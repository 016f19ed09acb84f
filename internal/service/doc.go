// Package service holds Vigil's use cases, shared by the CLI, the REST API
// and the web console: it validates input, checks references between
// inventory records, records the provenance of every attribute, and talks to
// storage only through the core.Store interface.
package service
