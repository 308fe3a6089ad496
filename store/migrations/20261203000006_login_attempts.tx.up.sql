-- Failed logins per email address (a keyed digest of it), shared by all
-- instances, for exponential back-off.
CREATE TABLE login_attempts (
	email_digest TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	locked_until {{.Time}},
	updated_at {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX login_attempts_updated_at_idx ON login_attempts (updated_at);
