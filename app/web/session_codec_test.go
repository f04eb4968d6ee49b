package web

import (
	"bytes"
	"encoding/gob"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
)

// realisticSession is what a signed-in user with a pending flash carries.
func realisticSession() map[interface{}]interface{} {
	return map[interface{}]interface{}{
		keyUserID:    "0b9f3c2e-6a1d-4c47-9a55-2f0e1d7c8b10",
		keyAuthAt:    int64(1767225600),
		keyCSRF:      "K3XQ7Z2M4N5P6R7S8T9V2W3X4Y",
		keyFlashKind: "success",
		keyFlashText: "Acme Reports can no longer reach “Ops”; 3 tokens revoked.",
	}
}

func TestSessionCodecRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		values map[interface{}]interface{}
	}{
		{"realistic session", realisticSession()},
		{"empty", map[interface{}]interface{}{}},
		{"int64 only", map[interface{}]interface{}{keyAuthAt: int64(42)}},
		{"int64 extremes", map[interface{}]interface{}{"min": int64(math.MinInt64), "max": int64(math.MaxInt64), "zero": int64(0)}},
		{"empty string and JSON-special characters", map[interface{}]interface{}{"e": "", "q": `"\<>&` + "\x00\n\u2028"}},
		{"string that is not UTF-8", map[interface{}]interface{}{"raw": "a\xff\xfeb", keyUserID: "u1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := sessionCodec{}.Serialize(tt.values)
			if err != nil {
				t.Fatalf("Serialize: %v", err)
			}
			// Decode into a map that already holds a stale entry, as a
			// pointer, the way gorilla/sessions passes it.
			dst := map[interface{}]interface{}{"stale": "x"}
			before := reflect.ValueOf(dst).UnsafePointer()
			if err := (sessionCodec{}).Deserialize(b, &dst); err != nil {
				t.Fatalf("Deserialize(%s): %v", b, err)
			}
			// DeepEqual compares the dynamic types of the interface values
			// too, so int64 coming back as float64 or int fails here.
			if !reflect.DeepEqual(dst, tt.values) {
				t.Fatalf("round trip through %s:\n got %#v\nwant %#v", b, dst, tt.values)
			}
			if reflect.ValueOf(dst).UnsafePointer() != before {
				t.Fatal("Deserialize replaced the map instead of filling the existing one")
			}
		})
	}
}

