// Package testclock is a clock that tests set and move by hand, so that
// lifetimes, grace windows and back-offs are tested without sleeping.
package testclock

import (
	"sync"
	"time"
)

// Clock is a fake clock, safe for concurrent use. Its Now method fits
// every clock field of usergraph's services.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock that reads start until it is moved.
func New(start time.Time) *Clock { return &Clock{t: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
