// Package cpe owns Common Platform Enumeration names: parsing CPE 2.3
// formatted strings and CPE 2.2 URIs into one well-formed name (WFN, NISTIR
// 7695), formatting them back, matching an NVD criteria name against a
// concrete platform name (NISTIR 7696, narrowed to what vulnerability
// matching needs) with NVD version ranges, and evaluating NVD API 2.0
// configurations (AND/OR nodes, negation) against the names present on a
// device.
//
// It is a pure engine: strings and readers in, typed results out. Version
// ordering is not decided here; callers inject a Compare function so the
// firmware-aware ordering lives in one place.
package cpe

import (
	"fmt"
	"strings"
)

// MaxLen bounds the length of a name in bytes, in either binding. Real names
// are well under 200 bytes; the bound keeps hostile input cheap to reject.
const MaxLen = 1024

// Value is one attribute of a name. The zero Value is ANY, so the zero WFN
// matches every platform.
//
// The value is kept in its CPE 2.3 formatted-string form, canonicalised:
// letters, digits, '_', '-' and '.' appear bare, every other printable
// character is quoted with a backslash, and a bare '*' or '?' is a wildcard.
// Keeping the bound form (rather than the WFN's quote-everything form) lets
// parsing a well-formed 2.3 string slice its input without copying, and
// makes equal logical values equal strings.
type Value struct {
	s    string // "" is ANY, "-" is NA; a literal hyphen is `\-`
	wild bool   // s contains an unquoted '*' or '?'
}

// Any returns the logical value ANY ("*" in a 2.3 string).
func Any() Value { return Value{} }

// NotApplicable returns the logical value NA ("-" in a 2.3 string).
func NotApplicable() Value { return Value{s: "-"} }

// Literal returns the value whose text is exactly s: characters that would
// otherwise be wildcards or separators are quoted. An empty s gives ANY.
// Only printable ASCII is allowed, because nothing else can be bound.
func Literal(s string) (Value, error) {
	if s == "" {
		return Value{}, nil
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !printable(c) {
			return Value{}, fmt.Errorf("cpe: literal %q: byte 0x%02x at offset %d is not printable ASCII", s, c, i)
		}
		writeLiteral(&b, c)
	}
	return finish(b.String(), false), nil
}

// IsAny reports whether v is ANY.
func (v Value) IsAny() bool { return v.s == "" }

// IsNA reports whether v is NA.
func (v Value) IsNA() bool { return v.s == "-" }

// HasWildcard reports whether v is a pattern containing an unquoted '*' or '?'.
func (v Value) HasWildcard() bool { return v.wild }

// String returns v as it appears in a 2.3 formatted string.
func (v Value) String() string {
	if v.s == "" {
		return "*"
	}
	return v.s
}

// Text returns the logical text of a value with quoting removed, as used
// for version comparison. ANY and NA give "".
func (v Value) Text() string {
	if v.s == "" || v.s == "-" {
		return ""
	}
	if strings.IndexByte(v.s, '\\') < 0 {
		return v.s
	}
	var b strings.Builder
	b.Grow(len(v.s))
	for i := 0; i < len(v.s); i++ {
		if v.s[i] == '\\' && i+1 < len(v.s) {
			i++
		}
		b.WriteByte(v.s[i])
	}
	return b.String()
}

// WFN is a well-formed CPE name: eleven attributes, each ANY, NA or a value.
// Part is "a" (application), "o" (operating system, including firmware) or
// "h" (hardware), always lower case.
type WFN struct {
	Part      Value
	Vendor    Value
	Product   Value
	Version   Value
	Update    Value
	Edition   Value
	Language  Value
	SWEdition Value
	TargetSW  Value
	TargetHW  Value
	Other     Value
}

// componentNames are the attribute names in 2.3 order, used in errors.
var componentNames = [11]string{
	"part", "vendor", "product", "version", "update", "edition",
	"language", "sw_edition", "target_sw", "target_hw", "other",
}

func (w *WFN) values() [11]*Value {
	return [11]*Value{
		&w.Part, &w.Vendor, &w.Product, &w.Version, &w.Update, &w.Edition,
		&w.Language, &w.SWEdition, &w.TargetSW, &w.TargetHW, &w.Other,
	}
}

// String formats w as a CPE 2.3 formatted string.
func (w WFN) String() string {
	vs := w.values()
	var b strings.Builder
	b.Grow(w.formattedLen())
	b.WriteString("cpe:2.3")
	for _, v := range vs {
		b.WriteByte(':')
		b.WriteString(v.String())
	}
	return b.String()
}

