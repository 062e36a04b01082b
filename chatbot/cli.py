"""`kloutbot run | console | score | refresh | followfriday | team delete |
discord invite-url`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from chatbot.i18n import LANGUAGES
from chatbot.redacted_logging import configure_logging, secret_values
from chatbot.settings import Settings, SettingsError, load_settings
from chatbot.storage.database import DatabaseUnusable
from chatbot.storage.engines import target_of
from chatbot.team_choice import TeamChoiceError, choose_team

if TYPE_CHECKING:
    from aiohttp import web

    from chatbot.app import App

log = logging.getLogger("kloutbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kloutbot",
        description="A transparent, Klout-style influence score for Slack and Discord teams.",
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start every configured platform and the scheduler "
                                     "(the console when no chat tokens are set)")
    run.add_argument("--lang", choices=LANGUAGES, default=None,
                     help="the console's language when it is the console (default: "
                          "LC_ALL/LANG, else en)")
    console = sub.add_parser("console", help="chat locally; reads commands from stdin")
    console.add_argument("--lang", choices=LANGUAGES, default=None,
                         help="your language (default: LC_ALL/LANG, else en)")
    console.add_argument("--user", default=None, help="your member name (default: login name)")
    console.add_argument("--team", default="local", help="team name (default: local)")
    score = sub.add_parser("score", help="fetch one public account and print its score")
    score.add_argument("network")
    score.add_argument("handle")
    score.add_argument("--json", action="store_true", help="print one JSON object")
    refresh = sub.add_parser("refresh", help="refresh every due member now")
    refresh.add_argument("--team", default=None, help="only this team (its id or name)")
    refresh.add_argument("--all", action="store_true", help="also members refreshed recently")
    ff = sub.add_parser("followfriday", help="compute (and post) this week's suggestions")
    ff.add_argument("--team", default=None, help="only this team (its id or name)")
    ff.add_argument("--dry-run", action="store_true", help="print, don't post or record")
    ff.add_argument("--force", action="store_true", help="post even if already posted this week")
    db = sub.add_parser("db", help="the database schema (every process also upgrades at start)")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="bring the database to this version's schema")
    db_sub.add_parser("status", help="current and latest revision; exit 3 if an upgrade "
                                     "is pending")
    _add_team_parser(sub)
    discord = sub.add_parser("discord", help="Discord helpers")
    discord_sub = discord.add_subparsers(dest="discord_command", required=True)
    discord_sub.add_parser("invite-url", help="print the OAuth2 URL that adds the bot")
    return parser


def _console_user(explicit: str | None) -> str:
    if explicit:
        return explicit
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "me"
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:64] or "me"


def _console_locale(explicit: str | None) -> str | None:
    """--lang wins; else the terminal's locale (an unsupported one means English)."""
    from chatbot.platforms.console import terminal_locale

    return explicit or terminal_locale(os.environ)


async def _console(
    settings: Settings, user: str | None, team: str, *, with_scheduler: bool = False,
    lang: str | None = None,
) -> int:
    from chatbot.app import build_app
    from chatbot.delivery import deliver_with
    from chatbot.platforms.console import ConsolePlatform, ConsoleSession, run_console
    from chatbot.scheduler import build_scheduler

    out = Console(highlight=False)
    async with build_app(settings) as app:
        try:
            session = ConsoleSession(app.dispatcher, _console_user(user), team,
                                     files_dir=settings.klout_export_dir,
                                     locale=_console_locale(lang))
        except ValueError as exc:
            print(f"kloutbot console: {exc}", file=sys.stderr)
            return 2
        scheduler = None
        if with_scheduler:
            # `run` is the bot: refresh and weekly posts go on while you chat.
            app.platforms["console"] = ConsolePlatform(out, settings.klout_export_dir,
                                                       app.dispatcher)
            delivery = deliver_with(app.platforms)
            scheduler = build_scheduler(app, delivery, direct_messages=delivery)
            scheduler.start()
        try:
            return await run_console(session, console=out)
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)


def _add_chat_platforms(app: App, settings: Settings,
                        http_routes: Callable[[web.Application], None] | None = None) -> None:
    """Slack and Discord as the settings enable them, built the same way for every command
    that talks to them; `http_routes` adds the ops routes to Slack's own HTTP server."""
    if settings.slack_enabled:
        from chatbot.platforms.slack_adapter import SlackPlatform

        app.platforms["slack"] = SlackPlatform(settings, app.dispatcher, http_routes=http_routes)
    if settings.discord_enabled:
        from chatbot.platforms.discord_platform import DiscordPlatform

        app.platforms["discord"] = DiscordPlatform(settings, app.dispatcher)


