"""A replica that loses PostgreSQL answers "temporarily unavailable" and reconnects by
itself: the server is reached through a local TCP relay the test can cut and restore."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest

from chatbot.influence.leaderboards import Leaderboards
from chatbot.platforms.console import ConsoleSession
from chatbot.storage import open_storage
from chatbot.storage.engines import target_of
from chatbot.values.reply import Tone
from commands.context import Services
from commands.registry import UNAVAILABLE, Dispatcher
from tests.support.engines import is_postgres
from tests.support.fakes import FakeEngine, FakeFollowFriday, FrozenClock


class Relay:
    """127.0.0.1:port -> the PostgreSQL server, until cut."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._links):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._links |= {writer, up_writer}

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self._links -= {writer, up_writer}


@pytest.fixture
async def relayed(database_url: str) -> AsyncIterator[tuple[str, Relay]]:
    if not is_postgres(database_url):
        pytest.skip("a lost server is a PostgreSQL matter; SQLite is a local file")
    url = target_of(database_url).sqlalchemy_url
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    await relay.start()
    yield database_url.replace(f"{url.host}:{url.port or 5432}",
                               f"127.0.0.1:{relay.port}"), relay
    with contextlib.suppress(AssertionError, RuntimeError):
        await relay.cut()


async def test_a_lost_server_is_temporarily_unavailable_and_then_found_again(
    relayed: tuple[str, Relay],
) -> None:
    url, relay = relayed
    storage = await open_storage(url)
    try:
        services = Services(storage=storage, engine=FakeEngine(),
                            followfriday=FakeFollowFriday(storage), clock=FrozenClock(),
                            boards=Leaderboards(storage))
        alice = ConsoleSession(Dispatcher(services), "alice", "acme")
        assert (await alice.handle("goal 60")).tone is Tone.SUCCESS
        await relay.cut()
        lost = await alice.handle("goal 70")
        assert lost.tone is Tone.ERROR and lost.text == UNAVAILABLE
        assert "temporarily unavailable" in (await alice.handle("score")).text
        await relay.start()  # same port: the server is back
        back = await alice.handle("goal 80")
        assert back.tone is Tone.SUCCESS, back.text
    finally:
        await storage.close()


async def test_terminated_connections_are_replaced_without_a_failed_command(
    database_url: str,
) -> None:
    if not is_postgres(database_url):
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    storage = await open_storage(database_url)
    try:
        services = Services(storage=storage, engine=FakeEngine(),
                            followfriday=FakeFollowFriday(storage), clock=FrozenClock(),
                            boards=Leaderboards(storage))
        alice = ConsoleSession(Dispatcher(services), "alice", "acme")
        assert (await alice.handle("goal 60")).tone is Tone.SUCCESS
        application = target_of(database_url).connect_args["server_settings"][
            "application_name"]
        admin = await asyncpg.connect("postgresql://" + database_url.split("://", 1)[1]
                                      .split("?", 1)[0])
        try:
            killed = await admin.fetchval(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = $1", application)
        finally:
            await admin.close()
        assert killed >= 1
        again = await alice.handle("goal 65")
        assert again.tone is Tone.SUCCESS, again.text
    finally:
        await storage.close()
