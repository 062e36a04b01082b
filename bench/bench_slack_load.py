"""Load from outside: signed Slack commands at a fixed rate against real `kloutbot run`s.

The bench process seeds a SQLite database (10,000 members with 30 days of history; 1,000
in quick mode), then starts `python -m chatbot run` as a subprocess in Slack HTTP mode,
its Web API (SLACK_API_URL) pointed at a small fake in this process that answers
auth.test and users.info and receives every answer posted to a response URL. It then
sends signed `/klout` commands over real HTTP — score cards, leaderboards, explain and
help from random members — at a fixed offered rate for a bounded time, open loop (a
request is sent when it is due, whether or not earlier ones were answered), as Slack does.

Reported: acks/s and ack latency; answers/s and answer latency (request sent → answer at
its response URL); busy answers (refused in the ack: the server's cap on commands in
flight); too-long answers (cut at the server's answer deadline); commands that got no
answer of any kind; when the last answer arrived after the load stopped; and the server's
peak RSS and how much its RSS grew over the second half of the load (flat memory under
sustained overload means bounded work in flight).

Several servers: `--replicas N` starts N servers on the one database and sends to them
round-robin; `--targets URL,URL` sends round-robin to servers started elsewhere (start
them with SLACK_API_URL=http://127.0.0.1:RECEIVER/api/, `--receiver-port RECEIVER`, and
SLACK_SIGNING_SECRET as printed by `--help`); their memory is not measured then.

Run: `python -m bench --only slack_load`, or `python -m bench.bench_slack_load --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bench import Figure, figure, percentile
from bench.seed import member_id, member_name, seed_team
from chatbot.admission import BUSY_TEXT, TOO_LONG_TEXT
from chatbot.storage import open_storage

TEAM_ID = "T0LOAD"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-bench-load"
HISTORY_DAYS = 30
MIX: tuple[tuple[str, float], ...] = (
    ("", 0.35),                    # the caller's own score card
    ("<@{other}|someone>", 0.10),  # a teammate's card
    ("leaderboard", 0.20),
    ("leaderboard page {page}", 0.10),
    ("explain", 0.15),
    ("help", 0.10),
)
ANSWER_BOUND_S = 10.0
ACK_TARGET_MS = 3000.0
"""Slack's own patience for an acknowledgement."""
RSS_TARGET_MB = 200.0
RSS_GROWTH_TARGET_MB = 20.0
READY_WITHIN_S = 60.0


@dataclass
class Sent:
    sent_at: float
    acked_at: float | None = None
    busy: bool = False
    answered_at: float | None = None
    too_long: bool = False
    error: bool = False
    status: int | None = None


@dataclass
class Run:
    requests: list[Sent] = field(default_factory=list)
    users_info_calls: int = 0
    unknown_answers: int = 0


class FakeSlackApi:
    """The Web API and response URLs the servers talk to, in a process of its own so that
    answering users.info and receiving answers never waits behind the load generator.
    Each answer's arrival (CLOCK_MONOTONIC, shared by every process) goes back over a pipe.
    """

    def __init__(self, events: Connection) -> None:
        self.events = events

    async def serve(self, port: int) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{index}", self._respond)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
        await site.start()
        self.events.send(("port", site._server.sockets[0].getsockname()[1]))  # type: ignore[union-attr]
        await asyncio.Event().wait()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "auth.test":
            return web.json_response({"ok": True, "team_id": TEAM_ID, "user_id": "U0BOT",
                                      "team": "Load", "user": "kloutbot", "bot_id": "B0BOT"})
        if method == "users.info":
            self.events.send(("users.info",))
            form = await request.post()
            user = str(form.get("user") or request.query.get("user") or "")
            name = member_name(int(user[1:])) if user[1:].isdigit() else user
            return web.json_response({"ok": True, "user": {
                "id": user, "team_id": TEAM_ID, "name": name, "real_name": name,
                "is_admin": False, "is_owner": False, "is_bot": False, "deleted": False,
                "profile": {"display_name": name, "real_name": name}}})
        return web.json_response({"ok": False, "error": "unknown_method"})

    async def _respond(self, request: web.Request) -> web.Response:
        raw = await request.read()
        at = time.monotonic()
        text = raw.decode("utf-8", errors="replace")
        self.events.send(("answer", request.match_info["index"], at, TOO_LONG_TEXT in text,
                          ":x:" in text))
        return web.Response(text="ok")


