-- Score v2: an account is the network's stable id, never the typed spelling, and
-- it belongs to at most one member of a team. Unverified accounts become
-- provisional: their owner sees them, the team's boards do not.

-- Mastodon's stable id becomes the account's canonical URI. The ids stored so
-- far were local to each server (two servers can both have an account 7), so
-- they are cleared; the next refresh records each account's URI.
UPDATE handles SET account_id = NULL WHERE network = 'mastodon';

-- Something a member must be told on their next command, shown once.
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

-- A member's claim on an account another member registered without verifying:
-- it replaces that claim only when its one-time code shows in the profile.
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

-- Duplicate claims (one account id, or one handle where the id is unknown):
-- the verified claim keeps the account, else the oldest; the others go, with
-- that network's posts and snapshots, and their members are told.
CREATE TEMP TABLE lost_claims AS
SELECT team_id, user_id, network, handle FROM (
    SELECT team_id, user_id, network, handle, ROW_NUMBER() OVER (
        PARTITION BY team_id, network, COALESCE('id:' || account_id, 'handle:' || handle)
        ORDER BY verified_at IS NULL, created_at, user_id
    ) AS place
    FROM handles
) WHERE place > 1;

INSERT INTO member_notices (team_id, user_id, kind, network, handle, created_at)
SELECT team_id, user_id, 'claim_resolved', network, handle,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
FROM lost_claims;

DELETE FROM posts WHERE EXISTS (SELECT 1 FROM lost_claims l WHERE l.team_id = posts.team_id
    AND l.user_id = posts.user_id AND l.network = posts.network);
DELETE FROM metric_snapshots WHERE EXISTS (SELECT 1 FROM lost_claims l
    WHERE l.team_id = metric_snapshots.team_id AND l.user_id = metric_snapshots.user_id
    AND l.network = metric_snapshots.network);
DELETE FROM handles WHERE EXISTS (SELECT 1 FROM lost_claims l WHERE l.team_id = handles.team_id
    AND l.user_id = handles.user_id AND l.network = handles.network);

-- Handles were unique as typed; now the account is.
DROP INDEX handles_account;
CREATE UNIQUE INDEX handles_account ON handles (team_id, network, account_id);
CREATE UNIQUE INDEX handles_unidentified ON handles (team_id, network, handle)
    WHERE account_id IS NULL;

-- No team ever chose whether unverified accounts count: it was the default.
-- The new default, provisional, applies to every team; `/klout config
-- unverified count` brings the old behaviour back for a team that wants it.
UPDATE teams SET count_unverified = 0;

-- The boards read these rows. A score that counted an unverified account or a
-- lost claim leaves them until the next refresh scores the member again, and
-- that score starts afresh instead of being smoothed from the old one.
DELETE FROM latest_scores WHERE EXISTS (SELECT 1 FROM handles h
    WHERE h.team_id = latest_scores.team_id AND h.user_id = latest_scores.user_id
    AND h.verified_at IS NULL)
    OR EXISTS (SELECT 1 FROM lost_claims l WHERE l.team_id = latest_scores.team_id
    AND l.user_id = latest_scores.user_id)
    OR NOT EXISTS (SELECT 1 FROM handles h WHERE h.team_id = latest_scores.team_id
    AND h.user_id = latest_scores.user_id);
DELETE FROM latest_network_scores WHERE NOT EXISTS (SELECT 1 FROM handles h
    WHERE h.team_id = latest_network_scores.team_id
    AND h.user_id = latest_network_scores.user_id
    AND h.network = latest_network_scores.network AND h.verified_at IS NOT NULL);

DROP TABLE lost_claims;
