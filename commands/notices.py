"""What a member is told once, on their next command, about changes to their claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chatbot.i18n import Translator
from chatbot.storage.models import Notice
from chatbot.storage.notices import CLAIM_RESOLVED, CLAIM_TAKEN
from chatbot.values.reply import Reply, Visibility, lines
from commands.common import label


def notice_text(tr: Translator, notice: Notice) -> str:
    where = {"handle": notice.handle, "network": label(notice.network),
             "command_network": notice.network}
    if notice.kind == CLAIM_TAKEN:
        return tr._("Another member of this team verified {handle} on {network}, which you had "
                    "registered without verifying, so it is theirs now and your claim was "
                    "removed with its data. If the account is really yours, register it again "
                    "with /klout register {command_network} {handle} and verify it.", **where)
    if notice.kind == CLAIM_RESOLVED:
        return tr._("{handle} on {network} was registered by another member of this team too. "
                    "An account belongs to one member: the verified claim keeps it, else the "
                    "older one, so yours was removed with its data. If the account is really "
                    "yours, register it again with /klout register {command_network} {handle} "
                    "and verify it.", **where)
    return tr._("Something changed about {handle} on {network}.", handle=notice.handle,
                network=label(notice.network))


def with_notices(tr: Translator, reply: Reply, notices: Sequence[Notice]) -> Reply:
    """Notices are personal, so a reply that carries them is shown to the caller only."""
    if not notices:
        return reply
    told = "\n".join(f"⚠ {notice_text(tr, notice)}" for notice in notices)
    return replace(reply, text=lines(told, reply.text), visibility=Visibility.PRIVATE)
