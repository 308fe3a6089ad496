package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

// Bounds on argon2id parameters. They apply to the configuration and to
// every stored hash, so a tampered hash cannot make Verify run for minutes
// or allocate more than 4 GiB.
const (
	minMemoryKiB   = 8
	maxMemoryKiB   = 4 << 20
	maxIterations  = 64
	maxParallelism = 64
	minSaltLen     = 8
	maxSaltLen     = 64
	minKeyLen      = 16
	maxKeyLen      = 64
)

// HashParams are the argon2id cost parameters and output sizes.
type HashParams struct {
	MemoryKiB   uint32 // memory per hash, in KiB
	Iterations  uint32 // passes over the memory
	Parallelism uint8  // lanes
	SaltLen     uint32 // random salt, in bytes
	KeyLen      uint32 // derived key, in bytes
}

// DefaultHashParams returns the production parameters: 19 MiB, two
// passes, one lane (the OWASP argon2id baseline), a 16-byte salt and a
// 32-byte key.
func DefaultHashParams() HashParams {
	return HashParams{
		MemoryKiB:   19456,
		Iterations:  2,
		Parallelism: 1,
		SaltLen:     16,
		KeyLen:      32,
	}
}

// Validate reports every parameter outside its bounds: memory 8 KiB to
// 4 GiB and at least 8 KiB per lane, 1 to 64 iterations, 1 to 64 lanes,
// a salt of 8 to 64 bytes and a key of 16 to 64 bytes.
func (p HashParams) Validate() error {
	errs := []error{
		checkRange("memory KiB", p.MemoryKiB, minMemoryKiB, maxMemoryKiB),
		checkRange("iterations", p.Iterations, 1, maxIterations),
		checkRange("parallelism", uint32(p.Parallelism), 1, maxParallelism),
		checkRange("salt length", p.SaltLen, minSaltLen, maxSaltLen),
		checkRange("key length", p.KeyLen, minKeyLen, maxKeyLen),
	}
	if p.MemoryKiB < 8*uint32(p.Parallelism) {
		errs = append(errs, fmt.Errorf(
			"memory %d KiB is under 8 KiB per lane", p.MemoryKiB))
	}
	return errors.Join(errs...)
}

func checkRange(name string, v, lo, hi uint32) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s %d outside %d..%d", name, v, lo, hi)
	}
	return nil
}

// HasherConfig configures a Hasher.
type HasherConfig struct {
	// Params are used for new hashes; stored hashes with other
	// parameters still verify, and are reported as needing a rehash.
	Params HashParams
	// Concurrency is how many hashes may run at once (at least 1).
	Concurrency int
	// QueueSize is how many callers may wait for a free slot (at least
	// 0); further callers get a *BusyError at once.
	QueueSize int
	// MaxWait is how long a caller waits before it gets a *BusyError
	// (more than 0).
	MaxWait time.Duration
}

// Validate reports every invalid field of the configuration.
func (c HasherConfig) Validate() error {
	var errs []error
	if err := c.Params.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("params: %w", err))
	}
	if c.Concurrency < 1 {
		errs = append(errs, errors.New("concurrency must be at least 1"))
	}
	if c.QueueSize < 0 {
		errs = append(errs, errors.New("queue size must not be negative"))
	}
	if c.MaxWait <= 0 {
		errs = append(errs, errors.New("max wait must be positive"))
	}
	return errors.Join(errs...)
}

// Hasher hashes and verifies passwords with argon2id, running at most a
// configured number of hashes at once. It is safe for concurrent use.
//
// The bound is per process: several instances on one machine each run
// their own Concurrency hashes.
type Hasher struct {
	params    HashParams
	queueSize int
	maxWait   time.Duration

	slots   chan struct{} // one element per running hash
	waiting atomic.Int64  // callers queued for a slot
	cost    atomic.Int64  // moving average of one hash, in nanoseconds
	dummy   string        // hash of a random password, for VerifyDummy

	// Seams for tests: where salts come from, and the key derivation.
	random io.Reader
	derive func(password, salt []byte, p HashParams) []byte
}

// NewHasher returns a Hasher for cfg. It computes one hash up front, to
// have a dummy for VerifyDummy and a first estimate of the cost of a
// hash. It fails if cfg is invalid.
func NewHasher(cfg HasherConfig) (*Hasher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("hasher config: %w", err)
	}
	h := &Hasher{
		params:    cfg.Params,
		queueSize: cfg.QueueSize,
		maxWait:   cfg.MaxWait,
		slots:     make(chan struct{}, cfg.Concurrency),
		random:    rand.Reader,
		derive:    deriveArgon2id,
	}
	if err := h.initDummy(); err != nil {
		return nil, err
	}
	return h, nil
}

func deriveArgon2id(password, salt []byte, p HashParams) []byte {
	return argon2.IDKey(password, salt,
		p.Iterations, p.MemoryKiB, p.Parallelism, p.KeyLen)
}

func (h *Hasher) initDummy() error {
	password := make([]byte, 16)
	salt := make([]byte, h.params.SaltLen)
	if _, err := io.ReadFull(h.random, password); err != nil {
		return fmt.Errorf("dummy password: %w", err)
	}
	if _, err := io.ReadFull(h.random, salt); err != nil {
		return fmt.Errorf("dummy salt: %w", err)
	}

	start := time.Now()
	key := h.derive(password, salt, h.params)
	h.cost.Store(int64(time.Since(start)))
	h.dummy = encodePHC(h.params, salt, key)
	return nil
}

// Hash returns the PHC-encoded argon2id hash of password with a fresh
// random salt. When all slots are taken it waits in the queue; it returns
// a *BusyError if the queue is full or MaxWait passes, and ctx.Err() if
// ctx ends first.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := io.ReadFull(h.random, salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key, err := h.run(ctx, []byte(password), salt, h.params)
	if err != nil {
		return "", err
	}
	return encodePHC(h.params, salt, key), nil
}

// Verify reports whether password matches the PHC-encoded hash, and, when
// it does, whether the hash was made with other parameters than the
// configured ones and should be replaced by a fresh Hash. A hash that
// cannot be parsed, or whose parameters are out of bounds, gives an error
// wrapping ErrMalformedHash and is never run. Like Hash, it returns a
// *BusyError or ctx.Err() when it cannot get a slot.
func (h *Hasher) Verify(
	ctx context.Context, password, encoded string,
) (ok, needsRehash bool, err error) {
	stored, err := decodePHC(encoded)
	if err != nil {
		return false, false, err
	}
	key, err := h.run(ctx, []byte(password), stored.salt, stored.params)
	if err != nil {
		return false, false, err
	}

	// Constant time, so timing reveals nothing about the stored key.
	if subtle.ConstantTimeCompare(key, stored.key) != 1 {
		return false, false, nil
	}
	return true, stored.params != h.params, nil
}

// VerifyDummy does the work of a Verify against a hash with the configured
// parameters, and discards the result. Call it when the user is unknown,
// so the response time does not tell strangers which accounts exist. It
// returns the same *BusyError and ctx.Err() as Verify.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, _, err := h.Verify(ctx, password, h.dummy)
	return err
}

// Waiting returns how many callers are queued for a slot.
func (h *Hasher) Waiting() int { return int(h.waiting.Load()) }

// InFlight returns how many hashes are running.
func (h *Hasher) InFlight() int { return len(h.slots) }

// run derives a key once a slot is free.
func (h *Hasher) run(
	ctx context.Context, password, salt []byte, p HashParams,
) ([]byte, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-h.slots }()

	start := time.Now()
	key := h.derive(password, salt, p)
	h.observe(time.Since(start))
	return key, nil
}
