package discovery

import (
	"bytes"
	"net/netip"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/packet"
	"github.com/vigil-oss/vigil/internal/packet/dicom"
	"github.com/vigil-oss/vigil/internal/packet/hl7"
	"github.com/vigil-oss/vigil/internal/packet/httphdr"
	"github.com/vigil-oss/vigil/internal/packet/tlshello"
)

// NewStream picks the decoder for a TCP connection by what its first bytes
// say, on any port; for protocols where the server speaks first it goes by
// the port. Connections no decoder wants are not reassembled.
func (s *Sensor) NewStream(f *packet.Flow, client bool, first []byte) packet.Stream {
	port := f.Server.Port()
	if client {
		switch {
		case tlshello.Sniff(first):
			f.Label.App, f.Label.Encrypted = "tls", true
			return &tlsStream{s: s, f: f, c: tlshello.NewConnCached(s.certs)}
		case dicom.Sniff(first):
			f.Label.App = "dicom"
			return &dicomStream{s: s, f: f, c: dicom.NewConn()}
		case hl7.Sniff(first):
			f.Label.App = "hl7"
			st := &hl7Stream{s: s, f: f}
			st.c = hl7.NewConn(st.message)
			return st
		case httphdr.Sniff(first):
			f.Label.App = "http"
			st := &httpStream{s: s, f: f}
			st.c = httphdr.NewConn(st.message)
			return st
		case isSMB(first):
			f.Label.App = "smb"
			s.smb(f, first)
			return nil
		case bytes.HasPrefix(first, []byte("SSH-")):
			f.Label.App, f.Label.Encrypted = "ssh", true
			return nil
		}
	}
	switch {
	case port == 23:
		f.Label.App = "telnet"
		return &telnetStream{s: s, f: f}
	case port == 21:
		f.Label.App = "ftp"
		return &ftpStream{s: s, f: f}
	case !client && bytes.HasPrefix(first, []byte("SSH-")):
		f.Label.App, f.Label.Encrypted = "ssh", true
	case port == 3389:
		f.Label.App, f.Label.Encrypted = "rdp", true
		s.remoteAccess(f, "RDP")
	case port == 445 || port == 139:
		f.Label.App = "smb"
	case port == 9100:
		f.Label.App = "jetdirect"
	}
	return nil
}

func (s *Sensor) clientServer(f *packet.Flow) (netip.Addr, netip.Addr) {
	return f.Client.Addr().Unmap(), f.Server.Addr().Unmap()
}

// --- DICOM ---

type dicomStream struct {
	s    *Sensor
	f    *packet.Flow
	c    *dicom.Conn
	done bool
}

func (d *dicomStream) Feed(client bool, b []byte) bool { return d.c.Feed(client, b) }
func (d *dicomStream) Gap(client bool, n int)          { d.c.Gap(client, n) }
func (d *dicomStream) Close() {
	if d.done {
		return
	}
	d.done = true
	d.s.dicom(d.f, d.c.Association())
}

// DICOM service classes by SOP class UID prefix (PS3.4).
func dicomService(sop string, cmd dicom.Command) string {
	switch {
	case cmd == dicom.CStore && strings.HasPrefix(sop, "1.2.840.10008.5.1.4.1.1."):
		return "storage"
	case strings.HasPrefix(sop, "1.2.840.10008.5.1.4.31"):
		return "worklist"
	case strings.HasPrefix(sop, "1.2.840.10008.5.1.4.1.2."):
		return "query"
	case strings.HasPrefix(sop, "1.2.840.10008.3.1.2.3.3"):
		return "mpps"
	case sop == "1.2.840.10008.1.20.1":
		return "storage-commitment"
	}
	return ""
}

// The DICOM tags identification reads.
const (
	tagModality     dicom.Tag = 0x00080060
	tagManufacturer dicom.Tag = 0x00080070
	tagStationName  dicom.Tag = 0x00081010
	tagModelName    dicom.Tag = 0x00081090
	tagSerial       dicom.Tag = 0x00181000
	tagSoftware     dicom.Tag = 0x00181020
)

