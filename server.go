// Command usergraph serves a GraphQL API for user accounts: registration,
// login, sessions, profiles and credentials, on SQLite or PostgreSQL.
//
// Run it with no arguments to serve on :8080 with an SQLite file in the
// working directory; --help lists every setting.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main with its environment passed in, so tests can run the
// whole program. It returns the process exit code: 2 for a configuration
// or usage problem, 1 for any other failure.
func run(ctx context.Context, args []string, getenv func(string) string,
	stdout, stderr io.Writer) int {
	return runWithInput(ctx, args, getenv, os.Stdin, stdout, stderr)
}

func runWithInput(ctx context.Context, args []string,
	getenv func(string) string, stdin io.Reader, stdout,
	stderr io.Writer) int {
	cmd := newCommand(getenv, stdin, stdout, stderr)
	err := cmd.Run(ctx, append([]string{"usergraph"}, args...))
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errConfig):
		fmt.Fprintf(stderr, "usergraph: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "usergraph: %v\n", err)
	return 1
}

// serve runs the server until ctx is cancelled, then drains in-flight
// requests and closes the database.
func serve(ctx context.Context, cfg *Config, log *slog.Logger) error {
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		log.Error("start", slog.String("error", err.Error()))
		return err
	}
	defer a.close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           a.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	bg, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	go a.purgeLoop(bg, cfg.Tokens.PurgeInterval)
	go a.runKeys(bg)
	go a.mail.Run(bg)
	log.Info("listening", slog.String("addr", ln.Addr().String()),
		slog.String("env", cfg.Env),
		slog.String("database", string(a.store.Dialect())))

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("timeout", cfg.HTTP.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(),
		cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// newLogger builds the one logger of the process.
func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
