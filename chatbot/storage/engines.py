"""`DATABASE_URL` to a driver URL: a SQLite file (the embedded default) or PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError


@dataclass(frozen=True)
class DatabaseTarget:
    dialect: str
    """"sqlite" or "postgresql"."""
    sqlalchemy_url: URL
    path: str = ""
    """The SQLite file (or ":memory:")."""
    connect_args: dict[str, Any] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """How messages and logs name the database: never with its password."""
        if self.dialect == "sqlite":
            return self.path
        return self.sqlalchemy_url.set(drivername="postgresql").render_as_string(
            hide_password=True)

    def secrets(self) -> list[str]:
        """The password in the URL, for the log redactor."""
        password = self.sqlalchemy_url.password
        return [str(password)] if password else []

    def redact(self, text: str) -> str:
        """A driver's message with the password, should it quote one, blotted out."""
        password = self.sqlalchemy_url.password
        if password:
            return text.replace(str(password), "***")
        return text


def target_of(url: str | Path, *, search_path: str | None = None) -> DatabaseTarget:
    """sqlite:///relative.db, sqlite:////absolute.db, a plain file path, or
    postgresql://user:password@host:5432/db (postgres:// and +asyncpg too).

    `search_path` puts every table in one PostgreSQL schema (the tests give each
    test its own)."""
    raw = str(url)
    if "://" not in raw:
        return _sqlite(raw)
    scheme = raw.split("://", 1)[0].lower()
    if scheme.startswith("sqlite"):
        rest = raw.split("://", 1)[1]
        return _sqlite(rest[1:] if rest.startswith("/") else rest)
    if scheme in {"postgresql", "postgres", "postgresql+asyncpg"}:
        try:
            parsed = make_url("postgresql+asyncpg://" + raw.split("://", 1)[1])
        except ArgumentError as exc:
            raise ValueError("DATABASE_URL is not a valid postgresql:// URL") from exc
        settings = {"application_name": "kloutbot"}
        for name in ("search_path", "application_name"):
            value = parsed.query.get(name)
            if value:
                settings[name] = str(value)
        if search_path:
            settings["search_path"] = search_path
        parsed = parsed.difference_update_query(["search_path", "application_name"])
        return DatabaseTarget("postgresql", parsed,
                              connect_args={"server_settings": settings})
    raise ValueError(f"unsupported scheme {scheme}; use sqlite:///FILE or postgresql://...")


def _sqlite(path: str) -> DatabaseTarget:
    if not path:
        raise ValueError("DATABASE_URL names no file; use sqlite:///FILE")
    url = URL.create("sqlite+aiosqlite", database=path)
    return DatabaseTarget("sqlite", url, path=path)
