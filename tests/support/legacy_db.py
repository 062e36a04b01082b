"""SQLite files as the code before Alembic left them: legacy migrations 1..N applied."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chatbot.storage.legacy import migrations
from chatbot.storage.topics import topic_key


def make_legacy(path: Path, version: int) -> sqlite3.Connection:
    """A file at user_version `version`, and an open connection to fill it (commit, close)."""
    raw = sqlite3.connect(path)
    raw.create_function("klout_topic_key", 1, topic_key, deterministic=True)
    for number, _name, sql in migrations():
        if number > version:
            break
        raw.executescript(sql)
        raw.execute(f"PRAGMA user_version={number}")
    raw.commit()
    return raw
