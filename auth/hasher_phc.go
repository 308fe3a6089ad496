package auth

import (
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// maxPHCLen is well above the longest hash within the parameter bounds;
// anything longer is rejected before it is split or decoded.
const maxPHCLen = 512

// phcVersion is the only argon2 version accepted: 0x13, written as 19.
const phcVersion = "v=19"

// phcHash is a parsed argon2id hash. params.SaltLen and params.KeyLen are
// the lengths of salt and key.
type phcHash struct {
	params HashParams
	salt   []byte
	key    []byte
}

// encodePHC writes $argon2id$v=19$m=…,t=…,p=…$salt$key, with salt and key
// in unpadded standard base64.
func encodePHC(p HashParams, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Iterations, p.Parallelism,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodePHC parses an encoded hash strictly: only the canonical form that
// encodePHC writes, with parameters inside the HashParams bounds. Errors
// wrap ErrMalformedHash and never quote the input.
func decodePHC(s string) (phcHash, error) {
	h, err := parsePHC(s)
	if err != nil {
		return phcHash{}, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	return h, nil
}

func parsePHC(s string) (phcHash, error) {
	if len(s) > maxPHCLen {
		return phcHash{}, errors.New("too long")
	}
	f := strings.Split(s, "$")
	switch {
	case len(f) != 6 || f[0] != "":
		return phcHash{}, errors.New("want $alg$version$params$salt$key")
	case f[1] != "argon2id":
		return phcHash{}, errors.New("algorithm is not argon2id")
	case f[2] != phcVersion:
		return phcHash{}, errors.New("version is not 19")
	}

	var h phcHash
	var err error
	if h.params, err = parsePHCParams(f[3]); err != nil {
		return phcHash{}, err
	}
	if h.salt, err = decodeB64("salt", f[4]); err != nil {
		return phcHash{}, err
	}
	if h.key, err = decodeB64("key", f[5]); err != nil {
		return phcHash{}, err
	}
	h.params.SaltLen = uint32(len(h.salt))
	h.params.KeyLen = uint32(len(h.key))
	if err := h.params.Validate(); err != nil {
		return phcHash{}, err
	}
	return h, nil
}

// parsePHCParams parses "m=…,t=…,p=…", in that order.
func parsePHCParams(s string) (HashParams, error) {
	f := strings.Split(s, ",")
	if len(f) != 3 {
		return HashParams{}, errors.New("want m=…,t=…,p=…")
	}
	m, errM := parseUint(f[0], "m=", 32)
	t, errT := parseUint(f[1], "t=", 32)
	p, errP := parseUint(f[2], "p=", 8)
	if err := cmp.Or(errM, errT, errP); err != nil {
		return HashParams{}, err
	}
	return HashParams{
		MemoryKiB:   uint32(m),
		Iterations:  uint32(t),
		Parallelism: uint8(p),
	}, nil
}

// parseUint parses prefix followed by a decimal number in canonical form
// (no sign, no leading zeros) that fits in bits.
func parseUint(s, prefix string, bits int) (uint64, error) {
	digits, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return 0, fmt.Errorf("want %s…", prefix)
	}
	n, err := strconv.ParseUint(digits, 10, bits)
	if err != nil || strconv.FormatUint(n, 10) != digits {
		return 0, fmt.Errorf("bad number after %s", prefix)
	}
	return n, nil
}

// decodeB64 decodes unpadded standard base64. Re-encoding and comparing
// rejects what the decoder tolerates: line breaks and stray low bits.
func decodeB64(name, s string) ([]byte, error) {
	b64 := base64.RawStdEncoding
	b, err := b64.DecodeString(s)
	if err != nil || b64.EncodeToString(b) != s {
		return nil, fmt.Errorf("%s is not unpadded base64", name)
	}
	return b, nil
}
