package account

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/internal/mailpit"
	"github.com/usergraph/usergraph/internal/testclock"
	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// mailPassword satisfies the default password policy.
const mailPassword = "correct horse battery staple"

// mailAppURL is where the links in test mail point.
const mailAppURL = "https://app.example.test"

// mailClock is a clock that tests move by hand.
type mailClock = testclock.Clock

// mailEnv is an account service whose mail goes through the outbox and
// a worker to a real SMTP server, Mailpit, where the test reads it.
type mailEnv struct {
	svc    *Service
	store  *store.Store
	worker *mail.Worker
	pit    *mailpit.Server
	clock  *mailClock
	hash   string // of mailPassword
}

// mailEnvOptions change how newMailEnv builds an environment.
type mailEnvOptions struct {
	cfg func(*Config)
	// smtpAddr, if set, is where the sender sends instead of a new
	// Mailpit, which the test then starts itself.
	smtpAddr string
	// worker, if set, changes the worker's configuration.
	worker func(*mail.WorkerConfig)
	// realClock makes service and worker use the system clock.
	realClock bool
}

// forEachMailEnv runs fn once per database kind on a new environment.
func forEachMailEnv(t *testing.T, fn func(t *testing.T, e *mailEnv)) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, newMailEnv(t, b.New(t), mailEnvOptions{}))
		})
	}
}

