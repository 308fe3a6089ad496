package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/graph"
	"github.com/usergraph/usergraph/keys"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/store"
)

// Config is everything an operator can set. Each field has a flag and
// an environment variable named after it (--access-token-ttl and
// USERGRAPH_ACCESS_TOKEN_TTL); a flag wins over the variable, the
// variable over the default. Defaults suit a laptop; Validate refuses
// unsafe settings in production.
type Config struct {
	Env       string
	Addr      string
	Database  string
	LogLevel  slog.Level
	LogFormat string

	// AuditRetention is how long audit events are kept.
	AuditRetention time.Duration

	Tokens   TokenConfig
	Cookie   CookieConfig
	Mail     MailConfig
	Password PasswordConfig
	HTTP     HTTPConfig
	DB       DBConfig
}

// TokenConfig is about access tokens and sessions.
type TokenConfig struct {
	AccessTTL      time.Duration
	SessionTTL     time.Duration
	Issuer         string
	Audience       string
	SigningKeyFile string
	SigningKey     string
	MaxSessionAge  time.Duration
	RefreshGrace   time.Duration
	MaxSessions    int
	Secret         string
	SecretFile     string
	PurgeInterval  time.Duration
	Algorithm      string
	JWKSMaxAge     time.Duration
	KeyRotation    time.Duration
}

// MailConfig is about email: delivery, links and the flows that send it.
type MailConfig struct {
	SMTPURL                  string
	From                     string
	RequireSTARTTLS          bool
	AppURL                   string
	VerifyPath               string
	ResetPath                string
	ChangeEmailPath          string
	Templates                string
	RequireEmailVerification bool
	VerifyTTL                time.Duration
	ResetTTL                 time.Duration
	ChangeTTL                time.Duration
	Interval                 time.Duration
}

// CookieConfig is about the refresh-token cookie for SPA clients.
type CookieConfig struct {
	Enabled  bool
	Name     string
	Secure   bool
	SameSite string
}

// PasswordConfig is about the password policy and its hashing.
type PasswordConfig struct {
	MinLength       int
	FreeFailures    int
	Backoff         time.Duration
	BackoffMax      time.Duration
	Argon2MemoryKiB uint
	Argon2Time      uint
	Argon2Threads   uint
	HashConcurrency int
	HashQueue       int
	HashMaxWait     time.Duration
}

// HTTPConfig is about the HTTP server.
type HTTPConfig struct {
	MaxBodyBytes    int64
	MaxQueryBytes   int
	MaxQueryTokens  int
	MaxDepth        int
	MaxAliases      int
	MaxRootFields   int
	MaxDirectives   int
	MaxComplexity   int
	MaxErrors       int
	Suggestions     bool
	APQCacheSize    int
	TrustedDocs     string
	CORSOrigins     string
	TrustedProxies  string
	RateLimits      string
	RateLimit       string
	QueryCacheSize  int
	ShutdownTimeout time.Duration
	Playground      bool
	Introspection   bool
}

// DBConfig is about the database connection pool.
type DBConfig struct {
	MaxOpenConns    int
	ConnMaxLifetime time.Duration
	BusyTimeout     time.Duration
}

// production reports whether c runs in production mode.
func (c *Config) production() bool { return c.Env == "production" }

// envPrefix starts the name of every environment variable.
const envPrefix = "USERGRAPH_"

