-- Score cards and leaderboards rank the whole team. Reading one row per member
-- keeps that proportional to the team, not to team × days of history.
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

-- SQLite takes the bare columns from the row holding MAX(day).
INSERT INTO latest_scores (team_id, user_id, day, score, raw)
    SELECT team_id, user_id, MAX(day), score, raw FROM scores GROUP BY team_id, user_id;
INSERT INTO latest_network_scores (team_id, user_id, network, day, score)
    SELECT team_id, user_id, network, MAX(day), score FROM network_scores
    GROUP BY team_id, user_id, network;

-- Past boards (the 7-day arrows, movers) read one covering entry per member and day.
CREATE INDEX scores_board ON scores (team_id, day, user_id, raw);
DROP INDEX scores_team_day;
CREATE INDEX network_scores_board ON network_scores (team_id, network, day, user_id, score);