func newMailEnv(t *testing.T, dbURL string, o mailEnvOptions) *mailEnv {
	t.Helper()
	ctx := context.Background()
	st := testdb.Open(t, dbURL)
	e := &mailEnv{store: st,
		clock: testclock.New(time.Now().UTC().Truncate(time.Second))}
	now := e.clock.Now
	if o.realClock {
		now = time.Now
	}
	secrets, err := auth.NewSecrets([]byte("account mail test master secret, 32+ bytes"))
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewHasher(auth.HasherConfig{
		Params: auth.HashParams{MemoryKiB: 8, Iterations: 1, Parallelism: 1,
			SaltLen: 16, KeyLen: 32},
		Concurrency: 8, QueueSize: 100, MaxWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if e.hash, err = hasher.Hash(ctx, mailPassword); err != nil {
		t.Fatal(err)
	}
	cfg := Config{AccessTokenTTL: 15 * time.Minute,
		SessionTTL: 30 * 24 * time.Hour, MaxSessionAge: 90 * 24 * time.Hour,
		RefreshGrace: 10 * time.Second, MaxSessions: 50,
		Password: DefaultPasswordPolicy(), Email: DefaultEmailConfig()}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	log := slog.New(slog.DiscardHandler)
	e.svc, err = New(Deps{Store: st, Hasher: hasher,
		Tokens: mailTestTokens(t, now), Secrets: secrets, Log: log, Now: now},
		cfg)
	if err != nil {
		t.Fatal(err)
	}
	smtpAddr := o.smtpAddr
	if smtpAddr == "" {
		e.pit = mailpit.Start(t)
		smtpAddr = e.pit.SMTPAddr
	}
	e.worker = newMailWorker(t, e, smtpAddr, secrets, now, o.worker)
	return e
}

func mailTestTokens(t *testing.T, now func() time.Time) *auth.Tokens {
	t.Helper()
	key, err := auth.GenerateEd25519Key()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := auth.NewKeyRing(auth.NewSigningKey(key))
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewTokens(ring, auth.TokenConfig{Issuer: "test",
		Audience: "test", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

func newMailWorker(t *testing.T, e *mailEnv, smtpAddr string,
	secrets *auth.Secrets, now func() time.Time,
	change func(*mail.WorkerConfig)) *mail.Worker {
	t.Helper()
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{URL: "smtp://" + smtpAddr,
		From: "usergraph <no-reply@example.test>", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := mail.LoadTemplates(mail.TemplateConfig{
		Links: mail.LinkConfig{AppURL: mailAppURL}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := mail.DefaultWorkerConfig()
	cfg.SendTimeout = 5 * time.Second
	if change != nil {
		change(&cfg)
	}
	w, err := mail.NewWorker(mail.WorkerDeps{Store: e.store, Sender: sender,
		Templates: tmpl, Secrets: secrets, Jobs: e.svc.MailJobs(),
		Log: slog.New(slog.DiscardHandler), Now: now}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// user creates a verified or unverified account with mailPassword.
func (e *mailEnv) user(t *testing.T, email string, verified bool) *models.User {
	t.Helper()
	_, normalized, err := NormalizeEmail(email)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().UTC()
	u := &models.User{ID: newID(), Email: email, EmailNormalized: normalized,
		EmailVerified: verified, PasswordHash: e.hash, Role: models.RoleUser,
		CreatedAt: now, UpdatedAt: now}
	if err := e.store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// login starts a session of u and returns it as a request's caller.
func (e *mailEnv) login(t *testing.T, u *models.User) (*auth.Caller,
	*AuthResult) {
	t.Helper()
	res, err := e.svc.startSession(context.Background(), u, auth.Client{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &auth.Caller{User: res.User, Session: res.Session}, res
}

// reload returns u as stored now.
func (e *mailEnv) reload(t *testing.T, u *models.User) *models.User {
	t.Helper()
	got, err := e.store.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// deliver runs the mail worker over everything due.
func (e *mailEnv) deliver(t *testing.T) {
	t.Helper()
	if _, err := e.worker.RunOnce(context.Background()); err != nil {
		t.Fatalf("deliver: %v", err)
	}
}

// inbox delivers what is due and returns the mail sent to address so far,
// oldest first.
func (e *mailEnv) inbox(t *testing.T, address string) []*mailpit.Message {
	t.Helper()
	e.deliver(t)
	return e.pit.To(t, address)
}

// mailTo delivers what is due and returns the newest message to address,
// whose subject must be subject, and how many there are.
func (e *mailEnv) mailTo(t *testing.T, address,
	subject string) (*mailpit.Message, int) {
	t.Helper()
	msgs := e.inbox(t, address)
	if len(msgs) == 0 {
		t.Fatalf("no mail to %s", address)
	}
	m := msgs[len(msgs)-1]
	if m.Subject != subject {
		t.Fatalf("newest mail to %s is %q, want %q", address, m.Subject, subject)
	}
	return m, len(msgs)
}

var linkToken = regexp.MustCompile(`https://app\.example\.test/([a-z-]+)#token=([A-Za-z0-9_-]+)`)

// linkIn returns the page and token of the link in m, checking that the
// text and HTML parts carry the same link.
func linkIn(t *testing.T, m *mailpit.Message) (page, token string) {
	t.Helper()
	text := linkToken.FindStringSubmatch(m.Text)
	if text == nil {
		t.Fatalf("no link in %q", m.Text)
	}
	if !strings.Contains(m.HTML, `href="`+text[0]+`"`) {
		t.Errorf("HTML part lacks the link %s", text[0])
	}
	return text[1], text[2]
}

// tokenFrom reads the token of the newest mail to address, which must
// have subject and link to page.
func (e *mailEnv) tokenFrom(t *testing.T, address, subject,
	page string) string {
	t.Helper()
	m, _ := e.mailTo(t, address, subject)
	got, token := linkIn(t, m)
	if got != page {
		t.Fatalf("link to /%s, want /%s", got, page)
	}
	return token
}

// wantCode fails unless err is a user error with code at field (nil for
// none).
func wantCode(t *testing.T, err error, code models.ErrorCode,
	field ...string) {
	t.Helper()
	var ue *models.Error
	if !errors.As(err, &ue) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if ue.Code != code || !slices.Equal(ue.Field, field) {
		t.Fatalf("got %s at %v, want %s at %v", ue.Code, ue.Field, code, field)
	}
}

// Subjects of the embedded templates.
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
