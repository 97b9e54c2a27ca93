package orderhub

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// ReadJSON's fast path. The request bodies of the hot surfaces (the Vendor Order
// API's wireVendorOrder) decode into structs of strings, *strings, raw values and
// nested structs. For such a target ReadJSON first tries readJSONFast: one pass
// over the body that decodes the fields with a plan made once per type, checks
// that no object has a key twice (the raw values and ignored fields included),
// and that the body is exactly one valid JSON value. It takes only what it is sure
// of — the same value, without an error, as the full reader (encoding/json, then
// the key walk) gives — and gives up on anything else (an escape in a string or a
// key, a key matching a field only case-insensitively, a value of another type,
// an unknown field under KnownFields, anything malformed): ReadJSON then reads the
// body the full way, which answers it exactly as before. TestReadJSONFast and
// FuzzReadJSONFast compare both ways.

type fastKind uint8

const (
	fastString    fastKind = iota // a string (kind String, no unmarshaler)
	fastStringPtr                 // a pointer to one
	fastRaw                       // json.RawMessage
	fastStruct                    // a struct with a plan
	fastStructPtr                 // a pointer to one
)

type fastField struct {
	name  string
	index int
	kind  fastKind
	typ   reflect.Type // the field's type
	sub   *fastPlan    // fastStruct, fastStructPtr
	slot  int          // a *string field: its string in the object's block, else -1
}

// fastPlan is how readJSONFast decodes a struct type. The strings of its *string
// fields (exactly *string) are allocated together, one block of slots per object.
type fastPlan struct {
	fields []fastField
	slots  int
}

// fastPlans caches the plan of each type ReadJSON was given: reflect.Type →
// *fastPlan, or nil when the type has none.
var fastPlans sync.Map

var (
	rawMessageType      = reflect.TypeFor[json.RawMessage]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	stringType          = reflect.TypeFor[string]()
)

// fastPlanFor is the plan of the struct *T that t is, or nil.
func fastPlanFor(t reflect.Type) *fastPlan {
	if p, ok := fastPlans.Load(t); ok {
		return p.(*fastPlan)
	}
	var p *fastPlan
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
		p = makeFastPlan(t.Elem(), map[reflect.Type]bool{})
	}
	fastPlans.Store(t, p)
	return p
}

// decodesItself reports whether encoding/json hands t's values to a method of t.
func decodesItself(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(unmarshalerType) || pt.Implements(unmarshalerType) ||
		t.Implements(textUnmarshalerType) || pt.Implements(textUnmarshalerType)
}

// makeFastPlan plans struct type t, or answers nil when a field is of a kind the
// fast path does not read, is embedded, has the ",string" option, or when two
// fields' names are equal under case folding (encoding/json's rules for those
// are left to it).
func makeFastPlan(t reflect.Type, seen map[reflect.Type]bool) *fastPlan {
	if seen[t] || decodesItself(t) {
		return nil
	}
	seen[t] = true
	defer delete(seen, t)
	p := &fastPlan{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil
		}
		tag := sf.Tag.Get("json")
		if tag == "-" || !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		for opts != "" {
			var o string
			o, opts, _ = strings.Cut(opts, ",")
			if o == "string" {
				return nil
			}
		}
		if name == "" {
			name = sf.Name
		}
		if !plainName(name) {
			return nil
		}
		f := fastField{name: name, index: i, typ: sf.Type, slot: -1}
		ft := sf.Type
		switch {
		case ft == rawMessageType:
			f.kind = fastRaw
		case ft.Kind() == reflect.String && !decodesItself(ft):
			f.kind = fastString
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.String && !decodesItself(ft) && !decodesItself(ft.Elem()):
			f.kind = fastStringPtr
			if ft.Elem() == stringType {
				f.slot = p.slots
				p.slots++
			}
		case ft.Kind() == reflect.Struct:
			if f.sub = makeFastPlan(ft, seen); f.sub == nil {
				return nil
			}
			f.kind = fastStruct
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && !decodesItself(ft):
			if f.sub = makeFastPlan(ft.Elem(), seen); f.sub == nil {
				return nil
			}
			f.kind = fastStructPtr
		default:
			return nil
		}
		for _, g := range p.fields {
			if strings.EqualFold(g.name, name) {
				return nil
			}
		}
		p.fields = append(p.fields, f)
	}
	return p
}

