// Package demo owns the demo hospital that `vigil demo` loads: an embedded
// catalog of real medical-device makers, models and software releases (those
// named in CISA's ICS medical advisories, with the advisory ids each came
// from), and a generator that turns it into two sites, their network zones
// and about three hundred devices. LoadVulns then imports the advisory data
// built in as feeds.zip (CISA's medical advisories, the matching KEV entries,
// NVD records; see FEEDS.md) and attaches a real device SBOM, so the demo
// devices show real findings. LoadTraffic plays a few minutes of the
// hospital's network traffic (generated in memory from the stored devices)
// through a passive sensor, so the demo shows observed devices, flows and
// alerts too.
//
// The hospital is deterministic: a fixed-seed PCG drives every choice, and
// every time (first and last seen) is an offset from the inventory service's
// clock, so the same binary with the same clock always builds the same
// hospital. Everything the demo needs is compiled in; it reads no files.
// Writes go through service.Inventory with provenance core.SourceDemo, so
// the demo passes the same validation as any other input, and all of them
// commit in one transaction or not at all; the feeds follow once it has.
package demo
