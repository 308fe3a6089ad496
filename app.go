package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/uptrace/bun"
	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/graph"
	"github.com/usergraph/usergraph/keys"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/store"
	"github.com/usergraph/usergraph/telemetry"
)

// app is one wired server instance: its database, services and metrics.
type app struct {
	cfg      *Config
	log      *slog.Logger
	store    *store.Store
	hasher   *auth.Hasher
	accounts *account.Service
	tokens   *auth.Tokens
	keys     *keys.Manager // nil when the operator manages the key
	mail     *mail.Worker
	trusted  graph.TrustedDocuments
	proxies  auth.Proxies
	limiter  *auth.RateLimiter
	metrics  *telemetry.Metrics
	// now is the clock of the services; tests replace it.
	now       func() time.Time
	queryHook bun.QueryHook
}

// appOption changes how newApp wires an app.
type appOption func(*app)

// withQueryHook runs h around every database query.
func withQueryHook(h bun.QueryHook) appOption {
	return func(a *app) { a.queryHook = h }
}

// withClock makes the services read the time from now instead of the
// system clock.
func withClock(now func() time.Time) appOption {
	return func(a *app) { a.now = now }
}

// newApp opens and migrates the database and wires the services.
func newApp(ctx context.Context, cfg *Config, log *slog.Logger,
	opts ...appOption) (*app, error) {
	a := &app{cfg: cfg, log: log, metrics: telemetry.NewMetrics(),
		now: time.Now}
	for _, o := range opts {
		o(a)
	}
	st, err := store.Open(ctx, store.Options{
		URL:             cfg.Database,
		MaxOpenConns:    cfg.DB.MaxOpenConns,
		ConnMaxLifetime: cfg.DB.ConnMaxLifetime,
		BusyTimeout:     cfg.DB.BusyTimeout,
		QueryHook:       a.queryHook,
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	a.store = st
	if err := a.init(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) init(ctx context.Context) error {
	if path := a.cfg.HTTP.TrustedDocs; path != "" {
		docs, err := graph.LoadTrustedDocuments(path)
		if err != nil {
			return err
		}
		a.trusted = docs
	}
	var err error
	if a.proxies, err = auth.ParseProxies(a.cfg.HTTP.TrustedProxies); err != nil {
		return err
	}
	if a.limiter, err = a.cfg.rateLimiter(a.now); err != nil {
		return err
	}
	applied, err := a.store.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		a.log.Info("migrated", slog.Any("migrations", applied))
	}
	secrets, err := a.secrets()
	if err != nil {
		return err
	}
	if err := a.newTokens(ctx, secrets); err != nil {
		return err
	}
	a.hasher, err = auth.NewHasher(a.cfg.hasherConfig())
	if err != nil {
		return fmt.Errorf("password hasher: %w", err)
	}
	a.metrics.GaugeFunc("usergraph_password_hash_queue_depth",
		"Requests waiting for a password-hashing slot.",
		func() float64 { return float64(a.hasher.Waiting()) })
	a.metrics.GaugeFunc("usergraph_password_hash_in_flight",
		"Password hashes running now.",
		func() float64 { return float64(a.hasher.InFlight()) })
	a.accounts, err = account.New(account.Deps{
		Store:   a.store,
		Hasher:  a.hasher,
		Tokens:  a.tokens,
		Secrets: secrets,
		Metrics: a.metrics,
		Log:     a.log,
		Now:     a.now,
		// The worker is made below; by the time mail is queued it is.
		MailWake: func() { a.mail.Wake() },
	}, a.cfg.accountConfig())
	if err != nil {
		return err
	}
	return a.newMailWorker(secrets)
}

// newMailWorker builds the outbox worker: SMTP when configured, and in
// development without SMTP a sender that writes each message, link
// included, to the log.
func (a *app) newMailWorker(secrets *auth.Secrets) error {
	var sender mail.Sender = mail.NewLogSender(a.log)
	if m := a.cfg.Mail; m.SMTPURL != "" {
		smtp, err := mail.NewSMTPSender(mail.SMTPConfig{URL: m.SMTPURL,
			From: m.From, RequireSTARTTLS: m.RequireSTARTTLS,
			Timeout: 30 * time.Second})
		if err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
		sender = smtp
	} else {
		a.log.Warn("no SMTP configured: mail is written to the log")
	}
	templates, err := mail.LoadTemplates(a.cfg.templateConfig())
	if err != nil {
		return fmt.Errorf("mail templates: %w", err)
	}
	a.mail, err = mail.NewWorker(mail.WorkerDeps{
		Store:     a.store,
		Sender:    sender,
		Templates: templates,
		Secrets:   secrets,
		Jobs:      a.accounts.MailJobs(),
		Log:       a.log,
		Now:       a.now,
	}, mail.DefaultWorkerConfig())
	return err
}

// newTokens builds the token signer. A key the operator configured is
// used as it is; otherwise the keys live in the database, sealed with a
// key derived from the master secret, and are made and rotated by the
// key manager, which every instance runs.
func (a *app) newTokens(ctx context.Context, secrets *auth.Secrets) error {
	ring, err := a.keyRing(ctx, secrets)
	if err != nil {
		return err
	}
	a.tokens, err = auth.NewTokens(ring, auth.TokenConfig{
		Issuer:   a.cfg.Tokens.Issuer,
		Audience: a.cfg.Tokens.Audience,
		Now:      a.now,
	})
	return err
}

func (a *app) keyRing(ctx context.Context,
	secrets *auth.Secrets) (*auth.KeyRing, error) {
	t := a.cfg.Tokens
	if t.SigningKey == "" && t.SigningKeyFile == "" {
		m, err := keys.New(a.store, secrets.KeyEncryptionKey(), a.now,
			a.cfg.keysConfig())
		if err != nil {
			return nil, fmt.Errorf("key manager: %w", err)
		}
		a.keys = m
		ring, err := m.Ring(ctx)
		if err != nil {
			return nil, fmt.Errorf("load signing keys: %w", err)
		}
		return ring, nil
	}
	data := []byte(t.SigningKey)
	if t.SigningKeyFile != "" {
		var err error
		if data, err = os.ReadFile(t.SigningKeyFile); err != nil {
			return nil, fmt.Errorf("read signing key: %w", err)
		}
	}
	key, err := auth.SigningKeyFromPEM(data)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return auth.NewKeyRing(key)
}

// runKeys reloads (and, when due, rotates) the signing keys until ctx
// ends, when they are managed in the database.
func (a *app) runKeys(ctx context.Context) {
	if a.keys == nil {
		return
	}
	a.keys.Run(ctx, keyReload, a.tokens.SetKeyRing, func(err error) {
		a.log.Error("signing keys", slog.String("error", err.Error()))
	})
}

// secrets derives the server's symmetric keys from the master secret:
// configured, or in development generated on first start beside the
// database.
func (a *app) secrets() (*auth.Secrets, error) {
	t := a.cfg.Tokens
	var master []byte
	var err error
	switch {
	case t.Secret != "":
		master, err = auth.ParseSecret(t.Secret)
	case t.SecretFile != "":
		var data []byte
		if data, err = os.ReadFile(t.SecretFile); err == nil {
			master, err = auth.ParseSecret(string(data))
		}
	default:
		path := a.cfg.devFile(".secret")
		var created bool
		master, created, err = auth.LoadOrCreateSecretFile(path)
		if created {
			a.log.Warn("generated a development master secret; configure "+
				"one for production", slog.String("file", path))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("master secret: %w", err)
	}
	return auth.NewSecrets(master)
}

func (a *app) close() {
	if err := a.store.Close(); err != nil {
		a.log.Error("close database", slog.String("error", err.Error()))
	}
}