// plainName reports whether a field name is ASCII letters, digits, '_' and '-'
// (encoding/json takes such a tag name as it is).
func plainName(name string) bool {
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return name != ""
}

// readJSONFast decodes body into v (a pointer to a zero struct with a plan) and
// reports whether it did; when it did not, v is zero again.
func readJSONFast(body []byte, v any, opts JSONOptions) bool {
	t := reflect.TypeOf(v)
	if t == nil {
		return false
	}
	p := fastPlanFor(t)
	if p == nil {
		return false
	}
	rv := reflect.ValueOf(v)
	if rv.IsNil() {
		return false
	}
	rv = rv.Elem()
	if !rv.IsZero() {
		// A target with values already set keeps those the body does not name; the
		// full reader handles it.
		return false
	}
	d := fastDecoder{w: jsonWalker{b: body}, known: opts.KnownFields}
	i := d.w.space(0)
	if i < len(body) && body[i] == '{' {
		if end, ok := d.object(i, p, rv); ok && d.w.space(end) == len(body) {
			return true
		}
	}
	rv.SetZero()
	return false
}

type fastDecoder struct {
	w     jsonWalker
	known bool
}

// plainString returns the end of the JSON string at i (b[i] == '"') when it holds
// no escape and no control character and is valid UTF-8: its text is then its
// bytes, as encoding/json reads them.
func (d *fastDecoder) plainString(i int) (int, bool) {
	b := d.w.b
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(b[i+1:j]) {
				return 0, false
			}
			return j + 1, true
		case c == '\\' || c < 0x20:
			return 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return 0, false
}

// null reports whether the literal null is at i, and returns its end.
func (d *fastDecoder) null(i int) (int, bool) {
	b := d.w.b
	if len(b)-i >= 4 && string(b[i:i+4]) == "null" {
		return i + 4, true
	}
	return 0, false
}

// maxFastDepth bounds the nesting the fast path skips through (deeper values are
// left to the full reader, which refuses nesting beyond encoding/json's limit
// before its key walk recurses).
const maxFastDepth = 64

// maxFastKeys bounds the keys of an object the fast path reads (it compares each
// key with those before it).
const maxFastKeys = 64

// skip returns the end of the JSON value at i when it is valid and no object in it
// has a key twice.
func (d *fastDecoder) skip(i int) (int, bool) {
	end, ok := d.span(i)
	if !ok || !json.Valid(d.w.b[i:end]) {
		return 0, false
	}
	if e, err := d.w.value(i, nil); err != nil || e != end {
		return 0, false
	}
	return end, true
}

// span returns the end of the value at i, assuming it is well formed (skip checks
// that), without recursion; it gives up beyond maxFastDepth.
func (d *fastDecoder) span(i int) (int, bool) {
	b := d.w.b
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			end, err := d.w.str(i)
			if err != nil {
				return 0, false
			}
			if depth == 0 {
				return end, true
			}
			i = end
			continue
		case '{', '[':
			if depth++; depth > maxFastDepth {
				return 0, false
			}
		case '}', ']':
			if depth--; depth < 0 {
				return 0, false
			}
			if depth == 0 {
				return i + 1, true
			}
		default:
			if depth == 0 { // a literal: up to the next delimiter
				j := i
				for j < len(b) {
					switch b[j] {
					case ',', '}', ']', ' ', '\t', '\n', '\r':
						return j, true
					}
					j++
				}
				return j, true
			}
		}
		i++
	}
	return 0, false
}

func (p *fastPlan) field(key []byte) (*fastField, bool) {
	for k := range p.fields {
		if p.fields[k].name == string(key) {
			return &p.fields[k], true
		}
	}
	return nil, false
}

// foldsToField reports whether key matches a field's name only case-insensitively
// (or is not ASCII, which encoding/json may fold too).
func (p *fastPlan) foldsToField(key []byte) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	for k := range p.fields {
		if strings.EqualFold(p.fields[k].name, string(key)) {
			return true
		}
	}
	return false
}

