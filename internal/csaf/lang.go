package csaf

import (
	"regexp"
	"strings"
)

// iso6391 holds the two-letter ISO 639-1 language codes. Test 6.1.12 asks
// that a language tag exists, not only that it is well-formed; three-letter
// primary subtags are accepted on syntax alone (the full registry is large).
var iso6391 = func() map[string]bool {
	const codes = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
		"da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz " +
		"ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt " +
		"lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt " +
		"qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to " +
		"tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
	m := map[string]bool{}
	for c := range strings.FieldsSeq(codes) {
		m[c] = true
	}
	return m
}()

// langTag is the langtag production of RFC 5646 (BCP 47), plus private-use
// tags; the grandfathered irregular tags are listed separately.
var langTag = regexp.MustCompile(`(?i)^(?:(?:([a-z]{2,3})(?:-[a-z]{3}){0,3}|([a-z]{4})|([a-z]{5,8}))` +
	`(?:-[a-z]{4})?(?:-(?:[a-z]{2}|[0-9]{3}))?(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*` +
	`(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*(?:-x(?:-[a-z0-9]{1,8})+)?|x(?:-[a-z0-9]{1,8})+)$`)

var grandfathered = map[string]bool{
	"en-gb-oed": true, "i-ami": true, "i-bnn": true, "i-default": true, "i-enochian": true, "i-hak": true,
	"i-klingon": true, "i-lux": true, "i-mingo": true, "i-navajo": true, "i-pwn": true, "i-tao": true,
	"i-tay": true, "i-tsu": true, "sgn-be-fr": true, "sgn-be-nl": true, "sgn-ch-de": true,
	"art-lojban": true, "cel-gaulish": true, "no-bok": true, "no-nyn": true, "zh-guoyu": true,
	"zh-hakka": true, "zh-min": true, "zh-min-nan": true, "zh-xiang": true,
}

// checkLang reports why tag is not a valid, existing language tag, or "".
func checkLang(tag string) string {
	if grandfathered[strings.ToLower(tag)] {
		return ""
	}
	m := langTag.FindStringSubmatch(tag)
	if m == nil {
		return "is not a well-formed BCP 47 language tag"
	}
	if m[1] != "" && len(m[1]) == 2 && !iso6391[strings.ToLower(m[1])] {
		return "has primary language subtag " + m[1] + ", which is no ISO 639-1 code"
	}
	if m[2] != "" || m[3] != "" {
		return "has a reserved or unregistered primary language subtag"
	}
	return ""
}
