package orderhub

import (
	"net/mail"
	"testing"
)

// checkSimpleAddress fails when simpleAddress takes s but mail.ParseAddress would
// not take it as it is.
func checkSimpleAddress(t *testing.T, s string) bool {
	t.Helper()
	if !simpleAddress(s) {
		return false
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s || a.Name != "" {
		t.Fatalf("simpleAddress takes %q, mail.ParseAddress gives %+v, %v", s, a, err)
	}
	return true
}

func TestSimpleAddress(t *testing.T) {
	for s, want := range map[string]bool{
		"a@b.se": true, "first.last+tag@sub.example.com": true, "x!#$%&'*+-/=?^_`{|}~y@a-b.c": true,
		".a@b.se": false, "a.@b.se": false, "a..b@b.se": false, "a@b..se": false, "a@.b.se": false,
		"a@b.se.": false, "@b.se": false, "a@": false, "a@b@c.se": false, "å@b.se": false, "a b@c.se": false,
		`"a"@b.se`: false, "a@[1.2.3.4]": false, "John <a@b.se>": false, "a@b_c.se": false,
	} {
		if got := checkSimpleAddress(t, s); got != want {
			t.Errorf("simpleAddress(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzSimpleAddress: every address simpleAddress takes, mail.ParseAddress takes as
// it is.
func FuzzSimpleAddress(f *testing.F) {
	f.Add("customer@example.com")
	f.Add("a.b-c+d@x-y.example.se")
	f.Fuzz(func(t *testing.T, s string) { checkSimpleAddress(t, s) })
}
