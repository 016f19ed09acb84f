// Package packet is the sensor's capture engine: it reads pcap and pcapng
// files, decodes link, IP, TCP and UDP headers without allocating, keeps the
// flow table and reassembles TCP streams within memory bounds, and hands the
// application bytes to handlers. The protocol decoders live in its
// subpackages and know nothing of captures.
//
// It knows no application protocol: a Handler (the discovery engine) sees
// every packet, every UDP and link-layer datagram, and chooses per TCP flow
// whether to receive its reassembled bytes as a Stream. Reader turns an
// io.Reader into packets, Packet.Decode decodes one frame, and Engine.Run
// ties the two to the flow table. The engine does no I/O of its own and
// keeps no packet after the handler call it was given to.
//
// Headers are decoded by hand rather than with gopacket's
// DecodingLayerParser: measured on the same frames, the hand-written
// decoders took about a third of its CPU time, and they report malformed input
// as a layer to count instead of an error value to build.
package packet
