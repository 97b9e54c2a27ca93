package orderhub

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// The one reader of inbound JSON payloads. Every surface decodes its request bodies
// with ReadJSON (the SALESmanago API reads its fields one by one after checkJSONKeys);
// what differs between surfaces is an option, not a second reader:
//
//   - exactly one JSON value, no NUL (PostgreSQL text cannot hold it);
//   - every object's keys unique: a payload that says two things is refused, not
//     read as whichever the decoder happens to keep (the last);
//   - with KnownFields, keys the target has no field for are refused (settings,
//     where a misspelt field must not be ignored); without, they are ignored, as the
//     seed APIs' payloads carry fields orderhub does not read;
//   - errors are *Error values (EInvalidRequest) naming the field path at fault
//     ("userData.email", "events.orderCreated.detail1", "items[2]");
//   - numbers are read exactly: targets that need a number's digits take it as
//     json.RawMessage or json.Number (quantity, SALESmanago amounts), and values
//     decoded into an interface keep their digits as json.Number.

// JSONOptions are a surface's choices for ReadJSON.
type JSONOptions struct {
	// KnownFields refuses object keys that the target (a struct, at any depth) has
	// no field for. Keys match fields case-insensitively, as encoding/json does.
	KnownFields bool
}

// ReadJSON decodes one JSON value from body into v (a pointer), answering a clear
// *Error for an empty body, NUL, malformed JSON, trailing data, a value of the wrong
// type, a duplicate key and (with opts.KnownFields) an unknown field.
func ReadJSON(body []byte, v any, opts JSONOptions) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return Errorf(EInvalidRequest, "The request body is empty; a JSON object is required.")
	}
	if bytes.Contains(body, []byte(`\u0000`)) || bytes.IndexByte(body, 0) >= 0 {
		return Errorf(EInvalidRequest, "The request body contains a NUL character (\\u0000), which text fields cannot hold.")
	}
	if readJSONFast(body, v, opts) {
		return nil
	}
	return readJSONFull(body, v, opts)
}

// readJSONFull is ReadJSON without its fast path: encoding/json, then the key walk.
func readJSONFull(body []byte, v any, opts JSONOptions) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				return Errorf(EInvalidRequest, "The request body must be a JSON object.")
			}
			return FieldError(EInvalidRequest, field, "Field %s must be of type %s, got %s.", field, jsonKind(te.Type.Kind().String()), te.Value)
		case errors.As(err, &se):
			return Errorf(EInvalidRequest, "The request body is not valid JSON: %s (at byte %d).", se.Error(), se.Offset)
		default:
			return Errorf(EInvalidRequest, "The request body is not valid JSON: %s.", err.Error())
		}
	}
	if d.More() {
		return Errorf(EInvalidRequest, "The request body has data after the JSON value.")
	}
	if _, err := d.Token(); err == nil {
		return Errorf(EInvalidRequest, "The request body has data after the JSON value.")
	}
	var t reflect.Type
	if opts.KnownFields {
		t = reflect.TypeOf(v)
	}
	return checkJSONKeys(body, t)
}

// jsonScalar reads one JSON value as text — the field readers' one rule (the
// purchase hook's wireText, the Zapier lead's scalar, Yespo's parameters): a
// string as itself, a number verbatim (its exact digits, never through a float),
// null (or nothing) as absent. An object, an array or a boolean is a
// *json.UnmarshalTypeError naming what was sent, so that ReadJSON's message names
// the field ("Field x must be of type string, got boolean.").
func jsonScalar(b []byte) (text string, isNum, null bool, err error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return "", false, true, nil
	case b[0] == '"':
		err = json.Unmarshal(b, &text)
		return text, false, false, err
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		return string(b), true, false, nil
	}
	got := "object"
	switch b[0] {
	case 't', 'f':
		got = "boolean"
	case '[':
		got = "array"
	}
	return "", false, false, &json.UnmarshalTypeError{Value: got, Type: reflect.TypeFor[string]()}
}