// loadConfig reads flags from args and variables through getenv. It
// returns flag.ErrHelp after printing the usage for --help.
func loadConfig(args []string, getenv func(string) string,
	out io.Writer) (*Config, error) {
	c := &Config{}
	fs := flag.NewFlagSet("usergraph", flag.ContinueOnError)
	fs.SetOutput(out)
	c.register(fs)
	fs.Usage = func() { usage(fs, out) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	explicit, err := applyEnv(fs, getenv)
	if err != nil {
		return nil, err
	}
	c.applyModeDefaults(explicit)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Env, "env", "development",
		"development or production; production refuses unsafe settings")
	fs.StringVar(&c.Addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&c.Database, "database", "usergraph.db",
		"SQLite file path (or sqlite: URL), or a postgres:// URL")
	fs.TextVar(&c.LogLevel, "log-level", slog.LevelInfo,
		"debug, info, warn or error")
	fs.DurationVar(&c.AuditRetention, "audit-retention", 365*24*time.Hour,
		"how long audit events are kept")
	fs.StringVar(&c.LogFormat, "log-format", "",
		"text or json; text in development and json in production unless set")

	t := &c.Tokens
	fs.DurationVar(&t.AccessTTL, "access-token-ttl", 15*time.Minute,
		"lifetime of an access token")
	fs.DurationVar(&t.SessionTTL, "session-ttl", 30*24*time.Hour,
		"how long a login session lasts")
	fs.StringVar(&t.Issuer, "issuer", "usergraph", "the iss claim of tokens")
	fs.StringVar(&t.Audience, "audience", "usergraph",
		"the aud claim of tokens")
	fs.StringVar(&t.SigningKeyFile, "signing-key-file", "",
		"PEM file of a signing key you manage yourself (Ed25519, "+
			"P-256 or RSA); unset, usergraph generates keys, keeps them "+
			"encrypted in the database and rotates them")
	fs.StringVar(&t.SigningKey, "signing-key", "",
		"the signing key as PEM text, instead of a file")
	fs.DurationVar(&t.MaxSessionAge, "max-session-age", 90*24*time.Hour,
		"longest a session lasts however often it is refreshed")
	fs.DurationVar(&t.RefreshGrace, "refresh-grace", 10*time.Second,
		"how long a rotated refresh token may be presented again "+
			"(two tabs, a retry) without ending its session")
	fs.IntVar(&t.MaxSessions, "max-sessions", 50,
		"active sessions per user; past it the least recently used ends")
	fs.StringVar(&t.Secret, "secret", "",
		"master secret (base64, at least 32 bytes) shared by all "+
			"instances; in development one is generated beside the "+
			"database if unset")
	fs.StringVar(&t.SecretFile, "secret-file", "",
		"file holding the master secret, instead of --secret")
	fs.StringVar(&t.Algorithm, "signing-algorithm", auth.AlgEdDSA,
		"algorithm of the keys usergraph makes: EdDSA, ES256, RS256 or "+
			"HS256 (HS256 publishes no JWKS)")
	fs.DurationVar(&t.JWKSMaxAge, "jwks-max-age", time.Hour,
		"Cache-Control max-age of the JWKS; a new key is published this "+
			"long before it signs")
	fs.DurationVar(&t.KeyRotation, "key-rotation", 30*24*time.Hour,
		"how long a generated signing key signs before it is replaced")
	fs.DurationVar(&t.PurgeInterval, "purge-interval", 10*time.Minute,
		"how often ended sessions and their token digests are deleted")

	m := &c.Mail
	fs.StringVar(&m.SMTPURL, "smtp-url", "",
		"SMTP server, smtp://user:password@host:587 (STARTTLS) or "+
			"smtps://…:465 (TLS); unset in development, mail is logged")
	fs.StringVar(&m.From, "mail-from", "usergraph <no-reply@localhost>",
		"the From address of mail")
	fs.BoolVar(&m.RequireSTARTTLS, "smtp-require-starttls", false,
		"refuse an smtp:// server that does not offer STARTTLS "+
			"(always on in production)")
	fs.StringVar(&m.AppURL, "app-url", defaultAppURL,
		"the client application's base URL, which emailed links open")
	paths := mail.DefaultLinkPaths()
	fs.StringVar(&m.VerifyPath, "verify-email-path",
		paths[mail.VerifyEmail], "page of the email verification link")
	fs.StringVar(&m.ResetPath, "reset-password-path",
		paths[mail.ResetPassword], "page of the password reset link")
	fs.StringVar(&m.ChangeEmailPath, "confirm-email-change-path",
		paths[mail.ChangeEmailConfirm], "page of the email change link")
	fs.StringVar(&m.Templates, "mail-templates", "",
		"directory of <purpose>.txt and .html files that replace the "+
			"built-in mail templates")
	fs.BoolVar(&m.RequireEmailVerification, "require-email-verification",
		false, "refuse login until the address is verified; registration "+
			"then answers alike for new and registered addresses")
	email := account.DefaultEmailConfig()
	fs.DurationVar(&m.VerifyTTL, "verify-email-ttl", email.VerifyTTL,
		"lifetime of an email verification link")
	fs.DurationVar(&m.ResetTTL, "reset-password-ttl", email.ResetTTL,
		"lifetime of a password reset link")
	fs.DurationVar(&m.ChangeTTL, "email-change-ttl", email.ChangeTTL,
		"lifetime of an email change link")
	fs.DurationVar(&m.Interval, "mail-interval", email.Interval,
		"at most one message of a kind per address per interval")

	ck := &c.Cookie
	fs.BoolVar(&ck.Enabled, "refresh-cookie", false,
		"let clients ask for the refresh token in an HttpOnly cookie "+
			"(header X-Refresh-Token-Transport: cookie)")
	fs.StringVar(&ck.Name, "refresh-cookie-name", "usergraph_refresh",
		"name of the refresh cookie")
	fs.BoolVar(&ck.Secure, "refresh-cookie-secure", false,
		"mark the refresh cookie Secure (always on in production)")
	fs.StringVar(&ck.SameSite, "refresh-cookie-samesite", "strict",
		"SameSite of the refresh cookie: strict, lax or none")

	p := &c.Password
	fs.IntVar(&p.MinLength, "password-min-length", 15,
		"minimum password length in characters (8 to 64; below 15 only "+
			"with a second factor)")
	lock := account.DefaultLockoutConfig()
	fs.IntVar(&p.FreeFailures, "login-free-failures", lock.FreeFailures,
		"failed logins of one address before back-off starts")
	fs.DurationVar(&p.Backoff, "login-backoff", lock.Base,
		"first back-off after the free failures; it doubles with each "+
			"further failure")
	fs.DurationVar(&p.BackoffMax, "login-backoff-max", lock.Max,
		"longest login back-off")
	fs.UintVar(&p.Argon2MemoryKiB, "argon2-memory-kib", 19456,
		"argon2id memory per hash, KiB")
	fs.UintVar(&p.Argon2Time, "argon2-time", 2, "argon2id iterations")
	fs.UintVar(&p.Argon2Threads, "argon2-threads", 1, "argon2id parallelism")
	fs.IntVar(&p.HashConcurrency, "hash-concurrency", defaultConcurrency(),
		"password hashes run at once; one per CPU unless set")
	fs.IntVar(&p.HashQueue, "hash-queue", 64,
		"requests that may wait for a hashing slot")
	fs.DurationVar(&p.HashMaxWait, "hash-max-wait", 5*time.Second,
		"how long a request waits for a hashing slot before RATE_LIMITED")

	h := &c.HTTP
	fs.Int64Var(&h.MaxBodyBytes, "max-body-bytes", 1<<20,
		"largest accepted request body")
	fs.IntVar(&h.MaxQueryBytes, "max-query-bytes", 32<<10,
		"largest accepted GraphQL document")
	fs.IntVar(&h.MaxQueryTokens, "max-query-tokens", 2000,
		"most lexical tokens in a GraphQL document")
	fs.IntVar(&h.MaxDepth, "max-depth", 15,
		"deepest nesting of selections in a GraphQL document")
	fs.IntVar(&h.MaxAliases, "max-aliases", 30,
		"most aliased fields in a GraphQL document")
	fs.IntVar(&h.MaxRootFields, "max-root-fields", 20,
		"most root fields one operation selects")
	fs.IntVar(&h.MaxDirectives, "max-directives", 5,
		"most directives on one field (four times this in a document)")
	fs.IntVar(&h.MaxComplexity, "max-complexity", 5000,
		"highest operation complexity (a list costs its page size times "+
			"its fields)")
	fs.IntVar(&h.MaxErrors, "max-errors", 10,
		"most errors in one response")
	fs.BoolVar(&h.Suggestions, "suggestions", true,
		"let validation errors suggest field names; off in "+
			"production unless set")
	fs.IntVar(&h.APQCacheSize, "apq-cache-size", 1000,
		"automatic persisted queries kept (LRU)")
	fs.StringVar(&h.TrustedDocs, "trusted-documents", "",
		"JSON file mapping SHA-256 hashes to the only documents to "+
			"execute; turns automatic persisted queries off")
	fs.StringVar(&h.CORSOrigins, "cors-origins", "",
		"comma-separated origins allowed to call the API from a browser "+
			"(with credentials); * for any origin, without credentials")
	fs.StringVar(&h.TrustedProxies, "trusted-proxies", "",
		"comma-separated addresses or CIDR prefixes of reverse proxies "+
			"whose X-Forwarded-For is believed")
	fs.StringVar(&h.RateLimits, "rate-limits", defaultRateLimits,
		"per-operation mutation rates per client IP (IPv6: per /64), "+
			"as op=events/duration, comma-separated")
	fs.StringVar(&h.RateLimit, "rate-limit", "60/1m",
		"mutation rate per client IP for operations without their own")
	fs.IntVar(&h.QueryCacheSize, "query-cache-size", 1000,
		"parsed GraphQL documents kept in the LRU cache")
	fs.DurationVar(&h.ShutdownTimeout, "shutdown-timeout", 15*time.Second,
		"how long in-flight requests may finish on SIGINT/SIGTERM")
	fs.BoolVar(&h.Playground, "playground", true,
		"serve the GraphQL playground at /; off in production unless set")
	fs.BoolVar(&h.Introspection, "introspection", true,
		"allow schema introspection; off in production unless set")

	d := &c.DB
	fs.IntVar(&d.MaxOpenConns, "db-max-open-conns", 20,
		"PostgreSQL connection pool size")
	fs.DurationVar(&d.ConnMaxLifetime, "db-conn-max-lifetime", 30*time.Minute,
		"how long a pooled PostgreSQL connection is reused")
	fs.DurationVar(&d.BusyTimeout, "db-busy-timeout", 10*time.Second,
		"how long an SQLite write waits for the lock")
}

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets every flag not given on the command line from its
// environment variable, if that is set. It returns the names of the
// flags set either way.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) (map[string]bool,
	error) {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		v := getenv(envName(f.Name))
		if given[f.Name] || v == "" {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
		}
		given[f.Name] = true
	})
	return given, errors.Join(errs...)
}

