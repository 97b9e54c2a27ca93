package orderhub

import (
	"net/mail"
	"strings"
)

// iso3166 holds every officially assigned ISO 3166-1 alpha-2 code, two letters each.
const iso3166 = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

// NormalizeCountry returns the upper-case ISO 3166-1 alpha-2 code for c (which may be
// given in lower case) and whether it is an assigned code.
func NormalizeCountry(c string) (string, bool) {
	if len(c) != 2 {
		return c, false
	}
	u := strings.ToUpper(c)
	if u[0] < 'A' || u[0] > 'Z' || u[1] < 'A' || u[1] > 'Z' {
		return c, false
	}
	if iso3166Set[u[0]-'A'][u[1]-'A'] {
		return u, true
	}
	return c, false
}

// iso3166Set is iso3166 by letters.
var iso3166Set = func() (set [26][26]bool) {
	for i := 0; i+2 <= len(iso3166); i += 3 {
		set[iso3166[i]-'A'][iso3166[i+1]-'A'] = true
	}
	return set
}()

// NormalizeEmail validates a bare e-mail address (no display name) and returns it
// trimmed and lower-cased: e-mail matching in orderhub is case-insensitive.
func NormalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 3 || len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return s, false
	}
	if !simpleAddress(s) {
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || a.Name != "" {
			return s, false
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return s, false
	}
	return strings.ToLower(s), true
}

// simpleAddress reports whether s is an address that mail.ParseAddress takes as it
// is, without a name: a dot-atom of ASCII atext, @, and a domain of letters, digits
// and hyphens in dot-separated labels (no leading, trailing or double dot). Other
// addresses go through mail.ParseAddress.
func simpleAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	if at < 1 || at == len(s)-1 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	return dotAtom(local, "!#$%&'*+-/=?^_`{|}~") && dotAtom(domain, "-")
}

// dotAtom reports whether s is ASCII letters, digits and the bytes of extra in runs
// separated by single dots, with no dot first or last.
func dotAtom(s, extra string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.':
			if s[i-1] == '.' {
				return false
			}
		case strings.IndexByte(extra, c) >= 0:
		default:
			return false
		}
	}
	return true
}

// NormalizePhone validates a phone number: an optional leading +, then digits with
// optional spaces, dashes, dots and parentheses; 6 to 15 digits in all (E.164 allows
// at most 15). It returns the number with the separators removed.
func NormalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return s, false
		}
	}
	n := b.String()
	digits := len(strings.TrimPrefix(n, "+"))
	if digits < 6 || digits > 15 {
		return s, false
	}
	return n, true
}
