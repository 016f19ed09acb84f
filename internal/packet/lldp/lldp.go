package lldp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
)

// Limits on what DecodeLLDP keeps. An LLDPDU fits in one frame, so the
// number of TLVs is bounded anyway; these keep the result small.
const (
	MaxPDU       = 9216 // bytes: a jumbo frame
	MaxMgmtAddrs = 8
	MaxOrgTLVs   = 32
	MaxOrgData   = 64 // bytes of an unknown organizationally specific TLV kept
)

// LLDP TLV types (IEEE 802.1AB 8.4).
const (
	tlvEnd        = 0
	tlvChassisID  = 1
	tlvPortID     = 2
	tlvTTL        = 3
	tlvPortDesc   = 4
	tlvSystemName = 5
	tlvSystemDesc = 6
	tlvSystemCaps = 7
	tlvMgmtAddr   = 8
	tlvOrg        = 127
)

// Organizationally unique identifiers of the TLV sets decoded into fields.
var (
	ouiIEEE8021 = [3]byte{0x00, 0x80, 0xC2}
	ouiTIAMED   = [3]byte{0x00, 0x12, 0xBB} // TIA-1057 LLDP-MED
)

// LLDP is a decoded LLDPDU.
type LLDP struct {
	ChassisID ID
	PortID    ID
	TTL       uint16 // seconds; 0 means the sender is shutting down
	// Optional TLVs; empty when absent.
	PortDescription   string
	SystemName        string
	SystemDescription string
	Capabilities      Caps // what the system can do
	Enabled           Caps // what is switched on
	ManagementAddrs   []MgmtAddr
	PortVLAN          uint16 // IEEE 802.1 port VLAN ID, 0 when absent
	MED               MED    // TIA-1057 LLDP-MED
	// Org lists the organizationally specific TLVs not decoded above.
	Org []OrgTLV
	// Dropped counts TLVs beyond the limits (management addresses, Org).
	Dropped int
}

// ID is a chassis or port identifier. Value is rendered by subtype: a MAC
// as "00:22:2d:81:db:10", a network address as an IP address, names as text,
// anything else that is not printable as hex.
type ID struct {
	Subtype uint8
	Value   string
}

// Chassis ID subtypes (802.1AB 8.5.2.2) and port ID subtypes (8.5.3.2) that
// need rendering other than text.
const (
	ChassisMAC     = 4
	ChassisNetAddr = 5
	PortMAC        = 3
	PortNetAddr    = 4
)