// applyModeDefaults turns off what production must not offer unless the
// operator asked for it explicitly.
func (c *Config) applyModeDefaults(explicit map[string]bool) {
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.production() {
			c.LogFormat = "json"
		}
	}
	if !c.production() {
		return
	}
	// Safe unless the operator said otherwise, which Validate then
	// refuses by name.
	if !explicit["refresh-cookie-secure"] {
		c.Cookie.Secure = true
	}
	if !explicit["smtp-require-starttls"] {
		c.Mail.RequireSTARTTLS = true
	}
	if !explicit["playground"] {
		c.HTTP.Playground = false
	}
	if !explicit["introspection"] {
		c.HTTP.Introspection = false
	}
	if !explicit["suggestions"] {
		c.HTTP.Suggestions = false
	}
}

// Validate names every setting that is out of bounds or unsafe.
func (c *Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.Env == "development" || c.Env == "production",
		"%s must be development or production", envName("env"))
	check(c.LogFormat == "" || c.LogFormat == "text" || c.LogFormat == "json",
		"%s must be text or json", envName("log-format"))
	if _, _, err := store.ParseURL(c.Database); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", envName("database"), err))
	}
	check(c.Tokens.Issuer != "" && c.Tokens.Audience != "",
		"issuer and audience must not be empty")
	check(c.Tokens.SigningKey == "" || c.Tokens.SigningKeyFile == "",
		"set %s or %s, not both", envName("signing-key"),
		envName("signing-key-file"))
	check(c.Tokens.Secret == "" || c.Tokens.SecretFile == "",
		"set %s or %s, not both", envName("secret"), envName("secret-file"))
	if c.Tokens.Secret != "" {
		if _, err := auth.ParseSecret(c.Tokens.Secret); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", envName("secret"), err))
		}
	}
	if err := c.keysConfig().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("signing keys: %w", err))
	}
	check(c.Tokens.JWKSMaxAge >= time.Minute && c.Tokens.JWKSMaxAge <= 7*24*time.Hour,
		"%s must be between 1m and 168h", envName("jwks-max-age"))
	check(c.Tokens.KeyRotation >= c.Tokens.JWKSMaxAge,
		"%s must be at least %s", envName("key-rotation"),
		envName("jwks-max-age"))
	if c.HTTP.TrustedDocs != "" {
		if _, err := graph.LoadTrustedDocuments(c.HTTP.TrustedDocs); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w",
				envName("trusted-documents"), err))
		}
	}
	if _, err := mail.LoadTemplates(c.templateConfig()); err != nil {
		errs = append(errs, fmt.Errorf("mail templates and links: %w", err))
	}
	check(c.AuditRetention >= 24*time.Hour,
		"%s must be at least 24h", envName("audit-retention"))
	check(c.Tokens.PurgeInterval >= time.Second,
		"%s must be at least 1s", envName("purge-interval"))
	if _, err := c.sameSite(); err != nil {
		errs = append(errs, err)
	}
	check(c.Cookie.Name != "" && c.Cookie.Name == strings.TrimFunc(
		c.Cookie.Name, func(r rune) bool {
			return r <= ' ' || r == ';' ||
				r == '=' || r == ','
		}), "%s is not a valid cookie name",
		envName("refresh-cookie-name"))
	check(c.Cookie.SameSite != "none" || c.Cookie.Secure,
		"SameSite=None needs %s", envName("refresh-cookie-secure"))
	check(c.HTTP.MaxBodyBytes >= 1<<10 && c.HTTP.MaxBodyBytes <= 64<<20,
		"%s must be between 1 KiB and 64 MiB", envName("max-body-bytes"))
	check(c.HTTP.MaxQueryBytes >= 1<<10 &&
		int64(c.HTTP.MaxQueryBytes) <= c.HTTP.MaxBodyBytes,
		"%s must be between 1 KiB and %s", envName("max-query-bytes"),
		envName("max-body-bytes"))
	check(c.HTTP.MaxQueryTokens >= 100 && c.HTTP.MaxQueryTokens <= 100_000,
		"%s must be between 100 and 100000", envName("max-query-tokens"))
	for _, l := range []struct {
		name   string
		v, max int
	}{
		{"max-depth", c.HTTP.MaxDepth, 100},
		{"max-aliases", c.HTTP.MaxAliases, 10_000},
		{"max-root-fields", c.HTTP.MaxRootFields, 1000},
		{"max-directives", c.HTTP.MaxDirectives, 100},
		{"max-complexity", c.HTTP.MaxComplexity, 1_000_000},
		{"max-errors", c.HTTP.MaxErrors, 1000},
		{"apq-cache-size", c.HTTP.APQCacheSize, 100_000},
	} {
		check(l.v >= 1 && l.v <= l.max, "%s must be between 1 and %d",
			envName(l.name), l.max)
	}
	if _, err := c.rateLimiter(nil); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", envName("rate-limits"), err))
	}
	if _, err := auth.ParseProxies(c.HTTP.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", envName("trusted-proxies"),
			err))
	}
	for _, o := range c.HTTP.corsOrigins() {
		check(o == "*" || strings.HasPrefix(o, "https://") ||
			strings.HasPrefix(o, "http://"),
			"%s: %q is not an origin such as https://app.example.com",
			envName("cors-origins"), o)
	}
	check(c.HTTP.QueryCacheSize >= 1 && c.HTTP.QueryCacheSize <= 100_000,
		"%s must be between 1 and 100000", envName("query-cache-size"))
	check(c.HTTP.ShutdownTimeout > 0, "%s must be positive",
		envName("shutdown-timeout"))
	check(c.DB.MaxOpenConns >= 1 && c.DB.MaxOpenConns <= 1000,
		"%s must be between 1 and 1000", envName("db-max-open-conns"))
	check(c.DB.BusyTimeout >= 100*time.Millisecond,
		"%s must be at least 100ms", envName("db-busy-timeout"))
	if err := c.accountConfig().Validate(); err != nil {
		errs = append(errs, err)
	}
	// Validate, not NewHasher: that would spend a whole hash at start-up.
	if err := c.hasherConfig().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("password hashing: %w", err))
	}
	if c.production() {
		errs = append(errs, c.productionProblems()...)
	}
	return errors.Join(errs...)
}

