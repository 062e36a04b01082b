"""`kloutbot discord invite-url`: the link, or one line saying what to set."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.cli import main

APP = "1030118727418646629"


@pytest.fixture(autouse=True)
def no_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_APPLICATION_ID", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_the_invite_url_names_the_application(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DISCORD_APPLICATION_ID", APP)
    assert main(["discord", "invite-url"]) == 0
    assert f"client_id={APP}" in capsys.readouterr().out


@pytest.mark.parametrize(("env", "message"), [
    ({}, "Set DISCORD_APPLICATION_ID or DISCORD_TOKEN first."),
    ({"DISCORD_TOKEN": "not-a-token"}, "DISCORD_TOKEN does not look like a bot token."),
])
def test_without_a_usable_id_it_says_what_to_set(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["discord", "invite-url"]) == 2
    assert capsys.readouterr().err.strip() == message
