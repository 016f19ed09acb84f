package inventory

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"sync/atomic"
)

// A small RFC 4180 tokenizer instead of encoding/csv: encoding/csv holds a
// whole record in memory before it can say anything, so a 10 MB cell or an
// unterminated quote costs as much memory as the file. This one keeps at
// most maxRecord bytes of a record, skips the rest of an oversized cell
// while still finding where the record ends, and reports problems per
// record instead of stopping the file.
//
// Accepted dialect: a one-byte delimiter; fields optionally quoted with ",
// "" inside quotes is a quote; CRLF or LF line ends (CRLF inside a quoted
// field becomes LF); a quote inside an unquoted field is kept literally, as
// spreadsheet exports write 12" monitors that way.

// Default limits; Options may lower or raise them.
const (
	DefaultMaxCell   = 64 << 10  // bytes in one cell
	DefaultMaxFields = 512       // cells in one row
	DefaultMaxRecord = 1 << 20   // bytes in one row, all cells together
	bufferSize       = 64 << 10  // the bufio buffer: the unit of reading
	ctxCheckEvery    = 1 << 16   // lines between context checks while skipping
	maxProblems      = 8         // problems kept per row; more are counted
	maxHeaderBytes   = 256 << 10 // bytes in the header row
)

// problemKind classifies what was wrong with a record while tokenizing.
type problemKind int

const (
	probCellTooLong problemKind = iota + 1
	probRecordTooLong
	probTooManyFields
	probAfterQuote
	probUnterminated
)

type problem struct {
	kind  problemKind
	field int // 0-based cell index, -1 for the whole row
}

// tokenizer splits a byte stream into records.
type tokenizer struct {
	br    *bufio.Reader
	comma byte

	maxCell, maxFields, maxRecord int

	line   int          // physical line number of the next byte, 1-based
	offset atomic.Int64 // bytes consumed; read by progress displays on other goroutines

	// The current record: cell i is buf[starts[i]:ends[i]].
	buf     []byte
	starts  []int
	ends    []int
	recLine int
	probs   []problem
	nprobs  int // problems seen, including those not kept

	// Per-cell state.
	cellLen int  // bytes of the current cell seen, kept or not
	dropped bool // the current cell went past maxCell; its bytes are not kept
	skipRec bool // the record went past maxRecord or maxFields; bytes not kept
	nfields int  // cells started in this record, kept or not
}

func newTokenizer(br *bufio.Reader, comma byte, maxCell, maxFields, maxRecord int) *tokenizer {
	return &tokenizer{br: br, comma: comma, maxCell: maxCell, maxFields: maxFields, maxRecord: maxRecord, line: 1}
}

type tokState int

const (
	stFieldStart    tokState = iota // at the start of a cell
	stUnquoted                      // inside an unquoted cell
	stQuoted                        // inside a quoted cell
	stQuoteInQuoted                 // just read a quote inside a quoted cell
)

// errBlank is returned internally for a line with nothing on it.
var errBlank = errors.New("blank line")

// next reads the next record. It returns io.EOF when the input is done,
// and any read error as is. Blank lines are skipped cheaply: a million of
// them cost a million ReadSlice calls and no memory.
func (t *tokenizer) next(checkCtx func() error) error {
	skipped := 0
	for {
		err := t.record()
		if err != errBlank {
			return err
		}
		skipped++
		if skipped%ctxCheckEvery == 0 && checkCtx != nil {
			if err := checkCtx(); err != nil {
				return err
			}
		}
	}
}

func (t *tokenizer) reset() {
	t.buf = t.buf[:0]
	t.starts = t.starts[:0]
	t.ends = t.ends[:0]
	t.probs = t.probs[:0]
	t.nprobs = 0
	t.recLine = t.line
	t.skipRec = false
	t.nfields = 0
}

func (t *tokenizer) addProblem(k problemKind, field int) {
	t.nprobs++
	for _, p := range t.probs {
		if p.kind == k && p.field == field {
			return
		}
	}
	if len(t.probs) < maxProblems {
		t.probs = append(t.probs, problem{k, field})
	}
}

// startCell begins cell number t.nfields.
func (t *tokenizer) startCell() {
	t.cellLen, t.dropped = 0, false
	if t.nfields >= t.maxFields {
		if !t.skipRec {
			t.addProblem(probTooManyFields, -1)
		}
		t.skipRec = true
	}
	t.nfields++
	if !t.skipRec {
		t.starts = append(t.starts, len(t.buf))
	}
}