func TestSessionCodecWireFormat(t *testing.T) {
	b, err := sessionCodec{}.Serialize(map[interface{}]interface{}{keyUserID: "u1", keyAuthAt: int64(7)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"s":{"uid":"u1"},"i":{"auth_at":7}}`; string(b) != want {
		t.Fatalf("Serialize = %s, want %s", b, want)
	}
	// A nil map and a pointer to the map are accepted too.
	var nilMap map[interface{}]interface{}
	for _, src := range []interface{}{nilMap, &nilMap} {
		b, err := sessionCodec{}.Serialize(src)
		if err != nil || string(b) != "{}" {
			t.Fatalf("Serialize(%T nil) = %s, %v; want {}", src, b, err)
		}
	}
	// Deserialize allocates the map when the pointer points at nil.
	if err := (sessionCodec{}).Deserialize([]byte(`{"s":{"uid":"u1"}}`), &nilMap); err != nil {
		t.Fatal(err)
	}
	if nilMap["uid"] != "u1" {
		t.Fatalf("Deserialize into nil map = %#v", nilMap)
	}
}

type namedKey string

func TestSessionCodecSerializeRefuses(t *testing.T) {
	tests := []struct {
		name string
		src  interface{}
		want string // part of the error message
	}{
		{"int key", map[interface{}]interface{}{1: "x"}, "only string keys"},
		{"named string key", map[interface{}]interface{}{namedKey("uid"): "x"}, "only string keys"},
		{"key not UTF-8", map[interface{}]interface{}{"\xff": "x"}, "not valid UTF-8"},
		{"float64 value", map[interface{}]interface{}{"n": 1.5}, "float64"},
		{"time.Time value", map[interface{}]interface{}{keyAuthAt: time.Unix(1, 0)}, "time.Time"},
		{"int value (not int64)", map[interface{}]interface{}{keyAuthAt: 1}, "value of \"auth_at\" is a int"},
		{"int32 value", map[interface{}]interface{}{"n": int32(1)}, "int32"},
		{"[]byte value", map[interface{}]interface{}{"b": []byte("x")}, "[]uint8"},
		{"nil value", map[interface{}]interface{}{"n": nil}, "<nil>"},
		{"bad value among good ones", func() map[interface{}]interface{} {
			m := realisticSession()
			m["extra"] = 2.5
			return m
		}(), "float64"},
		{"not a session map", map[string]interface{}{"uid": "x"}, "cannot serialize"},
		{"nil map pointer", (*map[interface{}]interface{})(nil), "nil map pointer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := sessionCodec{}.Serialize(tt.src)
			if err == nil {
				t.Fatalf("Serialize succeeded with %s; want an error", b)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestSessionCodecDeserializeRefuses(t *testing.T) {
	var gobbed bytes.Buffer
	if err := gob.NewEncoder(&gobbed).Encode(realisticSession()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  string
	}{
		{"empty", ""},
		{"null", "null"},
		{"array", `[]`},
		{"string", `"uid"`},
		{"leading space", ` {}`},
		{"not JSON", "uid=u1"},
		{"truncated", `{"s":{"uid":"u1"`},
		{"trailing data", `{}{}`},
		{"trailing garbage", `{"s":{"uid":"u1"}}x`},
		{"unknown field", `{"s":{"uid":"u1"},"f":{"x":1.5}}`},
		{"number as string", `{"s":{"uid":1}}`},
		{"string as int", `{"i":{"auth_at":"1"}}`},
		{"fraction as int", `{"i":{"auth_at":1.5}}`},
		{"exponent as int", `{"i":{"auth_at":1e3}}`},
		{"int overflow", `{"i":{"auth_at":9223372036854775808}}`},
		{"section not an object", `{"s":["uid"]}`},
		{"key in two sections", `{"s":{"auth_at":"1"},"i":{"auth_at":1}}`},
		{"key in strings and bytes", `{"s":{"k":"a"},"b":{"k":"/w=="}}`},
		{"UTF-8 stored as bytes", `{"b":{"k":"YQ=="}}`},
		{"bad base64", `{"b":{"k":"!!"}}`},
		{"input not UTF-8", "{\"s\":{\"k\":\"\xff\"}}"},
		{"old gob cookie", gobbed.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := map[interface{}]interface{}{"keep": "me"}
			if err := (sessionCodec{}).Deserialize([]byte(tt.src), &dst); err == nil {
				t.Fatalf("Deserialize(%q) succeeded with %#v; want an error", tt.src, dst)
			}
			if want := (map[interface{}]interface{}{"keep": "me"}); !reflect.DeepEqual(dst, want) {
				t.Fatalf("failed Deserialize changed dst to %#v", dst)
			}
		})
	}
	// Only the pointer gorilla/sessions passes is a valid destination.
	for _, dst := range []interface{}{
		map[interface{}]interface{}{},
		&map[string]interface{}{},
		(*map[interface{}]interface{})(nil),
		nil,
	} {
		if err := (sessionCodec{}).Deserialize([]byte(`{}`), dst); err == nil {
			t.Errorf("Deserialize into %T succeeded; want an error", dst)
		}
	}
}

// sessionCookieRoundTrip saves values through the store and reads them back
// from a request carrying the resulting cookie.
func sessionCookieRoundTrip(t *testing.T, store *sessionStore, values map[interface{}]interface{}) (*http.Cookie, map[interface{}]interface{}, error) {
	t.Helper()
	first := &http.Request{Header: http.Header{}}
	sess, err := store.cookies.New(first, sessionCookie)
	if err != nil {
		t.Fatalf("New without a cookie: %v", err)
	}
	for k, v := range values {
		sess.Values[k] = v
	}
	w := &headerRecorder{header: http.Header{}}
	if err := store.cookies.Save(first, w, sess); err != nil {
		t.Fatalf("Save: %v", err)
	}
	set := w.header.Values("Set-Cookie")
	if len(set) != 1 {
		t.Fatalf("Save wrote %d Set-Cookie headers, want 1", len(set))
	}
	cookie, err := http.ParseSetCookie(set[0])
	if err != nil {
		t.Fatalf("parse Set-Cookie %q: %v", set[0], err)
	}
	next := &http.Request{Header: http.Header{}}
	next.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	got, err := store.cookies.New(next, sessionCookie)
	if err != nil {
		return cookie, got.Values, err
	}
	if got.IsNew {
		t.Fatal("session read back from its cookie is marked new")
	}
	return cookie, got.Values, nil
}

func TestSessionStoreUsesSessionCodec(t *testing.T) {
	tests := []struct {
		name   string
		values map[interface{}]interface{}
	}{
		{"realistic session", realisticSession()},
		{"signed in, no flash", map[interface{}]interface{}{keyUserID: "u1", keyAuthAt: int64(1767225600), keyCSRF: "c"}},
		{"empty", map[interface{}]interface{}{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, err := newSessionStore(testSessionKey, true)
			if err != nil {
				t.Fatal(err)
			}
			cookie, got, err := sessionCookieRoundTrip(t, store, tt.values)
			if err != nil {
				t.Fatalf("New with the saved cookie: %v", err)
			}
			if cookie.Name != sessionCookie {
				t.Fatalf("cookie name %q, want %q", cookie.Name, sessionCookie)
			}
			if !reflect.DeepEqual(got, tt.values) {
				t.Fatalf("values read back:\n got %#v\nwant %#v", got, tt.values)
			}

			// The cookie's plaintext is sessionCodec's JSON, not gob: open it
			// with the store's own keys but no deserialization.
			if len(store.cookies.Codecs) == 0 {
				t.Fatal("store has no codecs")
			}
			for _, c := range store.cookies.Codecs {
				sc := c.(*securecookie.SecureCookie)
				sc.SetSerializer(securecookie.NopEncoder{})
				var plain []byte
				if err := sc.Decode(sessionCookie, cookie.Value, &plain); err != nil {
					t.Fatalf("open cookie: %v", err)
				}
				want, err := sessionCodec{}.Serialize(tt.values)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(plain, want) {
					t.Fatalf("cookie plaintext %q, want sessionCodec's %q", plain, want)
				}
			}
		})
	}
}

func TestSessionStoreRefusesUnsupportedValue(t *testing.T) {
	store, err := newSessionStore(testSessionKey, false)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := store.cookies.New(&http.Request{Header: http.Header{}}, sessionCookie)
	if err != nil {
		t.Fatal(err)
	}
	// A float64, which gob would have stored happily, where signIn stores an
	// int64: Save must fail rather than write a cookie without it.
	sess.Values[keyUserID] = "u1"
	sess.Values[keyAuthAt] = float64(time.Now().Unix())
	w := &headerRecorder{header: http.Header{}}
	if err := store.cookies.Save(&http.Request{Header: http.Header{}}, w, sess); err == nil {
		t.Fatal("Save of a float64 value succeeded; want an error")
	}
	if got := w.header.Values("Set-Cookie"); len(got) != 0 {
		t.Fatalf("failed Save still set a cookie: %q", got)
	}
}

// A cookie issued with gob before the change reads as an empty session, so
// its holder just signs in again.
func TestSessionStoreRejectsGobCookie(t *testing.T) {
	store, err := newSessionStore(testSessionKey, false)
	if err != nil {
		t.Fatal(err)
	}
	setAll := func(sz securecookie.Serializer) {
		for _, c := range store.cookies.Codecs {
			c.(*securecookie.SecureCookie).SetSerializer(sz)
		}
	}
	setAll(securecookie.GobEncoder{})
	first := &http.Request{Header: http.Header{}}
	sess, _ := store.cookies.New(first, sessionCookie)
	for k, v := range realisticSession() {
		sess.Values[k] = v
	}
	w := &headerRecorder{header: http.Header{}}
	if err := store.cookies.Save(first, w, sess); err != nil {
		t.Fatal(err)
	}
	cookie, err := http.ParseSetCookie(w.header.Get("Set-Cookie"))
	if err != nil {
		t.Fatal(err)
	}
	setAll(sessionCodec{})
	next := &http.Request{Header: http.Header{}}
	next.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	got, err := store.cookies.New(next, sessionCookie)
	if err == nil {
		t.Fatalf("gob cookie decoded to %#v; want an error", got.Values)
	}
	if !got.IsNew || len(got.Values) != 0 {
		t.Fatalf("gob cookie gave IsNew=%v values %#v; want a new, empty session", got.IsNew, got.Values)
	}
}
