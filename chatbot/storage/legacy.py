"""The numbered SQL migrations that built SQLite files before Alembic (user_version 1-8).

A file that carries a user_version is brought to the last of these, then Alembic
takes over from its baseline, which is exactly the schema they leave.
"""

from __future__ import annotations

import re
import sqlite3
from importlib import resources

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) in order; numbering gaps are a packaging bug."""
    found: list[tuple[int, str, str]] = []
    folder = resources.files("chatbot.storage") / "migrations"
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise RuntimeError(f"migration {name} is out of sequence (expected {expected:04d})")
    return found


LATEST_VERSION = len(migrations())
"""The last legacy user_version; a file above it was written by a newer Kloutbot."""


def split_statements(sql: str) -> list[str]:
    """Migrations hold plain DDL; `sqlite3.complete_statement` finds the boundaries."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return [s for s in statements if s]
