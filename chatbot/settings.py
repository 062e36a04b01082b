"""Typed settings from the environment and an optional `.env` file.

Built once by the CLI at start-up and handed down; nothing reads the
environment at import time, so tests build their own Settings freely.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
        description="sqlite:///relative.db, sqlite:////absolute.db or a plain file path",
    )

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
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

    @property
    def database_path(self) -> str:
        url = self.database_url
        if url.startswith("sqlite:///"):
            return url[len("sqlite:///") :]
        if url.startswith("sqlite://"):
            return url[len("sqlite://") :]
        if "://" in url:
            raise ValueError(f"unsupported DATABASE_URL scheme: {url.split('://')[0]}")
        return url

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None and (
            self.slack_app_token is not None or self.slack_signing_secret is not None
        )

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """The only place settings come from at run time."""
    return Settings(_env_file=env_file)  # type: ignore[call-arg]
