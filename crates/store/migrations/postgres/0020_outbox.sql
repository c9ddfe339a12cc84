-- The transactional outbox: every event a department system or subscriber may care
-- about, written in the transaction of the change it reports (so an event exists iff
-- its change committed). The payload is the JSON a webhook or NATS message carries:
-- ids and what changed, never a name or an ID number.
CREATE TABLE outbox (
    seq         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_type  TEXT    NOT NULL,
    -- Who receives it; NULL: every subscription.
    department  TEXT,
    case_id     TEXT,
    payload     TEXT    NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Where events go: a department's webhook endpoint (created by an administrator) or
-- the NATS publisher of this deployment (kind 'nats', department '*').
-- event_types is ',a,b,' (matched with LIKE) or '*'. The secret (whsec_ key bytes or
-- the Ed25519 seed) is sealed like department keys when a master key is configured.
CREATE TABLE webhook_subscriptions (
    id              TEXT    PRIMARY KEY,
    department      TEXT    NOT NULL,
    event_types     TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('webhook', 'nats')),
    url             TEXT    NOT NULL,
    scheme          TEXT    NOT NULL CHECK (scheme IN ('v1', 'v1a')),
    secret          BYTEA   NOT NULL,
    public_key      TEXT,
    enabled         BIGINT NOT NULL,
    disabled_reason TEXT,
    created_at      BIGINT NOT NULL,
    created_by      TEXT    NOT NULL
);

-- One delivery of one outbox event to one subscription, made in the same transaction
-- as the event. Deliveries of one ordering key (the case) to one subscription go in
-- outbox order: one is claimed only when no earlier one is pending.
CREATE TABLE webhook_deliveries (
    subscription_id TEXT    NOT NULL REFERENCES webhook_subscriptions (id),
    outbox_seq      BIGINT NOT NULL REFERENCES outbox (seq),
    ordering_key    TEXT,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    -- Attempts ever made; a replay starts a new round of the schedule at round_start.
    attempts        BIGINT NOT NULL,
    round_start     BIGINT NOT NULL DEFAULT 0,
    next_at         BIGINT NOT NULL,
    claimed_by      TEXT,
    claimed_until   BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, outbox_seq)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (subscription_id, ordering_key, outbox_seq);
CREATE INDEX webhook_deliveries_claim ON webhook_deliveries (claimed_by);

-- Every attempt: when, the HTTP status (none when the endpoint was unreachable), how
-- long it took, and the error.
CREATE TABLE webhook_attempts (
    subscription_id TEXT    NOT NULL,
    outbox_seq      BIGINT NOT NULL,
    attempt         BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    status          BIGINT,
    latency_ms      BIGINT NOT NULL,
    error           TEXT,
    PRIMARY KEY (subscription_id, outbox_seq, attempt)
);

CREATE INDEX webhook_attempts_at ON webhook_attempts (subscription_id, at);
