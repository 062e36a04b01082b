"""Recorded payloads: present, they are used; missing, a developer skips and CI fails."""

from __future__ import annotations

from pathlib import Path

import pytest

import tests.conftest as conftest
from tests.conftest import shared_fixture

RECORDING = "discord/gateway_ready_discordbm_2022.json"


def _outcome() -> BaseException | None:
    """What shared_fixture raised, caught whatever it is: a skip escaping the test would
    make it skip, not fail, and hide exactly the regression it looks for."""
    try:
        shared_fixture(RECORDING)
    except BaseException as exc:  # pytest's skip and fail are BaseExceptions
        return exc
    return None


@pytest.fixture
def no_recordings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "SHARED_FIXTURES", tmp_path / "missing")


@pytest.mark.parametrize("ci", ["true", "1", "yes", "TRUE"])
def test_under_ci_a_missing_recording_fails_the_test(
    no_recordings: None, monkeypatch: pytest.MonkeyPatch, ci: str,
) -> None:
    monkeypatch.setenv("CI", ci)
    outcome = _outcome()
    assert isinstance(outcome, pytest.fail.Exception), outcome
    assert "under CI every recorded payload" in str(outcome)


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_outside_ci_a_missing_recording_skips(
    no_recordings: None, monkeypatch: pytest.MonkeyPatch, ci: str | None,
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    outcome = _outcome()
    assert isinstance(outcome, pytest.skip.Exception), outcome
    assert "not available" in str(outcome)


def test_a_present_recording_is_returned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         ) -> None:
    monkeypatch.setattr(conftest, "SHARED_FIXTURES", tmp_path)
    monkeypatch.setenv("CI", "true")
    (tmp_path / "discord").mkdir()
    (tmp_path / RECORDING).write_text("{}")
    assert shared_fixture(RECORDING) == tmp_path / RECORDING
