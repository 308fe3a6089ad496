package main

import (
	"bytes"
	"testing"

	"github.com/usergraph/usergraph/internal/testdb"
)

func TestMailVerifyEmail(t *testing.T) {
	forEachMailBackend(t, func(t *testing.T, m *mailServer) {
		const email = "Vera@Example.com"
		access, _ := m.mustRegister(t, email)
		m.inbox(t, email, 0) // registering sends nothing by default

		m.requestVerification(t, access)
		msg := m.newest(t, email, 1, subjectVerify)
		if msg.Text == "" {
			t.Error("no text part")
		}
		page, token := linkIn(t, msg)
		if page != "verify-email" {
			t.Fatalf("link to /%s, want /verify-email", page)
		}

		t.Run("another user's caller cannot use it", func(t *testing.T) {
			other, _ := m.mustRegister(t, "other@example.com")
			p, _ := m.tokenMutation(t, other, "verifyEmail", token)
			wantErrors(t, p.Errors, at("INVALID_TOKEN", "token"))
		})

		t.Run("the link verifies the address", func(t *testing.T) {
			p := m.verifyEmail(t, token)
			wantErrors(t, p.Errors)
			if p.User == nil || !p.User.EmailVerified || p.User.Email != email {
				t.Fatalf("verifyEmail user = %+v", p.User)
			}
			var me testUser
			m.me(t, access).field(t, "me", &me)
			if !me.EmailVerified {
				t.Error("me.emailVerified is false after verifyEmail")
			}
		})

		t.Run("a used token is invalid", func(t *testing.T) {
			p := m.verifyEmail(t, token)
			wantErrors(t, p.Errors, at("INVALID_TOKEN", "token"))
			if p.User != nil {
				t.Errorf("user with errors: %+v", p.User)
			}
		})

		t.Run("verified: true and no mail", func(t *testing.T) {
			m.later() // flood control alone would hold a link back
			m.requestVerification(t, access)
			m.inbox(t, email, 1)
		})
	})
}

// With USERGRAPH_REQUIRE_EMAIL_VERIFICATION, registration tells nobody
// whether an address is taken, and login waits for the link.
func TestMailRequireVerification(t *testing.T) {
	m := newMailServer(t, testdb.SQLite(t), mailOptions{
		config: func(c *Config) { c.Mail.RequireEmailVerification = true }})
	const owner, fresh = "owner@example.com", "fresh@example.com"

	// The owner's account comes about the same way, a worker run later.
	m.register(t, owner, testPassword)
	m.inbox(t, owner, 1)
	m.later()

	registerBody := func(email string) []byte {
		t.Helper()
		res := m.gql(t, "", registerMutation, map[string]any{
			"input": map[string]any{"email": email, "password": testPassword}})
		wantNull(t, res, "register", "user", "accessToken",
			"accessTokenExpiresAt")
		var p authPayload
		res.field(t, "register", &p)
		wantErrors(t, p.Errors)
		return res.Body
	}
	newBody, takenBody := registerBody(fresh), registerBody(owner)
	if !bytes.Equal(newBody, takenBody) {
		t.Fatalf("register answers differ:\nnew:   %s\ntaken: %s", newBody,
			takenBody)
	}

	m.deliver(t)
	m.newest(t, owner, 2, subjectRegisterNotice)
	token := m.tokenFrom(t, fresh, 1, subjectVerify, "verify-email")

	t.Run("login waits for verification", func(t *testing.T) {
		m.wantLoginFails(t, fresh, testPassword, "EMAIL_NOT_VERIFIED")
		m.wantLoginFails(t, fresh, "not the right password at all",
			"INVALID_CREDENTIALS")
	})

	t.Run("after verifying, login works", func(t *testing.T) {
		p := m.verifyEmail(t, token)
		wantErrors(t, p.Errors)
		m.mustLogin(t, fresh)
	})
}
