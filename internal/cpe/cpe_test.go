package cpe

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     string            // canonical 2.3 form
		text     map[string]string // attribute name → Text()
		any, na  []string          // attributes expected ANY / NA
		wild     []string          // attributes expected to be patterns
	}{
		{
			name: "plain", in: "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
			want: "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
			text: map[string]string{"part": "a", "vendor": "microsoft", "version": "8.0.6001", "update": "beta"},
			any:  []string{"edition", "language", "sw_edition", "target_sw", "target_hw", "other"},
		},
		{
			name: "escaped punctuation", in: `cpe:2.3:o:abbott:merlin\@home_firmware:*:*:*:*:*:*:*:*`,
			want: `cpe:2.3:o:abbott:merlin\@home_firmware:*:*:*:*:*:*:*:*`,
			text: map[string]string{"product": "merlin@home_firmware"},
			any:  []string{"version"},
		},
		{
			name: "needless quotes dropped", in: `cpe:2.3:a:foo\_bar:x\.y:1\.0\-rc1:*:*:*:*:*:*:*`,
			want: `cpe:2.3:a:foo_bar:x.y:1.0-rc1:*:*:*:*:*:*:*`,
			text: map[string]string{"vendor": "foo_bar", "product": "x.y", "version": "1.0-rc1"},
		},
		{
			name: "quoted colon and backslash", in: `cpe:2.3:a:ven\:dor:pro\\duct:*:*:*:*:*:*:*:*`,
			want: `cpe:2.3:a:ven\:dor:pro\\duct:*:*:*:*:*:*:*:*`,
			text: map[string]string{"vendor": "ven:dor", "product": `pro\duct`},
		},
		{
			name: "NA and ANY", in: "cpe:2.3:h:siemens:acuson_p300:-:*:*:*:*:*:*:*",
			want: "cpe:2.3:h:siemens:acuson_p300:-:*:*:*:*:*:*:*",
			na:   []string{"version"}, any: []string{"update", "other"},
		},
		{
			name: "wildcards", in: "cpe:2.3:a:*soft:pro?uct:1.*:*:*:*:*:*:*:*",
			want: "cpe:2.3:a:*soft:pro?uct:1.*:*:*:*:*:*:*:*",
			wild: []string{"vendor", "product", "version"},
		},
		{
			name: "quoted wildcard is text", in: `cpe:2.3:a:v:p:\*:*:*:*:*:*:*:*`,
			want: `cpe:2.3:a:v:p:\*:*:*:*:*:*:*:*`,
			text: map[string]string{"version": "*"},
		},
		{
			name: "lone quoted hyphen is text, not NA", in: `cpe:2.3:a:v:p:\-:*:*:*:*:*:*:*`,
			want: `cpe:2.3:a:v:p:\-:*:*:*:*:*:*:*`,
			text: map[string]string{"version": "-"},
		},
		{
			name: "case-insensitive prefix and part", in: "CPE:2.3:O:Siemens:ACUSON:VA10:*:*:*:*:*:x64:*",
			want: "cpe:2.3:o:Siemens:ACUSON:VA10:*:*:*:*:*:x64:*",
			text: map[string]string{"part": "o", "vendor": "Siemens", "target_hw": "x64"},
		},
		{
			name: "uri", in: "cpe:/a:microsoft:internet_explorer:8.0.6001:beta",
			want: "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
			text: map[string]string{"version": "8.0.6001", "update": "beta"},
		},
		{
			name: "uri percent-encoding", in: "cpe:/a:acme:prod%21uct%40home:1.0%2b2",
			want: `cpe:2.3:a:acme:prod\!uct\@home:1.0\+2:*:*:*:*:*:*:*`,
			text: map[string]string{"product": "prod!uct@home", "version": "1.0+2"},
		},
		{
			name: "uri packed edition", in: "cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~",
			want: "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
			text: map[string]string{"sw_edition": "online", "target_sw": "win2003", "target_hw": "x64"},
			na:   []string{"update"}, any: []string{"edition", "language", "other"},
		},
		{
			name: "uri packed edition with language", in: "cpe:/a:v:p:1:u:~ed~-~~~o:en-us",
			want: "cpe:2.3:a:v:p:1:u:ed:en-us:-:*:*:o",
			na:   []string{"sw_edition"},
		},
		{
			name: "uri wildcards", in: "cpe:/a:foo%02:bar%01%01",
			want: "cpe:2.3:a:foo*:bar??:*:*:*:*:*:*:*:*",
			wild: []string{"vendor", "product"},
		},
		{
			name: "uri NA, empty and missing are ANY", in: "cpe:/h:siemens::-",
			want: "cpe:2.3:h:siemens:*:-:*:*:*:*:*:*:*",
			na:   []string{"version"}, any: []string{"product"},
		},
		{
			name: "uri part only", in: "cpe:/o",
			want: "cpe:2.3:o:*:*:*:*:*:*:*:*:*:*",
		},
		{
			name: "uri tilde outside packed edition is text", in: "cpe:/a:foo~bar",
			want: `cpe:2.3:a:foo\~bar:*:*:*:*:*:*:*:*:*`,
			text: map[string]string{"vendor": "foo~bar"},
		},
		{
			name: "uri encoded lone hyphen is text", in: "cpe:/a:v:p:%2d",
			want: `cpe:2.3:a:v:p:\-:*:*:*:*:*:*:*`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := w.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			attrs := byName(&w)
			for name, want := range tt.text {
				if got := attrs[name].Text(); got != want {
					t.Errorf("%s.Text() = %q, want %q", name, got, want)
				}
			}
			for _, name := range tt.any {
				if !attrs[name].IsAny() {
					t.Errorf("%s = %q, want ANY", name, attrs[name])
				}
			}
			for _, name := range tt.na {
				if !attrs[name].IsNA() {
					t.Errorf("%s = %q, want NA", name, attrs[name])
				}
			}
			wild := map[string]bool{}
			for _, name := range tt.wild {
				wild[name] = true
			}
			for _, name := range componentNames {
				if got := attrs[name].HasWildcard(); got != wild[name] {
					t.Errorf("%s.HasWildcard() = %v, want %v", name, got, wild[name])
				}
			}
			// Round trip: the formatted string reads back as the same name.
			again, err := ParseFormatted(w.String())
			if err != nil {
				t.Fatalf("reparse %q: %v", w.String(), err)
			}
			if again != w {
				t.Errorf("reparse of %q differs: %#v vs %#v", w.String(), again, w)
			}
		})
	}
}

