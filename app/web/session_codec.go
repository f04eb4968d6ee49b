package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// sessionCodec is the securecookie.Serializer for session cookies. It
// replaces securecookie's default gob encoding, which builds a fresh
// gob.Decoder per cookie and so compiles gob type information on every
// browser request (about 6% of server CPU in profiles).
//
// Session values only ever have string keys and string or int64 values (see
// browserSession), so they are written as JSON with one object per Go type,
// and read back with exactly those types:
//
//	{"s":{"csrf":"…","uid":"…"},"i":{"auth_at":1700000000}}
//
// Strings that are not valid UTF-8, which JSON cannot carry, go byte for byte
// in "b" (base64). Anything else is refused with an error rather than
// dropped or converted.
//
// Cookies issued with the gob encoding before this change no longer decode:
// the store treats them like any other unreadable cookie, so those users just
// sign in again.
type sessionCodec struct{}

// sessionWire is the JSON form of the session values; a key is in exactly
// one of the maps.
type sessionWire struct {
	Strings map[string]string `json:"s,omitempty"`
	Ints    map[string]int64  `json:"i,omitempty"`
	Bytes   map[string][]byte `json:"b,omitempty"`
}

// Serialize encodes session values; gorilla/sessions passes the session's
// map[interface{}]interface{} itself.
func (sessionCodec) Serialize(src interface{}) ([]byte, error) {
	var values map[interface{}]interface{}
	switch v := src.(type) {
	case map[interface{}]interface{}:
		values = v
	case *map[interface{}]interface{}:
		if v == nil {
			return nil, errors.New("session codec: nil map pointer")
		}
		values = *v
	default:
		return nil, fmt.Errorf("session codec: cannot serialize %T, only session values", src)
	}
	var w sessionWire
	for k, v := range values {
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("session codec: key %#v is a %T, only string keys are supported", k, k)
		}
		if !utf8.ValidString(key) {
			return nil, fmt.Errorf("session codec: key %q is not valid UTF-8", key)
		}
		switch val := v.(type) {
		case string:
			if utf8.ValidString(val) {
				if w.Strings == nil {
					w.Strings = map[string]string{}
				}
				w.Strings[key] = val
			} else {
				if w.Bytes == nil {
					w.Bytes = map[string][]byte{}
				}
				w.Bytes[key] = []byte(val)
			}
		case int64:
			if w.Ints == nil {
				w.Ints = map[string]int64{}
			}
			w.Ints[key] = val
		default:
			return nil, fmt.Errorf("session codec: value of %q is a %T, only string and int64 are supported", key, v)
		}
	}
	return json.Marshal(w)
}

// Deserialize decodes what Serialize wrote into dst, a
// *map[interface{}]interface{} as gorilla/sessions passes it. The map's
// previous contents are replaced; on error dst is left untouched.
func (sessionCodec) Deserialize(src []byte, dst interface{}) error {
	p, ok := dst.(*map[interface{}]interface{})
	if !ok || p == nil {
		return fmt.Errorf("session codec: cannot deserialize into %T, only *map[interface{}]interface{}", dst)
	}
	if len(src) == 0 || src[0] != '{' {
		return errors.New("session codec: not a JSON object")
	}
	if !utf8.Valid(src) {
		return errors.New("session codec: not valid UTF-8")
	}
	var w sessionWire
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("session codec: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("session codec: trailing data after the JSON object")
	}
	n := len(w.Strings) + len(w.Ints) + len(w.Bytes)
	values := make(map[interface{}]interface{}, n)
	for k, v := range w.Strings {
		values[k] = v
	}
	for k, v := range w.Ints {
		if _, dup := values[k]; dup {
			return fmt.Errorf("session codec: key %q appears twice", k)
		}
		values[k] = v
	}
	for k, v := range w.Bytes {
		if _, dup := values[k]; dup {
			return fmt.Errorf("session codec: key %q appears twice", k)
		}
		if utf8.Valid(v) {
			return fmt.Errorf("session codec: %q is valid UTF-8 but was stored as bytes", k)
		}
		values[k] = string(v)
	}
	if *p == nil {
		*p = values
		return nil
	}
	clear(*p)
	for k, v := range values {
		(*p)[k] = v
	}
	return nil
}
