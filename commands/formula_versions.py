"""Points stored by an older score formula, made comparable with today's.

Stored points keep the number and version they were computed with. Shown
next to today's, a formula change would read as a real rise or fall. So the
newest point of an older version is recomputed with today's formula from the
stored posts and profile counters, and every point of that version is shifted
by the difference measured there: the card's 7/30-day change, the sparkline
and the history chart then show only what changed in the member's accounts.
One recomputation per reply keeps this cheap; explain recomputes last week's
point exactly and names both numbers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from chatbot.influence.score import (
    SCORE_MAX,
    SCORE_MIN,
    ScoreResult,
    rescore_result,
    result_from_json,
)
from chatbot.storage.models import ScorePoint
from commands.context import Context


async def recompute(ctx: Context, user_id: str, stored: ScoreResult, at: datetime
                    ) -> ScoreResult:
    """A stored result recomputed with today's formula from the stored posts."""
    posts = await ctx.storage.activity.posts(
        ctx.team_id, user_id, at - timedelta(days=ctx.services.score_window_days))
    own_ids = [handle.account_id for handle in
               await ctx.storage.handles.for_member(ctx.team_id, user_id) if handle.account_id]
    return rescore_result(stored, posts, at, own_ids)


async def align(ctx: Context, user_id: str, points: Sequence[ScorePoint | None],
                version: str) -> list[ScorePoint | None]:
    """`points` with older formulas' points shifted onto `version`, in the same order
    (a missing point stays missing)."""
    older = [point for point in points if point is not None and point.version != version]
    if not older:
        return list(points)
    offsets: dict[str, float] = {}
    for old_version in {point.version for point in older}:
        boundary = max((p for p in older if p.version == old_version), key=lambda p: p.day)
        try:
            stored = result_from_json(json.loads(boundary.components_json))
        except ValueError:
            continue
        if not stored.networks:
            continue
        again = await recompute(ctx, user_id, stored, boundary.computed_at)
        offsets[old_version] = again.raw - stored.raw
    aligned: list[ScorePoint | None] = []
    for point in points:
        shift = offsets.get(point.version) if point is not None else None
        if point is None or point.version == version or shift is None:
            aligned.append(point)
            continue
        raw = min(SCORE_MAX, max(SCORE_MIN, point.raw + shift))
        aligned.append(replace(point, raw=raw, score=round(raw)))
    return aligned
