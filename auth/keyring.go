package auth

import (
	"fmt"
	"slices"
)

// KeyRing holds the key that signs new tokens and every key whose tokens
// are still accepted, by kid. A ring is immutable; rotating keys means
// building a new ring and handing it to Tokens.SetKeyRing. The ring may
// mix algorithms, as it does while moving from one to another: each
// token is checked with the algorithm of the key its kid names.
type KeyRing struct {
	active *SigningKey
	keys   []*SigningKey // active first, then the others in given order
	byID   map[string]*SigningKey
	algs   []string // distinct algorithms of the keys, sorted
}

// NewKeyRing returns a ring that signs with active and verifies tokens
// signed by active or by any of others: keys published ahead of their
// use and keys retired whose tokens may still be live. It fails with an
// error wrapping ErrInvalidKey when a key is nil, has no kid or no key
// material, uses an algorithm not in Algorithms, or shares its kid with
// another key, or when active cannot sign.
func NewKeyRing(active *SigningKey, others ...*SigningKey) (*KeyRing, error) {
	if active == nil || active.signKey() == nil {
		return nil, fmt.Errorf("%w: no active key to sign with", ErrInvalidKey)
	}
	r := &KeyRing{active: active, byID: map[string]*SigningKey{}}
	for _, k := range append([]*SigningKey{active}, others...) {
		if err := r.add(k); err != nil {
			return nil, err
		}
	}
	slices.Sort(r.algs)
	return r, nil
}

func (r *KeyRing) add(k *SigningKey) error {
	switch {
	case k == nil || k.id == "" || k.verifyKey() == nil:
		return fmt.Errorf("%w: missing kid or key material", ErrInvalidKey)
	case !slices.Contains(Algorithms(), k.alg):
		return fmt.Errorf("%w: unknown algorithm %q", ErrInvalidKey, k.alg)
	case r.byID[k.id] != nil:
		return fmt.Errorf("%w: duplicate kid %s", ErrInvalidKey, k.id)
	}
	r.byID[k.id] = k
	r.keys = append(r.keys, k)
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

// Keys returns every key of the ring, the active one first.
func (r *KeyRing) Keys() []*SigningKey { return slices.Clone(r.keys) }