// MAC returns the identifier as a MAC address when its value has the form
// "00:22:2d:81:db:10": always for the MAC subtypes, and also for a name or
// locally assigned ID that a device filled with its MAC as text.
func (id ID) MAC() ([6]byte, bool) {
	var m [6]byte
	if len(id.Value) != 17 {
		return m, false
	}
	for i := range m {
		hi, ok1 := unhex(id.Value[3*i])
		lo, ok2 := unhex(id.Value[3*i+1])
		if !ok1 || !ok2 || i < 5 && id.Value[3*i+2] != ':' {
			return m, false
		}
		m[i] = hi<<4 | lo
	}
	return m, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// Caps is the LLDP system capabilities bit map (802.1AB 8.5.8.1).
type Caps uint16

var capNames = []string{"other", "repeater", "bridge", "wlan-ap", "router", "telephone",
	"docsis", "station", "c-vlan", "s-vlan", "tpmr"}

func (c Caps) String() string {
	var parts []string
	for i, n := range capNames {
		if c&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if rest := c &^ (1<<len(capNames) - 1); rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%04x", uint16(rest)))
	}
	return strings.Join(parts, ",")
}

// MgmtAddr is a management address TLV: where the device can be managed.
type MgmtAddr struct {
	Addr      netip.Addr // IPv4 or IPv6; invalid for other families
	Family    uint8      // IANA address family (1 IPv4, 2 IPv6, 6 802 MAC, …)
	Raw       string     // hex of the address when it is not IP
	IfSubtype uint8      // 2 ifIndex, 3 system port number
	IfNumber  uint32
	OID       string // hex of the BER-encoded object identifier, if any
}

// MED is the LLDP-MED (TIA-1057) information of an endpoint: its class and
// the inventory TLVs, which name the device itself.
type MED struct {
	Present      bool   // an LLDP-MED capabilities TLV was seen
	Capabilities uint16 // which LLDP-MED TLV sets the endpoint supports
	DeviceClass  uint8  // 1–3 endpoint classes I–III, 4 network connectivity
	// HasLocation records that a location identification TLV was present.
	// Its content (a civic address or coordinates of the device, which can
	// place it in a patient's room) is deliberately not kept.
	HasLocation      bool
	HardwareRevision string
	FirmwareRevision string
	SoftwareRevision string
	SerialNumber     string
	Manufacturer     string
	Model            string
	AssetID          string
}

// OrgTLV is an organizationally specific TLV kept undecoded.
type OrgTLV struct {
	OUI     [3]byte
	Subtype uint8
	Length  int    // bytes after OUI and subtype on the wire
	Data    []byte // the first MaxOrgData of them, copied
}

// DecodeLLDP decodes an LLDPDU: the payload of an Ethernet frame with
// EtherType 0x88CC (see Classify). It stops at the End TLV; bytes after it
// (Ethernet padding) are ignored. The chassis ID, port ID and TTL TLVs are
// required. On error the returned value holds what was decoded before.
func DecodeLLDP(b []byte) (LLDP, error) {
	var d LLDP
	if len(b) > MaxPDU {
		return d, fmt.Errorf("lldp: LLDPDU of %d bytes exceeds %d", len(b), MaxPDU)
	}
	var seen [128]bool
	off := 0
	for {
		if off == len(b) {
			break // no End TLV: tolerated, the frame ended
		}
		if len(b)-off < 2 {
			return d, fmt.Errorf("lldp: TLV header at offset %d: 1 byte left, need 2", off)
		}
		h := binary.BigEndian.Uint16(b[off:])
		typ, n := int(h>>9), int(h&0x1FF)
		if n > len(b)-off-2 {
			return d, fmt.Errorf("lldp: TLV type %d at offset %d: length %d exceeds the %d bytes left", typ, off, n, len(b)-off-2)
		}
		v := b[off+2 : off+2+n]
		if typ == tlvEnd {
			break
		}
		if err := d.tlv(typ, v, &seen); err != nil {
			return d, fmt.Errorf("lldp: TLV type %d at offset %d: %w", typ, off, err)
		}
		off += 2 + n
	}
	for _, t := range []struct {
		typ  int
		name string
	}{{tlvChassisID, "chassis ID"}, {tlvPortID, "port ID"}, {tlvTTL, "TTL"}} {
		if !seen[t.typ] {
			return d, fmt.Errorf("lldp: no %s TLV", t.name)
		}
	}
	return d, nil
}

func (d *LLDP) tlv(typ int, v []byte, seen *[128]bool) error {
	// The basic TLVs occur once; a repeat is ignored rather than trusted.
	once := typ != tlvMgmtAddr && typ != tlvOrg
	if once && seen[typ] {
		return nil
	}
	seen[typ] = true
	switch typ {
	case tlvChassisID, tlvPortID:
		if len(v) < 2 || len(v) > 256 {
			return fmt.Errorf("ID of %d bytes, want 2 to 256", len(v))
		}
		id := ID{Subtype: v[0], Value: renderID(typ, v[0], v[1:])}
		if typ == tlvChassisID {
			d.ChassisID = id
		} else {
			d.PortID = id
		}
	case tlvTTL:
		if len(v) < 2 {
			return fmt.Errorf("TTL of %d bytes, want 2", len(v))
		}
		d.TTL = binary.BigEndian.Uint16(v)
	case tlvPortDesc:
		d.PortDescription = text(v)
	case tlvSystemName:
		d.SystemName = text(v)
	case tlvSystemDesc:
		d.SystemDescription = text(v)
	case tlvSystemCaps:
		if len(v) != 4 {
			return fmt.Errorf("capabilities of %d bytes, want 4", len(v))
		}
		d.Capabilities = Caps(binary.BigEndian.Uint16(v))
		d.Enabled = Caps(binary.BigEndian.Uint16(v[2:]))
	case tlvMgmtAddr:
		if len(d.ManagementAddrs) >= MaxMgmtAddrs {
			d.Dropped++
			return nil
		}
		a, err := mgmtAddr(v)
		if err != nil {
			return err
		}
		d.ManagementAddrs = append(d.ManagementAddrs, a)
	case tlvOrg:
		if len(v) < 4 {
			return fmt.Errorf("organizationally specific TLV of %d bytes, need 4", len(v))
		}
		return d.org([3]byte(v[:3]), v[3], v[4:])
	}
	return nil
}

func renderID(typ int, subtype uint8, v []byte) string {
	mac := typ == tlvChassisID && subtype == ChassisMAC || typ == tlvPortID && subtype == PortMAC
	netAddr := typ == tlvChassisID && subtype == ChassisNetAddr || typ == tlvPortID && subtype == PortNetAddr
	switch {
	case mac && len(v) == 6:
		return hexString(v, ':')
	case netAddr:
		if a, ok := ipAddr(v); ok {
			return a.String()
		}
	case printable(v):
		return text(v)
	}
	return hexString(v, 0)
}

// ipAddr decodes an address prefixed by its IANA family number.
func ipAddr(v []byte) (netip.Addr, bool) {
	if len(v) == 5 && v[0] == 1 || len(v) == 17 && v[0] == 2 {
		return netip.AddrFromSlice(v[1:])
	}
	return netip.Addr{}, false
}

func mgmtAddr(v []byte) (MgmtAddr, error) {
	// address string length, subtype+address, interface subtype, number,
	// OID string length, OID.
	if len(v) < 1 {
		return MgmtAddr{}, fmt.Errorf("management address TLV is empty")
	}
	alen := int(v[0])
	if alen < 2 || alen > 32 || 1+alen+6 > len(v) {
		return MgmtAddr{}, fmt.Errorf("management address length %d does not fit the %d-byte TLV", alen, len(v))
	}
	addr := v[1 : 1+alen]
	rest := v[1+alen:]
	a := MgmtAddr{Family: addr[0], IfSubtype: rest[0], IfNumber: binary.BigEndian.Uint32(rest[1:])}
	if ip, ok := ipAddr(addr); ok {
		a.Addr = ip
	} else {
		a.Raw = hexString(addr[1:], 0)
	}
	oidLen := int(rest[5])
	if oidLen > 128 || 6+oidLen > len(rest) {
		return a, fmt.Errorf("management address OID length %d does not fit", oidLen)
	}
	if oidLen > 0 {
		a.OID = hexString(rest[6:6+oidLen], 0)
	}
	return a, nil
}

func (d *LLDP) org(oui [3]byte, sub uint8, v []byte) error {
	switch {
	case oui == ouiTIAMED:
		m := &d.MED
		var dst *string
		switch sub {
		case 1:
			if len(v) < 3 {
				return fmt.Errorf("LLDP-MED capabilities of %d bytes, want 3", len(v))
			}
			m.Present = true
			m.Capabilities = binary.BigEndian.Uint16(v)
			m.DeviceClass = v[2]
			return nil
		case 3:
			m.HasLocation = true
			return nil
		case 5:
			dst = &m.HardwareRevision
		case 6:
			dst = &m.FirmwareRevision
		case 7:
			dst = &m.SoftwareRevision
		case 8:
			dst = &m.SerialNumber
		case 9:
			dst = &m.Manufacturer
		case 10:
			dst = &m.Model
		case 11:
			dst = &m.AssetID
		}
		if dst != nil {
			if *dst == "" {
				*dst = text(v)
			}
			return nil
		}
	case oui == ouiIEEE8021 && sub == 1:
		if len(v) != 2 {
			return fmt.Errorf("port VLAN ID of %d bytes, want 2", len(v))
		}
		d.PortVLAN = binary.BigEndian.Uint16(v)
		return nil
	}
	if len(d.Org) >= MaxOrgTLVs {
		d.Dropped++
		return nil
	}
	d.Org = append(d.Org, OrgTLV{OUI: oui, Subtype: sub, Length: len(v), Data: append([]byte(nil), v[:min(len(v), MaxOrgData)]...)})
	return nil
}
