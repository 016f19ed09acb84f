// Package packet is the sensor's capture engine: it reads pcap and pcapng
// files, decodes link, IP, TCP and UDP headers without allocating, keeps the
// flow table and reassembles TCP streams within memory bounds, and hands the
// application bytes to handlers. The protocol decoders live in its
// subpackages and know nothing of captures.
package packet
