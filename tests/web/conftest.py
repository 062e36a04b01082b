from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from chatbot.storage import Storage
from tests.support.fakes import FrozenClock
from tests.web.site import Site, seed, serve


@pytest.fixture
async def site(storage: Storage, clock: FrozenClock) -> AsyncIterator[Site]:
    await seed(storage, clock)
    async with serve(storage, clock) as served:
        yield served


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False) as client:
        yield client
