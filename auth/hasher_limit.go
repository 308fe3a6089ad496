package auth

import (
	"context"
	"time"
)

// acquire takes a hashing slot, waiting in the queue if none is free.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}

	if !h.enqueue() {
		return h.busy()
	}
	defer h.waiting.Add(-1)
	timer := time.NewTimer(h.maxWait)
	defer timer.Stop()

	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return h.busy()
	}
}

// enqueue takes a place in the queue if one is left. Compare-and-swap,
// rather than add-then-check, keeps Waiting from ever reading above
// QueueSize.
func (h *Hasher) enqueue() bool {
	for {
		n := h.waiting.Load()
		if n >= int64(h.queueSize) {
			return false
		}
		if h.waiting.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// busy returns a *BusyError whose RetryAfter is the time the current
// queue needs to drain through the slots, rounded up to whole seconds.
func (h *Hasher) busy() error {
	slots := int64(cap(h.slots))
	rounds := (h.waiting.Load() + slots) / slots
	wait := time.Duration(rounds * h.cost.Load())
	wait = (wait + time.Second - 1).Truncate(time.Second)
	return &BusyError{RetryAfter: max(wait, time.Second)}
}

// observe folds the duration of one hash into the moving average. Two
// concurrent calls may lose one sample, which an estimate can afford.
func (h *Hasher) observe(d time.Duration) {
	old := h.cost.Load()
	h.cost.Store(old + (int64(d)-old)/8)
}