// defaultAppURL is where development expects the client application.
const defaultAppURL = "http://localhost:3000"

// productionProblems lists what production mode refuses.
func (c *Config) productionProblems() []error {
	var errs []error
	if c.Tokens.Secret == "" && c.Tokens.SecretFile == "" {
		errs = append(errs, fmt.Errorf("production needs a configured "+
			"master secret: set %s or %s", envName("secret-file"),
			envName("secret")))
	}
	for _, o := range c.HTTP.corsOrigins() {
		if o == "*" && c.Cookie.Enabled {
			errs = append(errs, fmt.Errorf("production refuses %s=* "+
				"with the refresh cookie on: list the SPA's origins",
				envName("cors-origins")))
		}
	}
	if c.Mail.SMTPURL == "" {
		errs = append(errs, fmt.Errorf("production needs mail delivery: "+
			"set %s", envName("smtp-url")))
	}
	if !strings.HasPrefix(c.Mail.AppURL, "https://") {
		errs = append(errs, fmt.Errorf("production needs the client "+
			"application's https:// address for emailed links: set %s",
			envName("app-url")))
	}
	if !c.Cookie.Secure {
		errs = append(errs, fmt.Errorf("production refuses a refresh "+
			"cookie without Secure: unset %s",
			envName("refresh-cookie-secure")))
	}
	if !c.Mail.RequireSTARTTLS && strings.HasPrefix(c.Mail.SMTPURL, "smtp:") {
		errs = append(errs, fmt.Errorf("production refuses to send mail "+
			"in clear text: unset %s", envName("smtp-require-starttls")))
	}
	def := auth.DefaultHashParams()
	if c.Password.Argon2MemoryKiB < uint(def.MemoryKiB) ||
		c.Password.Argon2Time < uint(def.Iterations) {
		errs = append(errs, fmt.Errorf("production needs argon2id with at "+
			"least %d KiB and %d iterations", def.MemoryKiB, def.Iterations))
	}
	return errs
}

