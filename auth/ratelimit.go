package auth

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// Rate is a token bucket: Events per Per, with bursts of up to Events.
type Rate struct {
	Events int
	Per    time.Duration
}

// ParseRate reads a rate written as "10/1m" (events per duration).
func ParseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	events, err := strconv.Atoi(n)
	if !ok || err != nil || events < 1 {
		return Rate{}, fmt.Errorf("rate %q is not events/duration, "+
			"such as 10/1m", s)
	}
	d, err := time.ParseDuration(per)
	if err != nil || d < time.Second {
		return Rate{}, fmt.Errorf("rate %q needs a duration of at least 1s",
			s)
	}
	return Rate{Events: events, Per: d}, nil
}

// ParseRates reads per-operation rates written as
// "login=10/1m,register=5/1h".
func ParseRates(s string) (map[string]Rate, error) {
	out := map[string]Rate{}
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		op, r, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not operation=rate", part)
		}
		parsed, err := ParseRate(r)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSpace(op)] = parsed
	}
	return out, nil
}

// RateLimiter keeps a token bucket per client network and operation. A
// client network is an IPv4 address or an IPv6 /64, the block one
// subscriber usually holds. The buckets live in this process only: with
// several instances, each allows the full rate.
type RateLimiter struct {
	rates   map[string]Rate
	def     Rate
	now     func() time.Time
	mu      sync.Mutex
	buckets *lru.Cache[string, *rate.Limiter]
}

// NewRateLimiter limits each operation at rates[op], or def for
// operations without a rate of their own, keeping at most size buckets
// (the least recently used go first). A nil now means time.Now.
func NewRateLimiter(rates map[string]Rate, def Rate, size int,
	now func() time.Time) (*RateLimiter, error) {
	if def.Events < 1 || def.Per <= 0 {
		return nil, errors.New("default rate must be positive")
	}
	buckets, err := lru.New[string, *rate.Limiter](size)
	if err != nil {
		return nil, fmt.Errorf("rate limiter: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &RateLimiter{rates: rates, def: def, now: now,
		buckets: buckets}, nil
}

// Allow takes a token for op from the bucket of ip's network. When the
// bucket is empty it returns false and how long until a token is back.
func (l *RateLimiter) Allow(op, ip string) (bool, time.Duration) {
	now := l.now()
	b := l.bucket(op, ClientNetwork(ip))
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, l.rateOf(op).Per
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

func (l *RateLimiter) bucket(op, network string) *rate.Limiter {
	key := op + " " + network
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets.Get(key); ok {
		return b
	}
	r := l.rateOf(op)
	b := rate.NewLimiter(rate.Every(r.Per/time.Duration(r.Events)), r.Events)
	l.buckets.Add(key, b)
	return b
}

func (l *RateLimiter) rateOf(op string) Rate {
	if r, ok := l.rates[op]; ok {
		return r
	}
	return l.def
}

// ClientNetwork returns the key a client address is limited under: the
// address itself for IPv4, its /64 for IPv6, and the text as it is when
// it is not an address.
func ClientNetwork(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, err := addr.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// ErrRateLimited means a client sent more requests than its rate allows.
// The error is always a *RateLimitError, which says when to retry.
var ErrRateLimited = errors.New("rate limited")

// RateLimitError is returned when a request is over its rate.
type RateLimitError struct {
	RetryAfter time.Duration
}

// Error implements error.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%v: retry after %v", ErrRateLimited, e.RetryAfter)
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }
