package auth

import (
	"errors"
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	l, err := NewRateLimiter(map[string]Rate{"login": {3, time.Minute}},
		Rate{100, time.Minute}, 1000, clock)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if ok, _ := l.Allow("login", "198.51.100.1"); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	ok, wait := l.Allow("login", "198.51.100.1")
	if ok || wait != 20*time.Second {
		t.Fatalf("4th attempt: ok=%v wait=%v, want refused for 20s", ok, wait)
	}
	if ok, _ := l.Allow("login", "198.51.100.2"); !ok {
		t.Error("another address shares the bucket")
	}
	if ok, _ := l.Allow("register", "198.51.100.1"); !ok {
		t.Error("another operation shares the bucket")
	}
	now = now.Add(20 * time.Second)
	if ok, _ := l.Allow("login", "198.51.100.1"); !ok {
		t.Error("no token back after the wait")
	}

	t.Run("an IPv6 /64 is one client", func(t *testing.T) {
		for i := range 3 {
			ip := []string{"2001:db8::1", "2001:db8::ffff", "2001:db8::1:2"}[i]
			if ok, _ := l.Allow("login", ip); !ok {
				t.Fatalf("attempt %d refused", i)
			}
		}
		if ok, _ := l.Allow("login", "2001:db8:0:0:abcd::9"); ok {
			t.Error("same /64 not limited together")
		}
		if ok, _ := l.Allow("login", "2001:db8:0:1::1"); !ok {
			t.Error("another /64 limited")
		}
	})
}

func TestParseRates(t *testing.T) {
	rates, err := ParseRates("login=10/1m, register=5/1h")
	if err != nil || rates["login"] != (Rate{10, time.Minute}) ||
		rates["register"] != (Rate{5, time.Hour}) {
		t.Fatalf("rates = %v, %v", rates, err)
	}
	for _, bad := range []string{"login", "login=0/1m", "login=5/0s",
		"login=x/1m", "login=5/1ms"} {
		if _, err := ParseRates(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	err = (&RateLimitError{RetryAfter: time.Second})
	if !errors.Is(err, ErrRateLimited) {
		t.Error("RateLimitError does not match ErrRateLimited")
	}
}
