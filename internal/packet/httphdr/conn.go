package httphdr

import (
	"bytes"
	"fmt"
)

type state uint8

const (
	stStart     state = iota // start line, or blank lines before it
	stHeader                 // header lines
	stBody                   // a body of known length
	stChunkSize              // a chunk-size line
	stChunkData              // chunk data
	stChunkEnd               // the CRLF after chunk data
	stTrailer                // trailer lines after the last chunk
	stRest                   // the rest of the stream is body or tunnel
	stDead                   // given up (gap, framing error)
)

type peekKind uint8

const (
	peekNone peekKind = iota
	peekForm
	peekMultipart
	peekJSON
)

const tailLen = 16

// Request flags remembered until the response.
const (
	reqHead uint8 = 1 << iota
	reqConnect
)

type dir struct {
	client bool
	st     state
	off    int64 // bytes of this direction consumed so far
	msgNo  int

	line      []byte // kept prefix of the current line
	lineStart int64  // offset of the current line
	lineLen   int    // length of the current line, kept or not
	tail      [tailLen]byte
	tailN     int // bytes in tail: the end of a line longer than MaxLine

	hdrBytes int
	blank    int
	msg      Message
	inMsg    bool
	clSeen   bool
	teOther  bool

	remain      int64
	peek        []byte
	peekKind    peekKind
	emitPending bool // a request waits for its body peek
}

// Conn follows one TCP connection carrying HTTP/1.x. Each request and
// response is handed to the callback given to NewConn: a response when its
// header block ends, a request then too unless its form body is being
// peeked at, in which case when the peek is done.
type Conn struct {
	emit    func(Message)
	d       [2]dir // [0] server, [1] client
	pending [MaxPending]uint8
	pHead   int
	pN      int
	done    bool
	seen    bool // a start line was valid: the connection is HTTP
}

// notHTTP handles a direction whose next bytes cannot start a message: the
// whole connection is not HTTP unless a message was already seen on it (a
// capture that began mid-body, or a desynchronised direction), in which case
// only this direction is given up.
func (c *Conn) notHTTP(d *dir) {
	if c.seen {
		d.st = stDead
		return
	}
	c.done = true
}

// NewConn returns a Conn that calls emit, from within Feed, Gap or Close,
// for every message. The Message is the callee's to keep.
func NewConn(emit func(Message)) *Conn {
	c := &Conn{emit: emit}
	c.d[1].client = true
	return c
}

// Feed consumes the next in-order bytes of one direction; b may end
// anywhere and is not kept. It returns false when the stream is not HTTP,
// switched protocols (101, CONNECT), or nothing more can be decoded.
func (c *Conn) Feed(client bool, b []byte) bool {
	d := &c.d[0]
	if client {
		d = &c.d[1]
	}
	for len(b) > 0 && !c.done {
		n := c.step(d, b)
		d.off += int64(n)
		b = b[n:]
	}
	return c.alive()
}

func (c *Conn) alive() bool {
	return !c.done && c.d[0].st != stRest && (c.d[0].st != stDead || c.d[1].st != stDead)
}

// step consumes a prefix of b in the direction's current state and returns
// its length.
func (c *Conn) step(d *dir, b []byte) int {
	switch d.st {
	case stStart, stHeader, stChunkSize, stChunkEnd, stTrailer:
		if d.st == stStart && d.lineLen == 0 && !startByte(d.client, b[0]) {
			c.notHTTP(d) // no need to wait for a line end
			return len(b)
		}
		n, done := d.readLine(b)
		if d.st != stChunkSize && d.st != stChunkEnd {
			d.hdrBytes += n
			if d.hdrBytes > MaxHeader {
				c.fail(d, fmt.Sprintf("header block exceeds %d bytes", MaxHeader))
				return len(b)
			}
		} else if d.lineLen > MaxLine {
			c.fail(d, fmt.Sprintf("chunk-size line exceeds %d bytes", MaxLine))
			return len(b)
		}
		if done {
			c.line(d)
		}
		return n
	case stBody, stChunkData:
		n := int(min(d.remain, int64(len(b))))
		c.peekAt(d, b[:n])
		d.remain -= int64(n)
		if d.remain == 0 {
			if d.st == stBody {
				c.bodyDone(d)
			} else {
				d.st = stChunkEnd
			}
		}
		return n
	}
	return len(b) // stRest, stDead
}

