package auth

import (
	"fmt"
	"slices"

	"github.com/golang-jwt/jwt/v5"
)

// KeyRing holds the key that signs new tokens and every key whose tokens
// are still accepted, by kid. A ring is immutable; rotating keys means
// building a new ring with the new key active and the old one kept for
// verification until its tokens have expired.
type KeyRing struct {
	active *SigningKey
	byID   map[string]*SigningKey
	algs   []string // distinct algorithms of the keys, sorted
}

// NewKeyRing returns a ring that signs with active and verifies tokens
// signed by active or by any of retired. It fails with an error wrapping
// ErrInvalidKey when a key is nil, has no kid or no public key, uses an
// unknown algorithm, or shares its kid with another key, or when active
// cannot sign.
func NewKeyRing(active *SigningKey, retired ...*SigningKey) (*KeyRing, error) {
	if active == nil || active.signer == nil {
		return nil, fmt.Errorf("%w: no active key to sign with", ErrInvalidKey)
	}
	r := &KeyRing{active: active, byID: map[string]*SigningKey{}}
	for _, k := range append([]*SigningKey{active}, retired...) {
		if err := r.add(k); err != nil {
			return nil, err
		}
	}
	slices.Sort(r.algs)
	return r, nil
}

func (r *KeyRing) add(k *SigningKey) error {
	switch {
	case k == nil || k.id == "" || k.public == nil:
		return fmt.Errorf("%w: missing kid or public key", ErrInvalidKey)
	case jwt.GetSigningMethod(k.alg) == nil:
		return fmt.Errorf("%w: unknown algorithm %q", ErrInvalidKey, k.alg)
	case r.byID[k.id] != nil:
		return fmt.Errorf("%w: duplicate kid %s", ErrInvalidKey, k.id)
	}
	r.byID[k.id] = k
	if !slices.Contains(r.algs, k.alg) {
		r.algs = append(r.algs, k.alg)
	}
	return nil
}

// Active returns the key that signs new tokens.
func (r *KeyRing) Active() *SigningKey { return r.active }

// Key returns the key with the given kid, and whether there is one.
func (r *KeyRing) Key(kid string) (*SigningKey, bool) {
	k, ok := r.byID[kid]
	return k, ok
}
