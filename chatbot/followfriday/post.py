"""What the weekly post and `/klout followfriday` say, from a stored plan.

Everything here is plain text: display names are shown as typed (an
`@everyone` stays words; the adapters escape), and a teammate is named,
never mentioned, so the post pings nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from chatbot.followfriday.planner import Pick
from chatbot.influence.networks.registry import POSTING_NETWORKS, network_label
from chatbot.storage.schedule import PlannedSuggestion
from chatbot.values.outcomes import MemberSuggestions, Suggestion
from chatbot.values.reply import Field, Reply, Visibility

HandleFormatter = Callable[[str, str], str]
"""(network, stored handle) -> the handle as people type it in a post there."""


_RISING_SHOWN = 1.0


def plain(name: str) -> str:
    """One line of text: a name with line breaks would break the post's layout."""
    return " ".join(name.split()) or "?"


def reasons_for(pick: Pick) -> tuple[str, ...]:
    """Why this teammate, in words a member can check."""
    reasons: list[str] = []
    if pick.follows_them is False and pick.followed_back is False:
        reasons.append("you don't follow each other yet")
    elif pick.follows_them is False:
        reasons.append("you don't follow them there yet")
    elif pick.follows_them is True:
        reasons.append("you already follow them: share a post of theirs")
    if pick.shared_topics:
        reasons.append("you share " + ", ".join(pick.shared_topics))
    if pick.gain >= _RISING_SHOWN:
        reasons.append(f"rising: +{pick.gain:.0f} this week")
    return tuple(reasons)


def member_part(
    user_id: str,
    suggestions: Sequence[PlannedSuggestion],
    accounts: Mapping[str, Mapping[str, str]],
    names: Mapping[str, str],
    shown_handle: HandleFormatter,
) -> MemberSuggestions:
    """One member's suggestions and their ready-to-copy lines.

    A teammate who has since removed the account (or run forget) is left
    out rather than shown with a dead handle.
    """
    mine = [s for s in suggestions if s.user_id == user_id]
    shown: list[Suggestion] = []
    for item in mine:
        handle = accounts.get(item.suggested_id, {}).get(item.network)
        if handle is None:
            continue
        shown.append(Suggestion(
            user_id=item.suggested_id,
            display_name=plain(names.get(item.suggested_id, item.suggested_id)),
            network=item.network,
            handle=shown_handle(item.network, handle),
            reasons=item.reasons,
        ))
    lines: dict[str, str] = {}
    own = accounts.get(user_id, {})
    for network in POSTING_NETWORKS:
        if network not in own:
            continue
        handles = [
            shown_handle(network, accounts[s.user_id][network])
            for s in shown
            if network in accounts.get(s.user_id, {})
        ]
        if handles:
            lines[network] = " ".join(["#FollowFriday", *handles])
    return MemberSuggestions(user_id=user_id, suggestions=tuple(shown), copy_lines=lines)


def weekly_reply(
    period: str,
    parts: Sequence[MemberSuggestions],
    names: Mapping[str, str],
) -> Reply:
    """The channel post: an intro, then each member's list and lines to paste.

    The reasons stay out of the channel: they are personal ("you don't follow
    them yet") and would make a big team's post too long for one message;
    `/klout followfriday` shows them.
    """
    shown = [part for part in parts if part.suggestions]
    if not shown:
        return Reply(
            title=f"#FollowFriday · {period}",
            text="Nobody to suggest this week: members need an account on a network a "
                 "teammate uses too. /klout register adds one.",
            visibility=Visibility.CHANNEL,
        )
    fields: list[Field] = []
    for part in sorted(shown, key=lambda p: (plain(names.get(p.user_id, p.user_id)).casefold(),
                                            p.user_id)):
        rows = [
            f"→ {s.display_name}: {network_label(s.network)} {s.handle}"
            for s in part.suggestions
        ]
        rows += [
            f"{network_label(network)}: {line}"
            for network, line in sorted(part.copy_lines.items(),
                                        key=lambda item: POSTING_NETWORKS.index(item[0]))
        ]
        fields.append(Field(plain(names.get(part.user_id, part.user_id)), "\n".join(rows),
                            inline=False))
    return Reply(
        title=f"#FollowFriday · {period}",
        text="This week's #FollowFriday: a few teammates for each of you to follow, share "
             "or say hello to, on a network you both use. Everyone is suggested about "
             "equally often and the lists change every week. Copy your line to post it.",
        fields=tuple(fields),
        footer="/klout followfriday shows your part, and why, at any time.",
        visibility=Visibility.CHANNEL,
    )
