package graph

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDecodeRequest feeds arbitrary bodies to the POST decoder: it must
// not panic, must refuse what is not one JSON object, and its messages
// must never quote the body.
func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{`{"query":"{ me { id } }"}`,
		`{"query":"q","variables":{"a":[1,2,{"b":null}]},"operationName":"x"}`,
		`[{"query":"a"},{"query":"b"}]`, `{"query": 1}`, `{"query":"a"} {}`,
		`{"variables": "nope"}`, "\x00\xff", `{"query":"` +
			strings.Repeat("a", 100) + `"`} {
		f.Add([]byte(seed))
	}
	t := postJSON{maxBytes: 1 << 10}
	f.Fuzz(func(tt *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/graphql",
			bytes.NewReader(body))
		w := httptest.NewRecorder()
		params, status, msg := t.decode(w, r)
		if status == 0 && params == nil {
			tt.Fatal("no params and no status")
		}
		if status != 0 && len(body) > 8 && strings.Contains(msg,
			string(body)) {
			tt.Fatalf("message quotes the body: %q", msg)
		}
		// An oversized body is never accepted (it may be refused as
		// malformed before the decoder reads past the limit).
		if len(body) > int(t.maxBytes) && status == 0 {
			tt.Fatalf("%d-byte body accepted", len(body))
		}
	})
}
