-- Identity beyond passwords (issue #18).
--
-- Department systems call the API with OAuth 2.0 client credentials: a client per
-- system, bound to one department and a set of scopes; its secrets (more than one
-- while a rotation's grace period runs), stored as keyed hashes; and the short-lived
-- access tokens issued to it, stored as SHA-256 hashes like sessions.
CREATE TABLE service_clients (
    client_id  TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    department TEXT    NOT NULL,
    scopes     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE TABLE service_secrets (
    id         TEXT    NOT NULL PRIMARY KEY,
    client_id  TEXT    NOT NULL REFERENCES service_clients (client_id),
    hash       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
) STRICT;

CREATE INDEX service_secrets_client ON service_secrets (client_id, created_at);

CREATE TABLE service_tokens (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    client_id  TEXT    NOT NULL REFERENCES service_clients (client_id),
    secret_id  TEXT    NOT NULL REFERENCES service_secrets (id),
    scopes     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX service_tokens_expiry ON service_tokens (expires_at);

-- OpenID Connect logins in flight: the hash of the `state` sent to the provider,
-- with the nonce and PKCE verifier to check its answer against. Taken (deleted)
-- once, by whichever node the browser comes back to.
CREATE TABLE oidc_requests (
    state_hash TEXT    NOT NULL PRIMARY KEY,
    nonce      TEXT    NOT NULL,
    verifier   TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

-- An admin's mapping of a verified ID number to an account (staff whose provider
-- does not say their department).
CREATE TABLE identity_links (
    id_number  TEXT    NOT NULL PRIMARY KEY,
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    linked_at  INTEGER NOT NULL,
    linked_by  TEXT    NOT NULL
) STRICT;
