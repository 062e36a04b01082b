-- Score cards can be answered as an image; teams choose.
ALTER TABLE teams ADD COLUMN card_style TEXT NOT NULL DEFAULT 'text';

-- Leaderboards and score cards read "latest score on or before a day" per member.
CREATE INDEX scores_team_day ON scores (team_id, day);
CREATE INDEX handles_team_network ON handles (team_id, network);
