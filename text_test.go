package orderhub

import "testing"

func TestTextRules(t *testing.T) {
	for _, c := range []struct {
		s          string
		free, line bool
	}{
		{"plain", true, true},
		{"Åsa Öberg – 東京", true, true},
		{"a\tb", true, false},
		{"line one\r\nline two", true, false},
		{"line one\nline two", true, false},
		{"a\x00b", false, false},
		{"a\x01b", false, false},
		{"a\x7fb", false, false},
		{"a\u0085b", false, false}, // C1 (NEL)
		{"a\xffb", false, false},   // invalid UTF-8
		{"", true, true},
	} {
		if got := IsFreeText(c.s); got != c.free {
			t.Errorf("IsFreeText(%q) = %v", c.s, got)
		}
		if got := IsLineText(c.s); got != c.line {
			t.Errorf("IsLineText(%q) = %v", c.s, got)
		}
		if (TextRule(c.s, true) == "") != c.free || (TextRule(c.s, false) == "") != c.line {
			t.Errorf("TextRule(%q) disagrees: %q / %q", c.s, TextRule(c.s, true), TextRule(c.s, false))
		}
	}
}

func TestIsLineTextUnescaped(t *testing.T) {
	for s, want := range map[string]bool{
		"ORD-1": true, "a%20b": true, "100%": true, "a%zzb": true,
		"a%00b": false, "a%0Ab": false, "a\x00b": false, "a%2500": true, "\xff": false,
	} {
		if got := IsLineTextUnescaped(s); got != want {
			t.Errorf("IsLineTextUnescaped(%q) = %v, want %v", s, got, want)
		}
	}
}
