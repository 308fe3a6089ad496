package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/internal/mailpit"
	"github.com/usergraph/usergraph/internal/testdb"
)

// mailAppURL is where the links in the tests' mail point.
const mailAppURL = "https://app.example.com"

// newPassword is a second password that satisfies the default policy.
const newPassword = "a quite different passphrase 2026"

// Subjects of the built-in templates.
const (
	subjectVerify         = "Confirm your email address"
	subjectReset          = "Reset your password"
	subjectResetNotice    = "Your password was reset"
	subjectChangedNotice  = "Your password was changed"
	subjectChangeConfirm  = "Confirm your new email address"
	subjectChangeRequest  = "A change of your email address was requested"
	subjectEmailChanged   = "Your email address was changed"
	subjectRegisterNotice = "Someone tried to register with your email address"
)

// mailServer is a server with a fake clock whose mail goes over SMTP to
// a real Mailpit. Its outbox worker does not run by itself: deliver
// runs it once, at the fake clock's time.
type mailServer struct {
	*testServer
	clock *fakeClock
	pit   *mailpit.Server // nil until started, when smtpAddr was given
	cfg   *Config
}

// mailOptions change how newMailServer builds a server.
type mailOptions struct {
	// smtpAddr, if set, is where the server sends mail instead of a new
	// Mailpit; the test starts one there itself, or not.
	smtpAddr string
	// config changes the configuration before the server starts.
	config func(*Config)
}

// newMailServer starts a server on dbURL that mails through Mailpit.
func newMailServer(t testing.TB, dbURL string, o mailOptions) *mailServer {
	t.Helper()
	m := &mailServer{clock: newFakeClock()}
	addr := o.smtpAddr
	if addr == "" {
		m.pit = mailpit.Start(t)
		addr = m.pit.SMTPAddr
	}
	m.cfg = clockedConfig(t, dbURL, newKeyPEM(t))
	m.cfg.Mail.SMTPURL = "smtp://" + addr
	m.cfg.Mail.AppURL = mailAppURL
	if o.config != nil {
		o.config(m.cfg)
	}
	m.testServer = startTestApp(t, m.cfg, withClock(m.clock.Now))
	return m
}

// forEachMailBackend runs fn once per database kind, each on a new
// mail server with its own Mailpit.
func forEachMailBackend(t *testing.T, fn func(t *testing.T, m *mailServer)) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, newMailServer(t, b.New(t), mailOptions{}))
		})
	}
}

// deliver runs the outbox worker over everything due now and returns
// how many messages and jobs it attempted.
func (m *mailServer) deliver(t testing.TB) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := m.app.mail.RunOnce(ctx)
	if err != nil {
		t.Fatalf("deliver mail: %v", err)
	}
	return n
}

// later moves the clock past the flood-control interval, so that the
// next message of a kind to an address goes out.
func (m *mailServer) later() {
	m.clock.Advance(m.cfg.Mail.Interval + time.Second)
}

// inbox delivers what is due and returns the mail to address, oldest
// first; it fails unless there are exactly n messages.
func (m *mailServer) inbox(t testing.TB, address string,
	n int) []*mailpit.Message {
	t.Helper()
	m.deliver(t)
	var msgs []*mailpit.Message
	if n > 0 {
		msgs = m.pit.WaitTo(t, address, n, 5*time.Second)
	} else {
		msgs = m.pit.To(t, address)
	}
	if len(msgs) != n {
		t.Fatalf("%d messages to %s, want %d", len(msgs), address, n)
	}
	return msgs
}

// newest delivers what is due and returns the newest of the n messages
// to address, which must have subject.
func (m *mailServer) newest(t testing.TB, address string, n int,
	subject string) *mailpit.Message {
	t.Helper()
	msgs := m.inbox(t, address, n)
	got := msgs[len(msgs)-1]
	if got.Subject != subject {
		t.Fatalf("newest mail to %s is %q, want %q", address, got.Subject,
			subject)
	}
	return got
}

// tokenFrom delivers what is due and returns the token of the link in
// the newest of the n messages to address, which must have subject and
// link to page.
func (m *mailServer) tokenFrom(t testing.TB, address string, n int,
	subject, page string) string {
	t.Helper()
	got, token := linkIn(t, m.newest(t, address, n, subject))
	if got != page {
		t.Fatalf("link to /%s, want /%s", got, page)
	}
	return token
}

var mailLink = regexp.MustCompile(
	`https://app\.example\.com/([a-z-]+)#token=([A-Za-z0-9_-]+)`)

