-- One-time tokens sent by email (verify an address, reset a password,
-- confirm an email change), stored as SHA-256 digests, and the mail
-- outbox. Both go with their user. Times are {{.Time}} in UTC.
CREATE TABLE one_time_tokens (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose TEXT NOT NULL
		CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
	digest TEXT NOT NULL,
	email TEXT NOT NULL,
	email_normalized TEXT NOT NULL,
	created_at {{.Time}} NOT NULL,
	expires_at {{.Time}} NOT NULL,
	used_at {{.Time}}
);
--bun:split
CREATE UNIQUE INDEX one_time_tokens_digest_key ON one_time_tokens (digest);
--bun:split
CREATE INDEX one_time_tokens_user_id_idx ON one_time_tokens (user_id, purpose);
--bun:split
CREATE INDEX one_time_tokens_expires_at_idx ON one_time_tokens (expires_at);
--bun:split
-- Messages to send and jobs that make messages, written in the
-- transaction of the change that causes them. recipient and data (sealed,
-- it may hold a token) are cleared once the message is sent or given
-- up; the row stays a while so that flood control can count it by
-- recipient_digest, an HMAC of the normalized address. user_id is NULL
-- for a job that names an address rather than an account.
CREATE TABLE mail_outbox (
	id TEXT PRIMARY KEY,
	user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
	purpose TEXT NOT NULL,
	recipient TEXT,
	recipient_digest TEXT NOT NULL,
	data TEXT,
	message_id TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at {{.Time}} NOT NULL,
	claim TEXT,
	sent_at {{.Time}},
	failed_at {{.Time}},
	last_error TEXT,
	created_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX mail_outbox_message_id_key ON mail_outbox (message_id);
--bun:split
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at)
	WHERE sent_at IS NULL AND failed_at IS NULL;
--bun:split
CREATE INDEX mail_outbox_flood_idx
	ON mail_outbox (recipient_digest, purpose, created_at);
--bun:split
CREATE INDEX mail_outbox_user_id_idx ON mail_outbox (user_id);
--bun:split
CREATE INDEX mail_outbox_created_at_idx ON mail_outbox (created_at);
