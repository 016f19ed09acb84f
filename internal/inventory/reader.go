package inventory

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/core"
)

// Options tune a Reader. The zero value reads Vigil's own columns and the
// built-in aliases with the default limits.
type Options struct {
	// Mapping maps the file's headers to columns; it wins over the aliases.
	Mapping Mapping
	// Comma is the delimiter; 0 detects ',', ';' or tab from the header line.
	Comma byte
	// MaxCell, MaxFields and MaxRecord bound one cell, the cells of one row,
	// and the bytes of one row; 0 means the Default* value.
	MaxCell, MaxFields, MaxRecord int
}

// RowError is one problem with one row: the line it starts on, the column
// (as the file's header names it, empty when the whole row is at fault) and
// a message. Messages never repeat cell contents, which may be sensitive.
type RowError struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d: column %s: %s", e.Line, e.Column, e.Message)
}

// Reader reads device records from CSV. It is not safe for concurrent use.
type Reader struct {
	tok     *tokenizer
	header  []HeaderColumn
	byCol   [numColumns]int // cell index of each column, -1 when absent
	nheader int
	types   map[string]string // see deviceType
}

// NewReader reads the header row of r and checks that it names at least one
// identifying column. The errors it returns are *core.Error of kind
// invalid: the file cannot be imported as it is.
func NewReader(ctx context.Context, r io.Reader, opt Options) (*Reader, error) {
	if opt.MaxCell <= 0 {
		opt.MaxCell = DefaultMaxCell
	}
	if opt.MaxFields <= 0 {
		opt.MaxFields = DefaultMaxFields
	}
	if opt.MaxRecord <= 0 {
		opt.MaxRecord = DefaultMaxRecord
	}
	br := bufio.NewReaderSize(r, bufferSize)
	skip, err := checkBOM(br)
	if err != nil {
		return nil, err
	}
	comma := opt.Comma
	if comma == 0 {
		comma = detectComma(br, skip)
	}
	if comma == '"' || comma == '\r' || comma == '\n' {
		return nil, core.Invalid("delimiter", "cannot be a quote or a line break")
	}
	if _, err := br.Discard(skip); err != nil {
		return nil, core.Wrap(core.KindInvalid, err, "read the header row")
	}
	// The header gets its own, larger cell limit but a bounded total.
	tok := newTokenizer(br, comma, maxHeaderBytes, opt.MaxFields, maxHeaderBytes)
	tok.offset.Store(int64(skip))
	rd := &Reader{tok: tok}
	for {
		if err := tok.next(ctx.Err); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, core.Errorf(core.KindInvalid, "the file is empty: it needs a header row naming the columns (see docs/inventory-csv.md)")
			}
			return nil, readErr(err, "read the header row")
		}
		if !tok.allBlank() {
			break
		}
	}
	if err := rd.readHeader(opt.Mapping); err != nil {
		return nil, err
	}
	tok.maxCell, tok.maxRecord = opt.MaxCell, opt.MaxRecord
	return rd, nil
}

// checkBOM rejects UTF-16 and UTF-32, which spreadsheet programs write when
// asked for "Unicode text", and returns how many bytes of UTF-8 BOM to skip.
func checkBOM(br *bufio.Reader) (int, error) {
	head, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, readErr(err, "read the file")
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return 3, nil
	case bytes.HasPrefix(head, []byte{0x00, 0x00, 0xFE, 0xFF}), bytes.HasPrefix(head, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return 0, core.Errorf(core.KindInvalid, "the file is UTF-32 encoded; save it as CSV UTF-8")
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}), bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return 0, core.Errorf(core.KindInvalid, "the file is UTF-16 encoded (it starts with a UTF-16 byte order mark); save it as CSV UTF-8")
	}
	return 0, nil
}

