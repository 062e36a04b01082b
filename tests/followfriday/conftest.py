from __future__ import annotations

import pytest

from tests.followfriday.support import Deliveries


@pytest.fixture
def deliveries() -> Deliveries:
    return Deliveries()