// object decodes the object at i (b[i] == '{') into the struct rv.
func (d *fastDecoder) object(i int, p *fastPlan, rv reflect.Value) (int, bool) {
	b := d.w.b
	var seen [24][2]int
	keys := seen[:0]
	var block []string // the strings of the *string fields, made at the first
	i = d.w.space(i + 1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, false
		}
		end, ok := d.plainString(i)
		if !ok {
			return 0, false
		}
		k := [2]int{i + 1, end - 1}
		key := b[k[0]:k[1]]
		for _, prev := range keys {
			if bytes.Equal(b[prev[0]:prev[1]], key) {
				return 0, false
			}
		}
		if keys = append(keys, k); len(keys) > maxFastKeys {
			return 0, false
		}
		f, known := p.field(key)
		if !known && (d.known || p.foldsToField(key)) {
			return 0, false
		}
		i = d.w.space(end)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		i = d.w.space(i + 1)
		if i >= len(b) {
			return 0, false
		}
		if !known {
			i, ok = d.skip(i)
		} else {
			i, ok = d.value(i, f, rv.Field(f.index), p, &block)
		}
		if !ok {
			return 0, false
		}
		i = d.w.space(i)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = d.w.space(i + 1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// value decodes the value at i into field f (fv) of an object of plan p, whose
// block of strings is *block.
func (d *fastDecoder) value(i int, f *fastField, fv reflect.Value, p *fastPlan, block *[]string) (int, bool) {
	b := d.w.b
	switch f.kind {
	case fastRaw:
		end, ok := d.skip(i)
		if !ok {
			return 0, false
		}
		fv.SetBytes(bytes.Clone(b[i:end]))
		return end, true
	case fastString, fastStringPtr:
		if b[i] == 'n' {
			end, ok := d.null(i)
			if ok && f.kind == fastStringPtr {
				fv.SetZero()
			}
			return end, ok
		}
		if b[i] != '"' {
			return 0, false
		}
		end, ok := d.plainString(i)
		if !ok {
			return 0, false
		}
		s := string(b[i+1 : end-1])
		switch {
		case f.kind == fastString:
			fv.SetString(s)
		case f.slot >= 0:
			if *block == nil {
				*block = make([]string, p.slots)
			}
			(*block)[f.slot] = s
			fv.Set(reflect.ValueOf(&(*block)[f.slot]))
		default:
			pv := reflect.New(f.typ.Elem())
			pv.Elem().SetString(s)
			fv.Set(pv)
		}
		return end, true
	default: // fastStruct, fastStructPtr
		if b[i] == 'n' {
			end, ok := d.null(i)
			if ok && f.kind == fastStructPtr {
				fv.SetZero()
			}
			return end, ok
		}
		if b[i] != '{' {
			return 0, false
		}
		if f.kind == fastStructPtr {
			if fv.IsNil() {
				fv.Set(reflect.New(f.typ.Elem()))
			}
			fv = fv.Elem()
		}
		return d.object(i, f.sub, fv)
	}
}

// canonicalFast is canonicalJSON (vendororder.go) for a value whose strings and
// keys need no escaping: the value with its object keys sorted and no white space,
// which is what encoding/json writes of it once decoded. It gives up (false) on a
// string or key that encoding/json would write otherwise (an escape, <, >, &,
// U+2028, U+2029), a key twice in an object, anything malformed and nesting beyond
// maxFastDepth.
func canonicalFast(raw []byte) ([]byte, bool) {
	c := canonicalizer{d: fastDecoder{w: jsonWalker{b: raw}}}
	out := make([]byte, 0, len(raw))
	out, end, ok := c.value(out, c.d.w.space(0), 0)
	if !ok || c.d.w.space(end) != len(raw) {
		return nil, false
	}
	return out, true
}

type canonicalizer struct{ d fastDecoder }

// member is an object's member: its key's and its value's spans.
type member struct{ k0, k1, v0, v1 int }

func (c *canonicalizer) value(out []byte, i, depth int) ([]byte, int, bool) {
	b := c.d.w.b
	if i >= len(b) || depth > maxFastDepth {
		return nil, 0, false
	}
	switch b[i] {
	case '{':
		return c.object(out, i, depth)
	case '[':
		out = append(out, '[')
		i = c.d.w.space(i + 1)
		if i < len(b) && b[i] == ']' {
			return append(out, ']'), i + 1, true
		}
		for n := 0; ; n++ {
			if n > 0 {
				out = append(out, ',')
			}
			var ok bool
			if out, i, ok = c.value(out, i, depth+1); !ok {
				return nil, 0, false
			}
			i = c.d.w.space(i)
			if i >= len(b) {
				return nil, 0, false
			}
			switch b[i] {
			case ',':
				i = c.d.w.space(i + 1)
			case ']':
				return append(out, ']'), i + 1, true
			default:
				return nil, 0, false
			}
		}
	case '"':
		end, ok := c.safeString(i)
		if !ok {
			return nil, 0, false
		}
		return append(out, b[i:end]...), end, true
	}
	// A literal: true, false, null or a number, written as it is.
	end, ok := c.d.span(i)
	if !ok {
		return nil, 0, false
	}
	lit := b[i:end]
	switch string(lit) {
	case "true", "false", "null":
	default:
		if !isJSONNumber(lit) {
			return nil, 0, false
		}
	}
	return append(out, lit...), end, true
}

func (c *canonicalizer) object(out []byte, i, depth int) ([]byte, int, bool) {
	b := c.d.w.b
	var buf [16]member
	ms := buf[:0]
	i = c.d.w.space(i + 1)
	if i < len(b) && b[i] == '}' {
		return append(out, "{}"...), i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, 0, false
		}
		end, ok := c.safeString(i)
		if !ok {
			return nil, 0, false
		}
		m := member{k0: i + 1, k1: end - 1}
		for _, p := range ms {
			if string(b[p.k0:p.k1]) == string(b[m.k0:m.k1]) {
				return nil, 0, false
			}
		}
		i = c.d.w.space(end)
		if i >= len(b) || b[i] != ':' {
			return nil, 0, false
		}
		m.v0 = c.d.w.space(i + 1)
		if m.v1, ok = c.d.span(m.v0); !ok {
			return nil, 0, false
		}
		if ms = append(ms, m); len(ms) > maxFastKeys {
			return nil, 0, false
		}
		i = c.d.w.space(m.v1)
		if i >= len(b) {
			return nil, 0, false
		}
		if b[i] == '}' {
			break
		}
		if b[i] != ',' {
			return nil, 0, false
		}
		i = c.d.w.space(i + 1)
	}
	end := i + 1
	// Sorted as encoding/json sorts a map's keys (byte-wise).
	for x := 1; x < len(ms); x++ {
		for y := x; y > 0 && string(b[ms[y].k0:ms[y].k1]) < string(b[ms[y-1].k0:ms[y-1].k1]); y-- {
			ms[y], ms[y-1] = ms[y-1], ms[y]
		}
	}
	out = append(out, '{')
	for n, m := range ms {
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, b[m.k0-1:m.k1+1]...)
		out = append(out, ':')
		var ok bool
		var e int
		if out, e, ok = c.value(out, m.v0, depth+1); !ok || e != m.v1 {
			return nil, 0, false
		}
	}
	return append(out, '}'), end, true
}