// checkJSONKeys walks body, one valid JSON value, refusing a key that appears
// twice in one object and, when t is set, a key that the struct it lands in has no
// field for (t is the decoding target's type). It allocates nothing unless it fails
// (or compares keys written with escapes).
func checkJSONKeys(body []byte, t reflect.Type) error {
	w := jsonWalker{b: body}
	end, err := w.value(w.space(0), t)
	if err == nil && w.space(end) != len(body) {
		// encoding/json's Decoder lets a stray closing bracket pass ("{}}").
		return Errorf(EInvalidRequest, "The request body has data after the JSON value.")
	}
	if err != nil {
		var ke *jsonKeyError
		if errors.As(err, &ke) {
			if ke.unknown {
				return FieldError(EInvalidRequest, ke.path, "Unknown field %q.", ke.path)
			}
			return FieldError(EInvalidRequest, ke.path, "Key %q appears more than once in the same object; send each key once.", ke.path)
		}
		return Errorf(EInvalidRequest, "The request body is not valid JSON: %v.", err)
	}
	return nil
}

// jsonKeyError is a duplicate or unknown key, with its path from the top.
type jsonKeyError struct {
	path    string
	unknown bool
}

func (e *jsonKeyError) Error() string { return "bad key " + e.path }

// under prefixes err's path with seg, the key or index ("[2]") it was found under.
func under(err error, seg string) error {
	e, ok := err.(*jsonKeyError)
	if !ok {
		return err
	}
	if e.path == "" || e.path[0] == '[' {
		e.path = seg + e.path
	} else {
		e.path = seg + "." + e.path
	}
	return e
}

var errBadJSON = errors.New("malformed JSON")

// manyKeys is the number of keys from which the walker keeps an object's keys in a
// map rather than comparing each new key with those before it.
const manyKeys = 32

type jsonWalker struct{ b []byte }

func (w *jsonWalker) space(i int) int {
	for i < len(w.b) && (w.b[i] == ' ' || w.b[i] == '\t' || w.b[i] == '\n' || w.b[i] == '\r') {
		i++
	}
	return i
}

// str returns the index after the JSON string that starts at i.
func (w *jsonWalker) str(i int) (int, error) {
	for j := i + 1; j < len(w.b); j++ {
		switch w.b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errBadJSON
}

// value walks the JSON value at i (t: the type it decodes into, nil when keys are
// not checked against a type) and returns the index after it.
func (w *jsonWalker) value(i int, t reflect.Type) (int, error) {
	if i >= len(w.b) {
		return 0, errBadJSON
	}
	switch w.b[i] {
	case '{':
		return w.object(i, t)
	case '[':
		return w.array(i, t)
	case '"':
		return w.str(i)
	}
	for i < len(w.b) {
		switch w.b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i, nil
		}
		i++
	}
	return i, nil
}

func (w *jsonWalker) object(i int, t reflect.Type) (int, error) {
	fields, elem, check := jsonTarget(t)
	var seen [24][2]int // the keys so far (spans of w.b, quotes excluded)
	keys := seen[:0]
	var many map[string]struct{} // the keys so far by text, once there are manyKeys
	i = w.space(i + 1)
	if i < len(w.b) && w.b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(w.b) || w.b[i] != '"' {
			return 0, errBadJSON
		}
		end, err := w.str(i)
		if err != nil {
			return 0, err
		}
		k := [2]int{i + 1, end - 1}
		if many != nil {
			// A large object: its keys by text, so that checking each new key does not
			// compare it with every key before it (quadratic in the keys of a body).
			t := w.keyText(k)
			if _, dup := many[t]; dup {
				return 0, &jsonKeyError{path: t}
			}
			many[t] = struct{}{}
		} else {
			for _, prev := range keys {
				if w.sameKey(prev, k) {
					return 0, &jsonKeyError{path: w.keyText(k)}
				}
			}
			if keys = append(keys, k); len(keys) == manyKeys {
				many = make(map[string]struct{}, 2*manyKeys)
				for _, prev := range keys {
					many[w.keyText(prev)] = struct{}{}
				}
			}
		}
		child := elem
		if check {
			f, ok := fieldFor(fields, w.keyText(k))
			if !ok {
				return 0, &jsonKeyError{path: w.keyText(k), unknown: true}
			}
			child = f
		}
		i = w.space(end)
		if i >= len(w.b) || w.b[i] != ':' {
			return 0, errBadJSON
		}
		if i, err = w.value(w.space(i+1), child); err != nil {
			return 0, under(err, w.keyText(k))
		}
		i = w.space(i)
		if i >= len(w.b) {
			return 0, errBadJSON
		}
		switch w.b[i] {
		case ',':
			i = w.space(i + 1)
		case '}':
			return i + 1, nil
		default:
			return 0, errBadJSON
		}
	}
}

