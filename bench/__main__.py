"""`python -m bench [--quick] [--only NAME] [--json PATH]`: run the benchmarks.

Each module is imported by name so one that is missing or broken is reported
and the others still run. Every figure is printed with its target and the
ratio value/target; a JSON summary (default bench/results.json, git-ignored)
keeps them for RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import Figure

MODULES: tuple[str, ...] = (
    "startup",
    "commands",
    "scale",
    "refresh",
    "replicas",
    "render",
    "slack",
    "slack_load",
    "followfriday",
    "web",
)
"""Short names; module `bench.bench_<name>` holds each."""

DEFAULT_JSON = Path(__file__).resolve().parent / "results.json"


def verdict(item: Figure) -> str:
    target = item.get("target")
    if target is None:
        return ""
    value = float(item["value"])
    if item.get("goal", "max") == "min":
        return "ok" if value >= float(target) else "MISSED"
    return "ok" if value <= float(target) else "MISSED"


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def print_figure(item: Figure) -> None:
    target = item.get("target")
    goal = "≥" if item.get("goal") == "min" else "≤"
    wanted = f"{goal} {_shown(target)}" if target is not None else ""
    ratio = item.get("ratio")
    ratio_text = f"{ratio:.2f}x" if isinstance(ratio, int | float) else ""
    line = (f"  {item['name']:<72} {_shown(item['value']):>12} {item.get('unit', ''):<9}"
            f" {wanted:>12} {ratio_text:>8}  {verdict(item)}")
    print(line.rstrip())
    if item.get("note"):
        print(f"      {item['note']}")


def run_module(name: str, quick: bool) -> tuple[list[Figure], str | None, float]:
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.bench_{name}")
    except ImportError as exc:
        if exc.name == f"bench.bench_{name}":
            return [], "not present", 0.0
        return [], f"failed to import: {exc!r}", time.perf_counter() - started
    try:
        figures = list(module.run(quick))
    except Exception:
        return [], "failed:\n" + traceback.format_exc(), time.perf_counter() - started
    return figures, None, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="small teams and short runs (under a minute)")
    parser.add_argument("--only", action="append", choices=MODULES, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(MODULES)}")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON,
                        help="where to write the JSON summary")
    args = parser.parse_args(argv)
    chosen = args.only or list(MODULES)
    started = time.perf_counter()
    summary: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "command": "python -m bench" + (" --quick" if args.quick else "")
        + "".join(f" --only {name}" for name in args.only or ()),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": _cpus()},
        "modules": {},
    }
    problems = 0
    for name in chosen:
        print(f"{name}:", flush=True)
        figures, problem, seconds = run_module(name, args.quick)
        for item in figures:
            print_figure(item)
        if problem:
            if problem != "not present":
                problems += 1
            print(f"  ({problem.rstrip()})")
        print(f"  [{seconds:.1f} s]", flush=True)
        summary["modules"][name] = {"figures": figures, "problem": problem,
                                    "seconds": round(seconds, 2)}
    summary["seconds"] = round(time.perf_counter() - started, 2)
    missed = [item["name"] for module in summary["modules"].values()
              for item in module["figures"] if verdict(item) == "MISSED"]
    summary["missed"] = missed
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"\n{len(missed)} target(s) missed, {problems} module(s) failed; "
          f"{summary['seconds']:.0f} s; summary in {args.json}")
    return 1 if problems else 0


def _cpus() -> int | None:
    import os

    return os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())
