// Package discovery is the sensor's understanding of what it hears: it
// turns what the packet engine and the protocol decoders extract into
// devices (identified by fingerprint rules kept as data), flows between
// them, and alerts. It keeps identifying metadata about devices and never
// a patient value.
package discovery
