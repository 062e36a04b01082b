"""Pieces several handlers share: who a command is about, network labels."""

from __future__ import annotations

from chatbot.influence.networks.registry import network_label
from commands.context import Context
from commands.spec import Args, Kind, Param

TARGET = Param("user", Kind.USER, "the member to look at (default: you)")


def target_of(ctx: Context, args: Args) -> str:
    user = args.get("user")
    return str(user) if user else ctx.caller.user_id


def whose(ctx: Context, user_id: str, name: str) -> str:
    return "Your" if user_id == ctx.caller.user_id else f"{name}'s"


def label(network: str) -> str:
    return network_label(network)
