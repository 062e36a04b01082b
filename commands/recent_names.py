"""The names a dispatcher last wrote, so a command writes a team's or member's name only
when it changed; bounded, since a bot in many teams meets members without end."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

NAMES_REMEMBERED = 10_000
"""Per cache; forgetting a name costs one more write the next time its owner speaks."""


class RecentNames(Generic[K]):
    """Least recently used names go first once `size` are held."""

    def __init__(self, size: int = NAMES_REMEMBERED) -> None:
        if size < 1:
            raise ValueError("a name cache holds at least one name")
        self._size = size
        self._names: OrderedDict[K, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._names)

    def changed(self, key: K, name: str) -> bool:
        """Whether `name` differs from what was last remembered for `key` (or nothing is)."""
        known = self._names.get(key)
        if known is not None:
            self._names.move_to_end(key)
        return known != name

    def remember(self, key: K, name: str) -> None:
        self._names[key] = name
        self._names.move_to_end(key)
        while len(self._names) > self._size:
            self._names.popitem(last=False)
