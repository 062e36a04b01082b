-- Score v2 reads threads (self-replies never count as conversation) and, where
-- a network names who reacted, how many distinct people did (pods and sock
-- puppets are tempered). Older rows have neither: empty parent, not sampled.
ALTER TABLE posts ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN reply_to_self INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN reactors_json TEXT;
