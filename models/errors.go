package models

import (
	"errors"
	"io"
	"strconv"
	"strings"
)

// ErrorCode classifies an outcome a user can fix. The values match the
// GraphQL enum UserErrorCode one to one.
type ErrorCode string

// The error codes the API reports in payload errors.
const (
	CodeInvalidInput       ErrorCode = "INVALID_INPUT"
	CodeEmailTaken         ErrorCode = "EMAIL_TAKEN"
	CodeInvalidCredentials ErrorCode = "INVALID_CREDENTIALS"
	CodeWeakPassword       ErrorCode = "WEAK_PASSWORD"
	CodeAccountDisabled    ErrorCode = "ACCOUNT_DISABLED"
	CodeNotFound           ErrorCode = "NOT_FOUND"
	CodeInvalidToken       ErrorCode = "INVALID_TOKEN"
	CodeExpiredToken       ErrorCode = "EXPIRED_TOKEN"
	CodeEmailNotVerified   ErrorCode = "EMAIL_NOT_VERIFIED"
	CodeLastAdmin          ErrorCode = "LAST_ADMIN"
	CodeSelfAction         ErrorCode = "SELF_ACTION"
)

// Error is an expected, user-fixable outcome: the input path it concerns,
// a code and a message fit to show a user. Two Errors match under
// errors.Is when their codes are equal, so the sentinels below can be
// compared against any Error carrying a field or a more precise message.
type Error struct {
	Field   []string
	Code    ErrorCode
	Message string
}

func (e *Error) Error() string {
	if len(e.Field) == 0 {
		return string(e.Code) + ": " + e.Message
	}
	return strings.Join(e.Field, ".") + ": " + string(e.Code) + ": " +
		e.Message
}

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// At returns a copy of e that concerns the input at path.
func (e *Error) At(path ...string) *Error {
	c := *e
	c.Field = path
	return &c
}

// Sentinels for errors.Is. Use At to attach an input path.
var (
	ErrInvalidInput = &Error{Code: CodeInvalidInput,
		Message: "The input is not valid."}
	ErrEmailTaken = &Error{Code: CodeEmailTaken,
		Message: "An account with this email already exists."}
	ErrInvalidCredentials = &Error{Code: CodeInvalidCredentials,
		Message: "The email or password is incorrect."}
	ErrWeakPassword = &Error{Code: CodeWeakPassword,
		Message: "The password does not meet the requirements."}
	ErrAccountDisabled = &Error{Code: CodeAccountDisabled,
		Message: "This account has been disabled."}
	ErrNotFound = &Error{Code: CodeNotFound,
		Message: "Not found."}
	ErrInvalidToken = &Error{Code: CodeInvalidToken,
		Message: "The token is invalid, expired or already used."}
	// ErrExpiredToken is a genuine one-time token (from an email link)
	// past its lifetime, so that a client can offer to send a new one.
	ErrExpiredToken = &Error{Code: CodeExpiredToken,
		Message: "This link has expired. Ask for a new one."}
	// ErrEmailNotVerified refuses a login, once its password checked
	// out, while the account's address is not verified.
	ErrEmailNotVerified = &Error{Code: CodeEmailNotVerified,
		Message: "Confirm your email address first: follow the newest " +
			"link we sent you."}
	// ErrLastAdmin refuses to demote, disable or delete the last active
	// administrator, which would leave nobody able to administer.
	ErrLastAdmin = &Error{Code: CodeLastAdmin,
		Message: "The last active administrator cannot be demoted, " +
			"disabled or deleted."}
	// ErrSelfAction refuses an administrator's attempt to disable or
	// delete their own account through the admin API.
	ErrSelfAction = &Error{Code: CodeSelfAction,
		Message: "Administrators cannot disable or delete their own " +
			"account this way."}
)

// Invalid returns an INVALID_INPUT error for the input at path.
func Invalid(message string, path ...string) *Error {
	return &Error{Field: path, Code: CodeInvalidInput, Message: message}
}

// Errors collects several user errors found in one input, so that a client
// can show them all at once. errors.Is and errors.As see each of them.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Err returns nil when es is empty and es otherwise, so that a validator
// can collect errors and return the result in one step.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// UserErrors flattens err into the user errors it carries. The second
// result is false when err carries none, i.e. it is an internal failure.
func UserErrors(err error) ([]*Error, bool) {
	var es Errors
	if errors.As(err, &es) {
		return es, len(es) > 0
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}, true
	}
	return nil, false
}

// UnmarshalGQL reads an ErrorCode from a GraphQL enum value.
func (c *ErrorCode) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return errors.New("error code must be a string")
	}
	*c = ErrorCode(s)
	return nil
}

// MarshalGQL writes c as a GraphQL enum value.
func (c ErrorCode) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(c)))
}