def serve_fake_slack(port: int, events: Connection) -> None:
    asyncio.run(FakeSlackApi(events).serve(port))


class Receiver:
    """Runs FakeSlackApi in a child process and folds its reports into `run`."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.port = 0
        self.last_answer_at = 0.0
        self._events, child = multiprocessing.Pipe(duplex=False)
        self._child_end = child
        self._process: multiprocessing.process.BaseProcess | None = None

    async def start(self, port: int = 0) -> None:
        context = multiprocessing.get_context("spawn")
        self._process = context.Process(target=serve_fake_slack,
                                        args=(port, self._child_end), daemon=True)
        self._process.start()
        if not await asyncio.to_thread(self._events.poll, READY_WITHIN_S):
            raise RuntimeError("the fake Slack API did not start")
        _, self.port = self._events.recv()
        asyncio.get_running_loop().add_reader(self._events.fileno(), self._drain)

    def _drain(self) -> None:
        while self._events.poll():
            event = self._events.recv()
            if event[0] == "users.info":
                self.run.users_info_calls += 1
            elif event[0] == "answer":
                self._answer(*event[1:])

    def _answer(self, index: str, at: float, too_long: bool, error: bool) -> None:
        if not index.isdigit() or int(index) >= len(self.run.requests):
            self.run.unknown_answers += 1
            return
        sent = self.run.requests[int(index)]
        if sent.answered_at is None:
            sent.answered_at, sent.too_long, sent.error = at, too_long, error
            self.last_answer_at = max(self.last_answer_at, at)

    async def stop(self) -> None:
        asyncio.get_running_loop().remove_reader(self._events.fileno())
        if self._process is not None:
            self._process.terminate()
            await asyncio.to_thread(self._process.join, 10)


def signed(body: str, secret: str = SIGNING_SECRET) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}",
            "Content-Type": "application/x-www-form-urlencoded"}


def command_text(rng: random.Random, members: int) -> str:
    roll = rng.random()
    for template, share in MIX:
        if roll < share:
            return template.format(other=member_id(rng.randrange(members)),
                                   page=rng.randint(2, 40))
        roll -= share
    return "help"


def slash_body(text: str, user_id: str, response_url: str) -> str:
    return urlencode({
        "token": "legacy-unused", "team_id": TEAM_ID, "team_domain": "load",
        "channel_id": "C0LOAD", "channel_name": "general", "user_id": user_id,
        "user_name": user_id.lower(), "command": "/klout", "text": text,
        "api_app_id": "A0KLOUT", "response_url": response_url, "trigger_id": "1.2.3",
    })


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Options:
    members: int
    rate: float
    seconds: float
    cap: int | None
    deadline: float | None
    replicas: int
    targets: tuple[str, ...]
    receiver_port: int
    database_url: str | None
    logs: Path | None = None
    seed: int = 11


class Servers:
    """`python -m chatbot run` subprocesses in Slack HTTP mode, and their memory."""

    def __init__(self, folder: Path, database_url: str, receiver_port: int, options: Options
                 ) -> None:
        self.folder = folder
        self.database_url = database_url
        self.receiver_port = receiver_port
        self.options = options
        self.processes: list[subprocess.Popen[bytes]] = []
        self.urls: list[str] = []
        self.rss_samples: list[tuple[float, float]] = []
        """(time, total RSS in MB of every server)."""

    def environment(self, port: int) -> dict[str, str]:
        env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TZ")
               if key in os.environ}
        api = f"http://127.0.0.1:{self.receiver_port}"
        env.update({
            "DATABASE_URL": self.database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": f"{api}/api/",
            "PORT": str(port),
            # Nobody is due for a refresh during the run, and no network is ever reached.
            "KLOUT_REFRESH_INTERVAL_MINUTES": "1000000",
            "GITHUB_API_URL": api, "BLUESKY_APPVIEW_URL": api,
        })
        if self.options.cap is not None:
            env["KLOUT_MAX_COMMANDS_IN_FLIGHT"] = str(self.options.cap)
        if self.options.deadline is not None:
            env["KLOUT_ANSWER_DEADLINE_SECONDS"] = str(self.options.deadline)
        return env

    def spawn(self, replica: int, port: int) -> subprocess.Popen[bytes]:
        """The server's cwd is the bench folder, so no developer's .env is read."""
        with (self.folder / f"server-{replica}.log").open("wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "chatbot", "run"],
                                       cwd=self.folder, env=self.environment(port),
                                       stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        self.urls.append(f"http://127.0.0.1:{port}/slack/events")
        return process

    async def start(self) -> None:
        for replica in range(self.options.replicas):
            port = free_port()
            await self._wait_listening(port, self.spawn(replica, port), replica)

    async def _wait_listening(self, port: int, process: subprocess.Popen[bytes],
                              replica: int) -> None:
        give_up = time.monotonic() + READY_WITHIN_S
        while time.monotonic() < give_up:
            if process.poll() is not None:
                log = (self.folder / f"server-{replica}.log").read_text(errors="replace")
                raise RuntimeError(f"kloutbot run exited ({process.returncode}):\n{log[-2000:]}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return
        raise RuntimeError(f"kloutbot run did not listen on {port} within {READY_WITHIN_S} s")

    def cpu_seconds(self) -> float:
        """User and system time of every server so far (from /proc/PID/stat)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for process in self.processes:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def rss_mb(self) -> float:
        return sum(_status_kb(process.pid, "VmRSS") for process in self.processes) / 1024

    def peak_rss_mb(self) -> float:
        return max(_status_kb(process.pid, "VmHWM") for process in self.processes) / 1024

    async def sample_memory(self, every: float = 0.25) -> None:
        while True:
            self.rss_samples.append((time.monotonic(), self.rss_mb()))
            await asyncio.sleep(every)

    def keep_logs(self, where: Path) -> None:
        where.mkdir(parents=True, exist_ok=True)
        for log in self.folder.glob("server-*.log"):
            shutil.copy(log, where / log.name)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _status_kb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return float(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {key}")


async def seed_database(path: Path, members: int) -> None:
    """Yesterday's scores as today's newest: every refresh stamp is in the past, so
    nobody is due while the servers run."""
    storage = await open_storage(path)
    try:
        yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
        await seed_team(storage, f"slack:{TEAM_ID}", members, days=HISTORY_DAYS,
                        today=yesterday)
    finally:
        await storage.close()


async def send_load(run: Run, urls: Sequence[str], receiver_port: int, options: Options
                    ) -> tuple[float, float]:
    """Open loop at `options.rate` for `options.seconds`; returns (start, end) of sending."""
    rng = random.Random(options.seed)
    total = int(options.rate * options.seconds)
    respond = f"http://127.0.0.1:{receiver_port}/respond"
    connector = aiohttp.TCPConnector(limit=512)
    pending: set[asyncio.Task[None]] = set()
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(index: int, url: str, body: str) -> None:
            sent = run.requests[index]
            try:
                async with http.post(url, data=body.encode(), headers=signed(body)) as response:
                    text = await response.text()
                    sent.status = response.status
            except aiohttp.ClientError:
                return
            sent.acked_at = time.monotonic()
            sent.busy = BUSY_TEXT in text

        started = time.monotonic()
        index = 0
        while index < total:
            due = min(total, int((time.monotonic() - started) * options.rate) + 1)
            while index < due:
                caller = member_id(rng.randrange(options.members))
                body = slash_body(command_text(rng, options.members), caller,
                                  f"{respond}/{index}")
                run.requests.append(Sent(sent_at=time.monotonic()))
                task = asyncio.create_task(one(index, urls[index % len(urls)], body))
                pending.add(task)
                task.add_done_callback(pending.discard)
                index += 1
            await asyncio.sleep(0.002)
        ended = time.monotonic()
        if pending:
            await asyncio.wait(pending, timeout=30)
    return started, ended


async def wait_for_answers(run: Run, deadline_s: float) -> None:
    """Until every admitted command has an answer, or `deadline_s` passes."""
    give_up = time.monotonic() + deadline_s
    while time.monotonic() < give_up:
        if all(s.busy or s.answered_at is not None for s in run.requests if s.acked_at):
            return
        await asyncio.sleep(0.05)


async def measure(options: Options) -> tuple[Run, dict[str, float]]:
    run = Run()
    receiver = Receiver(run)
    await receiver.start(options.receiver_port)
    with tempfile.TemporaryDirectory(prefix="kloutbot-bench-load-") as name:
        folder = Path(name)
        servers: Servers | None = None
        sampler: asyncio.Task[None] | None = None
        try:
            if options.targets:
                urls = list(options.targets)
            else:
                database_url = options.database_url
                if database_url is None:
                    await seed_database(folder / "load.db", options.members)
                    database_url = f"sqlite:///{folder / 'load.db'}"
                servers = Servers(folder, database_url, receiver.port, options)
                await servers.start()
                urls = servers.urls
                sampler = asyncio.create_task(servers.sample_memory())
            cpu_before = servers.cpu_seconds() if servers is not None else 0.0
            started, ended = await send_load(run, urls, receiver.port, options)
            cpu_during = servers.cpu_seconds() - cpu_before if servers is not None else 0.0
            after_load = ANSWER_BOUND_S * 3 if options.deadline is None \
                else options.deadline + ANSWER_BOUND_S
            await wait_for_answers(run, after_load)
            extra: dict[str, float] = {"started": started, "ended": ended,
                                       "last_answer": receiver.last_answer_at}
            if servers is not None:
                extra["cpu_share"] = cpu_during / (ended - started) / len(servers.processes)
                extra["peak_rss_mb"] = servers.peak_rss_mb()
                half = started + (ended - started) / 2
                during = [mb for at, mb in servers.rss_samples if half <= at <= ended]
                if during:
                    extra["rss_growth_mb"] = during[-1] - during[0]
        finally:
            if sampler is not None:
                sampler.cancel()
            if servers is not None:
                servers.stop()
                if options.logs is not None:
                    servers.keep_logs(options.logs)
            await receiver.stop()
    return run, extra


def figures(run: Run, extra: dict[str, float], options: Options) -> list[Figure]:
    started, ended = extra["started"], extra["ended"]
    seconds = ended - started
    sent = run.requests
    acked = [s for s in sent if s.acked_at is not None and s.status == 200]
    busy = [s for s in acked if s.busy]
    answered = [s for s in sent if s.answered_at is not None]
    real = [s for s in answered if not s.too_long]
    too_long = [s for s in answered if s.too_long]
    unanswered = [s for s in sent if not s.busy and s.answered_at is None]
    answers_in_window = [s for s in real if s.answered_at is not None
                         and s.answered_at <= ended]
    ack_ms = [((s.acked_at or 0) - s.sent_at) * 1000 for s in acked]
    answer_s = [((s.answered_at or 0) - s.sent_at) for s in answered]
    servers = f"{len(options.targets)} target(s)" if options.targets else \
        f"{options.replicas} server(s)"
    label = (f"{options.members:,} members, {options.rate:,.0f}/s offered for "
             f"{options.seconds:.0f} s, {servers}")
    last_after = max(0.0, extra["last_answer"] - ended) if answered else 0.0
    shown: list[Figure] = [
        figure(f"load: commands sent ({label})", len(sent), "", None),
        figure("load: acks per second", len(acked) / seconds, "/s", None,
               note=f"{len(acked)} acked with HTTP 200 of {len(sent)} sent"),
    ]
    if ack_ms:
        shown += [
            figure("load: ack latency p50", percentile(ack_ms, 0.5), "ms", None),
            figure("load: ack latency p99", percentile(ack_ms, 0.99), "ms", ACK_TARGET_MS),
        ]
    shown += [
        figure("load: answers per second (during the load)", len(answers_in_window) / seconds,
               "/s", None, note=f"{len(real)} answered in all, {len(answers_in_window)} "
               "before the load stopped; users.info calls "
               f"{run.users_info_calls}; error answers {sum(s.error for s in real)}"),
        figure("load: busy answers (in the ack)", len(busy), "", None,
               note=f"{len(busy) / max(1, len(sent)):.0%} of commands sent"),
        figure("load: too-long answers (cut at the deadline)", len(too_long), "", None),
        figure("load: commands with no answer of any kind", len(unanswered), "", 0,
               note="every command gets its answer, a busy ack or a too-long answer; "
               f"posts to unknown response URLs {run.unknown_answers}"),
    ]
    if answer_s:
        shown += [
            figure("load: answer latency p50", percentile(answer_s, 0.5), "s", None),
            figure("load: answer latency p99", percentile(answer_s, 0.99), "s", ANSWER_BOUND_S),
            figure("load: slowest answer", max(answer_s), "s", ANSWER_BOUND_S),
        ]
    shown.append(figure("load: last answer after the load stopped", last_after, "s",
                        ANSWER_BOUND_S))
    if "cpu_share" in extra:
        shown.append(figure("load: server CPU during the load (share of one core each)",
                            extra["cpu_share"], "", None))
    if "peak_rss_mb" in extra:
        shown.append(figure("load: server peak RSS", extra["peak_rss_mb"], "MB",
                            RSS_TARGET_MB * options.replicas))
    if "rss_growth_mb" in extra:
        shown.append(figure("load: server RSS growth over the second half of the load",
                            extra["rss_growth_mb"], "MB", RSS_GROWTH_TARGET_MB,
                            note="flat memory: work in flight is bounded"))
    return shown


def _options(quick: bool, **overrides: Any) -> Options:
    base: dict[str, Any] = {
        "members": 1_000 if quick else 10_000,
        # One generator process on a shared 2-core machine sends 300 a second on time
        # (at 1,000 its own queue grew); that is several times what one server answers.
        "rate": 150.0 if quick else 300.0,
        "seconds": 10.0 if quick else 30.0,
        "cap": None, "deadline": None, "replicas": 1, "targets": (),
        "receiver_port": 0, "database_url": None,
    }
    base.update(overrides)
    return Options(**base)


def run(quick: bool) -> list[Figure]:
    options = _options(quick)
    return figures(*asyncio.run(measure(options)), options)


def main(argv: Sequence[str] | None = None) -> int:
    from bench.__main__ import print_figure

    parser = argparse.ArgumentParser(prog="python -m bench.bench_slack_load",
                                     description=__doc__.split("\n\n")[0] + f" Signing "
                                     f"secret {SIGNING_SECRET}, team {TEAM_ID}.")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--members", type=int)
    parser.add_argument("--rate", type=float, help="commands sent per second")
    parser.add_argument("--seconds", type=float, help="how long the load lasts")
    parser.add_argument("--cap", type=int, help="KLOUT_MAX_COMMANDS_IN_FLIGHT for the servers")
    parser.add_argument("--deadline", type=float,
                        help="KLOUT_ANSWER_DEADLINE_SECONDS for the servers")
    parser.add_argument("--replicas", type=int, default=1,
                        help="servers to start on the one database, sent to round-robin")
    parser.add_argument("--targets", default="",
                        help="comma-separated /slack/events URLs of servers started elsewhere")
    parser.add_argument("--receiver-port", type=int, default=0)
    parser.add_argument("--logs", type=Path, help="copy the servers' logs to this folder")
    parser.add_argument("--database-url",
                        help="an already seeded database for the servers (default: a new "
                        "SQLite file seeded here)")
    args = parser.parse_args(argv)
    overrides = {key: value for key, value in {
        "members": args.members, "rate": args.rate, "seconds": args.seconds,
        "cap": args.cap, "deadline": args.deadline, "database_url": args.database_url,
        "logs": args.logs,
    }.items() if value is not None}
    targets = tuple(url.strip() for url in args.targets.split(",") if url.strip())
    options = _options(args.quick, replicas=args.replicas, targets=targets,
                       receiver_port=args.receiver_port, **overrides)
    for item in figures(*asyncio.run(measure(options)), options):
        print_figure(item)
    return 0


if __name__ == "__main__":
    sys.exit(main())
