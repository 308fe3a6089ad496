-- Refresh-token chains: one chain per session, stored as SHA-256 digests.
-- A used digest lives as long as its session, so that reuse is noticed.
CREATE TABLE refresh_tokens (
	id TEXT PRIMARY KEY,
	session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	digest TEXT NOT NULL,
	created_at {{.Time}} NOT NULL,
	used_at {{.Time}}
);
--bun:split
CREATE UNIQUE INDEX refresh_tokens_digest_key ON refresh_tokens (digest);
--bun:split
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);
