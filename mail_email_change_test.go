package main

import (
	"bytes"
	"testing"

	"github.com/usergraph/usergraph/internal/testdb"
)

// changeLink asks to move access's account to email and returns the
// token of the n-th mail there.
func (m *mailServer) changeLink(t testing.TB, access, email string,
	n int) string {
	t.Helper()
	p, res := m.requestEmailChange(t, access, email, testPassword)
	if len(p.Errors) > 0 {
		t.Fatalf("requestEmailChange(%s): %s", email, res.Body)
	}
	return m.tokenFrom(t, email, n, subjectChangeConfirm,
		"confirm-email-change")
}

func TestMailEmailChange(t *testing.T) {
	m := newMailServer(t, testdb.SQLite(t), mailOptions{})
	const oldEmail, newEmail = "old@example.com", "New@Example.org"
	access, id := m.mustRegister(t, oldEmail)

	t.Run("a wrong password is refused", func(t *testing.T) {
		p, _ := m.requestEmailChange(t, access, newEmail, "not my password!")
		wantErrors(t, p.Errors, at("INVALID_CREDENTIALS", "input",
			"currentPassword"))
		m.inbox(t, oldEmail, 0)
		m.inbox(t, newEmail, 0)
	})

	token := m.changeLink(t, access, newEmail, 1)
	m.newest(t, oldEmail, 1, subjectChangeRequest)

	t.Run("confirming moves the account", func(t *testing.T) {
		p, res := m.tokenMutation(t, "", "confirmEmailChange", token)
		wantErrors(t, p.Errors)
		if p.User == nil || p.User.ID != id || p.User.Email != newEmail ||
			!p.User.EmailVerified {
			t.Fatalf("confirmEmailChange: %s", res.Body)
		}
		m.newest(t, oldEmail, 2, subjectEmailChanged)
	})

	t.Run("only the new address logs in", func(t *testing.T) {
		m.mustLogin(t, newEmail)
		m.wantLoginFails(t, oldEmail, testPassword, "INVALID_CREDENTIALS")
	})

	t.Run("a used token is invalid", func(t *testing.T) {
		p, _ := m.tokenMutation(t, "", "confirmEmailChange", token)
		wantErrors(t, p.Errors, at("INVALID_TOKEN", "token"))
	})
}

// requestEmailChange tells nobody whether an address is taken; the
// conflict shows when the link is used, if the address is taken then.
func TestMailEmailChangeTaken(t *testing.T) {
	m := newMailServer(t, testdb.SQLite(t), mailOptions{})
	const taken, free, late = "taken@example.com", "free@example.com",
		"late@example.com"
	m.mustRegister(t, taken)
	access, _ := m.mustRegister(t, "mover@example.com")

	_, freeRes := m.requestEmailChange(t, access, free, testPassword)
	_, takenRes := m.requestEmailChange(t, access, taken, testPassword)
	if !bytes.Equal(freeRes.Body, takenRes.Body) {
		t.Fatalf("answers differ:\nfree:  %s\ntaken: %s", freeRes.Body,
			takenRes.Body)
	}

	t.Run("taken at confirmation", func(t *testing.T) {
		token := m.tokenFrom(t, taken, 1, subjectChangeConfirm,
			"confirm-email-change")
		p, _ := m.tokenMutation(t, "", "confirmEmailChange", token)
		wantErrors(t, p.Errors, at("EMAIL_TAKEN"))
	})

	t.Run("free at the request, taken since", func(t *testing.T) {
		m.later()
		token := m.changeLink(t, access, late, 1)
		m.mustRegister(t, late)
		p, _ := m.tokenMutation(t, "", "confirmEmailChange", token)
		wantErrors(t, p.Errors, at("EMAIL_TAKEN"))
	})
}

// A verification token is no email change token.
func TestMailEmailChangeWrongPurpose(t *testing.T) {
	m := newMailServer(t, testdb.SQLite(t), mailOptions{})
	const email = "purpose@example.com"
	access, _ := m.mustRegister(t, email)
	m.requestVerification(t, access)
	token := m.tokenFrom(t, email, 1, subjectVerify, "verify-email")

	p, _ := m.tokenMutation(t, "", "confirmEmailChange", token)
	wantErrors(t, p.Errors, at("INVALID_TOKEN", "token"))
	if q := m.verifyEmail(t, token); len(q.Errors) > 0 {
		t.Errorf("the token no longer verifies: %+v", q.Errors)
	}
}
