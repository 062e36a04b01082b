"""Admission control: a cap on commands in flight, a busy answer past it, and a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.admission import (
    BUSY_TEXT,
    TOO_LONG_TEXT,
    Admission,
    Slot,
    busy_reply,
    too_long_reply,
)
from chatbot.app import build_app
from chatbot.platforms.console import ConsoleSession
from chatbot.settings import Settings, SettingsError, load_settings
from chatbot.storage import Storage
from chatbot.values.reply import Reply, Tone, Visibility
from commands.context import Services
from commands.registry import Dispatcher, all_commands
from tests.support.gate import THROUGH, Gate


def gated_console(services: Services, gate: Gate, admission: Admission) -> ConsoleSession:
    dispatcher = Dispatcher(services, commands=(*all_commands(), gate.spec), admission=admission)
    return ConsoleSession(dispatcher, user="alice", team="acme")


@asynccontextmanager
async def traced(storage: Storage) -> AsyncIterator[list[str]]:
    """Every SQL statement the store runs inside the block."""
    statements: list[str] = []
    storage.db.tracer = statements.append
    try:
        yield statements
    finally:
        storage.db.tracer = None


@pytest.mark.parametrize(("cap", "extra"), [(1, 1), (3, 5), (8, 2)])
async def test_past_the_cap_exactly_the_extra_commands_are_busy_and_the_rest_answered(
    services: Services, cap: int, extra: int,
) -> None:
    gate = Gate()
    admission = Admission(cap, deadline_seconds=60)
    console = gated_console(services, gate, admission)
    admitted = [asyncio.create_task(console.handle("wait")) for _ in range(cap)]
    await gate.wait_entered(cap)
    refused = [await console.handle("wait") for _ in range(extra)]
    assert refused == [busy_reply()] * extra
    assert all(not task.done() for task in admitted)
    gate.open()
    answered = await asyncio.gather(*admitted)
    assert [reply.text for reply in answered] == [THROUGH] * cap
    assert admission.in_flight == 0
    assert (await console.handle("wait")).text == THROUGH


async def test_the_busy_answer_is_a_private_warning_that_says_to_try_again() -> None:
    reply = busy_reply()
    assert reply.visibility is Visibility.PRIVATE and reply.tone is Tone.WARNING
    assert reply.text == BUSY_TEXT and "try again in a moment" in reply.text
    late = too_long_reply()
    assert late.visibility is Visibility.PRIVATE and late.text == TOO_LONG_TEXT
    assert "took too long" in late.text


async def test_the_busy_path_does_no_database_work(services: Services, storage: Storage
                                                   ) -> None:
    gate = Gate()
    console = gated_console(services, gate, Admission(1, deadline_seconds=60))
    held = asyncio.create_task(console.handle("wait"))
    await gate.wait_entered(1)
    async with traced(storage) as statements:
        assert await console.handle("@bob leaderboard") == busy_reply()
    assert statements == []
    gate.open()
    await held


async def test_a_command_that_never_finishes_is_cut_at_the_deadline_and_cancelled(
    services: Services,
) -> None:
    gate = Gate()
    admission = Admission(2, deadline_seconds=0.05)
    console = gated_console(services, gate, admission)
    async with asyncio.timeout(5):  # a missing deadline fails here instead of hanging
        reply = await console.handle("wait")
    assert reply == too_long_reply()
    assert gate.cancelled == 1
    assert admission.in_flight == 0


async def test_the_deadline_counts_from_admission_not_from_when_the_work_starts() -> None:
    admission = Admission(1, deadline_seconds=0.05)
    slot = admission.admit()
    assert slot is not None
    never = asyncio.Event()

    async def work() -> Reply:
        await never.wait()
        return Reply(text="unreachable")

    loop = asyncio.get_running_loop()
    started = loop.time()
    with slot:
        async with asyncio.timeout(5):
            assert await slot.reply(work()) == too_long_reply()
    assert loop.time() - started < 1.0
    assert slot.expires_at <= started + 0.05


async def test_a_timeout_raised_by_the_work_itself_is_not_the_deadline() -> None:
    slot = Admission(1, deadline_seconds=60).admit()
    assert slot is not None

    async def network_gave_up() -> Reply:
        raise TimeoutError("the network timed out")

    with slot, pytest.raises(TimeoutError, match="network"):
        await slot.reply(network_gave_up())


async def test_a_slot_bound_to_a_task_is_freed_even_when_the_task_never_ran() -> None:
    admission = Admission(1)
    slot = admission.admit()
    assert slot is not None
    ran: list[bool] = []

    async def answer() -> None:
        ran.append(True)

    task = asyncio.create_task(answer())
    slot.bind(task)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ran == [] and admission.in_flight == 0
    slot.release()  # a second release changes nothing
    assert admission.in_flight == 0


@given(st.integers(min_value=1, max_value=8),
       st.lists(st.one_of(st.just("admit"), st.integers(min_value=0, max_value=9)),
                max_size=60))
def test_in_flight_never_passes_the_cap_and_refusal_means_full(
    cap: int, steps: list[str | int],
) -> None:
    """Any interleaving of arrivals and completions (an int finishes the n-th held slot,
    possibly twice): admission refuses exactly when `cap` slots are held."""

    async def scenario() -> None:
        admission = Admission(cap)
        held: list[Slot] = []
        for step in steps:
            if step == "admit":
                slot = admission.admit()
                assert (slot is None) == (len(held) == cap)
                if slot is not None:
                    held.append(slot)
            elif held:
                slot = held[int(step) % len(held)]
                slot.release()
                if slot in held:
                    held.remove(slot)
            assert admission.in_flight == len(held) <= cap

    asyncio.run(scenario())


def test_the_cap_and_the_deadline_are_settings_with_plain_refusals(tmp_path: Path) -> None:
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert defaults.klout_max_commands_in_flight == 64
    assert defaults.klout_answer_deadline_seconds == 10.0
    env = tmp_path / ".env"
    env.write_text("KLOUT_MAX_COMMANDS_IN_FLIGHT=12\nKLOUT_ANSWER_DEADLINE_SECONDS=2.5\n")
    settings = load_settings(env)
    assert (settings.klout_max_commands_in_flight, settings.klout_answer_deadline_seconds) \
        == (12, 2.5)
    env.write_text("KLOUT_MAX_COMMANDS_IN_FLIGHT=0\nKLOUT_ANSWER_DEADLINE_SECONDS=900\n")
    with pytest.raises(SettingsError) as refused:
        load_settings(env)
    assert refused.value.problems == ["KLOUT_MAX_COMMANDS_IN_FLIGHT must be at least 1",
                                      "KLOUT_ANSWER_DEADLINE_SECONDS must be at most 600.0"]


async def test_the_app_gives_every_platform_one_admission_built_from_the_settings(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None,  # type: ignore[call-arg]
                        database_url=str(tmp_path / "k.db"),
                        klout_max_commands_in_flight=3, klout_answer_deadline_seconds=4)

    def nowhere(_: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    async with httpx.AsyncClient(transport=httpx.MockTransport(nowhere)) as http, \
            build_app(settings, http=http) as app:
        admission = app.dispatcher.admission
        assert (admission.max_in_flight, admission.deadline_seconds) == (3, 4.0)
