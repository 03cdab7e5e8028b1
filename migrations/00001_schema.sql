-- Schema of the marketing site. Portable across MySQL 8 / Aurora MySQL 3 and
-- MariaDB 10.11: utf8mb4_unicode_ci exists in both, no JSON columns, no
-- engine-specific syntax.

-- +goose Up
CREATE TABLE vehicles (
    id          VARCHAR(40)  NOT NULL,
    name        VARCHAR(100) NOT NULL,
    model_year  SMALLINT     NOT NULL,
    body_type   VARCHAR(20)  NOT NULL,
    powertrain  VARCHAR(20)  NOT NULL,
    seats       TINYINT      NOT NULL,
    summary     VARCHAR(300) NOT NULL,
    sort_order  SMALLINT     NOT NULL DEFAULT 0,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Prices are whole units of the market's currency (US dollars, Korean won).
CREATE TABLE vehicle_prices (
    vehicle_id  VARCHAR(40) NOT NULL,
    market      CHAR(2)     NOT NULL,
    currency    CHAR(3)     NOT NULL,
    msrp        BIGINT      NOT NULL,
    PRIMARY KEY (vehicle_id, market),
    CONSTRAINT fk_prices_vehicle FOREIGN KEY (vehicle_id) REFERENCES vehicles (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE campaigns (
    id          INT          NOT NULL AUTO_INCREMENT,
    market      CHAR(2)      NOT NULL,
    slug        VARCHAR(60)  NOT NULL,
    title       VARCHAR(120) NOT NULL,
    body        VARCHAR(600) NOT NULL,
    vehicle_id  VARCHAR(40)  NULL,
    starts_on   DATE         NOT NULL,
    ends_on     DATE         NOT NULL,
    priority    SMALLINT     NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    UNIQUE KEY uq_campaigns_market_slug (market, slug),
    CONSTRAINT fk_campaigns_vehicle FOREIGN KEY (vehicle_id) REFERENCES vehicles (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A lead is a test-drive or brochure request. Its id is 128 random bits in
-- hex: the URL is the capability. idempotency_key makes a retried or
-- double-submitted request one row; request_hash tells a replay (same body)
-- from a conflicting reuse of the key (another body).
CREATE TABLE leads (
    id               CHAR(32)      NOT NULL,
    idempotency_key  VARCHAR(100)  NOT NULL,
    request_hash     CHAR(64)      NOT NULL,
    kind             VARCHAR(20)   NOT NULL,
    name             VARCHAR(100)  NOT NULL,
    email            VARCHAR(254)  NOT NULL,
    phone            VARCHAR(16)   NULL,
    vehicle_id       VARCHAR(40)   NOT NULL,
    market           CHAR(2)       NOT NULL,
    preferred_date   DATE          NULL,
    message          VARCHAR(1000) NULL,
    consent          TINYINT(1)    NOT NULL,
    region           VARCHAR(32)   NOT NULL,
    created_at       DATETIME(6)   NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_leads_idempotency_key (idempotency_key),
    CONSTRAINT fk_leads_vehicle FOREIGN KEY (vehicle_id) REFERENCES vehicles (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per POST /api/health-checks: which region asked and which writer
-- node took the write. Drills count these rows to find lost or doubled writes.
CREATE TABLE health_checks (
    id               BIGINT       NOT NULL AUTO_INCREMENT,
    idempotency_key  VARCHAR(100) NOT NULL,
    request_hash     CHAR(64)     NOT NULL,
    region           VARCHAR(32)  NOT NULL,
    writer_node      VARCHAR(100) NOT NULL,
    writer_region    VARCHAR(32)  NOT NULL,
    created_at       DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_health_checks_idempotency_key (idempotency_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every backend process writes its own row through the writer every second
-- and right after each of its writes, with an increasing seq and the
-- writer's clock. A reader's copy of a row shows how far that reader has
-- replicated: consistency tokens name (source, seq), and replication lag is
-- the reader's clock minus ts when a new seq becomes visible (Aurora has no
-- GTID waits, so this works the same on Aurora, MySQL and MariaDB).
CREATE TABLE heartbeat (
    source      VARCHAR(64)  NOT NULL,
    region      VARCHAR(32)  NOT NULL,
    seq         BIGINT       NOT NULL,
    ts          DATETIME(6)  NOT NULL,
    writer_node VARCHAR(100) NOT NULL,
    PRIMARY KEY (source),
    KEY ix_heartbeat_ts (ts)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE heartbeat;
DROP TABLE health_checks;
DROP TABLE leads;
DROP TABLE campaigns;
DROP TABLE vehicle_prices;
DROP TABLE vehicles;
