package sqlstore

import "strings"

// sqlitePositional rewrites a statement's parameters $1 … $n as plain ? when each
// appears exactly once and in order, so that SQLite binds them by position. The
// driver (modernc) looks up the name of every named parameter on every execution
// of a statement — a scan of the statement's name list and a Go string each, about
// 4 µs of the writer's time per vendor order — which a ? does not have. Any other
// use ($2 before $1, $1 twice, ?, :name, @name) leaves the statement as it is.
// Text in quotes ('…', "…") and comments are copied as they are.
func sqlitePositional(q string) string {
	if !strings.Contains(q, "$") {
		return q
	}
	b := make([]byte, 0, len(q))
	next := 1
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				return q
			}
			b = append(b, q[i:i+j+2]...)
			i += j + 1
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i - 1
			}
			b = append(b, q[i:i+j+1]...)
			i += j
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				return q
			}
			b = append(b, q[i:i+j+4]...)
			i += j + 3
		case c == '?' || c == ':' || c == '@' || c == '[' || c == '`':
			return q // another kind of parameter, or quoting this does not follow
		case c == '$':
			if i > 0 && isIdentByte(q[i-1]) {
				return q // inside a name (a$1)
			}
			j := i + 1
			n := 0
			for j < len(q) && q[j] >= '0' && q[j] <= '9' && n <= len(q) { // (n stops growing past any parameter count)
				n = n*10 + int(q[j]-'0')
				j++
			}
			if j == i+1 || q[i+1] == '0' || j < len(q) && (isIdentByte(q[j]) || q[j] == '(') || n != next {
				return q
			}
			next++
			b = append(b, '?')
			i = j - 1
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
