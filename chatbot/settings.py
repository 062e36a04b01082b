"""Typed settings from the environment and an optional `.env` file.

Built once by the CLI at start-up and handed down; nothing reads the
environment at import time, so tests build their own Settings freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chatbot.admission import DEFAULT_DEADLINE_SECONDS, DEFAULT_MAX_IN_FLIGHT
from chatbot.storage.engines import target_of

_PLAIN_WORDS = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
}


WEB_SECRET_MIN_LENGTH = 32
"""A shorter HMAC key could be guessed offline from one link."""


class SettingsError(ValueError):
    """Bad settings, one line per setting, in the names the operator typed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _problem(error: Mapping[str, Any]) -> str:
    name = "_".join(str(part) for part in error["loc"]).upper() or "settings"
    template = _PLAIN_WORDS.get(error["type"])
    if template is not None:
        return f"{name} {template.format(**error.get('ctx', {}))}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{name}: {message}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,
    )

    # Storage
    database_url: str = Field(
        default="sqlite:///kloutbot.db",
        description="sqlite:///relative.db, sqlite:////absolute.db, a plain file path, or "
                    "postgresql://user:password@host:5432/dbname",
    )

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # Many workspaces: installed through Slack's OAuth flow instead of one SLACK_BOT_TOKEN.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    klout_uninstall_grace_days: int = Field(default=30, ge=0, le=365)
    port: int = 3000

    # Discord
    discord_token: SecretStr | None = None
    discord_application_id: str | None = None
    discord_guild_id: int | None = None
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None
    discord_shard_count: int | None = None
    discord_shard_ids: str | None = None
    """`0-3`, `4,5` or `0-1,4`: this process's shards out of DISCORD_SHARD_COUNT."""

    # Operating
    log_format: Literal["text", "json"] = "text"

    # Web pages (served on PORT)
    klout_public_url: str | None = None
    """Where people reach PORT from outside, e.g. https://klout.example.org: links start here."""
    klout_web_secret: SecretStr | None = None
    """Signs the links `/klout web` hands out; changing it revokes every link."""

    # Networks
    bluesky_appview_url: str = "https://public.api.bsky.app"
    github_api_url: str = "https://api.github.com"
    github_token: SecretStr | None = None
    x_api_url: str = "https://api.x.com"
    x_bearer_token: SecretStr | None = None
    youtube_api_url: str = "https://www.googleapis.com/youtube/v3"
    youtube_api_key: SecretStr | None = None
    klout_allow_private_networks: bool = False

    # Engine and scheduler
    klout_refresh_interval_minutes: int = Field(default=360, ge=5)
    klout_score_window_days: int = Field(default=90, ge=7, le=365)
    klout_http_timeout_seconds: float = Field(default=10.0, gt=0)
    klout_max_response_bytes: int = Field(default=5_000_000, gt=1024)
    klout_export_dir: Path = Path("exports")
    klout_max_commands_in_flight: int = Field(default=DEFAULT_MAX_IN_FLIGHT, ge=1, le=10_000)
    klout_answer_deadline_seconds: float = Field(default=DEFAULT_DEADLINE_SECONDS, gt=0,
                                                 le=600)

    @field_validator("klout_export_dir")
    @classmethod
    def _export_dir_is_a_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"must be a folder, and {value} is a file")
        return value

    @field_validator("klout_public_url")
    @classmethod
    def _public_url_is_a_web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("https://", "http://")) or "?" in value or "#" in value:
            raise ValueError("must be the address people open, such as "
                             "https://klout.example.org (no query or fragment)")
        return value.rstrip("/")

    @field_validator("klout_web_secret")
    @classmethod
    def _web_secret_is_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < WEB_SECRET_MIN_LENGTH:
            raise ValueError(f"must be at least {WEB_SECRET_MIN_LENGTH} characters "
                             "(for example: openssl rand -hex 32)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_is_known(cls, value: str) -> str:
        target_of(value)
        return value

    @property
    def database_path(self) -> str:
        """What to open: the SQLite file, or the PostgreSQL URL as given."""
        target = target_of(self.database_url)
        return target.path if target.dialect == "sqlite" else self.database_url

    @property
    def slack_oauth_enabled(self) -> bool:
        """Installable in many workspaces: an app's credentials and no single bot token."""
        return (self.slack_bot_token is None and self.slack_client_id is not None
                and self.slack_client_secret is not None
                and self.slack_signing_secret is not None)

    @property
    def slack_enabled(self) -> bool:
        return self.slack_oauth_enabled or (self.slack_bot_token is not None and (
            self.slack_app_token is not None or self.slack_signing_secret is not None
        ))

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """The only place settings come from at run time; bad values raise SettingsError."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise SettingsError([_problem(error) for error in exc.errors()]) from None