// safeString returns the end of the string at i when encoding/json writes its text
// back as the same bytes.
func (c *canonicalizer) safeString(i int) (int, bool) {
	end, ok := c.d.plainString(i)
	if !ok {
		return 0, false
	}
	for j, ch := range c.d.w.b[i+1 : end-1] {
		switch ch {
		case '<', '>', '&':
			return 0, false
		case 0xE2: // U+2028 and U+2029 are E2 80 A8 and E2 80 A9
			s := c.d.w.b[i+1+j:]
			if len(s) >= 3 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9) {
				return 0, false
			}
		}
	}
	return end, true
}

// isJSONNumber reports whether s is a JSON number (RFC 8259's grammar).
func isJSONNumber(s []byte) bool {
	end, ok := plainNumber(s, 0)
	return ok && end == len(s)
}

// vendorOrderJSON appends json.Marshal(o) to dst — the bytes of an order's
// fingerprint — when every string of o is written by encoding/json as it is (no
// character it escapes) and every raw value is compact with nothing to escape;
// else it reports false and the caller marshals o. The fields and their order are
// VendorOrder's, Person's and Address's (TestVendorOrderJSON and
// FuzzParseVendorOrderFingerprint compare it with json.Marshal).
func vendorOrderJSON(dst []byte, o *VendorOrder) ([]byte, bool) {
	e := plainEncoder{b: dst, ok: true}
	e.b = append(e.b, '{')
	e.str(`"vendorId":`, o.VendorID, false)
	e.str(`,"promoCode":`, o.PromoCode, false)
	e.str(`,"externalOrderId":`, o.ExternalOrderID, false)
	e.b = append(e.b, `,"quantity":`...)
	e.b = strconv.AppendInt(e.b, int64(o.Quantity), 10)
	e.str(`,"paymentMethod":`, o.PaymentMethod, false)
	e.str(`,"paymentProvider":`, o.PaymentProvider, false)
	e.str(`,"startDate":`, o.StartDate, true)
	e.b = append(e.b, `,"user":`...)
	e.person(&o.User)
	if o.Owner != nil {
		e.b = append(e.b, `,"owner":`...)
		e.person(o.Owner)
	}
	e.raw(`,"ownerData":`, o.OwnerData)
	e.raw(`,"vendorData":`, o.VendorData)
	e.b = append(e.b, '}')
	return e.b, e.ok
}

