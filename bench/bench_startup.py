"""Start-up: how long `kloutbot console` takes to answer its first command.

A fresh interpreter runs `python -m chatbot console --user a --team t` with
"/klout help" on a pipe and is timed until it exits: that covers imports,
settings, opening (and on the first run migrating) the database, building
the app, answering and shutting down; "ready for input" is no later than that.
Import time alone and a bare interpreter are timed the same way, so a miss
says whether imports or the work after them are to blame; the slowest imports
come from `python -X importtime`.

Run: `python -m bench --only startup`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import Figure, figure, latency_figures, percentile

REPO_ROOT = Path(__file__).resolve().parents[1]
READY_TARGET_MS = 1500.0
CONSOLE_ARGS = ("-m", "chatbot", "console", "--user", "a", "--team", "t")
APP_IMPORTS = "import chatbot.cli, chatbot.app, chatbot.platforms.console"


def _environment(folder: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "DISCORD_", "DATABASE_", "KLOUT_"))}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["DATABASE_URL"] = f"sqlite:///{folder / 'kloutbot.db'}"
    env["KLOUT_EXPORT_DIR"] = str(folder / "exports")
    env["HOME"] = str(folder)
    return env


def _timed(args: Sequence[str], folder: Path, stdin: str = "") -> tuple[float, str]:
    """Wall milliseconds from spawn to exit, and what it printed."""
    begin = time.perf_counter()
    done = subprocess.run([sys.executable, *args], input=stdin, capture_output=True,
                          text=True, cwd=folder, env=_environment(folder), timeout=60,
                          check=False)
    elapsed = (time.perf_counter() - begin) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed, done.stdout


def _slowest_imports(folder: Path, count: int = 6) -> str:
    """What the app's own modules pull in first, by cumulative import time.

    `-X importtime` indents each module two spaces per level under whoever
    imported it first; one level below the statement's own modules is where
    a heavy library shows up under its real name.
    """
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", APP_IMPORTS],
                          capture_output=True, text=True, cwd=folder,
                          env=_environment(folder), timeout=60, check=False)
    costs: dict[str, int] = {}
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        if len(name) - len(name.lstrip()) == 3:
            parts_of = name.strip().split(".")
            own = parts_of[0] in ("chatbot", "commands")
            top = ".".join(parts_of[:2]) if own else parts_of[0]
            costs[top] = costs.get(top, 0) + int(parts[1])
    ranked = sorted(costs.items(), key=lambda item: -item[1])[:count]
    return ", ".join(f"{name} {micros / 1000:.0f} ms" for name, micros in ranked)


def run(quick: bool) -> list[Figure]:
    runs = 3 if quick else 12
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="klout-start-") as name:
        folder = Path(name)
        first, output = _timed(CONSOLE_ARGS, folder, "/klout help\n")
        if "leaderboard" not in output:
            raise RuntimeError(f"the console did not answer /klout help: {output[:500]}")
        figures.append(figure("console: first start (creates and migrates the database)",
                              first, "ms", READY_TARGET_MS))
        warm = [_timed(CONSOLE_ARGS, folder, "/klout help\n")[0] for _ in range(runs)]
        figures += latency_figures("console: start, answer /klout help, exit", warm,
                                   READY_TARGET_MS)
        imports = [_timed(("-c", APP_IMPORTS), folder)[0] for _ in range(runs)]
        bare = [_timed(("-c", "pass"), folder)[0] for _ in range(runs)]
        figures.append(figure("interpreter alone (python -c pass) p50",
                              percentile(bare, 0.5), "ms", None))
        figures.append(figure("interpreter + app imports p50", percentile(imports, 0.5), "ms",
                              None, note="slowest imports: " + _slowest_imports(folder)))
    return figures
