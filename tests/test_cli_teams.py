"""`--team` takes the id or the name members know; unknown or ambiguous is an error."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.cli import main
from chatbot.storage import open_storage
from chatbot.storage.models import Team
from chatbot.team_choice import TeamChoiceError, choose_team

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def _seed(path: Path) -> None:
    storage = await open_storage(path)
    try:
        teams = (("console:acme", "console", "acme"), ("slack:T0ACME", "slack", "Acme Corp"),
                 ("discord:1", "discord", "Twins"), ("discord:2", "discord", "twins"))
        for team_id, platform, name in teams:
            await storage.teams.ensure(team_id, platform, name, NOW)
        # An account on a network this bot has no key for: refreshed without any network call.
        for team_id in ("console:acme", "slack:T0ACME"):
            await storage.members.ensure(team_id, "alice", "alice", NOW)
            await storage.handles.add(team_id, "alice", "x", "alice", None, "code", NOW)
        await storage.members.ensure("console:acme", "bob", "bob", NOW)
        await storage.handles.add("console:acme", "bob", "x", "bob", None, "code", NOW)
    finally:
        await storage.close()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "k.db"
    asyncio.run(_seed(path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("KLOUT_EXPORT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("NO_COLOR", "1")
    return path


@pytest.mark.parametrize(("team", "refreshed"), [("acme", 2), ("ACME", 2), ("console:acme", 2),
                                                 ("Acme Corp", 1), ("T0ACME", 1)])
def test_refresh_takes_the_team_by_name_or_id(
    database: Path, capsys: pytest.CaptureFixture[str], team: str, refreshed: int
) -> None:
    assert main(["refresh", "--all", "--team", team]) == 0
    assert f"{refreshed} members refreshed" in capsys.readouterr().out


def test_followfriday_finds_the_console_team_by_its_name(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["followfriday", "--team", "acme", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "console:acme" in out and "Dry run" in out


@pytest.mark.parametrize("command", [["refresh"], ["followfriday", "--dry-run"]])
def test_an_unknown_team_is_an_error_that_lists_the_teams(
    database: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main([*command, "--team", "nosuch"]) == 2
    captured = capsys.readouterr()
    assert "members refreshed" not in captured.out
    assert "No team “nosuch”" in captured.err
    for shown in ("acme (console:acme)", "Acme Corp (slack:T0ACME)", "Twins (discord:1)"):
        assert shown in captured.err


def test_a_name_two_teams_share_is_refused_until_the_id_is_given(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["refresh", "--team", "twins"]) == 2
    err = capsys.readouterr().err
    assert "names 2 teams" in err and "discord:1" in err and "discord:2" in err
    assert main(["refresh", "--team", "discord:2"]) == 0


_TEAM_IDS = st.sampled_from(["console:acme", "slack:T1", "slack:T2", "discord:9", "console:x"])


@given(st.lists(st.tuples(_TEAM_IDS, st.sampled_from(["acme", "Acme", "x", "", "twins"])),
                unique_by=lambda pair: pair[0], min_size=1),
       st.data())
def test_an_id_always_names_its_own_team_and_a_name_never_picks_among_several(
    pairs: list[tuple[str, str]], data: st.DataObject
) -> None:
    teams = [Team(team_id, team_id.split(":")[0], name, None, 4, "10:00", "UTC", (), True,
                  "text", NOW) for team_id, name in pairs]
    wanted = data.draw(st.sampled_from(teams))
    assert choose_team(teams, wanted.team_id) == wanted
    if wanted.name:
        sharing = [t for t in teams if t.name.casefold() == wanted.name.casefold()]
        native = [t for t in teams if t.team_id.partition(":")[2] == wanted.name]
        if len(sharing) > 1 and len(native) != 1:
            with pytest.raises(TeamChoiceError, match="names"):
                choose_team(teams, wanted.name)
        elif not native:
            assert choose_team(teams, wanted.name) == wanted