// linkIn returns the page and token of the link in msg, checking that
// the message has a text and an HTML part with the same link.
func linkIn(t testing.TB, msg *mailpit.Message) (page, token string) {
	t.Helper()
	link := mailLink.FindStringSubmatch(msg.Text)
	if link == nil {
		t.Fatalf("no link in the text part %q", msg.Text)
	}
	if msg.HTML == "" {
		t.Fatalf("%q has no HTML part", msg.Subject)
	}
	if !strings.Contains(msg.HTML, `href="`+link[0]+`"`) {
		t.Errorf("the HTML part lacks the link %s", link[0])
	}
	return link[1], link[2]
}

// okPayload is the shape of OkPayload.
type okPayload struct {
	OK     bool        `json:"ok"`
	Errors []userError `json:"errors"`
}

const userPayloadFields = `user { ` + userFields + ` }
	errors { field code message }`

// requestReset asks for a reset link to email and returns the response.
func (m *mailServer) requestReset(t testing.TB, email string) *gqlResponse {
	t.Helper()
	res := m.gql(t, "", `mutation($e: String!) { requestPasswordReset(
		email: $e) { ok errors { field code message } } }`,
		map[string]any{"e": email})
	var p okPayload
	res.field(t, "requestPasswordReset", &p)
	if !p.OK || len(p.Errors) > 0 {
		t.Fatalf("requestPasswordReset(%s): %s", email, res.Body)
	}
	return res
}

// resetPayload is the AuthPayload of resetPassword.
type resetPayload struct {
	User         *testUser   `json:"user"`
	AccessToken  *string     `json:"accessToken"`
	RefreshToken *string     `json:"refreshToken"`
	Errors       []userError `json:"errors"`
}

// resetPassword sets password with a reset token.
func (m *mailServer) resetPassword(t testing.TB, token,
	password string) resetPayload {
	t.Helper()
	res := m.gql(t, "", `mutation($in: ResetPasswordInput!) {
		resetPassword(input: $in) { user { `+userFields+` } accessToken
		refreshToken errors { field code message } } }`,
		map[string]any{"in": map[string]any{"token": token,
			"newPassword": password}})
	var p resetPayload
	res.field(t, "resetPassword", &p)
	return p
}

// wantResetFails fails unless resetting with token gives code at
// ["input", "token"] and no tokens.
func (m *mailServer) wantResetFails(t testing.TB, token, code string) {
	t.Helper()
	p := m.resetPassword(t, token, newPassword)
	wantErrors(t, p.Errors, at(code, "input", "token"))
	if p.AccessToken != nil || p.RefreshToken != nil || p.User != nil {
		t.Errorf("a failed reset logged in: %+v", p)
	}
}

// requestVerification asks for a verification link as access.
func (m *mailServer) requestVerification(t testing.TB, access string) {
	t.Helper()
	res := m.gql(t, access, `mutation { requestEmailVerification }`, nil)
	var ok bool
	res.field(t, "requestEmailVerification", &ok)
	if !ok {
		t.Fatalf("requestEmailVerification: %s", res.Body)
	}
}

// tokenMutation runs verifyEmail or confirmEmailChange with token, as
// access if it is not empty.
func (m *mailServer) tokenMutation(t testing.TB, access, field,
	token string) (userPayload, *gqlResponse) {
	t.Helper()
	res := m.gql(t, access, `mutation($t: String!) { `+field+`(token: $t)
		{ `+userPayloadFields+` } }`, map[string]any{"t": token})
	var p userPayload
	res.field(t, field, &p)
	return p, res
}

// verifyEmail verifies an address with token.
func (m *mailServer) verifyEmail(t testing.TB, token string) userPayload {
	t.Helper()
	p, _ := m.tokenMutation(t, "", "verifyEmail", token)
	return p
}

// requestEmailChange asks to move access's account to email.
func (m *mailServer) requestEmailChange(t testing.TB, access, email,
	password string) (userPayload, *gqlResponse) {
	t.Helper()
	res := m.gql(t, access, `mutation($in: RequestEmailChangeInput!) {
		requestEmailChange(input: $in) { `+userPayloadFields+` } }`,
		map[string]any{"in": map[string]any{"newEmail": email,
			"currentPassword": password}})
	var p userPayload
	res.field(t, "requestEmailChange", &p)
	return p, res
}

// wantLoginFails fails unless logging in gives code.
func (m *mailServer) wantLoginFails(t testing.TB, email, password,
	code string) {
	t.Helper()
	p, res := m.login(t, email, password)
	if p.AccessToken != nil {
		t.Fatalf("login %s succeeded: %s", email, res.Body)
	}
	if len(p.Errors) != 1 || p.Errors[0].Code != code {
		t.Fatalf("login %s: %s; want %s", email, res.Body, code)
	}
}

// sendAs posts a GraphQL request with extra headers, authenticated by
// access if it is not empty.
func (m *mailServer) sendAs(t testing.TB, headers map[string]string,
	access, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query,
		"variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := m.post(t, "application/json", body)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	return do(t, req)
}
