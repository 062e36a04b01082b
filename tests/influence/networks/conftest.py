"""Fixtures for the network client tests; the doubles live in network_fakes.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.influence.networks.network_fakes import FakeApi, FakeClock, MakeFetcher, fetcher_on


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeApi]:
    api = FakeApi()
    await api.start()
    try:
        yield api
    finally:
        await api.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


@pytest.fixture
def make_fetcher(clock: FakeClock) -> MakeFetcher:
    return fetcher_on(clock)
