package lldp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
)

// Limits on what DecodeCDP keeps.
const (
	MaxCDPAddrs  = 8  // per address TLV
	MaxCDPOthers = 32 // types of TLVs not decoded, recorded
)

// CDP TLV types.
const (
	cdpDeviceID   = 0x01
	cdpAddresses  = 0x02
	cdpPortID     = 0x03
	cdpCaps       = 0x04
	cdpSoftware   = 0x05
	cdpPlatform   = 0x06
	cdpVTPDomain  = 0x09
	cdpNativeVLAN = 0x0A
	cdpDuplex     = 0x0B
	cdpSystemName = 0x14
	cdpMgmtAddrs  = 0x16
)

// CDP is a decoded Cisco Discovery Protocol packet.
type CDP struct {
	Version  uint8
	TTL      uint8 // seconds
	Checksum uint16
	// ChecksumOK is the result of the Internet checksum over the packet.
	// Cisco sums an odd trailing byte differently from RFC 1071, so an
	// odd-length packet may be reported false although it is intact.
	ChecksumOK      bool
	DeviceID        string
	Addresses       []netip.Addr
	PortID          string
	Capabilities    CDPCaps
	SoftwareVersion string
	Platform        string
	VTPDomain       string
	SystemName      string
	NativeVLAN      uint16 // 0 when absent
	Duplex          string // "half", "full" or "" when absent
	ManagementAddrs []netip.Addr
	// OtherAddrs counts addresses of protocols other than IPv4 and IPv6,
	// and addresses beyond MaxCDPAddrs.
	OtherAddrs int
	// Others lists the types of the TLVs not decoded, at most MaxCDPOthers.
	Others []uint16
}

// CDPCaps is the CDP capabilities bit map.
type CDPCaps uint32

var cdpCapNames = []string{"router", "trans-bridge", "source-route-bridge", "switch", "host",
	"igmp", "repeater", "phone", "remote", "cvta", "mac-relay"}

func (c CDPCaps) String() string {
	var parts []string
	for i, n := range cdpCapNames {
		if c&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if rest := c &^ (1<<len(cdpCapNames) - 1); rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", uint32(rest)))
	}
	return strings.Join(parts, ",")
}

// DecodeCDP decodes a CDP packet: the payload after the LLC/SNAP header
// (see Classify). On error the returned value holds what was decoded before.
func DecodeCDP(b []byte) (CDP, error) {
	var c CDP
	if len(b) > MaxPDU {
		return c, fmt.Errorf("cdp: packet of %d bytes exceeds %d", len(b), MaxPDU)
	}
	if len(b) < 4 {
		return c, fmt.Errorf("cdp: header: %d bytes, need 4", len(b))
	}
	c.Version, c.TTL = b[0], b[1]
	c.Checksum = binary.BigEndian.Uint16(b[2:])
	if c.Version != 1 && c.Version != 2 {
		return c, fmt.Errorf("cdp: version %d, want 1 or 2", c.Version)
	}
	c.ChecksumOK = checksum(b) == 0xFFFF
	var seen [cdpMgmtAddrs + 1]bool
	for off := 4; off < len(b); {
		if len(b)-off < 4 {
			return c, fmt.Errorf("cdp: TLV header at offset %d: %d bytes left, need 4", off, len(b)-off)
		}
		typ := binary.BigEndian.Uint16(b[off:])
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if n < 4 || n > len(b)-off {
			return c, fmt.Errorf("cdp: TLV type 0x%04x at offset %d: length %d outside 4..%d", typ, off, n, len(b)-off)
		}
		v := b[off+4 : off+n]
		if int(typ) < len(seen) {
			if seen[typ] {
				off += n
				continue // a repeated TLV is ignored rather than trusted
			}
			seen[typ] = true
		}
		if err := c.tlv(typ, v); err != nil {
			return c, fmt.Errorf("cdp: TLV type 0x%04x at offset %d: %w", typ, off, err)
		}
		off += n
	}
	return c, nil
}

func (c *CDP) tlv(typ uint16, v []byte) error {
	switch typ {
	case cdpDeviceID:
		c.DeviceID = text(v)
	case cdpPortID:
		c.PortID = text(v)
	case cdpSoftware:
		c.SoftwareVersion = text(v)
	case cdpPlatform:
		c.Platform = text(v)
	case cdpVTPDomain:
		c.VTPDomain = text(v)
	case cdpSystemName:
		c.SystemName = text(v)
	case cdpCaps:
		if len(v) != 4 {
			return fmt.Errorf("capabilities of %d bytes, want 4", len(v))
		}
		c.Capabilities = CDPCaps(binary.BigEndian.Uint32(v))
	case cdpNativeVLAN:
		if len(v) != 2 {
			return fmt.Errorf("native VLAN of %d bytes, want 2", len(v))
		}
		c.NativeVLAN = binary.BigEndian.Uint16(v)
	case cdpDuplex:
		if len(v) != 1 {
			return fmt.Errorf("duplex of %d bytes, want 1", len(v))
		}
		c.Duplex = "half"
		if v[0] != 0 {
			c.Duplex = "full"
		}
	case cdpAddresses:
		return c.addrs(v, &c.Addresses)
	case cdpMgmtAddrs:
		return c.addrs(v, &c.ManagementAddrs)
	default:
		if len(c.Others) < MaxCDPOthers {
			c.Others = append(c.Others, typ)
		}
	}
	return nil
}

// ipv6SNAP is the 802.2 protocol field CDP uses for IPv6 addresses.
var ipv6SNAP = []byte{0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00, 0x86, 0xDD}

// addrs decodes an address list: a 32-bit count, then per address the
// protocol type (1 NLPID, 2 802.2), protocol length, protocol, a 16-bit
// address length and the address.
func (c *CDP) addrs(v []byte, dst *[]netip.Addr) error {
	if len(v) < 4 {
		return fmt.Errorf("address count: %d bytes, need 4", len(v))
	}
	count := binary.BigEndian.Uint32(v)
	// Every address takes at least 5 bytes: refuse counts that cannot fit
	// before looping over them.
	if uint64(count)*5 > uint64(len(v)-4) {
		return fmt.Errorf("%d addresses cannot fit in %d bytes", count, len(v)-4)
	}
	p := v[4:]
	for i := range count {
		if len(p) < 2 || len(p) < 2+int(p[1])+2 {
			return fmt.Errorf("address %d: truncated", i)
		}
		ptype, plen := p[0], int(p[1])
		proto := p[2 : 2+plen]
		alen := int(binary.BigEndian.Uint16(p[2+plen:]))
		if 4+plen+alen > len(p) {
			return fmt.Errorf("address %d: length %d exceeds the %d bytes left", i, alen, len(p)-4-plen)
		}
		addr := p[4+plen : 4+plen+alen]
		p = p[4+plen+alen:]
		ip4 := ptype == 1 && plen == 1 && proto[0] == 0xCC && alen == 4
		ip6 := ptype == 2 && string(proto) == string(ipv6SNAP) && alen == 16
		if (!ip4 && !ip6) || len(*dst) >= MaxCDPAddrs {
			c.OtherAddrs++
			continue
		}
		a, _ := netip.AddrFromSlice(addr)
		*dst = append(*dst, a)
	}
	return nil
}

// checksum is the RFC 1071 one's-complement sum; over a packet that
// includes its own checksum it is 0xFFFF when the packet is intact.
func checksum(b []byte) uint16 {
	var sum uint32
	for len(b) >= 2 {
		sum += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xFFFF {
		sum = sum>>16 + sum&0xFFFF
	}
	return uint16(sum)
}
