from __future__ import annotations

from commands.registry import all_commands
from commands.spec import Kind


def test_no_two_commands_share_a_name() -> None:
    names = [spec.name for spec in all_commands()]
    assert len(names) == len(set(names))


def test_every_command_and_parameter_has_help() -> None:
    for spec in all_commands():
        assert spec.summary.strip(), spec.name
        for param in spec.params:
            assert param.help.strip(), f"{spec.name}.{param.name}"
            if param.kind is Kind.CHOICE:
                assert param.choices, f"{spec.name}.{param.name}"


def test_every_command_of_the_spec_is_registered() -> None:
    expected = {"score", "register", "verify", "unregister", "handles", "leaderboard",
                "explain", "history", "goal", "give", "topics", "followfriday", "forget",
                "export", "config", "language", "web", "help"}
    assert {spec.name for spec in all_commands()} == expected


def test_only_config_is_admin_only() -> None:
    assert [s.name for s in all_commands() if s.admin_only] == ["config"]
