"""What a member is told once, on their next command, about changes to their claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chatbot.storage.models import Notice
from chatbot.storage.notices import CLAIM_RESOLVED, CLAIM_TAKEN
from chatbot.values.reply import Reply, Visibility, lines
from commands.common import label


def notice_text(notice: Notice) -> str:
    where = f"{notice.handle} on {label(notice.network)}"
    again = (f"If the account is really yours, register it again with /klout register "
             f"{notice.network} {notice.handle} and verify it.")
    if notice.kind == CLAIM_TAKEN:
        return (f"Another member of this team verified {where}, which you had registered "
                "without verifying, so it is theirs now and your claim was removed with its "
                f"data. {again}")
    if notice.kind == CLAIM_RESOLVED:
        return (f"{where} was registered by another member of this team too. An account "
                "belongs to one member: the verified claim keeps it, else the older one, so "
                f"yours was removed with its data. {again}")
    return f"Something changed about {where}."


def with_notices(reply: Reply, notices: Sequence[Notice]) -> Reply:
    """Notices are personal, so a reply that carries them is shown to the caller only."""
    if not notices:
        return reply
    told = "\n".join(f"⚠ {notice_text(notice)}" for notice in notices)
    return replace(reply, text=lines(told, reply.text), visibility=Visibility.PRIVATE)
