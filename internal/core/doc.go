// Package core holds Vigil's domain: the types every capability shares
// (sites, zones, manufacturers, device models, software releases, devices,
// API tokens), their validation, the one error type, the store interfaces
// that storage packages implement, and the clock. It imports only the
// standard library, so every other package may depend on it.
package core
