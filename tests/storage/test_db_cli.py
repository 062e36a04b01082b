"""`kloutbot db status` and `kloutbot db upgrade`, on both engines."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from chatbot.cli import UPGRADE_PENDING, main
from chatbot.storage.schema import head
from tests.support.engines import is_postgres
from tests.support.legacy_db import make_legacy


def _run(monkeypatch: pytest.MonkeyPatch, url: str, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    return main(["--env-file", "/nonexistent/.env", *argv])


def test_status_of_an_empty_database_is_pending_until_upgraded(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run(monkeypatch, database_url, "db", "status") == UPGRADE_PENDING
    out = capsys.readouterr().out
    assert "current revision: none" in out and f"latest revision: {head()}" in out
    assert "upgrade pending" in out
    assert _run(monkeypatch, database_url, "db", "upgrade") == 0
    capsys.readouterr()
    assert _run(monkeypatch, database_url, "db", "status") == 0
    out = capsys.readouterr().out
    assert f"current revision: {head()}" in out and "up to date" in out
    if is_postgres(database_url):
        assert "postgresql://postgres" in out


def test_status_of_a_legacy_file_names_its_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "old.db"
    make_legacy(path, 4).close()
    assert _run(monkeypatch, f"sqlite:///{path}", "db", "status") == UPGRADE_PENDING
    assert "current revision: legacy 4" in capsys.readouterr().out


def test_a_password_never_reaches_the_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """Nothing listens on port 1: the error names the server but not the password."""
    url = "postgresql://kb:hunter2secret@127.0.0.1:1/klout"
    assert _run(monkeypatch, url, "db", "status") == 1
    err = capsys.readouterr().err
    assert "127.0.0.1" in err and "hunter2secret" not in err and len(err.splitlines()) == 1


def test_the_password_is_redacted_from_whatever_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    url = "postgresql://kb:Zq9-unusual-pw@127.0.0.1:1/klout"
    _run(monkeypatch, url, "db", "status")
    logging.getLogger("asyncpg").warning("connect failed for password Zq9-unusual-pw")
    assert "Zq9-unusual-pw" not in caplog.text and "REDACTED" in caplog.text
