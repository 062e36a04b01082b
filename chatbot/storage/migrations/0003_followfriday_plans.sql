-- A week's #FollowFriday plan is computed once and kept, so `/klout followfriday`
-- shows exactly what the weekly post shows. `roster` fingerprints the accounts
-- the plan was made from: when members join or leave before the post, the plan
-- is made again; after the post it stays as posted.
CREATE TABLE followfriday_plans (
    team_id     TEXT NOT NULL REFERENCES teams (team_id) ON DELETE CASCADE,
    period      TEXT NOT NULL,
    roster      TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (team_id, period)
);

-- Why each suggestion was made, as shown, and its place in the member's list.
ALTER TABLE followfriday_suggestions ADD COLUMN reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE followfriday_suggestions ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
