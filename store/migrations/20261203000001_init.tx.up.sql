-- Accounts and their login sessions. Identifiers are UUIDv7 strings;
-- times are {{.Time}} in UTC.
CREATE TABLE users (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL,
	email_normalized TEXT NOT NULL,
	email_verified BOOLEAN NOT NULL DEFAULT FALSE,
	password_hash TEXT NOT NULL,
	display_name TEXT,
	bio TEXT,
	avatar_url TEXT,
	role TEXT NOT NULL DEFAULT 'USER' CHECK (role IN ('USER', 'ADMIN')),
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{.Time}} NOT NULL,
	updated_at {{.Time}} NOT NULL,
	last_login_at {{.Time}}
);
--bun:split
CREATE UNIQUE INDEX users_email_normalized_key ON users (email_normalized);
--bun:split
CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at {{.Time}} NOT NULL,
	last_used_at {{.Time}} NOT NULL,
	expires_at {{.Time}} NOT NULL,
	revoked_at {{.Time}},
	user_agent TEXT,
	ip_address TEXT
);
--bun:split
CREATE INDEX sessions_user_id_idx ON sessions (user_id, last_used_at);
--bun:split
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
