// Package httpapi owns Vigil's REST API under /api/v1: routing with
// standard-library ServeMux patterns, bearer-token authentication and role
// checks, JSON request decoding with size and media-type limits, ETags and
// If-Match on devices, cursor pagination, the one JSON error shape, and the
// embedded OpenAPI 3.1 document that describes all of it.
//
// It holds no business rules: validation, references between records and
// provenance belong to package service, which it calls for every write;
// plain reads and deletes go to the store the service exposes. Request ids,
// access logs, panic recovery, /healthz and /metrics belong to package
// server, which mounts this handler at /api/v1/.
package httpapi
