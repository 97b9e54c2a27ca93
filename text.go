package orderhub

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The text rules, one for every surface (docs/api.md, "Text"):
//
//   - Every text value is valid UTF-8 and holds no control character (C0
//     U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F), NUL included — PostgreSQL
//     cannot store NUL, and no person types the others.
//   - Free text (notes, descriptions, messages, reasons, address lines) may also
//     hold tab, line feed and carriage return, so that what an HTML textarea
//     submits (CRLF line breaks) passes as written.
//   - Line text (identifiers, names, codes, e-mail addresses, query values, path
//     segments) may not: it is one line.
//
// Length limits and trimming are each field's own.

// IsFreeText reports whether s may be stored as free text.
func IsFreeText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return r != '\t' && r != '\n' && r != '\r' && unicode.IsControl(r)
	})
}

// IsLineText reports whether s may be stored as line text.
func IsLineText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// IsLineTextUnescaped reports whether s (a decoded path or a query value) is line
// text, and still is after percent-decoding.
func IsLineTextUnescaped(s string) bool {
	if !IsLineText(s) {
		return false
	}
	if strings.IndexByte(s, '%') >= 0 {
		if u, err := url.QueryUnescape(s); err == nil {
			return IsLineText(u)
		}
	}
	return true
}

// TextRule names the rule a value broke, for error messages: "" when s keeps the
// rule of its kind (free text when free is set, else line text).
func TextRule(s string, free bool) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case free && !IsFreeText(s):
		return "may hold no control characters other than tab, CR and LF"
	case !free && !IsLineText(s):
		return "must be one line without control characters (no tab, CR, LF or NUL)"
	}
	return ""
}
