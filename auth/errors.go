package auth

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors returned by this package; test for them with errors.Is.
var (
	// ErrMalformedHash means a stored password hash could not be parsed or
	// names parameters outside the accepted bounds.
	ErrMalformedHash = errors.New("malformed password hash")

	// ErrBusy means the password hasher is saturated. The error is always
	// a *BusyError, which says when to retry.
	ErrBusy = errors.New("password hasher busy")

	// ErrInvalidToken means an access token was rejected for any reason.
	ErrInvalidToken = errors.New("invalid token")

	// ErrTokenExpired means an otherwise valid access token has expired.
	// Errors matching it also match ErrInvalidToken.
	ErrTokenExpired = errors.New("token expired")

	// ErrInvalidKey means a signing key is missing, corrupt or of a type
	// this package does not support.
	ErrInvalidKey = errors.New("invalid signing key")
)

// BusyError is returned when a hash could not start because too many were
// already running or waiting. errors.Is(err, ErrBusy) is true for it.
type BusyError struct {
	// RetryAfter estimates when a slot is likely to be free; it is at
	// least one second and a whole number of seconds, fit for a
	// Retry-After header.
	RetryAfter time.Duration
}

// Error implements error.
func (e *BusyError) Error() string {
	return fmt.Sprintf("%v: retry after %v", ErrBusy, e.RetryAfter)
}

// Unwrap returns ErrBusy.
func (e *BusyError) Unwrap() error { return ErrBusy }