async def _run(settings: Settings, lang: str | None = None) -> int:
    if not settings.slack_enabled and not settings.discord_enabled:
        print("No Slack or Discord tokens set: starting the console chat "
              "(see README to connect a workspace).", file=sys.stderr)
        return await _console(settings, None, "local", with_scheduler=True, lang=lang)
    from chatbot.app import build_app
    from chatbot.delivery import deliver_with
    from chatbot.ops.health import Health, OpsServer, add_ops_routes
    from chatbot.ops.service import Service, on_stop_signals
    from chatbot.scheduler import build_scheduler
    from chatbot.web.server import WebPages

    async with build_app(settings) as app:
        health = Health(app.storage.ping, app.platforms)
        web_pages = WebPages(app.dispatcher.services, app.web_links.signer)

        def http_routes(http: web.Application) -> None:
            add_ops_routes(http, health=health, metrics=app.metrics)
            web_pages.add_routes(http)

        slack_serves_port = settings.slack_enabled and settings.slack_app_token is None
        _add_chat_platforms(app, settings, http_routes=http_routes)
        in_flight: set[asyncio.Task[None]] = set()
        delivery = deliver_with(app.platforms)
        scheduler = build_scheduler(app, delivery, direct_messages=delivery,
                                    in_flight=in_flight)
        ops_server = None if slack_serves_port else OpsServer(
            health, app.metrics, host="0.0.0.0", port=settings.port,
            more_routes=web_pages.add_routes)
        service = Service(app.platforms, scheduler, in_flight, health, ops_server=ops_server)
        stop = asyncio.Event()
        remove_signals = on_stop_signals(stop)
        try:
            try:
                await service.start_background()
            except OSError as exc:
                print(f"kloutbot run: cannot listen on PORT={settings.port} for health and "
                      f"metrics: {exc.strerror or exc}", file=sys.stderr)
                return 2
            for platform in app.platforms.values():
                try:
                    if not await service.start_platform(platform, stop):
                        return 0  # SIGTERM while connecting
                except RuntimeError as exc:  # configuration problems say what to fix
                    print(f"kloutbot run: {platform.name}: {exc}", file=sys.stderr)
                    return 2
            log.info("running: %s", ", ".join(app.platforms))
            await service.serve_until(stop)
        finally:
            remove_signals()
            await service.drain()
    return 0