// detectComma picks the delimiter that occurs most often outside quotes in
// the first line: European spreadsheets write ';', some tools tabs.
func detectComma(br *bufio.Reader, skip int) byte {
	peek, _ := br.Peek(bufferSize)
	if len(peek) < skip {
		return ','
	}
	peek = peek[skip:]
	counts := map[byte]int{}
	quoted := false
	for _, c := range peek {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' {
			break
		}
		if c == ',' || c == ';' || c == '\t' {
			counts[c]++
		}
	}
	best := byte(',')
	for _, c := range []byte{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

func (t *tokenizer) allBlank() bool {
	for i := 0; i < t.numCells(); i++ {
		if len(bytes.TrimSpace(t.cell(i))) > 0 {
			return false
		}
	}
	return len(t.probs) == 0
}

func (rd *Reader) readHeader(user Mapping) error {
	t := rd.tok
	line := t.recLine
	for _, p := range t.probs {
		switch p.kind {
		case probTooManyFields:
			return core.Errorf(core.KindInvalid, "header row (line %d) has more than %d columns", line, t.maxFields)
		case probUnterminated:
			return core.Errorf(core.KindInvalid, "header row (line %d): a quoted header is never closed", line)
		case probCellTooLong, probRecordTooLong:
			return core.Errorf(core.KindInvalid, "header row (line %d) is longer than %d bytes: is this a CSV file with a header row?", line, maxHeaderBytes)
		}
	}
	headers := make([]string, t.numCells())
	for i := range headers {
		c := t.cell(i)
		if bytes.IndexByte(c, 0) >= 0 {
			return core.Errorf(core.KindInvalid, "header row (line %d) contains NUL bytes: the file looks UTF-16 encoded; save it as CSV UTF-8", line)
		}
		if !utf8.Valid(c) {
			return core.Errorf(core.KindInvalid, "header row (line %d), column %d is not valid UTF-8: save the file as CSV UTF-8", line, i+1)
		}
		headers[i] = string(c)
	}
	cols, err := resolveHeader(headers, user)
	if err != nil {
		return err
	}
	rd.header = cols
	rd.nheader = len(cols)
	for i := range rd.byCol {
		rd.byCol[i] = -1
	}
	for _, h := range cols {
		if h.Used {
			rd.byCol[h.Column] = h.Index
		}
	}
	if rd.byCol[ColAssetTag] < 0 && rd.byCol[ColSerial] < 0 && rd.byCol[ColMACs] < 0 {
		return core.Errorf(core.KindInvalid,
			"missing required columns: the header row (line %d) needs at least one of asset_tag, serial or macs "+
				"(or a header such as \"Asset tag\", \"Serial number\" or \"MAC Address\"); map yours with --map \"Their Header=asset_tag\"", line)
	}
	return nil
}

// Header describes what each header of the file became.
func (rd *Reader) Header() []HeaderColumn { return append([]HeaderColumn(nil), rd.header...) }

// Offset is how many bytes of the input have been consumed, for progress.
// Unlike the other methods it may be called while another goroutine reads.
func (rd *Reader) Offset() int64 { return rd.tok.offset.Load() }

// columnName is the header of column c as the file writes it.
func (rd *Reader) columnName(i int) string {
	if i < 0 || i >= len(rd.header) {
		return fmt.Sprintf("%d", i+1)
	}
	if h := rd.header[i].Header; h != "" {
		return h
	}
	return fmt.Sprintf("%d", i+1)
}

// Next returns the next non-blank row as a Record. A row with problems is
// returned with Errs set, never as an error: the error result is for the
// file as a whole (io.EOF at the end, a read failure, a cancelled ctx).
func (rd *Reader) Next(ctx context.Context) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t := rd.tok
	for {
		if err := t.next(ctx.Err); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, err
			}
			return nil, readErr(err, "read line "+fmt.Sprint(t.line))
		}
		if !t.allBlank() {
			break
		}
	}
	rec := &Record{Line: t.recLine, reader: rd}
	for _, p := range t.probs {
		col := ""
		if p.field >= 0 {
			col = rd.columnName(p.field)
		}
		switch p.kind {
		case probCellTooLong:
			rec.addErr(col, fmt.Sprintf("the cell is longer than %d bytes", t.maxCell))
		case probRecordTooLong:
			rec.addErr("", fmt.Sprintf("the row is longer than %d bytes", t.maxRecord))
		case probTooManyFields:
			rec.addErr("", fmt.Sprintf("the row has more than %d cells", t.maxFields))
		case probAfterQuote:
			rec.addErr(col, "text after the closing quote of a quoted cell (write a quote inside quotes as \"\")")
		case probUnterminated:
			rec.addErr(col, "a quoted cell is never closed (the file ends inside it)")
		}
	}
	if t.nprobs > len(t.probs) {
		rec.addErr("", fmt.Sprintf("and %d more problems in this row", t.nprobs-len(t.probs)))
	}
	if len(rec.Errs) > 0 {
		return rec, nil
	}
	if n := t.numCells(); n != rd.nheader {
		rec.addErr("", fmt.Sprintf("the row has %d cells but the header has %d columns", n, rd.nheader))
		return rec, nil
	}
	rd.decode(rec)
	return rec, nil
}

func readErr(err error, doing string) error {
	return core.Wrap(core.KindInvalid, err, "%s", doing)
}

// cellText returns cell i trimmed, with a spreadsheet-safety quote removed
// (see unescapeCell), or an error message when the cell is not text.
func (rd *Reader) cellText(i int) (string, string) {
	c := bytes.TrimSpace(rd.tok.cell(i))
	if len(c) == 0 {
		return "", ""
	}
	if !utf8.Valid(c) {
		return "", "is not valid UTF-8 (the file may be Windows-1252 or Latin-1: save it as CSV UTF-8)"
	}
	if bytes.IndexByte(c, 0) >= 0 {
		return "", "contains a NUL byte"
	}
	return unescapeCell(string(c)), ""
}

// Notices lists, for the user, the headers the import does not use and why.
func (rd *Reader) Notices() []string {
	var unknown []string
	var out []string
	for _, h := range rd.header {
		if h.Used {
			continue
		}
		switch {
		case h.Why == "unknown":
			unknown = append(unknown, describeHeader(h.Header))
		case h.Why == "export-only" || h.Why == "mapped to -":
		default:
			out = append(out, fmt.Sprintf("column %d (%s) is not used: %s", h.Index+1, describeHeader(h.Header), h.Why))
		}
	}
	if len(unknown) > 0 {
		out = append(out, fmt.Sprintf("%d column(s) are not device columns and are ignored: %s (map one with --map \"Header=column\")",
			len(unknown), strings.Join(unknown, ", ")))
	}
	return out
}