func (c *Config) accountConfig() account.Config {
	policy := account.DefaultPasswordPolicy()
	policy.MinLength = c.Password.MinLength
	return account.Config{
		AccessTokenTTL:           c.Tokens.AccessTTL,
		SessionTTL:               c.Tokens.SessionTTL,
		MaxSessionAge:            c.Tokens.MaxSessionAge,
		RefreshGrace:             c.Tokens.RefreshGrace,
		MaxSessions:              c.Tokens.MaxSessions,
		Password:                 policy,
		RequireEmailVerification: c.Mail.RequireEmailVerification,
		Lockout: account.LockoutConfig{
			FreeFailures: c.Password.FreeFailures,
			Base:         c.Password.Backoff,
			Max:          c.Password.BackoffMax,
		},
		Email: account.EmailConfig{
			VerifyTTL: c.Mail.VerifyTTL,
			ResetTTL:  c.Mail.ResetTTL,
			ChangeTTL: c.Mail.ChangeTTL,
			Interval:  c.Mail.Interval,
		},
	}
}

// templateConfig is where mail templates come from and where links go.
func (c *Config) templateConfig() mail.TemplateConfig {
	return mail.TemplateConfig{
		Dir: c.Mail.Templates,
		Links: mail.LinkConfig{AppURL: c.Mail.AppURL, Paths: map[string]string{
			mail.VerifyEmail:        c.Mail.VerifyPath,
			mail.ResetPassword:      c.Mail.ResetPath,
			mail.ChangeEmailConfirm: c.Mail.ChangeEmailPath,
		}},
	}
}

