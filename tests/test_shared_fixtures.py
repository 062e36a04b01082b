"""Recorded payloads: present, they are used; missing, a developer skips and CI fails."""

from __future__ import annotations

from pathlib import Path

import pytest

import tests.conftest as conftest
from tests.conftest import shared_fixture

RECORDING = "discord/gateway_ready_discordbm_2022.json"


@pytest.fixture
def no_recordings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "SHARED_FIXTURES", tmp_path / "missing")


@pytest.mark.parametrize("ci", ["true", "1", "yes", "TRUE"])
def test_under_ci_a_missing_recording_fails_the_test(
    no_recordings: None, monkeypatch: pytest.MonkeyPatch, ci: str,
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="under CI every recorded payload"):
        shared_fixture(RECORDING)


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_outside_ci_a_missing_recording_skips(
    no_recordings: None, monkeypatch: pytest.MonkeyPatch, ci: str | None,
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="not available"):
        shared_fixture(RECORDING)


def test_a_present_recording_is_returned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         ) -> None:
    monkeypatch.setattr(conftest, "SHARED_FIXTURES", tmp_path)
    monkeypatch.setenv("CI", "true")
    (tmp_path / "discord").mkdir()
    (tmp_path / RECORDING).write_text("{}")
    assert shared_fixture(RECORDING) == tmp_path / RECORDING
