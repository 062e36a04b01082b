"""The dispatcher's memory of names written is bounded: a bot in many teams must not grow
without end, and a forgotten name only costs one more write."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.context import Caller, Services
from commands.recent_names import RecentNames
from commands.registry import Dispatcher


@given(size=st.integers(min_value=1, max_value=5),
       steps=st.lists(st.tuples(st.integers(min_value=0, max_value=9), st.sampled_from("ab")),
                      max_size=60))
def test_it_behaves_like_a_least_recently_used_cache(
    size: int, steps: list[tuple[int, str]]
) -> None:
    names: RecentNames[int] = RecentNames(size)
    model: list[tuple[int, str]] = []  # least recently used first
    for key, name in steps:
        known = dict(model).get(key)
        assert names.changed(key, name) == (known != name)
        model = [entry for entry in model if entry[0] != key] + [(key, name)]
        names.remember(key, name)
        model = model[-size:]
        assert len(names) == len(model) <= size
    for key, name in model:
        assert not names.changed(key, name)


def test_a_cache_holds_at_least_one_name() -> None:
    with pytest.raises(ValueError):
        RecentNames(0)


async def test_the_dispatcher_writes_a_name_again_once_it_is_forgotten(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatcher = Dispatcher(services, names_remembered=1)
    renames: list[str] = []
    follow_rename = services.storage.members.follow_rename

    async def counted(team_id: str, user_id: str, name: str) -> None:
        renames.append(user_id)
        await follow_rename(team_id, user_id, name)

    monkeypatch.setattr(services.storage.members, "follow_rename", counted)
    for user in ("alice", "alice", "bob", "bob", "alice"):
        await dispatcher.run_text(Caller("console:acme", "console", user, user), "help",
                                  lambda token: None)
    assert renames == ["alice", "bob", "alice"]
