"""Teams whose Slack workspace removed the app: kept for a grace period, then deleted.

The grace period lets a workspace that uninstalled by mistake reinstall without losing
its members' registrations and history; past it, nothing about them is kept.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from chatbot.storage import Storage

log = logging.getLogger(__name__)


async def purge_uninstalled(storage: Storage, now: datetime, grace_days: int) -> list[str]:
    """Delete every team uninstalled at least `grace_days` ago; returns their ids."""
    gone = await storage.teams.delete_uninstalled_before(now - timedelta(days=grace_days))
    for team_id in gone:
        log.info("deleted team %s: uninstalled %d days ago or more", team_id, grace_days)
    return gone
