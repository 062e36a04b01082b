"""How a scheduled post's delivery can fail and how a sent post is recognised later.

The #FollowFriday service raises and reads these and every platform produces them, so they
sit below both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chatbot.values.message import Msg


class DeliveryError(Exception):
    """A post could not be delivered (channel gone, missing permission); message is shown
    to admins.

    The reason is a `Msg`, so whoever shows it translates it for its reader
    (`tr.msg(exc.message)`); `str(exc)` is the English sentence, for logs and records.
    """

    def __init__(self, message: Msg | str) -> None:
        super().__init__(message)
        self.message = message


class DeliveryUnconfirmed(DeliveryError):
    """The request may have reached the platform (a timeout, a dropped connection): the
    post may or may not be in the channel, so a retry must look before posting."""


@dataclass(frozen=True)
class PostMarker:
    """Tags a scheduled post so that a later run can recognise it in the channel.

    A crash between sending and recording leaves a week unconfirmed; the marker is what
    lets the next run tell "it went out" from "it never left" instead of guessing.
    """

    kind: str
    """e.g. "followfriday"."""
    team_id: str
    period: str
    """e.g. "2026-W48"."""
    since: datetime
    """No post for this period can be older than this (UTC): how far back to look."""

    @property
    def key(self) -> str:
        """One string for the (team, kind, period): a Discord nonce, an embed marker."""
        return f"kloutbot:{self.kind}:{self.team_id}:{self.period}"


class RecipientGone(DeliveryError):
    """A direct message can't reach the member: they left the team, blocked the bot or
    closed their direct messages. Not retried; the message says which, for the log."""


@dataclass(frozen=True)
class DmLimit:
    """How fast a platform lets the bot send direct messages, shared by every replica."""

    key: str
    """The rate budget it spends from (storage.budgets), e.g. "dm:slack:T0123"."""
    per_second: int
