"""Imports run one way: platforms -> commands -> services -> storage, with the shared value
types (chatbot/values) below all of them. A backwards import is how a layer ends up unable
to change without breaking the one it serves, so the direction is checked here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "chatbot/values": (
        "chatbot.storage", "chatbot.influence", "chatbot.followfriday", "chatbot.render",
        "commands", "chatbot.platforms", "slack_bolt", "slack_sdk", "discord",
    ),
    "chatbot/i18n": (
        "chatbot.storage", "chatbot.influence", "chatbot.followfriday", "chatbot.render",
        "commands", "chatbot.platforms", "slack_bolt", "slack_sdk", "discord",
    ),
    "chatbot/storage": (
        "chatbot.influence", "chatbot.followfriday", "commands", "chatbot.platforms",
    ),
    "chatbot/influence": ("commands", "chatbot.platforms"),
    "chatbot/followfriday": ("commands", "chatbot.platforms"),
    "commands": ("chatbot.platforms", "slack_bolt", "slack_sdk", "discord"),
    # The web pages sit beside the chat platforms: they read through commands and storage.
    "chatbot/web": ("chatbot.platforms", "slack_bolt", "slack_sdk", "discord"),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every absolute module a file imports, wherever the import statement sits."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def reaches(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".")


def backwards_imports(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in imported_modules(path)
        if any(reaches(module, layer) for layer in forbidden)
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_layer_imports_the_layers_above_it(package: str) -> None:
    assert (ROOT / package).is_dir()
    assert backwards_imports(package, FORBIDDEN[package]) == []


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    source = tmp_path / "late.py"
    source.write_text("def f() -> None:\n    from commands import reply\n", encoding="utf-8")
    assert (2, "commands.reply") in imported_modules(source)