func byName(w *WFN) map[string]Value {
	m := map[string]Value{}
	for i, v := range w.values() {
		m[componentNames[i]] = *v
	}
	return m
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, component, reason string
	}{
		{"", "prefix", "want"},
		{"cpe:2.4:a:v:p:*:*:*:*:*:*:*:*", "prefix", "want"},
		{"pkg:golang/x@1", "prefix", "want"},
		{"cpe:2.3:x:v:p:*:*:*:*:*:*:*:*", "part", `"x"`},
		{"cpe:2.3:app:v:p:*:*:*:*:*:*:*:*", "part", "app"},
		{"cpe:2.3:a:v:p:*:*:*:*:*:*:*", "other", "missing"},
		{"cpe:2.3:a:v:p", "version", "missing"},
		{"cpe:2.3:a:v:p:*:*:*:*:*:*:*:*:*", "other", "more than 11"},
		{"cpe:2.3:a:ven!dor:p:*:*:*:*:*:*:*:*", "vendor", "unquoted '!'"},
		{"cpe:2.3:a::p:*:*:*:*:*:*:*:*", "vendor", "empty"},
		{"cpe:2.3:a:v:p:1.0 beta:*:*:*:*:*:*:*", "version", "0x20"},
		{"cpe:2.3:a:v:p:1.0:*:*:*:*:*:*:x\\", "other", "lone backslash"},
		{"cpe:2.3:a:v\u00e9:p:*:*:*:*:*:*:*:*", "vendor", "not printable"},
		{"cpe:2.3:a:v:p:1.0:*:*:*:*:*:*:\x00", "other", "0x00"},
		{"cpe:2.3:a:v:" + strings.Repeat("p", MaxLen) + ":*:*:*:*:*:*:*:*", "name", "limit"},
		{"cpe:/x:v", "part", `"x"`},
		{"cpe:/a:v:p%zz", "product", "invalid percent-encoding"},
		{"cpe:/a:v:p%0", "product", "truncated"},
		{"cpe:/a:v:p%00", "product", "0x00"},
		{"cpe:/a:v:p!", "product", "percent-encoded"},
		{"cpe:/a:v:p:1:u:~a~b~c:en", "edition", "packed edition has 3 fields"},
		{"cpe:/a:v:p:1:u:~a~b~c~d~e~f", "edition", "6 fields"},
		{"cpe:/a:v:p:1:u:~a~b!~c~d~e", "sw_edition", "percent-encoded"},
		{"cpe:/a:v:p:1:u:e:l:extra", "language", "more than 7"},
		{"cpe:/a:v:" + strings.Repeat("p", MaxLen-len("cpe:/a:v:")), "name", "as a 2.3 string"},
	}
	for _, tt := range tests {
		t.Run(tt.component+"/"+clip(tt.in), func(t *testing.T) {
			_, err := Parse(tt.in)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error = %v, want a *ParseError", tt.in, err)
			}
			if pe.Component != tt.component || !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("Parse(%q) error = %q (component %q), want component %q and reason containing %q",
					tt.in, err, pe.Component, tt.component, tt.reason)
			}
			if !strings.Contains(err.Error(), tt.component) {
				t.Errorf("error text %q does not name the component", err)
			}
		})
	}
}

func TestLiteral(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.0", "1.0"},
		{"merlin@home", `merlin\@home`},
		{"*", `\*`},
		{"-", `\-`},
		{"a:b?", `a\:b\?`},
		{"", "*"},
	}
	for _, tt := range tests {
		v := mustLiteral(t, tt.in)
		if v.String() != tt.want || v.HasWildcard() {
			t.Errorf("Literal(%q) = %q (wildcard %v), want %q", tt.in, v, v.HasWildcard(), tt.want)
		}
		if v.Text() != tt.in {
			t.Errorf("Literal(%q).Text() = %q", tt.in, v.Text())
		}
	}
	if _, err := Literal("caf\u00e9"); err == nil {
		t.Error("Literal accepted non-ASCII text")
	}
	if !(WFN{}).Version.IsAny() || !NotApplicable().IsNA() || !Any().IsAny() {
		t.Error("logical values misreported")
	}
}
