-- Signed-in sessions of the web pages.
-- Keep in step with ../../sqlite/2026-12-07-000007_web_sessions/up.sql.

-- A session is a random secret in an HttpOnly cookie; only its SHA-256 is
-- kept. It speaks for the token it was opened with, so revoking the token
-- ends its sessions too.
CREATE TABLE web_sessions (
    id BIGSERIAL PRIMARY KEY,
    session_hash TEXT NOT NULL UNIQUE,
    token_id BIGINT NOT NULL REFERENCES api_tokens (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
