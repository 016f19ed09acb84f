package hl7

import (
	"errors"
	"fmt"
)

// Conn follows one TCP connection carrying MLLP. Messages are handed to the
// callback given to NewConn as they end, in each direction's order. A Conn
// buffers at most 2 × (MaxField + 10) bytes.
type Conn struct {
	emit func(Message)
	dir  [2]parser // [0] server, [1] client
}

// NewConn returns a Conn that calls emit for every message, from within
// Feed, Gap or Close. The Message is the callee's to keep.
func NewConn(emit func(Message)) *Conn {
	c := &Conn{emit: emit}
	c.dir[1].fromClnt = true
	return c
}

func (c *Conn) parser(client bool) *parser {
	if client {
		return &c.dir[1]
	}
	return &c.dir[0]
}

// Feed consumes the next in-order bytes of one direction; b may end
// anywhere, even inside a delimiter or the start block, and is not kept. It
// returns false once either direction carried more than MaxJunk bytes
// outside MLLP frames: the stream is not HL7.
func (c *Conn) Feed(client bool, b []byte) bool {
	p := c.parser(client)
	p.feed(b, c.emit)
	return !c.dir[0].dead && !c.dir[1].dead
}

// Gap tells the Conn that n bytes of one direction were lost. A message in
// progress is reported with what it held so far and an error; decoding
// resumes at the next start block.
func (c *Conn) Gap(client bool, n int) {
	p := c.parser(client)
	if p.inMsg {
		p.abort(fmt.Errorf("%s: gap of %d bytes", p.where(), n), c.emit)
	}
	p.off += int64(n)
	p.st = stOutside
}

// Close reports a message still in progress at the end of the stream.
func (c *Conn) Close() {
	for i := range c.dir {
		p := &c.dir[i]
		if p.inMsg {
			p.abort(fmt.Errorf("%s: stream ended inside message", p.where()), c.emit)
		}
		p.st = stOutside
	}
}

// ErrNoMessage is returned by ParseMessage when b holds no HL7 message.
var ErrNoMessage = errors.New("hl7: no message")

// ParseMessage decodes one message, with or without its MLLP envelope. It
// is the stream decoder run over b alone, so it has the same limits.
func ParseMessage(b []byte) (Message, error) {
	var (
		p     parser
		first Message
		found bool
	)
	p.fromClnt = true
	emit := func(m Message) {
		if !found {
			first, found = m, true
		}
	}
	if len(b) == 0 || b[0] != startBlock {
		p.feed([]byte{startBlock}, emit)
	}
	p.feed(b, emit)
	if p.inMsg {
		p.finish(nil, emit)
	}
	if !found {
		if p.headErr != nil {
			return Message{}, fmt.Errorf("%w: %w", ErrNoMessage, p.headErr)
		}
		return Message{}, ErrNoMessage
	}
	return first, first.Err
}
