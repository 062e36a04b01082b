"""Which Discord shards this process runs: DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS.

Discord sends each guild's events to exactly one shard, `(guild_id >> 22) % count`,
so several processes split one bot by running disjoint id ranges of the same count.
Unset, one process runs every shard at the count Discord recommends.
"""

from __future__ import annotations

from dataclasses import dataclass


class ShardSettingError(ValueError):
    """The shard settings cannot work; the message (one line) says what to change."""


@dataclass(frozen=True)
class ShardPlan:
    count: int
    ids: tuple[int, ...]
    """Ascending, without repeats; every id in 0..count-1."""


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """`0-3`, `4,5` or `0-1,4` as ascending ids; raises ShardSettingError."""
    ids: set[int] = set()
    for part in text.split(","):
        piece = part.strip()
        low, dash, high = piece.partition("-")
        low, high = low.strip(), high.strip()
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ShardSettingError(
                f"DISCORD_SHARD_IDS={text!r} is not a list like 0-3 or 4,5 or 0-1,4 "
                f"(could not read {piece!r}).")
        first, last = int(low), int(high) if dash else int(low)
        if last < first:
            raise ShardSettingError(f"DISCORD_SHARD_IDS: the range {piece} runs backwards; "
                                    f"write {last}-{first}.")
        ids.update(range(first, last + 1))
    return tuple(sorted(ids))


def format_shard_ids(ids: tuple[int, ...]) -> str:
    """The shortest `0-3,6` form of ascending ids (for logs and the inverse of parsing)."""
    parts: list[str] = []
    start = previous = None
    for shard in ids:
        if previous is not None and shard == previous + 1:
            previous = shard
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = shard
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}-{previous}")
    return ",".join(parts)


def shard_plan(count: int | None, ids: str | None) -> ShardPlan | None:
    """The shards to run, or None for Discord's recommended count in this one process."""
    if count is None:
        if ids is not None:
            raise ShardSettingError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT: the total "
                                    "number of shards across every process.")
        return None
    if count < 1:
        raise ShardSettingError(f"DISCORD_SHARD_COUNT must be at least 1, not {count}.")
    chosen = parse_shard_ids(ids) if ids is not None else tuple(range(count))
    outside = [shard for shard in chosen if shard >= count]
    if outside:
        raise ShardSettingError(
            f"DISCORD_SHARD_IDS names shard {outside[0]}, but with DISCORD_SHARD_COUNT={count} "
            f"the shards are 0-{count - 1}." if count > 1 else
            f"DISCORD_SHARD_IDS names shard {outside[0]}, but with DISCORD_SHARD_COUNT=1 "
            "the only shard is 0.")
    return ShardPlan(count, chosen)


def shard_of(guild_id: int, count: int) -> int:
    """The shard Discord sends a guild's events to."""
    return (guild_id >> 22) % count
