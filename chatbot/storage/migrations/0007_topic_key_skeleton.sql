-- Topic keys now fold look-alike letters and combining marks (chatbot/storage/topics.py),
-- so `ｐｙｔｈｏｎ`, `pythоn` (Cyrillic о) and `python` are one topic. Stored keys are
-- recomputed with the same Python function, registered on every connection.
UPDATE endorsements SET topic_key = klout_topic_key(topic);