// defaultRateLimits are the rates of the mutations that cost a password
// hash or send mail, per client network.
const defaultRateLimits = "login=10/1m,register=5/1m,refreshToken=30/1m," +
	"requestPasswordReset=5/1m,resetPassword=5/1m,verifyEmail=10/1m," +
	"confirmEmailChange=10/1m,requestEmailChange=5/1m," +
	"changePassword=5/1m,deleteAccount=5/1m"

// corsOrigins lists the allowed origins.
func (h HTTPConfig) corsOrigins() []string {
	var out []string
	for _, o := range strings.Split(h.CORSOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// rateLimiter builds the per-client mutation limiter.
func (c *Config) rateLimiter(now func() time.Time) (*auth.RateLimiter, error) {
	rates, err := auth.ParseRates(c.HTTP.RateLimits)
	if err != nil {
		return nil, err
	}
	def, err := auth.ParseRate(c.HTTP.RateLimit)
	if err != nil {
		return nil, err
	}
	return auth.NewRateLimiter(rates, def, 100_000, now)
}

// limits are the GraphQL document limits.
func (c *Config) limits() graph.Limits {
	h := c.HTTP
	return graph.Limits{
		MaxQueryBytes:  h.MaxQueryBytes,
		MaxQueryTokens: h.MaxQueryTokens,
		MaxDepth:       h.MaxDepth,
		MaxAliases:     h.MaxAliases,
		MaxRootFields:  h.MaxRootFields,
		MaxDirectives:  h.MaxDirectives,
		MaxComplexity:  h.MaxComplexity,
		MaxErrors:      h.MaxErrors,
	}
}

// keyReload is how often an instance reloads the signing keys from the
// database, so that a key rotated by another instance is used here too.
const keyReload = time.Minute

// keysConfig is the lifecycle of the signing keys usergraph generates.
func (c *Config) keysConfig() keys.Config {
	return keys.Config{
		Algorithm:   c.Tokens.Algorithm,
		PublishLead: c.Tokens.JWKSMaxAge,
		// A retired key must verify every token it signed, including
		// those signed by instances that had not reloaded yet.
		RetireAfter: c.Tokens.AccessTTL + 2*keyReload,
		RotateEvery: c.Tokens.KeyRotation,
	}
}

// sameSite parses the refresh cookie's SameSite setting.
func (c *Config) sameSite() (http.SameSite, error) {
	switch strings.ToLower(c.Cookie.SameSite) {
	case "strict":
		return http.SameSiteStrictMode, nil
	case "lax":
		return http.SameSiteLaxMode, nil
	case "none":
		return http.SameSiteNoneMode, nil
	}
	return 0, fmt.Errorf("%s must be strict, lax or none",
		envName("refresh-cookie-samesite"))
}

func (c *Config) hasherConfig() auth.HasherConfig {
	params := auth.DefaultHashParams()
	params.MemoryKiB = uint32(min(c.Password.Argon2MemoryKiB, 1<<22))
	params.Iterations = uint32(min(c.Password.Argon2Time, 1<<8))
	params.Parallelism = uint8(min(c.Password.Argon2Threads, 255))
	return auth.HasherConfig{
		Params:      params,
		Concurrency: c.Password.HashConcurrency,
		QueueSize:   c.Password.HashQueue,
		MaxWait:     c.Password.HashMaxWait,
	}
}

// devFile is where development keeps a generated key with the given
// extension: beside an SQLite database, or in the working directory for
// PostgreSQL.
func (c *Config) devFile(ext string) string {
	dialect, path, err := store.ParseURL(c.Database)
	if err != nil || dialect != store.SQLite {
		return "usergraph" + ext
	}
	return strings.TrimSuffix(path, filepath.Ext(path)) + ext
}

func usage(fs *flag.FlagSet, out io.Writer) {
	fmt.Fprintf(out, "usergraph serves a GraphQL API for user accounts.\n\n"+
		"Usage: usergraph [flags]\n\n"+
		"Every flag can also be set by the environment variable shown.\n\n")
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(out, "  --%s  (%s)\n", f.Name, envName(f.Name))
		fmt.Fprintf(out, "        %s", f.Usage)
		if f.DefValue != "" {
			fmt.Fprintf(out, " [default %s]", f.DefValue)
		}
		fmt.Fprintln(out)
	})
}

func defaultConcurrency() int {
	return max(1, min(runtime.NumCPU(), 64))
}
