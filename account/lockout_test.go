package account

import (
	"testing"
	"time"
)

func TestLockoutDelay(t *testing.T) {
	c := LockoutConfig{FreeFailures: 3, Base: 2 * time.Second,
		Max: 30 * time.Second}
	want := map[int]time.Duration{0: 0, 1: 0, 3: 0, 4: 2 * time.Second,
		5: 4 * time.Second, 6: 8 * time.Second, 7: 16 * time.Second,
		8: 30 * time.Second, 100: 30 * time.Second, 1 << 30: 30 * time.Second}
	for failures, d := range want {
		if got := c.delay(failures); got != d {
			t.Errorf("delay(%d) = %v, want %v", failures, got, d)
		}
	}
	for _, bad := range []LockoutConfig{{}, {FreeFailures: 5},
		{FreeFailures: 5, Base: time.Minute, Max: time.Second},
		{FreeFailures: 5, Base: time.Second, Max: 48 * time.Hour}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if err := DefaultLockoutConfig().Validate(); err != nil {
		t.Error(err)
	}
}