async def _score(settings: Settings, network: str, handle: str, as_json: bool) -> int:
    from chatbot.influence.one_account import score_one

    out = Console(highlight=False)
    try:
        report = await score_one(settings, network, handle)
    except ValueError as exc:
        print(f"kloutbot score: {exc}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(report, indent=2, sort_keys=True))
        return 0
    out.print(f"[bold]{report['handle']}[/] on {report['network']}: "
              f"[bold]{report['score']}[/] / 100 (formula v{report['version']})")
    for name, value in report["components"].items():
        out.print(f"  {name:<14} {value:6.1f} points")
    metrics = report["metrics"]
    out.print("  " + ", ".join(f"{key} {metrics[key]:,.0f}" for key in
                               ("followers", "following", "posts", "posts_in_window",
                                "replies", "reposts", "likes") if key in metrics))
    return 0


async def _refresh(settings: Settings, team: str | None, everyone: bool) -> int:
    from rich.progress import Progress, TaskID

    from chatbot.app import build_app

    async with build_app(settings) as app:
        team_id = None
        if team is not None:
            team_id = choose_team(await app.storage.teams.list_all(), team).team_id
        with Progress(transient=False) as progress:
            tasks: dict[str, TaskID] = {}

            def update(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done, total=total)

            older = timedelta(0) if everyone else timedelta(
                minutes=settings.klout_refresh_interval_minutes)
            report = await app.refresher.refresh_due(older, team_id=team_id, progress=update)
        print(f"{report.members - report.deferred} members refreshed, {report.scored} scored.")
        if report.deferred:
            print(f"  {report.deferred} members wait for the next run: a network's rate limit "
                  "is spent for now.")
        for network, count in sorted(report.failed.items()):
            print(f"  {network}: {count} accounts failed (kept their last good data)")
    return 0


UPGRADE_PENDING = 3
"""`kloutbot db status` exit code: the database is older than this program."""


async def _db(settings: Settings, command: str) -> int:
    """`status` reads only; `upgrade` takes the same lock as a starting process."""
    from chatbot.storage import Database
    from chatbot.storage.schema import head

    db = await Database.open(settings.database_path, migrate=command == "upgrade")
    try:
        state = await db.schema()
    finally:
        await db.close()
    print(f"database: {db.where}")
    print(f"current revision: {state.current or 'none (empty database)'}")
    print(f"latest revision: {head()}")
    if command == "upgrade":
        print("up to date")
        return 0
    print("upgrade pending: run `kloutbot db upgrade` (or start any kloutbot process)"
          if state.pending else "up to date")
    return UPGRADE_PENDING if state.pending else 0


async def _followfriday(settings: Settings, team: str | None, dry_run: bool, force: bool) -> int:
    from chatbot.app import build_app
    from chatbot.delivery import deliver_with
    from chatbot.platforms.console import ConsolePlatform
    from chatbot.platforms.console_render import render

    out = Console(highlight=False)
    async with build_app(settings) as app:
        app.platforms["console"] = ConsolePlatform(out, settings.klout_export_dir,
                                                   app.dispatcher)
        _add_chat_platforms(app, settings)
        teams = await app.storage.teams.list_all()
        if team is not None:
            teams = [choose_team(teams, team)]
        if not teams:
            print("No teams yet.", file=sys.stderr)
            return 1
        # Slack posts through its Web API alone; Discord needs a gateway login.
        discord_platform = app.platforms.get("discord")
        if discord_platform is not None and not dry_run:
            await discord_platform.start()
        try:
            deliver = deliver_with(app.platforms)
            for each in teams:
                reply = await app.followfriday.post_now(each.team_id, deliver, dry_run=dry_run,
                                                        force=force, now=app.clock.now())
                out.print(f"[bold]{each.team_id}[/]")
                render(out, reply, settings.klout_export_dir)
        finally:
            if discord_platform is not None and not dry_run:
                await discord_platform.stop()
    return 0


def _add_team_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    team = sub.add_parser("team", help="manage teams")
    team_sub = team.add_subparsers(dest="team_command", required=True)
    delete = team_sub.add_parser("delete", help="delete a team and everything about its "
                                                "members, now")
    delete.add_argument("team", help="the team's id or name")
    delete.add_argument("--yes", action="store_true", help="really delete (no question asked)")


async def _team_delete(settings: Settings, wanted: str, confirmed: bool) -> int:
    """Deletion at once, for a workspace that asks for it before its grace period ends."""
    from chatbot.app import build_app

    async with build_app(settings) as app:
        team = choose_team(await app.storage.teams.list_all(), wanted)
        members = await app.storage.members.all(team.team_id)
        label = f"{team.name or '(no name)'} ({team.team_id})"
        if not confirmed:
            print(f"This deletes {label} and everything about its {len(members)} members. "
                  f"Run again with --yes to do it.", file=sys.stderr)
            return 1
        await app.storage.teams.delete(team.team_id)
    print(f"Deleted {label} and everything about its {len(members)} members.")
    return 0


def _invite_url(settings: Settings) -> int:
    from chatbot.platforms.discord_invite import application_id, invite_url

    try:
        print(invite_url(application_id(settings)))
    except ValueError as exc:
        print(f"{exc}.", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.env_file if Path(args.env_file).exists() else None)
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"kloutbot: {problem}", file=sys.stderr)
        return 2
    # A PostgreSQL password is part of DATABASE_URL, not a secret setting of its own.
    configure_logging(verbose=args.verbose, secrets=[
        *secret_values(settings), *target_of(settings.database_url).secrets()],
        json_lines=settings.log_format == "json")
    try:
        return _command(args, settings)
    except DatabaseUnusable as exc:
        print(f"kloutbot: {exc}", file=sys.stderr)
        return 1
    except TeamChoiceError as exc:
        print(f"kloutbot {args.command}: {exc}", file=sys.stderr)
        return 2


def _command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.command == "run":
            return asyncio.run(_run(settings, args.lang))
        if args.command == "console":
            return asyncio.run(_console(settings, args.user, args.team, lang=args.lang))
        if args.command == "score":
            return asyncio.run(_score(settings, args.network, args.handle, args.json))
        if args.command == "refresh":
            return asyncio.run(_refresh(settings, args.team, args.all))
        if args.command == "followfriday":
            return asyncio.run(_followfriday(settings, args.team, args.dry_run, args.force))
        if args.command == "db":
            return asyncio.run(_db(settings, args.db_command))
        if args.command == "team":
            return asyncio.run(_team_delete(settings, args.team, args.yes))
        if args.command == "discord":
            return _invite_url(settings)
    except KeyboardInterrupt:
        return 130
    return 2
