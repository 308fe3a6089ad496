// Package mail delivers usergraph's email: a transactional outbox that
// the account service writes to in the same transaction as the change a
// message is about, a worker that renders and sends what is due with
// retries, embedded templates an operator can override, and senders for
// SMTP and, in development, the log.
package mail

import (
	"context"
	"time"
)

// The messages usergraph sends, by purpose. Each has a text and an HTML
// template named after it (verify_email.txt, verify_email.html).
const (
	// VerifyEmail carries a link that proves the reader owns the address.
	VerifyEmail = "verify_email"
	// ResetPassword carries a link to choose a new password.
	ResetPassword = "reset_password"
	// PasswordResetNotice tells the owner their password was reset.
	PasswordResetNotice = "password_reset_notice"
	// PasswordChangedNotice tells the owner their password was changed.
	PasswordChangedNotice = "password_changed_notice"
	// ChangeEmailConfirm carries a link, sent to a new address, that
	// moves the account to it.
	ChangeEmailConfirm = "change_email_confirm"
	// EmailChangeRequestedNotice tells the current address that a move
	// to another one was asked for.
	EmailChangeRequestedNotice = "email_change_requested_notice"
	// EmailChangedNotice tells the old address that the account moved.
	EmailChangedNotice = "email_changed_notice"
	// RegisterAttemptNotice tells the owner of an address that someone
	// tried to register an account with it.
	RegisterAttemptNotice = "register_attempt_notice"
)

// Purposes lists every message purpose, each with its templates.
func Purposes() []string {
	return []string{VerifyEmail, ResetPassword, PasswordResetNotice,
		PasswordChangedNotice, ChangeEmailConfirm, EmailChangeRequestedNotice,
		EmailChangedNotice, RegisterAttemptNotice}
}

// Message is one rendered email to one recipient.
type Message struct {
	// MessageID is the Message-ID without angle brackets. It is the
	// same on every attempt to send one outbox message, so a repeated
	// delivery can be recognized.
	MessageID string
	To        string
	Subject   string
	Text      string
	HTML      string
	Date      time.Time
}

// Sender delivers a message. Send returns once the message is accepted
// for delivery or has failed; an error means it may not have been
// delivered and will be retried.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}