func (t *tokenizer) endCell() {
	if !t.skipRec {
		t.ends = append(t.ends, len(t.buf))
	}
}

// appendBytes adds cell content, dropping what goes past the limits.
func (t *tokenizer) appendBytes(b []byte) {
	t.cellLen += len(b)
	if t.skipRec || t.dropped {
		return
	}
	if t.cellLen > t.maxCell {
		t.dropped = true
		t.addProblem(probCellTooLong, t.nfields-1)
		return
	}
	if len(t.buf)+len(b) > t.maxRecord {
		t.skipRec = true
		t.addProblem(probRecordTooLong, -1)
		return
	}
	t.buf = append(t.buf, b...)
}

func (t *tokenizer) appendByte(c byte) {
	if !t.skipRec && !t.dropped && t.cellLen+1 <= t.maxCell && len(t.buf)+1 <= t.maxRecord {
		t.cellLen++
		t.buf = append(t.buf, c)
		return
	}
	t.appendBytes([]byte{c})
}

// record reads one record, or returns errBlank for an empty line.
func (t *tokenizer) record() error {
	t.reset()
	state := stFieldStart
	pendingCR := false // a CR not yet known to start a CRLF
	started := false   // any byte of this record consumed
	for {
		chunk, err := t.br.ReadSlice('\n')
		t.offset.Add(int64(len(chunk)))
		if len(chunk) > 0 && !started {
			// Fast path for blank lines.
			if len(chunk) == 1 && chunk[0] == '\n' || len(chunk) == 2 && chunk[0] == '\r' && chunk[1] == '\n' {
				t.line++
				return errBlank
			}
			started = true
			t.startCell()
		}
		i := 0
		for i < len(chunk) {
			c := chunk[i]
			if pendingCR {
				pendingCR = false
				if c != '\n' {
					t.appendByte('\r')
				}
			}
			switch state {
			case stFieldStart:
				switch c {
				case '"':
					state = stQuoted
					i++
					continue
				case t.comma:
					t.endCell()
					t.startCell()
					i++
					continue
				case '\n':
					t.line++
					t.endCell()
					return nil
				}
				state = stUnquoted
				fallthrough
			case stUnquoted:
				// Copy the run of ordinary bytes in one go.
				j := i
				for j < len(chunk) && chunk[j] != t.comma && chunk[j] != '\n' && chunk[j] != '\r' {
					j++
				}
				if j > i {
					t.appendBytes(chunk[i:j])
					i = j
					continue
				}
				switch c {
				case t.comma:
					t.endCell()
					t.startCell()
					state = stFieldStart
				case '\r':
					pendingCR = true
				case '\n':
					t.line++
					t.endCell()
					return nil
				}
				i++
			case stQuoted:
				j := i
				for j < len(chunk) && chunk[j] != '"' && chunk[j] != '\r' {
					j++
				}
				if j > i {
					seg := chunk[i:j]
					t.line += bytes.Count(seg, []byte{'\n'})
					t.appendBytes(seg)
					i = j
					continue
				}
				if c == '"' {
					state = stQuoteInQuoted
				} else { // '\r'
					pendingCR = true
				}
				i++
			case stQuoteInQuoted:
				switch c {
				case '"':
					t.appendByte('"')
					state = stQuoted
				case t.comma:
					t.endCell()
					t.startCell()
					state = stFieldStart
				case '\n':
					t.line++
					t.endCell()
					return nil
				case '\r':
					pendingCR = true
				default:
					// Text after a closing quote: keep it, but say so.
					t.addProblem(probAfterQuote, t.nfields-1)
					t.appendByte(c)
					state = stUnquoted
				}
				i++
			}
		}
		switch {
		case err == nil || errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if !started {
				return io.EOF
			}
			// A CR just before the end of input is a line end (as
			// encoding/csv has it), inside quotes too, where the quote is
			// missing anyway.
			if state == stQuoted {
				t.addProblem(probUnterminated, t.nfields-1)
			}
			if state != stQuoted && state != stQuoteInQuoted && t.nfields == 1 && t.cellLen == 0 {
				return errBlank // a lone CR at the end
			}
			t.endCell()
			return nil
		default:
			return err
		}
	}
}

// cells returns the kept cells of the current record; valid until the next
// call of next.
func (t *tokenizer) cell(i int) []byte { return t.buf[t.starts[i]:t.ends[i]] }

func (t *tokenizer) numCells() int { return len(t.ends) }