func (s *Sensor) dicom(f *packet.Flow, a *dicom.Association) {
	if a == nil {
		return
	}
	client, server := s.clientServer(f)
	t := f.First
	ch, sh := s.host(client), s.host(server)
	if ch != nil {
		addName(&ch.aeTitles, a.CallingAE, maxNamesPerHost)
		ch.sig.add(Signal{"dicom.ae_title", a.CallingAE}, t)
		ch.sig.add(Signal{"dicom.implementation_class_uid", a.Requestor.ImplementationClassUID}, t)
		ch.sig.add(Signal{"dicom.implementation_version", a.Requestor.ImplementationVersion}, t)
	}
	if sh != nil && a.State >= dicom.Accepted && a.State != dicom.Rejected {
		addName(&sh.aeTitles, a.CalledAE, maxNamesPerHost)
		sh.sig.add(Signal{"dicom.ae_title", a.CalledAE}, t)
		sh.sig.add(Signal{"dicom.implementation_class_uid", a.Acceptor.ImplementationClassUID}, t)
		sh.sig.add(Signal{"dicom.implementation_version", a.Acceptor.ImplementationVersion}, t)
	}
	mwl := false
	for _, op := range a.Operations {
		svc := dicomService(op.SOPClass, op.Command)
		if svc == "" {
			continue
		}
		scu, scp := ch, sh
		if !op.FromClient { // C-GET's stores come from the SCP's side
			scu, scp = sh, ch
		}
		if scu != nil {
			scu.sig.add(Signal{"dicom.service_scu", svc}, t)
		}
		if scp != nil {
			scp.sig.add(Signal{"dicom.service_scp", svc}, t)
			if svc == "storage" && op.FromClient && client != server {
				scp.storageSCP = true
				if len(scp.storageFrom) < 16 {
					if scp.storageFrom == nil {
						scp.storageFrom = map[netip.Addr]bool{}
					}
					scp.storageFrom[client] = true
				}
			}
		}
		if svc == "worklist" && op.FromClient {
			mwl = true
		}
	}
	for _, attr := range a.Identity {
		if attr.Command == dicom.CFind && attr.FromClient && mwl && attr.Tag == tagModality && ch != nil {
			// A worklist query asks for the work of the querying modality.
			ch.sig.add(Signal{"dicom.modality", attr.Value}, t)
			continue
		}
		if attr.Command != dicom.CStore || attr.Nested {
			continue // a C-FIND answer describes what was found, not who answered
		}
		sender := ch
		if !attr.FromClient {
			sender = sh
		}
		if sender == nil {
			continue
		}
		v := strings.Join(attr.Values(), " / ")
		switch attr.Tag {
		case tagManufacturer:
			sender.dataset.add(Signal{"dicom.manufacturer", v}, t)
		case tagModelName:
			sender.dataset.add(Signal{"dicom.model", v}, t)
		case tagSoftware:
			sender.dataset.add(Signal{"dicom.software_version", v}, t)
		case tagModality:
			sender.dataset.add(Signal{"dicom.modality", v}, t)
		case tagSerial:
			sender.dataset.add(Signal{"dicom.serial", v}, t)
		case tagStationName:
			sender.dataset.add(Signal{"dicom.station_name", v}, t)
		}
	}
	if a.State == dicom.Rejected {
		s.alert(AlertDICOMRejected, "medium", a.CallingAE+"\x00"+a.CalledAE, t, client, packet.MAC{}, f.Server, "dicom",
			"A-ASSOCIATE-RJ: "+safeAE(a.CalledAE)+" at "+f.Server.String()+" refused calling AE "+safeAE(a.CallingAE)+
				" ("+a.Reject.String()+"); an unknown AE title probing an archive, or a misconfigured modality")
	}
	if a.PHI && !f.Label.Encrypted {
		var tags []string
		for _, tg := range a.PHITags {
			tags = append(tags, tg.String())
		}
		detail := "DICOM dataset with patient attributes (" + strings.Join(tags, ", ") + ") sent without TLS from " +
			f.Client.Addr().String() + " to " + f.Server.String()
		if s.isPublic(server) {
			detail += ", a public address"
		}
		s.alert(AlertCleartextPHI, "high", "dicom", t, client, packet.MAC{}, f.Server, "dicom", detail)
	}
}

