package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// JWKS returns the ring's public keys as a JSON Web Key Set (RFC 7517
// section 5), {"keys":[...]}: one JWK (see SigningKey.JWK) for every
// asymmetric key, the active one first. HS256 keys are left out; a ring
// of HS256 keys only gives {"keys":[]}.
func (r *KeyRing) JWKS() ([]byte, error) {
	set := struct {
		Keys []JWK `json:"keys"`
	}{Keys: []JWK{}}
	for _, k := range r.keys {
		if j, ok := k.JWK(); ok {
			set.Keys = append(set.Keys, j)
		}
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("encode jwks: %w", err)
	}
	return b, nil
}

// JWKSHandler serves the JWKS of the ring that ring returns on each
// request, for GET and HEAD, with Content-Type application/json,
// Cache-Control "public, max-age=N" (maxAge in whole seconds, negative
// counting as zero) and an ETag that If-None-Match can match. It answers
// 405 to other methods and 503 while ring returns nil.
//
// Verifiers may keep the set for maxAge, so a new key must be published
// at least that long before it signs: keys.Config.PublishLead must not
// be shorter than maxAge.
func JWKSHandler(ring func() *KeyRing, maxAge time.Duration) http.Handler {
	cacheControl := fmt.Sprintf("public, max-age=%d",
		int64(max(maxAge, 0)/time.Second))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		kr := ring()
		if kr == nil {
			http.Error(w, "no signing keys yet", http.StatusServiceUnavailable)
			return
		}
		body, err := kr.JWKS()
		if err != nil {
			http.Error(w, "internal server error",
				http.StatusInternalServerError)
			return
		}
		sum := sha256.Sum256(body)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", cacheControl)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:16])+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}
