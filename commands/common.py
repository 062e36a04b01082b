"""Pieces several handlers share: who a command is about, network labels."""

from __future__ import annotations

from datetime import datetime

from chatbot.i18n import Translator
from chatbot.influence.networks.registry import network_label
from chatbot.values.message import N_
from commands.context import Context
from commands.spec import Args, Kind, Param

TARGET = Param("user", Kind.USER, N_("the member to look at (default: you)"))


def target_of(ctx: Context, args: Args) -> str:
    user = args.get("user")
    return str(user) if user else ctx.caller.user_id


def label(network: str) -> str:
    return network_label(network)


def ago(tr: Translator, moment: datetime | None, now: datetime) -> str:
    """How long ago, as short as a card's footer needs ("2 h ago", "vor 2 Stunden"); the
    hours are rounded as people say them, which babel's relative times don't do."""
    if moment is None:
        return tr._("never")
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 90:
        return tr._("just now")
    if seconds < 90 * 60:
        return tr.n_("{n} min ago", "{n} min ago", round(seconds / 60))
    if seconds < 36 * 3600:
        return tr.n_("{n} h ago", "{n} h ago", round(seconds / 3600))
    return tr.n_("{n} day ago", "{n} days ago", round(seconds / 86400))
