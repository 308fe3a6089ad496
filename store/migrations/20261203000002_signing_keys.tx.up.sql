-- Keys that sign and verify access tokens. A key is published (in the
-- JWKS, accepted, not signing yet), then active (signing), then retired
-- (accepted until its tokens expire, then deleted). private_key is the
-- secret material sealed with a key-encryption key from configuration,
-- never plaintext; public_jwk is NULL for HS256 keys, which are never
-- published. Times are {{.Time}} in UTC.
CREATE TABLE signing_keys (
	id TEXT PRIMARY KEY,
	algorithm TEXT NOT NULL
		CHECK (algorithm IN ('EdDSA', 'RS256', 'ES256', 'HS256')),
	state TEXT NOT NULL
		CHECK (state IN ('published', 'active', 'retired')),
	private_key TEXT NOT NULL,
	public_jwk TEXT,
	created_at {{.Time}} NOT NULL,
	published_at {{.Time}} NOT NULL,
	activated_at {{.Time}},
	retired_at {{.Time}},
	CHECK (state <> 'active' OR activated_at IS NOT NULL),
	CHECK (state <> 'retired' OR retired_at IS NOT NULL)
);
--bun:split
-- At most one key signs, whatever instances race to activate one.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (state)
	WHERE state = 'active';
