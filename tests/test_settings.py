from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.settings import Settings, SettingsError, load_settings

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_env_file_is_read_and_empty_values_mean_unset(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("SLACK_BOT_TOKEN=xoxb-secret-value\nSLACK_APP_TOKEN=\nDISCORD_GUILD_ID=\n")
    settings = load_settings(env)
    assert settings.slack_bot_token is not None
    assert settings.slack_app_token is None and settings.discord_guild_id is None
    assert not settings.slack_enabled


def test_secrets_never_show_in_repr_or_logs(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DISCORD_TOKEN=super-secret-token\nGITHUB_TOKEN=ghp_secret\n")
    settings = load_settings(env)
    assert "super-secret-token" not in repr(settings)
    assert "ghp_secret" not in str(settings.model_dump())


def test_database_url_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(database_url="sqlite:///data/k.db").database_path == "data/k.db"
    assert Settings(database_url="sqlite:////var/k.db").database_path == "/var/k.db"
    assert Settings(database_url="k.db").database_path == "k.db"
    url = "postgresql://kb:s3cret@db.internal:5432/klout"
    assert Settings(database_url=url).database_path == url
    with pytest.raises(ValueError, match="unsupported"):
        _ = Settings(database_url="mysql://x/y").database_path


def test_every_setting_is_documented_in_env_example() -> None:
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"\n{name.upper()}=" in example, name


def test_bad_values_are_one_plain_line_each(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    (tmp_path / "a-file").write_text("")
    env.write_text("KLOUT_REFRESH_INTERVAL_MINUTES=1\nPORT=eighty\n"
                   f"KLOUT_EXPORT_DIR={tmp_path / 'a-file'}\nDATABASE_URL=mysql://h/db\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert sorted(caught.value.problems) == sorted([
        "KLOUT_REFRESH_INTERVAL_MINUTES must be at least 5",
        "PORT must be a whole number",
        f"KLOUT_EXPORT_DIR: must be a folder, and {tmp_path / 'a-file'} is a file",
        "DATABASE_URL: unsupported scheme mysql; use sqlite:///FILE or postgresql://...",
    ])


def test_the_cli_prints_bad_settings_and_exits_at_once(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KLOUT_REFRESH_INTERVAL_MINUTES=1\n"
                                   "KLOUT_SCORE_WINDOW_DAYS=1000\n")
    result = subprocess.run(
        [sys.executable, "-m", "chatbot", "console"], input="", capture_output=True,
        text=True, cwd=tmp_path, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "kloutbot: KLOUT_REFRESH_INTERVAL_MINUTES must be at least 5",
        "kloutbot: KLOUT_SCORE_WINDOW_DAYS must be at most 365",
    ]
    assert not (tmp_path / "kloutbot.db").exists()


def test_tests_do_not_read_a_dotenv_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The autouse fixture in conftest keeps a developer's `.env` (and shell) out of tests."""
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    monkeypatch.chdir(tmp_path)
    assert Settings().slack_bot_token is None