// readLine adds the bytes of b up to the first LF to the current line.
func (d *dir) readLine(b []byte) (int, bool) {
	n := len(b)
	i := bytes.IndexByte(b, '\n')
	if i >= 0 {
		n = i + 1
	}
	part := b[:n]
	if d.lineLen == 0 {
		d.lineStart = d.off
	}
	if d.line == nil {
		d.line = make([]byte, 0, MaxLine)
	}
	keep := min(MaxLine-len(d.line), len(part))
	d.line = append(d.line, part[:keep]...)
	if drop := part[keep:]; len(drop) > 0 {
		if len(drop) >= tailLen {
			copy(d.tail[:], drop[len(drop)-tailLen:])
			d.tailN = tailLen
		} else {
			k := min(d.tailN, tailLen-len(drop))
			copy(d.tail[:], d.tail[d.tailN-k:d.tailN])
			copy(d.tail[k:], drop)
			d.tailN = k + len(drop)
		}
	}
	d.lineLen += n
	return n, i >= 0
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// line handles one complete line.
func (c *Conn) line(d *dir) {
	text := trimEOL(d.line)
	long := d.lineLen > MaxLine
	var (
		endBuf [2 * tailLen]byte
		tail   []byte
	)
	if long {
		// The last tailLen bytes of the whole line, kept part included.
		e := append(endBuf[:0], d.line[len(d.line)-min(len(d.line), tailLen-d.tailN):]...)
		tail = trimEOL(append(e, d.tail[:d.tailN]...))
	}
	d.line = d.line[:0]
	d.lineLen = 0
	d.tailN = 0
	switch d.st {
	case stStart:
		if len(text) == 0 && !long && d.blank < 4 {
			d.blank++ // blank lines between messages are tolerated
			return
		}
		d.begin()
		var ok bool
		if d.client {
			ok = d.requestLine(text, tail, long)
		} else {
			ok = d.statusLine(text)
		}
		if !ok {
			d.inMsg = false
			c.notHTTP(d)
			return
		}
		c.seen = true
		d.st = stHeader
	case stHeader:
		if len(text) == 0 && !long {
			c.headerEnd(d)
			return
		}
		d.header(text, long)
	case stChunkSize:
		size, ok := chunkSize(text)
		if !ok {
			c.fail(d, "invalid chunk size")
			return
		}
		if size == 0 {
			d.st = stTrailer
			d.hdrBytes = 0
			return
		}
		d.remain = size
		d.st = stChunkData
	case stChunkEnd:
		d.st = stChunkSize
	case stTrailer:
		if len(text) == 0 && !long {
			c.bodyDone(d)
		}
	}
}

func (d *dir) begin() {
	d.msgNo++
	d.msg = Message{Response: !d.client, Offset: d.lineStart, ContentLength: -1}
	d.inMsg = true
	d.clSeen, d.teOther = false, false
	d.peekKind = peekNone
	d.peek = d.peek[:0]
	d.blank = 0
}

// requestLine parses "METHOD target HTTP/1.x". When the line was longer
// than MaxLine, the version comes from the kept tail.
func (d *dir) requestLine(text, tail []byte, long bool) bool {
	sp := bytes.IndexByte(text, ' ')
	if sp < 1 || sp > 20 {
		return false
	}
	method := text[:sp]
	for _, ch := range method {
		if !(ch >= 'A' && ch <= 'Z' || ch == '-' || ch == '_') {
			return false
		}
	}
	rest := text[sp+1:]
	var target, version []byte
	if long {
		target = rest
		if i := bytes.LastIndexByte(tail, ' '); i >= 0 {
			version = tail[i+1:]
		}
		if i := bytes.IndexByte(target, ' '); i >= 0 {
			target = target[:i]
		}
	} else {
		i := bytes.LastIndexByte(rest, ' ')
		if i < 0 {
			return false
		}
		target, version = rest[:i], rest[i+1:]
	}
	if !validVersion(version) || len(target) == 0 {
		return false
	}
	m := &d.msg
	m.Method = string(method)
	m.Version = string(version)
	path := target
	cut := long
	if i := bytes.IndexAny(target, "?#"); i >= 0 {
		path, cut = target[:i], false
		if target[i] == '?' {
			q := target[i+1:]
			if j := bytes.IndexByte(q, '#'); j >= 0 {
				q = q[:j]
			}
			m.PasswordField = formPassword(q)
		}
	}
	var trunc bool
	m.Path, trunc = clean(path, MaxPath)
	m.Truncated = m.Truncated || trunc || cut
	return true
}

func validVersion(v []byte) bool {
	return len(v) == 8 && string(v[:7]) == "HTTP/1." && v[7] >= '0' && v[7] <= '9'
}

// statusLine parses "HTTP/1.x 200 Reason".
func (d *dir) statusLine(text []byte) bool {
	if len(text) < 12 || !validVersion(text[:8]) || text[8] != ' ' {
		return false
	}
	code := 0
	for _, ch := range text[9:12] {
		if ch < '0' || ch > '9' {
			return false
		}
		code = code*10 + int(ch-'0')
	}
	if len(text) > 12 && text[12] != ' ' {
		return false
	}
	d.msg.Version = string(text[:8])
	d.msg.Status = code
	return true
}

// header records one header line. Continuation lines (obsolete folding)
// are ignored.
func (d *dir) header(text []byte, long bool) {
	if len(text) == 0 || text[0] == ' ' || text[0] == '\t' {
		return
	}
	i := bytes.IndexByte(text, ':')
	if i <= 0 {
		return
	}
	name := bytes.TrimRight(text[:i], " \t")
	v := bytes.TrimSpace(text[i+1:])
	m := &d.msg
	var dst *string
	switch {
	case equalFold(name, "host"):
		dst = &m.Host
	case equalFold(name, "user-agent"):
		dst = &m.UserAgent
	case equalFold(name, "server"):
		dst = &m.Server
	case equalFold(name, "x-powered-by"):
		dst = &m.PoweredBy
	case equalFold(name, "content-type"):
		if j := bytes.IndexByte(v, ';'); j >= 0 {
			v = v[:j]
		}
		dst = &m.ContentType
	case equalFold(name, "content-length"):
		n, ok := parseLength(v)
		if !ok || long || d.clSeen && n != m.ContentLength {
			d.teOther = true // unknown framing: treated as unusable below
			m.ContentLength = -2
			return
		}
		d.clSeen = true
		m.ContentLength = n
	case equalFold(name, "transfer-encoding"):
		last := v
		if j := bytes.LastIndexByte(v, ','); j >= 0 {
			last = bytes.TrimSpace(v[j+1:])
		}
		m.Chunked = equalFold(last, "chunked")
		d.teOther = !m.Chunked
	case equalFold(name, "authorization"):
		m.AuthScheme = scheme(v)
	case equalFold(name, "www-authenticate"):
		if m.Challenge == "" {
			m.Challenge = scheme(v)
			var cut bool
			m.Realm, cut = clean(realm(v), MaxValue)
			m.Truncated = m.Truncated || cut || long
		}
	}
	if dst != nil && *dst == "" {
		var cut bool
		*dst, cut = clean(v, MaxValue)
		m.Truncated = m.Truncated || cut || long
	}
}

func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, ch := range v {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int64(ch-'0')
	}
	return n, true
}

