-- When a Slack workspace removed the app: its members' data is kept for a grace
-- period (a reinstall clears the mark), then deleted with the team.
ALTER TABLE teams ADD COLUMN uninstalled_at TEXT;
