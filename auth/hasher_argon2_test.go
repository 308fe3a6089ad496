package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// testParams are cheap enough to hash often under the race detector.
func testParams() HashParams {
	return HashParams{
		MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32,
	}
}

// newTestHasher fills unset fields of cfg with test defaults.
func newTestHasher(t testing.TB, cfg HasherConfig) *Hasher {
	t.Helper()
	if cfg.Params == (HashParams{}) {
		cfg.Params = testParams()
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 2
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = 10 * time.Second
	}
	h, err := NewHasher(cfg)
	if err != nil {
		t.Fatalf("NewHasher: %v", err)
	}
	return h
}

func mustHash(t testing.TB, h *Hasher, password string) string {
	t.Helper()
	encoded, err := h.Hash(context.Background(), password)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	return encoded
}

func TestHashParamsValidate(t *testing.T) {
	mod := func(f func(*HashParams)) HashParams {
		p := testParams()
		f(&p)
		return p
	}
	tests := []struct {
		name   string
		params HashParams
		ok     bool
	}{
		{"test params", testParams(), true},
		{"defaults", DefaultHashParams(), true},
		{"memory at max", mod(func(p *HashParams) { p.MemoryKiB = 4 << 20 }), true},
		{"memory over max", mod(func(p *HashParams) {
			p.MemoryKiB = 4<<20 + 1
		}), false},
		{"memory under min", mod(func(p *HashParams) { p.MemoryKiB = 7 }), false},
		{"memory per lane", mod(func(p *HashParams) {
			p.MemoryKiB, p.Parallelism = 15, 2
		}), false},
		{"zero iterations", mod(func(p *HashParams) { p.Iterations = 0 }), false},
		{"65 iterations", mod(func(p *HashParams) { p.Iterations = 65 }), false},
		{"zero lanes", mod(func(p *HashParams) { p.Parallelism = 0 }), false},
		{"65 lanes", mod(func(p *HashParams) {
			p.Parallelism, p.MemoryKiB = 65, 1024
		}), false},
		{"short salt", mod(func(p *HashParams) { p.SaltLen = 7 }), false},
		{"long salt", mod(func(p *HashParams) { p.SaltLen = 65 }), false},
		{"short key", mod(func(p *HashParams) { p.KeyLen = 15 }), false},
		{"long key", mod(func(p *HashParams) { p.KeyLen = 65 }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.params.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestNewHasherRejectsBadConfig(t *testing.T) {
	good := HasherConfig{
		Params: testParams(), Concurrency: 1, QueueSize: 0, MaxWait: time.Second,
	}
	bad := map[string]func(*HasherConfig){
		"params":         func(c *HasherConfig) { c.Params.Iterations = 0 },
		"no concurrency": func(c *HasherConfig) { c.Concurrency = 0 },
		"negative queue": func(c *HasherConfig) { c.QueueSize = -1 },
		"zero max wait":  func(c *HasherConfig) { c.MaxWait = 0 },
	}
	if _, err := NewHasher(good); err != nil {
		t.Fatalf("NewHasher(good) = %v", err)
	}
	for name, change := range bad {
		t.Run(name, func(t *testing.T) {
			cfg := good
			change(&cfg)
			if _, err := NewHasher(cfg); err == nil {
				t.Error("NewHasher succeeded")
			}
		})
	}
}

func TestHashVerify(t *testing.T) {
	h := newTestHasher(t, HasherConfig{})
	ctx := context.Background()
	encoded := mustHash(t, h, "correct horse")

	t.Run("format", func(t *testing.T) {
		phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1` +
			`\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
		if !phc.MatchString(encoded) {
			t.Errorf("hash %q is not in PHC form", encoded)
		}
	})
	t.Run("right password", func(t *testing.T) {
		ok, rehash, err := h.Verify(ctx, "correct horse", encoded)
		if !ok || rehash || err != nil {
			t.Errorf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		ok, rehash, err := h.Verify(ctx, "correct horsf", encoded)
		if ok || rehash || err != nil {
			t.Errorf("Verify = %v, %v, %v; want false, false, nil", ok, rehash, err)
		}
	})
	t.Run("fresh salt", func(t *testing.T) {
		if again := mustHash(t, h, "correct horse"); again == encoded {
			t.Error("two hashes of one password are equal")
		}
	})
}

// TestHashDefaultParams is the one test that pays for production cost.
func TestHashDefaultParams(t *testing.T) {
	h := newTestHasher(t, HasherConfig{Params: DefaultHashParams()})
	encoded := mustHash(t, h, "hunter2")

	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not carry the default parameters", encoded)
	}
	ok, rehash, err := h.Verify(context.Background(), "hunter2", encoded)
	if !ok || rehash || err != nil {
		t.Errorf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestHashKnownAnswer(t *testing.T) {
	fixedSalt := []byte("0123456789abcdef")
	b64 := base64.RawStdEncoding.EncodeToString
	tests := []struct {
		name     string
		params   HashParams
		salt     []byte
		password string
		want     string
	}{{
		// Test vector of the reference implementation (phc-winner-argon2).
		name: "reference vector",
		params: HashParams{
			MemoryKiB: 256, Iterations: 2, Parallelism: 1, SaltLen: 8, KeyLen: 32,
		},
		salt:     []byte("somesalt"),
		password: "password",
		want: "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ" +
			"$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	}, {
		name:     "argon2.IDKey",
		params:   testParams(),
		salt:     fixedSalt,
		password: "pässwörd",
		want: "$argon2id$v=19$m=64,t=1,p=1$" + b64(fixedSalt) + "$" +
			b64(argon2.IDKey([]byte("pässwörd"), fixedSalt, 1, 64, 1, 32)),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHasher(t, HasherConfig{Params: tt.params})
			h.random = strings.NewReader(string(tt.salt))
			if got := mustHash(t, h, tt.password); got != tt.want {
				t.Errorf("Hash = %q, want %q", got, tt.want)
			}
			ok, _, err := h.Verify(context.Background(), tt.password, tt.want)
			if !ok || err != nil {
				t.Errorf("Verify(want) = %v, %v", ok, err)
			}
		})
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	old := newTestHasher(t, HasherConfig{})
	encoded := mustHash(t, old, "pw")
	tests := []struct {
		name   string
		change func(*HashParams)
	}{
		{"memory", func(p *HashParams) { p.MemoryKiB = 128 }},
		{"iterations", func(p *HashParams) { p.Iterations = 2 }},
		{"parallelism", func(p *HashParams) { p.Parallelism = 2 }},
		{"salt length", func(p *HashParams) { p.SaltLen = 32 }},
		{"key length", func(p *HashParams) { p.KeyLen = 16 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := testParams()
			tt.change(&params)
			h := newTestHasher(t, HasherConfig{Params: params})

			ok, rehash, err := h.Verify(context.Background(), "pw", encoded)
			if !ok || !rehash || err != nil {
				t.Errorf("Verify = %v, %v, %v; want true, true, nil",
					ok, rehash, err)
			}
			ok, rehash, _ = h.Verify(context.Background(), "wrong", encoded)
			if ok || rehash {
				t.Errorf("Verify(wrong) = %v, %v; want false, false", ok, rehash)
			}
		})
	}
}

// malformedHashes are rejected before any key is derived.
var malformedHashes = map[string]string{
	"empty":            "",
	"only alg":         "$argon2id$",
	"truncated":        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ",
	"trailing dollar":  "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$" + key32 + "$",
	"no leading $":     "argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$" + key32,
	"argon2i":          "$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$" + key32,
	"argon2d":          "$argon2d$v=19$m=64,t=1,p=1$c29tZXNhbHQ$" + key32,
	"bcrypt":           "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZd",
	"version 16":       "$argon2id$v=16$m=64,t=1,p=1$c29tZXNhbHQ$" + key32,
	"no version":       "$argon2id$m=64,t=1,p=1$c29tZXNhbHQ$" + key32,
	"huge m":           "$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHQ$" + key32,
	"m just over 4GiB": "$argon2id$v=19$m=4194305,t=1,p=1$c29tZXNhbHQ$" + key32,
	"m overflows":      "$argon2id$v=19$m=4294967296,t=1,p=1$c29tZXNhbHQ$" + key32,
	"m too small":      "$argon2id$v=19$m=4,t=1,p=1$c29tZXNhbHQ$" + key32,
	"m under 8p":       "$argon2id$v=19$m=15,t=1,p=2$c29tZXNhbHQ$" + key32,
	"t=0":              "$argon2id$v=19$m=64,t=0,p=1$c29tZXNhbHQ$" + key32,
	"t=65":             "$argon2id$v=19$m=64,t=65,p=1$c29tZXNhbHQ$" + key32,
	"p=0":              "$argon2id$v=19$m=64,t=1,p=0$c29tZXNhbHQ$" + key32,
	"p=256":            "$argon2id$v=19$m=4096,t=1,p=256$c29tZXNhbHQ$" + key32,
	"params reordered": "$argon2id$v=19$t=1,m=64,p=1$c29tZXNhbHQ$" + key32,
	"extra param":      "$argon2id$v=19$m=64,t=1,p=1,k=1$c29tZXNhbHQ$" + key32,
	"leading zero":     "$argon2id$v=19$m=064,t=1,p=1$c29tZXNhbHQ$" + key32,
	"plus sign":        "$argon2id$v=19$m=+64,t=1,p=1$c29tZXNhbHQ$" + key32,
	"negative":         "$argon2id$v=19$m=-64,t=1,p=1$c29tZXNhbHQ$" + key32,
	"empty param":      "$argon2id$v=19$m=,t=1,p=1$c29tZXNhbHQ$" + key32,
	"bad base64 salt":  "$argon2id$v=19$m=64,t=1,p=1$c29tZX!hbHQ$" + key32,
	"padded salt":      "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ=$" + key32,
	"url base64 key":   "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$" + urlKey32,
	"newline in salt":  "$argon2id$v=19$m=64,t=1,p=1$c29tZX\nNhbHQ$" + key32,
	"stray low bits":   "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHR$" + key32,
	"short salt":       "$argon2id$v=19$m=64,t=1,p=1$c29tZQ$" + key32,
	"empty salt":       "$argon2id$v=19$m=64,t=1,p=1$$" + key32,
	"short key":        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$c29tZXNhbHQ",
	"empty key":        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$",
	"too long": "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$" +
		strings.Repeat("A", 600),
}

const (
	key32    = "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	urlKey32 = "nf65EOgLrQMR_uIPnA4rEsF5h7TKyQwu9U1bMCHGi_4"
)

func TestVerifyMalformed(t *testing.T) {
	h := newTestHasher(t, HasherConfig{})
	var derived atomic.Int64
	h.derive = func(password, salt []byte, p HashParams) []byte {
		derived.Add(1)
		return deriveArgon2id(password, salt, p)
	}
	for name, encoded := range malformedHashes {
		t.Run(name, func(t *testing.T) {
			ok, rehash, err := h.Verify(context.Background(), "pw", encoded)
			if ok || rehash || !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify = %v, %v, %v; want ErrMalformedHash",
					ok, rehash, err)
			}
		})
	}
	if n := derived.Load(); n != 0 {
		t.Errorf("%d malformed hashes were run", n)
	}
}

func TestVerifyDummy(t *testing.T) {
	h := newTestHasher(t, HasherConfig{})
	var runs []HashParams
	h.derive = func(password, salt []byte, p HashParams) []byte {
		runs = append(runs, p)
		return deriveArgon2id(password, salt, p)
	}

	if err := h.VerifyDummy(context.Background(), "pw"); err != nil {
		t.Fatalf("VerifyDummy: %v", err)
	}
	if len(runs) != 1 || runs[0] != testParams() {
		t.Errorf("VerifyDummy ran %v, want one hash with %v", runs, testParams())
	}
}

// gate blocks every hash of a Hasher until it is opened, and records how
// many ran at once.
type gate struct {
	open      chan struct{}
	once      sync.Once
	running   atomic.Int64
	peak      atomic.Int64
	overLimit atomic.Bool
}

func blockHashes(t *testing.T, h *Hasher) *gate {
	t.Helper()
	g := &gate{open: make(chan struct{})}
	derive := h.derive
	h.derive = func(password, salt []byte, p HashParams) []byte {
		n := g.running.Add(1)
		for old := g.peak.Load(); n > old; old = g.peak.Load() {
			if g.peak.CompareAndSwap(old, n) {
				break
			}
		}
		if h.InFlight() > cap(h.slots) {
			g.overLimit.Store(true)
		}
		<-g.open
		g.running.Add(-1)
		return derive(password, salt, p)
	}
	t.Cleanup(g.release)
	return g
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

// goHash hashes in the background and delivers the error.
func goHash(ctx context.Context, h *Hasher) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(ctx, "pw")
		done <- err
	}()
	return done
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestHasherConcurrencyBound(t *testing.T) {
	h := newTestHasher(t, HasherConfig{Concurrency: 2, QueueSize: 8})
	g := blockHashes(t, h)
	var done []<-chan error
	for range 8 {
		done = append(done, goHash(context.Background(), h))
	}

	waitFor(t, "2 running, 6 queued", func() bool {
		return h.InFlight() == 2 && h.Waiting() == 6
	})
	if n := g.running.Load(); n != 2 {
		t.Errorf("%d hashes running, want 2", n)
	}
	g.release()
	for _, d := range done {
		if err := <-d; err != nil {
			t.Errorf("Hash: %v", err)
		}
	}
	if peak := g.peak.Load(); peak != 2 || g.overLimit.Load() {
		t.Errorf("peak %d hashes at once, want 2", peak)
	}
	if h.InFlight() != 0 || h.Waiting() != 0 {
		t.Errorf("after: InFlight %d, Waiting %d", h.InFlight(), h.Waiting())
	}
}

// saturate fills the only slot and the only queue place of h.
func saturate(t *testing.T, h *Hasher) (*gate, []<-chan error) {
	t.Helper()
	g := blockHashes(t, h)
	running := goHash(context.Background(), h)
	waitFor(t, "a running hash", func() bool { return h.InFlight() == 1 })
	queued := goHash(context.Background(), h)
	waitFor(t, "a queued hash", func() bool { return h.Waiting() == 1 })
	return g, []<-chan error{running, queued}
}

func assertBusy(t *testing.T, err error) {
	t.Helper()
	var busy *BusyError
	if !errors.Is(err, ErrBusy) || !errors.As(err, &busy) {
		t.Fatalf("err = %v, want a *BusyError", err)
	}
	if busy.RetryAfter < time.Second || busy.RetryAfter%time.Second != 0 {
		t.Errorf("RetryAfter = %v, want whole seconds >= 1s", busy.RetryAfter)
	}
}

func TestHasherQueueFull(t *testing.T) {
	h := newTestHasher(t, HasherConfig{Concurrency: 1, QueueSize: 1})
	g, others := saturate(t, h)

	start := time.Now()
	_, err := h.Hash(context.Background(), "pw")
	assertBusy(t, err)
	if d := time.Since(start); d > time.Second {
		t.Errorf("rejection took %v; a full queue should refuse at once", d)
	}
	err = h.VerifyDummy(context.Background(), "pw")
	assertBusy(t, err)

	g.release()
	for _, d := range others {
		if err := <-d; err != nil {
			t.Errorf("Hash: %v", err)
		}
	}
}

func TestHasherMaxWait(t *testing.T) {
	const maxWait = 30 * time.Millisecond
	h := newTestHasher(t, HasherConfig{
		Concurrency: 1, QueueSize: 2, MaxWait: maxWait,
	})
	g := blockHashes(t, h)
	running := goHash(context.Background(), h)
	waitFor(t, "a running hash", func() bool { return h.InFlight() == 1 })

	start := time.Now()
	_, _, err := h.Verify(context.Background(), "pw", h.dummy)
	assertBusy(t, err)
	if d := time.Since(start); d < maxWait {
		t.Errorf("gave up after %v, before MaxWait %v", d, maxWait)
	}
	g.release()
	if err := <-running; err != nil {
		t.Errorf("Hash: %v", err)
	}
}

func TestHasherContextCanceled(t *testing.T) {
	h := newTestHasher(t, HasherConfig{Concurrency: 1, QueueSize: 1})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	t.Run("before", func(t *testing.T) {
		if _, err := h.Hash(canceled, "pw"); !errors.Is(err, context.Canceled) {
			t.Errorf("Hash = %v, want context.Canceled", err)
		}
	})
	t.Run("while queued", func(t *testing.T) {
		g := blockHashes(t, h)
		running := goHash(context.Background(), h)
		waitFor(t, "a running hash", func() bool { return h.InFlight() == 1 })

		ctx, cancel := context.WithCancel(context.Background())
		queued := goHash(ctx, h)
		waitFor(t, "a queued hash", func() bool { return h.Waiting() == 1 })
		cancel()
		if err := <-queued; !errors.Is(err, context.Canceled) {
			t.Errorf("Hash = %v, want context.Canceled", err)
		}
		g.release()
		if err := <-running; err != nil {
			t.Errorf("Hash: %v", err)
		}
	})
}

func FuzzVerifyEncoded(f *testing.F) {
	h := newTestHasher(f, HasherConfig{})
	f.Add("pw", mustHash(f, h, "pw"))
	f.Add("password", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$"+key32)
	for _, encoded := range malformedHashes {
		f.Add("pw", encoded)
	}

	f.Fuzz(func(t *testing.T, password, encoded string) {
		// Parameters the bounds allow can still be far too slow to fuzz.
		if s, err := decodePHC(encoded); err == nil && (s.params.MemoryKiB > 1024 ||
			s.params.Iterations > 4 || s.params.Parallelism > 4) {
			return
		}
		ok, rehash, err := h.Verify(context.Background(), password, encoded)
		if err != nil && (ok || rehash) {
			t.Errorf("Verify = %v, %v, %v: a result with an error", ok, rehash, err)
		}
		if rehash && !ok {
			t.Error("needsRehash without a match")
		}
	})
}