func chunkSize(text []byte) (int64, bool) {
	if i := bytes.IndexAny(text, "; \t"); i >= 0 {
		text = text[:i]
	}
	if len(text) == 0 || len(text) > 15 {
		return 0, false
	}
	var n int64
	for _, ch := range text {
		v, ok := unhex(ch)
		if !ok {
			return 0, false
		}
		n = n<<4 | int64(v)
	}
	return n, true
}

// headerEnd decides how the body is framed and reports the message.
func (c *Conn) headerEnd(d *dir) {
	m := &d.msg
	if m.ContentLength == -2 {
		m.ContentLength = -1
		c.fail(d, "invalid or conflicting Content-Length")
		return
	}
	if !m.Response {
		c.requestEnd(d)
		return
	}
	if m.Status < 200 {
		if m.Status == 101 {
			c.emitMsg(d)
			c.done = true // switched protocols
			return
		}
		d.inMsg = false // interim response: the final one follows
		d.next()
		return
	}
	flags := c.pop()
	switch {
	case flags&reqConnect != 0 && m.Status < 300:
		c.emitMsg(d)
		c.done = true // a tunnel follows
	case flags&reqHead != 0 || m.Status == 204 || m.Status == 304:
		c.emitMsg(d)
		d.next()
	case m.Chunked:
		c.emitMsg(d)
		d.st = stChunkSize
	case !d.teOther && m.ContentLength >= 0:
		d.remain = m.ContentLength
		c.emitMsg(d)
		d.next()
		if d.remain > 0 {
			d.st = stBody
		}
	default:
		c.emitMsg(d)
		d.st = stRest // the body runs to the end of the connection
	}
}

