package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/auth"
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
	metrics  *telemetry.Metrics
}

// newApp opens and migrates the database and wires the services.
func newApp(ctx context.Context, cfg *Config, log *slog.Logger) (*app, error) {
	st, err := store.Open(ctx, store.Options{
		URL:             cfg.Database,
		MaxOpenConns:    cfg.DB.MaxOpenConns,
		ConnMaxLifetime: cfg.DB.ConnMaxLifetime,
		BusyTimeout:     cfg.DB.BusyTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	a := &app{cfg: cfg, log: log, store: st, metrics: telemetry.NewMetrics()}
	if err := a.init(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) init(ctx context.Context) error {
	applied, err := a.store.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		a.log.Info("migrated", slog.Any("migrations", applied))
	}
	tokens, err := a.tokens()
	if err != nil {
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
		Tokens:  tokens,
		Metrics: a.metrics,
		Log:     a.log,
	}, a.cfg.accountConfig())
	return err
}

// tokens loads the signing key: configured, or in development generated
// on first start and kept beside the database.
func (a *app) tokens() (*auth.Tokens, error) {
	key, err := a.signingKey()
	if err != nil {
		return nil, err
	}
	ring, err := auth.NewKeyRing(auth.NewSigningKey(key))
	if err != nil {
		return nil, fmt.Errorf("key ring: %w", err)
	}
	return auth.NewTokens(ring, auth.TokenConfig{
		Issuer:   a.cfg.Tokens.Issuer,
		Audience: a.cfg.Tokens.Audience,
	})
}

func (a *app) signingKey() (ed25519.PrivateKey, error) {
	t := a.cfg.Tokens
	var data []byte
	switch {
	case t.SigningKey != "":
		data = []byte(t.SigningKey)
	case t.SigningKeyFile != "":
		var err error
		if data, err = os.ReadFile(t.SigningKeyFile); err != nil {
			return nil, fmt.Errorf("read signing key: %w", err)
		}
	default:
		path := a.cfg.devKeyFile()
		key, created, err := auth.LoadOrCreateKeyFile(path)
		if err != nil {
			return nil, fmt.Errorf("development signing key: %w", err)
		}
		if created {
			a.log.Warn("generated a development signing key; configure "+
				"one for production", slog.String("file", path))
		}
		return key, nil
	}
	signer, err := auth.ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	key, ok := signer.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("signing key: only Ed25519 keys are supported")
	}
	return key, nil
}

func (a *app) close() {
	if err := a.store.Close(); err != nil {
		a.log.Error("close database", slog.String("error", err.Error()))
	}
}