func (w *jsonWalker) array(i int, t reflect.Type) (int, error) {
	var elem reflect.Type
	if t != nil {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && !opaque(t) {
			elem = t.Elem()
		}
	}
	i = w.space(i + 1)
	if i < len(w.b) && w.b[i] == ']' {
		return i + 1, nil
	}
	for n := 0; ; n++ {
		var err error
		if i, err = w.value(i, elem); err != nil {
			return 0, under(err, "["+strconv.Itoa(n)+"]")
		}
		i = w.space(i)
		if i >= len(w.b) {
			return 0, errBadJSON
		}
		switch w.b[i] {
		case ',':
			i = w.space(i + 1)
		case ']':
			return i + 1, nil
		default:
			return 0, errBadJSON
		}
	}
}

// sameKey reports whether two keys are the same string once unescaped.
func (w *jsonWalker) sameKey(a, b [2]int) bool {
	ka, kb := w.b[a[0]:a[1]], w.b[b[0]:b[1]]
	if bytes.IndexByte(ka, '\\') < 0 && bytes.IndexByte(kb, '\\') < 0 {
		return bytes.Equal(ka, kb)
	}
	return w.keyText(a) == w.keyText(b)
}

// keyText is a key unescaped.
func (w *jsonWalker) keyText(k [2]int) string {
	raw := w.b[k[0]:k[1]]
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var s string
	if json.Unmarshal(w.b[k[0]-1:k[1]+1], &s) != nil {
		return string(raw)
	}
	return s
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// opaque reports whether t decodes itself (json.Unmarshaler, json.RawMessage):
// its inside is not checked against a type.
func opaque(t reflect.Type) bool {
	return t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType)
}

// jsonField is a field of a struct as encoding/json names it.
type jsonField struct {
	name string
	typ  reflect.Type
}

var structFields sync.Map // reflect.Type → []jsonField

// jsonTarget tells how the keys of an object decoded into t are checked: check
// with the struct's fields, or not (elem: the type of every value, for maps).
func jsonTarget(t reflect.Type) (fields []jsonField, elem reflect.Type, check bool) {
	if t == nil {
		return nil, nil, false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if opaque(t) {
		return nil, nil, false
	}
	switch t.Kind() {
	case reflect.Map:
		return nil, t.Elem(), false
	case reflect.Struct:
		if f, ok := structFields.Load(t); ok {
			return f.([]jsonField), nil, true
		}
		f := collectFields(t, nil)
		structFields.Store(t, f)
		return f, nil, true
	}
	return nil, nil, false
}

// collectFields lists t's JSON fields, those of embedded structs included.
func collectFields(t reflect.Type, out []jsonField) []jsonField {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				out = collectFields(et, out)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, jsonField{name: name, typ: sf.Type})
	}
	return out
}

// fieldFor finds the field a key decodes into: the exact name first, then one
// equal under case folding (as encoding/json matches).
func fieldFor(fields []jsonField, key string) (reflect.Type, bool) {
	for _, f := range fields {
		if f.name == key {
			return f.typ, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return f.typ, true
		}
	}
	return nil, false
}
