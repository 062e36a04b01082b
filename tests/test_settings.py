from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.settings import Settings, load_settings


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
    with pytest.raises(ValueError, match="unsupported"):
        _ = Settings(database_url="postgres://x/y").database_path


def test_every_setting_is_documented_in_env_example() -> None:
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"\n{name.upper()}=" in example, name