// safeAE quotes an AE title for an alert: at most 16 printable characters.
func safeAE(ae string) string {
	var b strings.Builder
	for _, r := range ae {
		if b.Len() >= 16 {
			break
		}
		if r >= 0x20 && r < 0x7f {
			b.WriteRune(r)
		}
	}
	return `"` + b.String() + `"`
}

// --- HL7 ---

type hl7Stream struct {
	s *Sensor
	f *packet.Flow
	c *hl7.Conn
}

func (h *hl7Stream) Feed(client bool, b []byte) bool { return h.c.Feed(client, b) }
func (h *hl7Stream) Gap(client bool, n int)          { h.c.Gap(client, n) }
func (h *hl7Stream) Close()                          {}

func (h *hl7Stream) message(m hl7.Message) {
	s, f := h.s, h.f
	client, server := s.clientServer(f)
	sender, receiver := client, server
	to := f.Server
	if !m.FromClient {
		sender, receiver = server, client
		to = f.Client
	}
	if m.Err != nil && m.MessageCode == "" {
		s.stats.ProtocolErrors++
	}
	t := f.Last
	if sh := s.host(sender); sh != nil && m.SendingApplication.Namespace != "" {
		sh.sig.add(Signal{"hl7.sent", m.SendingApplication.Namespace}, t)
		addName(&sh.hl7Apps, hl7App(m.SendingApplication, m.SendingFacility), maxNamesPerHost)
		if m.MessageCode != "ACK" {
			sh.sig.add(Signal{"hl7.sent_message_type", m.Type()}, t)
		}
		sh.sig.add(Signal{"hl7.version", m.Version}, t)
		for _, p := range m.Profiles {
			sh.sig.add(Signal{"hl7.profile", hl7EI(p)}, t)
		}
	}
	if sh := s.host(sender); sh != nil {
		// Devices the sender reports for (a gateway or central station
		// speaks for the monitors behind it): their equipment identifiers
		// (OBX-18, often an EUI-64) and UDI device identifiers (PRT-16).
		for _, o := range m.Observations {
			for _, e := range o.Equipment {
				sh.sig.add(Signal{"hl7.equipment", hl7EI(e)}, t)
			}
		}
		for _, p := range m.Participants {
			sh.sig.add(Signal{"hl7.udi_di", hl7EI(p.DeviceIdentifier)}, t)
		}
	}
	if rh := s.host(receiver); rh != nil && m.ReceivingApplication.Namespace != "" && m.MessageCode != "ACK" {
		rh.sig.add(Signal{"hl7.received", m.ReceivingApplication.Namespace}, t)
		addName(&rh.hl7Apps, hl7App(m.ReceivingApplication, m.ReceivingFacility), maxNamesPerHost)
	}
	if m.HasPHI() && !f.Label.Encrypted {
		detail := "HL7 " + m.Type() + " with " + strings.Join(m.PHISegments, ", ") + " sent without TLS from " +
			safeText(m.SendingApplication.Namespace) + " at " + sender.String() + " to " + to.String()
		if s.isPublic(receiver) {
			detail += ", a public address"
		}
		s.alert(AlertCleartextPHI, "high", "hl7", t, sender, packet.MAC{}, to, "hl7", detail)
	}
}

// hl7EI writes an entity identifier as HL7 does, without trailing empty
// components: "0012A5FFFE1B2C3D^^0012A5FFFE1B2C3D^EUI-64".
func hl7EI(e hl7.EI) string {
	return strings.TrimRight(e.Entity+"^"+e.Namespace+"^"+e.UniversalID+"^"+e.UniversalIDType, "^")
}

func hl7App(app, facility hl7.HD) string {
	if facility.Namespace == "" {
		return app.Namespace
	}
	return app.Namespace + "^" + facility.Namespace
}