func (w WFN) formattedLen() int {
	n := len("cpe:2.3")
	for _, v := range w.values() {
		n += 1 + len(v.String())
	}
	return n
}

// ParseError says which component of a name is at fault and why.
type ParseError struct {
	Component string // "prefix", "name", or an attribute name such as "version"
	Reason    string
}

func (e *ParseError) Error() string {
	return "cpe: " + e.Component + ": " + e.Reason
}

func perr(component, format string, args ...any) error {
	return &ParseError{Component: component, Reason: fmt.Sprintf(format, args...)}
}

// Parse parses a name in either binding, chosen by its prefix: "cpe:2.3:"
// for a formatted string, "cpe:/" for a 2.2 URI.
func Parse(s string) (WFN, error) {
	switch {
	case hasPrefixFold(s, "cpe:2.3:"):
		return ParseFormatted(s)
	case hasPrefixFold(s, "cpe:/"):
		return ParseURI(s)
	}
	return WFN{}, perr("prefix", `want "cpe:2.3:" or "cpe:/", got %q`, clip(s))
}

// ParseFormatted parses a CPE 2.3 formatted string:
// cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other.
func ParseFormatted(s string) (WFN, error) {
	if len(s) > MaxLen {
		return WFN{}, perr("name", "%d bytes, longer than the %d-byte limit", len(s), MaxLen)
	}
	if !hasPrefixFold(s, "cpe:2.3:") {
		return WFN{}, perr("prefix", `want "cpe:2.3:", got %q`, clip(s))
	}
	rest := s[len("cpe:2.3:"):]
	var w WFN
	vs := w.values()
	n, start := 0, 0
	for j := 0; j <= len(rest); j++ {
		if j < len(rest) && rest[j] == '\\' {
			if j == len(rest)-1 {
				return WFN{}, perr(componentName(n), "ends with a lone backslash")
			}
			j++ // the quoted character is never a separator
			continue
		}
		if j < len(rest) && rest[j] != ':' {
			continue
		}
		if n == len(vs) {
			return WFN{}, perr("other", "more than 11 components after \"cpe:2.3:\" (an unquoted ':' inside a value?)")
		}
		v, err := parseFormattedValue(rest[start:j], n)
		if err != nil {
			return WFN{}, err
		}
		*vs[n] = v
		n++
		start = j + 1
	}
	if n < len(vs) {
		return WFN{}, perr(componentNames[n], "missing: a 2.3 name has 11 components after \"cpe:2.3:\", got %d", n)
	}
	return w, nil
}

func componentName(i int) string {
	if i < len(componentNames) {
		return componentNames[i]
	}
	return "other"
}

func parseFormattedValue(raw string, idx int) (Value, error) {
	name := componentNames[idx]
	switch raw {
	case "":
		return Value{}, perr(name, `empty (use "*" for ANY or "-" for NA)`)
	case "*":
		return Value{}, nil
	case "-":
		return NotApplicable(), nil
	}
	if idx == 0 {
		return parsePart(raw)
	}
	// First pass: validate, and find out whether the input is already
	// canonical so the common case needs no copy.
	canonical, wild := true, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\\':
			i++
			q := raw[i]
			if !printable(q) {
				return Value{}, perr(name, "quoted byte 0x%02x at offset %d is not printable ASCII", q, i)
			}
			if bare(q) {
				canonical = false
			}
		case c == '*' || c == '?':
			wild = true
		case bare(c):
		case printable(c):
			return Value{}, perr(name, "unquoted %q at offset %d (quote it with a backslash)", c, i)
		default:
			return Value{}, perr(name, "byte 0x%02x at offset %d is not printable ASCII", c, i)
		}
	}
	if canonical {
		return Value{s: raw, wild: wild}, nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' {
			i++
			writeLiteral(&b, raw[i])
			continue
		}
		b.WriteByte(c)
	}
	return finish(b.String(), wild), nil
}

func parsePart(raw string) (Value, error) {
	if len(raw) == 1 {
		switch raw[0] | 0x20 {
		case 'a':
			return Value{s: "a"}, nil
		case 'o':
			return Value{s: "o"}, nil
		case 'h':
			return Value{s: "h"}, nil
		}
	}
	return Value{}, perr("part", `want "a", "o" or "h", got %q`, clip(raw))
}

