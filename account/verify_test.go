package account

import (
	"context"
	"testing"
	"time"

	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/models"
)

func TestEmailVerificationFlow(t *testing.T) {
	forEachMailEnv(t, func(t *testing.T, e *mailEnv) {
		ctx := context.Background()
		u := e.user(t, "Ada@Verify.example", false)
		c, _ := e.login(t, u)

		ok, err := e.svc.RequestEmailVerification(ctx, c)
		if err != nil || !ok {
			t.Fatalf("request: %v, %v", ok, err)
		}
		token := e.tokenFrom(t, "Ada@Verify.example", subjectVerify,
			"verify-email")
		got, err := e.svc.VerifyEmail(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if !got.EmailVerified || got.ID != u.ID || !e.reload(t, u).EmailVerified {
			t.Errorf("not verified: %+v", got)
		}

		t.Run("already verified: true, nothing sent", func(t *testing.T) {
			e.clock.Advance(time.Hour)
			c.User = e.reload(t, u)
			ok, err := e.svc.RequestEmailVerification(ctx, c)
			if err != nil || !ok {
				t.Fatalf("request: %v, %v", ok, err)
			}
			if n := len(e.inbox(t, "Ada@Verify.example")); n != 1 {
				t.Errorf("%d mails, want 1", n)
			}
		})
	})
}

// Flood control: a second request within the interval sends nothing and
// keeps the first link valid; after the interval a new link supersedes
// it.
func TestEmailVerificationFloodControl(t *testing.T) {
	forEachMailEnv(t, func(t *testing.T, e *mailEnv) {
		ctx := context.Background()
		u := e.user(t, "flood@verify.example", false)
		c, _ := e.login(t, u)
		request := func() {
			t.Helper()
			if ok, err := e.svc.RequestEmailVerification(ctx, c); err != nil || !ok {
				t.Fatalf("request: %v, %v", ok, err)
			}
		}
		request()
		first := e.tokenFrom(t, u.Email, subjectVerify, "verify-email")
		e.clock.Advance(30 * time.Second)
		request()
		if _, n := e.mailTo(t, u.Email, subjectVerify); n != 1 {
			t.Fatalf("%d mails within the interval, want 1", n)
		}
		e.clock.Advance(30 * time.Second)
		request()
		if _, n := e.mailTo(t, u.Email, subjectVerify); n != 2 {
			t.Fatalf("%d mails after the interval, want 2", n)
		}
		_, err := e.svc.VerifyEmail(ctx, first)
		wantCode(t, err, models.CodeInvalidToken, "token")
	})
}

func TestRequireEmailVerification(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newMailEnv(t, b.New(t), mailEnvOptions{cfg: func(c *Config) {
				c.RequireEmailVerification = true
			}})
			testRequireEmailVerification(t, e)
		})
	}
}

func testRequireEmailVerification(t *testing.T, e *mailEnv) {
	ctx := context.Background()
	register := func(email, password string) {
		t.Helper()
		user, pw, err := e.svc.newUser(RegisterInput{Email: email,
			Password: password})
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.registerPending(ctx, user, pw)
		if res != nil || err != nil {
			t.Fatalf("register: %+v, %v", res, err)
		}
	}

	register("New@Require.example", mailPassword)
	token := e.tokenFrom(t, "New@Require.example", subjectVerify, "verify-email")
	u, err := e.store.UserByEmail(ctx, "new@require.example")
	if err != nil || u.EmailVerified || u.Email != "New@Require.example" {
		t.Fatalf("account: %+v, %v", u, err)
	}

	t.Run("login refused until verified", func(t *testing.T) {
		e.clock.Advance(2 * time.Minute)
		err := e.svc.requireVerified(ctx, u)
		wantCode(t, err, models.CodeEmailNotVerified)
		// It cannot ask for a link, so the refusal sends a new one.
		newer := e.tokenFrom(t, u.Email, subjectVerify, "verify-email")
		_, err = e.svc.VerifyEmail(ctx, token)
		wantCode(t, err, models.CodeInvalidToken, "token")
		if _, err := e.svc.VerifyEmail(ctx, newer); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.requireVerified(ctx, e.reload(t, u)); err != nil {
			t.Errorf("verified account refused: %v", err)
		}
	})

	t.Run("registered address: same answer, owner told", func(t *testing.T) {
		register("new@REQUIRE.example", "another password entirely, long")
		if _, n := e.mailTo(t, "New@Require.example", subjectRegisterNotice); n != 3 {
			t.Errorf("%d mails, want 3", n)
		}
		got := e.reload(t, u)
		if got.PasswordHash != u.PasswordHash {
			t.Error("the second registration changed the password")
		}
	})

	t.Run("not required: nothing checked", func(t *testing.T) {
		e.svc.cfg.RequireEmailVerification = false
		defer func() { e.svc.cfg.RequireEmailVerification = true }()
		if err := e.svc.requireVerified(ctx, &models.User{}); err != nil {
			t.Error(err)
		}
	})
}
