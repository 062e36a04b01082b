-- The schema that the legacy numbered migrations (chatbot/storage/migrations, 0001-0008)
-- leave, as SQLite stores it: new databases start here, so a fresh file and an upgraded
-- one are the same. Later schema changes are Alembic revisions in versions/.

CREATE TABLE teams (
    team_id          TEXT PRIMARY KEY,
    platform         TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    post_channel     TEXT,
    post_weekday     INTEGER NOT NULL DEFAULT 4 CHECK (post_weekday BETWEEN 0 AND 6),
    post_time        TEXT NOT NULL DEFAULT '10:00',
    timezone         TEXT NOT NULL DEFAULT 'UTC',
    networks         TEXT NOT NULL DEFAULT 'mastodon,bluesky,github,x,youtube',
    count_unverified INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL
, card_style TEXT NOT NULL DEFAULT 'text', uninstalled_at TEXT);

CREATE TABLE members (
    team_id           TEXT NOT NULL REFERENCES teams (team_id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL,
    display_name      TEXT NOT NULL DEFAULT '',
    joined_at         TEXT NOT NULL,
    last_refreshed_at TEXT,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE handles (
    team_id         TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    network         TEXT NOT NULL,
    handle          TEXT NOT NULL,
    account_id      TEXT,
    verify_code     TEXT NOT NULL,
    verified_at     TEXT,
    created_at      TEXT NOT NULL,
    last_fetched_at TEXT,
    stale_reason    TEXT,
    stale_since     TEXT,
    PRIMARY KEY (team_id, user_id, network),
    FOREIGN KEY (team_id, user_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
);

CREATE TABLE metric_snapshots (
    team_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    network    TEXT NOT NULL,
    day        TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    followers  INTEGER NOT NULL,
    following  INTEGER NOT NULL,
    posts      INTEGER NOT NULL,
    extra_json TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (team_id, user_id, network, day),
    FOREIGN KEY (team_id, user_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
);

CREATE TABLE posts (
    team_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    network     TEXT NOT NULL,
    post_id     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    replies     INTEGER NOT NULL DEFAULT 0,
    reposts     INTEGER NOT NULL DEFAULT 0,
    quotes      INTEGER NOT NULL DEFAULT 0,
    likes       INTEGER NOT NULL DEFAULT 0,
    has_media   INTEGER NOT NULL DEFAULT 0,
    is_question INTEGER NOT NULL DEFAULT 0,
    is_reply    INTEGER NOT NULL DEFAULT 0,
    is_repost   INTEGER NOT NULL DEFAULT 0, parent_id TEXT NOT NULL DEFAULT '', reply_to_self INTEGER NOT NULL DEFAULT 0, reactors_json TEXT,
    PRIMARY KEY (team_id, user_id, network, post_id),
    FOREIGN KEY (team_id, user_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
);

CREATE INDEX posts_created ON posts (created_at);

CREATE TABLE scores (
    team_id         TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    day             TEXT NOT NULL,
    score           INTEGER NOT NULL,
    raw             REAL NOT NULL,
    version         TEXT NOT NULL,
    components_json TEXT NOT NULL,
    computed_at     TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id, day),
    FOREIGN KEY (team_id, user_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
);

CREATE TABLE network_scores (
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    day     TEXT NOT NULL,
    network TEXT NOT NULL,
    score   REAL NOT NULL,
    PRIMARY KEY (team_id, user_id, day, network),
    FOREIGN KEY (team_id, user_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
);

CREATE TABLE endorsements (
    id          INTEGER PRIMARY KEY,
    team_id     TEXT NOT NULL,
    giver_id    TEXT NOT NULL,
    receiver_id TEXT NOT NULL,
    topic       TEXT NOT NULL,
    topic_key   TEXT NOT NULL,
    given_at    TEXT NOT NULL,
    FOREIGN KEY (team_id, giver_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (team_id, receiver_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
);

CREATE INDEX endorsements_receiver ON endorsements (team_id, receiver_id);

CREATE INDEX endorsements_giver ON endorsements (team_id, giver_id, given_at);

CREATE TABLE goals (
    team_id  TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    target   INTEGER NOT NULL CHECK (target BETWEEN 1 AND 100),
    by_date  TEXT,
    baseline REAL,
    set_at   TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id),
    FOREIGN KEY (team_id, user_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
);

CREATE TABLE scheduled_posts (
    team_id    TEXT NOT NULL REFERENCES teams (team_id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    period     TEXT NOT NULL,
    status     TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    claimed_by TEXT NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    posted_at  TEXT,
    PRIMARY KEY (team_id, kind, period)
);

CREATE TABLE followfriday_suggestions (
    team_id      TEXT NOT NULL,
    period       TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    suggested_id TEXT NOT NULL,
    network      TEXT NOT NULL, reasons TEXT NOT NULL DEFAULT '', position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, period, user_id, suggested_id),
    FOREIGN KEY (team_id, user_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (team_id, suggested_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
);

CREATE INDEX handles_team_network ON handles (team_id, network);

CREATE TABLE followfriday_plans (
    team_id     TEXT NOT NULL REFERENCES teams (team_id) ON DELETE CASCADE,
    period      TEXT NOT NULL,
    roster      TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (team_id, period)
);

CREATE TABLE latest_scores (
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    day     TEXT NOT NULL,
    score   INTEGER NOT NULL,
    raw     REAL NOT NULL,
    PRIMARY KEY (team_id, user_id),
    FOREIGN KEY (team_id, user_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX latest_scores_rank ON latest_scores (team_id, raw DESC);

CREATE TABLE latest_network_scores (
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    network TEXT NOT NULL,
    day     TEXT NOT NULL,
    score   REAL NOT NULL,
    PRIMARY KEY (team_id, user_id, network),
    FOREIGN KEY (team_id, user_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX latest_network_scores_rank ON latest_network_scores (team_id, network, score DESC);

CREATE INDEX scores_board ON scores (team_id, day, user_id, raw);

CREATE INDEX network_scores_board ON network_scores (team_id, network, day, user_id, score);

CREATE TABLE member_notices (
    id         INTEGER PRIMARY KEY,
    team_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    network    TEXT NOT NULL,
    handle     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (team_id, user_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
);

CREATE INDEX member_notices_member ON member_notices (team_id, user_id);

CREATE TABLE claim_challenges (
    team_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    network     TEXT NOT NULL,
    handle      TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    verify_code TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id, network),
    FOREIGN KEY (team_id, user_id) REFERENCES members (team_id, user_id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX handles_account ON handles (team_id, network, account_id);

CREATE UNIQUE INDEX handles_unidentified ON handles (team_id, network, handle)
    WHERE account_id IS NULL;