// ParseURI parses a CPE 2.2 URI, cpe:/part:vendor:product:version:update:edition:language,
// with percent-encoding and the 2.3 extended attributes packed into the
// edition as ~edition~sw_edition~target_sw~target_hw~other. Missing trailing
// components and empty components are ANY.
func ParseURI(s string) (WFN, error) {
	if len(s) > MaxLen {
		return WFN{}, perr("name", "%d bytes, longer than the %d-byte limit", len(s), MaxLen)
	}
	if !hasPrefixFold(s, "cpe:/") {
		return WFN{}, perr("prefix", `want "cpe:/", got %q`, clip(s))
	}
	rest := s[len("cpe:/"):]
	var w WFN
	vs := w.values()
	// URI components in order; the sixth (edition) may unpack into five.
	uriIdx := [7]int{0, 1, 2, 3, 4, 5, 6}
	for n := 0; ; n++ {
		if n == len(uriIdx) {
			return WFN{}, perr("language", "more than 7 components after \"cpe:/\"")
		}
		raw := rest
		i := strings.IndexByte(rest, ':')
		if i >= 0 {
			raw = rest[:i]
		}
		if n == 5 && strings.HasPrefix(raw, "~") {
			parts := strings.Split(raw, "~")
			if len(parts) != 6 {
				return WFN{}, perr("edition", "packed edition has %d fields, want 5 (~edition~sw_edition~target_sw~target_hw~other)", len(parts)-1)
			}
			for k, idx := range [5]int{5, 7, 8, 9, 10} {
				v, err := parseURIValue(parts[k+1], idx)
				if err != nil {
					return WFN{}, err
				}
				*vs[idx] = v
			}
		} else {
			v, err := parseURIValue(raw, uriIdx[n])
			if err != nil {
				return WFN{}, err
			}
			*vs[uriIdx[n]] = v
		}
		if i < 0 {
			break
		}
		rest = rest[i+1:]
	}
	// Percent-decoding and padding change the length; hold the 2.3 form to
	// the same bound so every parsed name formats to a parseable string.
	if n := w.formattedLen(); n > MaxLen {
		return WFN{}, perr("name", "%d bytes as a 2.3 string, longer than the %d-byte limit", n, MaxLen)
	}
	return w, nil
}

func parseURIValue(raw string, idx int) (Value, error) {
	name := componentNames[idx]
	switch raw {
	case "":
		return Value{}, nil
	case "-":
		return NotApplicable(), nil
	}
	if idx == 0 {
		return parsePart(raw)
	}
	// Most URI values need no decoding and are already canonical.
	plain := true
	for i := 0; i < len(raw) && plain; i++ {
		plain = bare(raw[i])
	}
	if plain {
		return Value{s: raw}, nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	wild := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case bare(c):
			b.WriteByte(c)
		case c == '~':
			// Only the packed edition gives '~' a meaning; elsewhere it is text.
			b.WriteString(`\~`)
		case c == '%':
			if i+2 >= len(raw) {
				return Value{}, perr(name, "truncated percent-encoding at offset %d", i)
			}
			hi, ok1 := unhex(raw[i+1])
			lo, ok2 := unhex(raw[i+2])
			if !ok1 || !ok2 {
				return Value{}, perr(name, "invalid percent-encoding %q at offset %d", raw[i:i+3], i)
			}
			d := hi<<4 | lo
			switch {
			case d == 0x01: // the URI binding's single-character wildcard
				b.WriteByte('?')
				wild = true
			case d == 0x02: // the URI binding's multi-character wildcard
				b.WriteByte('*')
				wild = true
			case printable(d):
				writeLiteral(&b, d)
			default:
				return Value{}, perr(name, "percent-encoded byte 0x%02x at offset %d is not printable ASCII", d, i)
			}
			i += 2
		case printable(c):
			return Value{}, perr(name, "character %q at offset %d must be percent-encoded", c, i)
		default:
			return Value{}, perr(name, "byte 0x%02x at offset %d is not printable ASCII", c, i)
		}
	}
	return finish(b.String(), wild), nil
}

// finish applies the context-dependent rules: a value that is a lone
// literal hyphen must stay quoted, or it would read back as NA; and a value
// that is a lone multi-character wildcard (a URI's "%02") is ANY, which is
// how it formats.
func finish(s string, wild bool) Value {
	switch {
	case s == "-":
		s = `\-`
	case s == "*" && wild:
		return Value{}
	}
	return Value{s: s, wild: wild}
}

// writeLiteral writes c as literal text in canonical 2.3 form.
func writeLiteral(b *strings.Builder, c byte) {
	if !bare(c) {
		b.WriteByte('\\')
	}
	b.WriteByte(c)
}

// bare reports whether c may appear unquoted in a 2.3 value as literal text.
func bare(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '-' || c == '.'
}

// printable reports whether c is printable ASCII other than space, the only
// characters a name may carry.
func printable(c byte) bool { return 0x21 <= c && c <= 0x7e }

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// clip shortens untrusted input quoted in an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