func (c *Conn) requestEnd(d *dir) {
	m := &d.msg
	var flags uint8
	switch m.Method {
	case "HEAD":
		flags = reqHead
	case "CONNECT":
		flags = reqConnect
	}
	c.push(flags)
	hasBody := m.Chunked || m.ContentLength > 0
	if d.teOther {
		c.fail(d, "request body framing is not chunked")
		return
	}
	if hasBody && (m.Method == "POST" || m.Method == "PUT" || m.Method == "PATCH") {
		switch ct := m.ContentType; {
		case equalFold(ct, "application/x-www-form-urlencoded"):
			d.peekKind = peekForm
		case equalFold(ct, "multipart/form-data"):
			d.peekKind = peekMultipart
		case equalFold(ct, "application/json") || len(ct) > 5 && equalFold(ct[len(ct)-5:], "+json"):
			d.peekKind = peekJSON
		}
	}
	if d.peekKind != peekNone {
		d.emitPending = true
		if d.peek == nil {
			d.peek = make([]byte, 0, MaxPeek)
		}
	} else {
		c.emitMsg(d)
	}
	switch {
	case m.Chunked:
		d.st = stChunkSize
	case hasBody:
		d.remain = m.ContentLength
		d.st = stBody
	default:
		d.next()
	}
}

func (c *Conn) push(flags uint8) {
	if c.pN == MaxPending {
		return // the oldest answers will be framed as if not HEAD
	}
	c.pending[(c.pHead+c.pN)%MaxPending] = flags
	c.pN++
}

func (c *Conn) pop() uint8 {
	if c.pN == 0 {
		return 0
	}
	f := c.pending[c.pHead]
	c.pHead = (c.pHead + 1) % MaxPending
	c.pN--
	return f
}

// peekAt feeds body bytes to the password-field peek of a pending request.
func (c *Conn) peekAt(d *dir, b []byte) {
	if !d.emitPending {
		return
	}
	d.peek = append(d.peek, b[:min(len(b), MaxPeek-len(d.peek))]...)
	if len(d.peek) == MaxPeek {
		c.peekDone(d)
	}
}

func (c *Conn) peekDone(d *dir) {
	if !d.emitPending {
		return
	}
	d.emitPending = false
	switch d.peekKind {
	case peekForm:
		d.msg.PasswordField = d.msg.PasswordField || formPassword(d.peek)
	case peekMultipart:
		d.msg.PasswordField = d.msg.PasswordField || multipartPassword(d.peek)
	case peekJSON:
		d.msg.PasswordField = d.msg.PasswordField || jsonPassword(d.peek)
	}
	d.peek = d.peek[:0]
	c.emitMsg(d)
}

func (c *Conn) bodyDone(d *dir) {
	c.peekDone(d)
	d.next()
}

// next waits for the next message.
func (d *dir) next() {
	d.st = stStart
	d.hdrBytes = 0
}

func (c *Conn) emitMsg(d *dir) {
	if !d.inMsg {
		return
	}
	d.inMsg = false
	d.emitPending = false
	if c.emit != nil {
		c.emit(d.msg)
	}
}

// fail gives up on a direction, reporting the message in progress.
func (c *Conn) fail(d *dir, why string) {
	if d.inMsg {
		kind := "request"
		if !d.client {
			kind = "response"
		}
		d.msg.Err = fmt.Errorf("httphdr: %s %d at offset %d: %s", kind, d.msgNo, d.msg.Offset, why)
		c.emitMsg(d)
	}
	d.st = stDead
}

// Gap tells the Conn that n bytes of one direction were lost. Inside a body
// of known length the loss is skipped over; anywhere else the direction is
// given up, as the next message boundary cannot be found with certainty.
func (c *Conn) Gap(client bool, n int) {
	d := &c.d[0]
	if client {
		d = &c.d[1]
	}
	d.off += int64(n)
	switch d.st {
	case stBody, stChunkData:
		if int64(n) <= d.remain {
			c.peekDone(d) // the peek cannot see past the loss
			d.remain -= int64(n)
			if d.remain == 0 {
				if d.st == stBody {
					c.bodyDone(d)
				} else {
					d.st = stChunkEnd
				}
			}
			return
		}
	case stRest, stDead:
		return
	}
	c.fail(d, fmt.Sprintf("gap of %d bytes", n))
}

// Close reports a request still waiting for its body peek and a header
// block cut by the end of the stream.
func (c *Conn) Close() {
	for i := range c.d {
		d := &c.d[i]
		if d.emitPending {
			c.peekDone(d)
		} else if d.inMsg {
			c.fail(d, "stream ended inside the header block")
		}
	}
}

// startByte reports whether c can begin a line before or at the start of a
// message: a method's capital letter from a client, "HTTP/" from a server.
func startByte(client bool, c byte) bool {
	if c == '\r' || c == '\n' {
		return true
	}
	if client {
		return c >= 'A' && c <= 'Z'
	}
	return c == 'H'
}
