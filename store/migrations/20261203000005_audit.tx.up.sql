-- The audit log, and indexes for the admin's user list. An event names
-- its actor and target by id; deleting a user keeps the event and sets
-- the id to NULL. email_digest is an HMAC-SHA256 (hex) of a normalized
-- address under a server key, never the address or a plain hash. Times
-- are {{.Time}} in UTC.
CREATE TABLE audit_events (
	id TEXT PRIMARY KEY,
	type TEXT NOT NULL,
	actor_id TEXT REFERENCES users (id) ON DELETE SET NULL,
	target_id TEXT REFERENCES users (id) ON DELETE SET NULL,
	email_digest TEXT,
	ip_address TEXT,
	user_agent TEXT,
	created_at {{.Time}} NOT NULL
);
--bun:split
-- Listing newest first, and purging by age.
CREATE INDEX audit_events_created_at_idx ON audit_events (created_at, id);
--bun:split
CREATE INDEX audit_events_actor_id_idx
	ON audit_events (actor_id, created_at, id);
--bun:split
CREATE INDEX audit_events_target_id_idx
	ON audit_events (target_id, created_at, id);
--bun:split
CREATE INDEX audit_events_type_idx ON audit_events (type, created_at, id);
--bun:split
-- Scrubbing the failed logins of a deleted user's address.
CREATE INDEX audit_events_email_digest_idx ON audit_events (email_digest)
	WHERE email_digest IS NOT NULL;
--bun:split
-- Keyset pagination of users by creation and by last login; the email
-- order uses the unique index on email_normalized.
CREATE INDEX users_created_at_idx ON users (created_at, id);
--bun:split
CREATE INDEX users_last_login_at_idx ON users (last_login_at, id);
--bun:split
-- The last-administrator guard reads the active administrators.
CREATE INDEX users_active_admin_idx ON users (id)
	WHERE role = 'ADMIN' AND NOT disabled;