type plainEncoder struct {
	b  []byte
	ok bool
}

// str appends key (with its comma) and s as a JSON string; with omitEmpty nothing
// when s is empty.
func (e *plainEncoder) str(key, s string, omitEmpty bool) {
	if omitEmpty && s == "" {
		return
	}
	if !plainText(s) {
		e.ok = false
	}
	e.b = append(e.b, key...)
	e.b = append(e.b, '"')
	e.b = append(e.b, s...)
	e.b = append(e.b, '"')
}

// field appends an omitempty string field (key: `"name":`) of an object being
// written, after a comma unless it is the object's first.
func (e *plainEncoder) field(first *bool, key, s string) {
	if s == "" {
		return
	}
	if !*first {
		e.b = append(e.b, ',')
	}
	*first = false
	e.str(key, s, false)
}

func (e *plainEncoder) person(p *Person) {
	e.b = append(e.b, '{')
	first := true
	e.field(&first, `"email":`, p.Email)
	e.field(&first, `"fullName":`, p.FullName)
	e.field(&first, `"phone":`, p.Phone)
	if a := p.Address; a != nil {
		if !first {
			e.b = append(e.b, ',')
		}
		first = false
		e.b = append(e.b, `"address":{`...)
		af := true
		e.field(&af, `"firstName":`, a.FirstName)
		e.field(&af, `"lastName":`, a.LastName)
		e.field(&af, `"co":`, a.Co)
		e.field(&af, `"street":`, a.Street)
		e.field(&af, `"street2":`, a.Street2)
		e.field(&af, `"zip":`, a.Zip)
		e.field(&af, `"city":`, a.City)
		e.field(&af, `"state":`, a.State)
		e.field(&af, `"country":`, a.Country)
		e.b = append(e.b, '}')
	}
	if len(p.Extra) > 0 {
		if !first {
			e.b = append(e.b, ',')
		}
		e.raw(`"extraData":`, p.Extra)
	}
	e.b = append(e.b, '}')
}

// raw appends key and an omitempty raw value, which must be compact with nothing
// encoding/json would escape in it.
func (e *plainEncoder) raw(key string, v json.RawMessage) {
	if len(v) == 0 {
		return
	}
	if !compactPlain(v) {
		e.ok = false
	}
	e.b = append(e.b, key...)
	e.b = append(e.b, v...)
}

// plainText reports whether encoding/json writes s between quotes as it is: valid
// UTF-8 without ", \, control characters, <, >, &, U+2028 and U+2029.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&':
			return false
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || r == '\u2028' || r == '\u2029' {
				return false
			}
			i += n - 1
		}
	}
	return true
}

// compactPlain reports whether the JSON value v has no white space between its
// tokens and nothing in its strings that encoding/json's compaction escapes (<, >,
// &, U+2028, U+2029): json.Marshal then writes it as it is.
func compactPlain(v []byte) bool {
	in := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if in {
			switch {
			case c == '\\':
				i++
			case c == '"':
				in = false
			case c == '<' || c == '>' || c == '&':
				return false
			case c == 0xE2 && i+2 < len(v) && v[i+1] == 0x80 && (v[i+2] == 0xA8 || v[i+2] == 0xA9):
				return false
			}
			continue
		}
		switch c {
		case '"':
			in = true
		case ' ', '\t', '\n', '\r':
			return false
		}
	}
	return !in
}