// safeText keeps the first 64 printable characters of a protocol field for
// an alert.
func safeText(v string) string {
	var b strings.Builder
	for _, r := range v {
		if b.Len() >= 64 {
			break
		}
		if r >= 0x20 && r != 0x7f {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// --- HTTP ---

type httpStream struct {
	s *Sensor
	f *packet.Flow
	c *httphdr.Conn
}

func (h *httpStream) Feed(client bool, b []byte) bool { return h.c.Feed(client, b) }
func (h *httpStream) Gap(client bool, n int)          { h.c.Gap(client, n) }
func (h *httpStream) Close()                          {}

func (h *httpStream) message(m httphdr.Message) {
	s, f := h.s, h.f
	client, server := s.clientServer(f)
	t := f.Last
	if !m.Response {
		s.signal(client, "http.user_agent", m.UserAgent, t)
		if host := hostOnly(m.Host); host != "" {
			if sh := s.host(server); sh != nil {
				addName(&sh.names, strings.ToLower(host), maxNamesPerHost)
			}
		}
		if m.AuthScheme == "Basic" || m.PasswordField {
			how := "a password form field"
			if m.AuthScheme == "Basic" {
				how = "Basic authorization"
			}
			s.alert(AlertInsecureProtocol, "high", "http-login", t, client, packet.MAC{}, f.Server, "http",
				"HTTP login ("+how+") in cleartext to "+f.Server.String()+": the password can be read off the network")
		}
		return
	}
	s.signal(server, "http.server", m.Server, t)
	s.signal(server, "http.realm", m.Realm, t)
	s.signal(server, "http.powered_by", m.PoweredBy, t)
}

// hostOnly returns the name of a Host header, "" for an address.
func hostOnly(h string) string {
	h = strings.TrimSpace(h)
	if host, _, ok := strings.Cut(h, ":"); ok && !strings.Contains(h, "]") {
		h = host
	}
	if h == "" || strings.HasPrefix(h, "[") {
		return ""
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return ""
	}
	return h
}

// --- TLS ---

type tlsStream struct {
	s    *Sensor
	f    *packet.Flow
	c    *tlshello.Conn
	done bool
}

func (ts *tlsStream) Feed(client bool, b []byte) bool { return ts.c.Feed(client, b) }
func (ts *tlsStream) Gap(client bool, n int)          { ts.c.Gap(client, n) }
func (ts *tlsStream) Close() {
	if ts.done {
		return
	}
	ts.done = true
	s, f := ts.s, ts.f
	r := ts.c.Result()
	client, server := s.clientServer(f)
	t := f.First
	if r.Client != nil {
		if h := s.host(client); h != nil && r.Client.JA4 != "" {
			addName(&h.ja4, r.Client.JA4, 8)
			h.sig.add(Signal{"tls.ja4", r.Client.JA4}, t)
		}
		if sni := r.Client.ServerName; sni != "" {
			if sh := s.host(server); sh != nil {
				addName(&sh.names, strings.ToLower(sni), maxNamesPerHost)
			}
			state(f).note = "TLS to " + safeText(sni)
		}
	}
	if c := r.Certificate; c != nil && c.ParseError == "" {
		if sh := s.host(server); sh != nil {
			if len(c.SubjectO) > 0 {
				sh.sig.add(Signal{"tls.server_cert_org", c.SubjectO[0]}, t)
			}
			sh.sig.add(Signal{"tls.server_cert_cn", c.SubjectCN}, t)
			issuer := c.IssuerCN
			if len(c.IssuerO) > 0 {
				issuer = strings.TrimSpace(c.IssuerO[0] + " " + issuer)
			}
			sh.sig.add(Signal{"tls.server_cert_issuer", issuer}, t)
			if c.SubjectCN != "" && !strings.HasPrefix(c.SubjectCN, "*") && !strings.Contains(c.SubjectCN, " ") {
				addName(&sh.names, strings.ToLower(c.SubjectCN), maxNamesPerHost)
			}
		}
		if c.SelfSigned {
			note := "TLS with a self-signed certificate"
			if c.SubjectCN != "" {
				note += " (CN " + safeText(c.SubjectCN) + ")"
			}
			state(f).note = note
		}
	}
}

// --- cleartext logins ---

// telnetStream watches a Telnet session for a login prompt; it keeps
// nothing of what is typed.
type telnetStream struct {
	s      *Sensor
	f      *packet.Flow
	data   bool
	prompt bool
	raised bool
	tail   []byte // the server's last bytes, to find a prompt split across segments
}

func (ts *telnetStream) Feed(client bool, b []byte) bool {
	if len(b) > 0 {
		ts.data = true
	}
	if !client && !ts.prompt {
		ts.tail = append(ts.tail, b...)
		if len(ts.tail) > 256 {
			ts.tail = ts.tail[len(ts.tail)-256:]
		}
		low := bytes.ToLower(ts.tail)
		if bytes.Contains(low, []byte("login:")) || bytes.Contains(low, []byte("password:")) || bytes.Contains(low, []byte("username:")) {
			ts.prompt = true
			ts.tail = nil
		}
	}
	if ts.prompt && client && len(b) > 0 && !ts.raised {
		ts.raised = true
		ts.s.telnet(ts.f, true)
		return false
	}
	return true
}
func (ts *telnetStream) Gap(bool, int) {}
func (ts *telnetStream) Close() {
	if ts.data && !ts.raised {
		ts.raised = true
		ts.s.telnet(ts.f, ts.prompt)
	}
}

func (s *Sensor) telnet(f *packet.Flow, login bool) {
	client, _ := s.clientServer(f)
	detail := "Telnet session to " + f.Server.String() + ": everything typed, passwords included, crosses the network in cleartext"
	if login {
		detail = "Telnet login to " + f.Server.String() + ": the user name and password were sent in cleartext"
	}
	s.alert(AlertInsecureProtocol, "high", "telnet", f.First, client, packet.MAC{}, f.Server, "telnet", detail)
	s.remoteAccess(f, "Telnet")
}

// ftpStream looks for the USER and PASS commands of a cleartext FTP login.
type ftpStream struct {
	s    *Sensor
	f    *packet.Flow
	line []byte
}

func (fs *ftpStream) Feed(client bool, b []byte) bool {
	if !client {
		return true
	}
	fs.line = append(fs.line, b...)
	if len(fs.line) > 512 {
		fs.line = fs.line[len(fs.line)-512:]
	}
	up := bytes.ToUpper(fs.line)
	if bytes.Contains(up, []byte("PASS ")) || bytes.HasPrefix(up, []byte("USER ")) || bytes.Contains(up, []byte("\nUSER ")) {
		client, _ := fs.s.clientServer(fs.f)
		fs.s.alert(AlertInsecureProtocol, "high", "ftp", fs.f.First, client, packet.MAC{}, fs.f.Server, "ftp",
			"FTP login to "+fs.f.Server.String()+": the user name and password were sent in cleartext")
		return false
	}
	return true
}
func (fs *ftpStream) Gap(bool, int) {}
func (fs *ftpStream) Close()        {}

// --- SMB ---

// isSMB recognises a NetBIOS session message carrying SMB1 (\xffSMB) or
// SMB2/3 (\xfeSMB).
func isSMB(b []byte) bool {
	return len(b) >= 8 && b[0] == 0 && (bytes.Equal(b[4:8], []byte("\xffSMB")) || bytes.Equal(b[4:8], []byte("\xfeSMB")))
}

func (s *Sensor) smb(f *packet.Flow, first []byte) {
	client, _ := s.clientServer(f)
	if first[4] == 0xff {
		s.alert(AlertInsecureProtocol, "high", "smb1", f.First, client, packet.MAC{}, f.Server, "smb",
			"SMBv1 session to "+f.Server.String()+": the protocol version EternalBlue and WannaCry spread through")
	}
	s.remoteAccess(f, "SMB")
}

// remoteAccess remembers a file-sharing or remote-access session; whether
// it involves a clinical device is known only when devices are
// identified, so Result decides about the alert.
func (s *Sensor) remoteAccess(f *packet.Flow, proto string) {
	client, server := s.clientServer(f)
	if len(s.remote) >= maxAlerts {
		return
	}
	s.remote = append(s.remote, remoteSession{client: client, server: f.Server, serverAddr: server, proto: proto, t: f.First})
}

type remoteSession struct {
	client     netip.Addr
	server     netip.AddrPort
	serverAddr netip.Addr
	proto      string
	t          time.Time
}
