"""What the weekly post, the button's answer and the direct message say, from a stored plan.

Everything here is plain text: display names are shown as typed (an
`@everyone` stays words; the adapters escape), and a teammate is named,
never mentioned, so the post pings nobody. The channel post is in the team's
language; a member's own suggestions are in theirs (the caller's translator).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from chatbot.followfriday.planner import Pick
from chatbot.i18n import Translator
from chatbot.influence.networks.registry import POSTING_NETWORKS, network_label
from chatbot.storage.schedule import PlannedSuggestion
from chatbot.values.message import N_, Msg
from chatbot.values.outcomes import MemberSuggestions, Suggestion
from chatbot.values.reply import Button, Field, Reply, Visibility

HandleFormatter = Callable[[str, str], str]
"""(network, stored handle) -> the handle as people type it in a post there."""


_RISING_SHOWN = 1.0

FULL_LIST_MEMBERS = 15
"""Up to this many members with suggestions, the post lists everyone's (Discord allows 25
embed fields, Slack 50 blocks); a bigger team gets the summary and the button."""
FULL_LIST_CHARACTERS = 4000
"""…and only while the whole list stays this short: Discord's embed holds 6,000
characters, and German runs longer than English."""
RISING_SHOWN = 3
TOPICS_SHOWN = 5

MY_FOLLOWFRIDAY = N_("My #FollowFriday")

# How a reason is stored in followfriday_suggestions.reasons: a code, translated when
# read, so last week's plan can be shown in whichever language the reader uses.
_NOT_MUTUAL = "not_mutual"
_NOT_FOLLOWING = "not_following"
_FOLLOWS = "follows"
_SHARE = "share:"
_RISING = "rising:"
_TOPIC_SEPARATOR = "\t"


def plain(name: str) -> str:
    """One line of text: a name with line breaks would break the post's layout."""
    return " ".join(name.split()) or "?"


def button_command(period: str) -> str:
    """What the post's button runs as whoever presses it: that week's own suggestions. The
    week travels in the button (Slack's value, Discord's custom id), the team comes from
    where it is pressed, so a crafted button can't read another team's plan."""
    return f"followfriday week {period}"


def reasons_for(pick: Pick) -> tuple[str, ...]:
    """Why this teammate, as codes `reason_text` turns into words a member can check."""
    reasons: list[str] = []
    if pick.follows_them is False and pick.followed_back is False:
        reasons.append(_NOT_MUTUAL)
    elif pick.follows_them is False:
        reasons.append(_NOT_FOLLOWING)
    elif pick.follows_them is True:
        reasons.append(_FOLLOWS)
    if pick.shared_topics:
        reasons.append(_SHARE + _TOPIC_SEPARATOR.join(pick.shared_topics))
    if pick.gain >= _RISING_SHOWN:
        reasons.append(f"{_RISING}{pick.gain:.0f}")
    return tuple(reasons)


def reason_text(code: str) -> Msg | str:
    """A stored reason in words; text stored before reasons were codes is shown as it is."""
    if code == _NOT_MUTUAL:
        return Msg("you don't follow each other yet")
    if code == _NOT_FOLLOWING:
        return Msg("you don't follow them there yet")
    if code == _FOLLOWS:
        return Msg("you already follow them: share a post of theirs")
    if code.startswith(_SHARE):
        return Msg("you share {topics}", topics=", ".join(shared_topics(code)))
    if code.startswith(_RISING) and code.removeprefix(_RISING).isdigit():
        return Msg("rising: +{gain} this week", gain=int(code.removeprefix(_RISING)))
    return code


def shared_topics(code: str) -> tuple[str, ...]:
    """The topics of a stored "you share …" reason, none for any other."""
    if not code.startswith(_SHARE):
        return ()
    return tuple(t for t in code.removeprefix(_SHARE).split(_TOPIC_SEPARATOR) if t)


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
            reasons=tuple(reason_text(code) for code in item.reasons),
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


@dataclass(frozen=True)
class WeekTheme:
    """What the week's post says about the whole team when the list is too long to show."""

    pairs: int
    """Suggestions in the plan: one member, one teammate to follow."""
    members: int
    """Members with at least one suggestion."""
    rising: tuple[tuple[str, float], ...]
    """(name, seven-day gain) of the members whose score rose most, best first."""
    topics: tuple[str, ...]
    """The topics shared most often among this week's pairs."""


def week_theme(planned: Sequence[PlannedSuggestion], gains: Mapping[str, float],
               names: Mapping[str, str]) -> WeekTheme:
    suggested = {item.user_id for item in planned}
    rising = sorted(((gain, user) for user, gain in gains.items()
                     if gain >= _RISING_SHOWN and user in names),
                    key=lambda pair: (-pair[0], plain(names[pair[1]]).casefold(), pair[1]))
    topics: Counter[str] = Counter()
    for item in planned:
        for code in item.reasons:
            topics.update(shared_topics(code))
    return WeekTheme(
        pairs=len(planned),
        members=len(suggested),
        rising=tuple((plain(names[user]), gain) for gain, user in rising[:RISING_SHOWN]),
        topics=tuple(topic for topic, _ in sorted(topics.items(),
                                                  key=lambda item: (-item[1], item[0])
                                                  )[:TOPICS_SHOWN]),
    )


def _member_field(part: MemberSuggestions, name: str) -> Field:
    rows = [
        f"→ {s.display_name}: {network_label(s.network)} {s.handle}"
        for s in part.suggestions
    ]
    rows += [
        f"{network_label(network)}: {line}"
        for network, line in sorted(part.copy_lines.items(),
                                    key=lambda item: POSTING_NETWORKS.index(item[0]))
    ]
    return Field(name, "\n".join(rows), inline=False)


def weekly_reply(
    tr: Translator,
    period: str,
    parts: Sequence[MemberSuggestions],
    names: Mapping[str, str],
    theme: WeekTheme,
) -> Reply:
    """The channel post: everyone's list while it fits, the week's summary beyond that;
    either way a button answers each member with their own part, privately.

    The reasons stay out of the channel: they are personal ("you don't follow
    them yet"); the button and `/klout followfriday` show them.
    """
    title = f"#FollowFriday · {period}"
    shown = [part for part in parts if part.suggestions]
    if not shown:
        return Reply(
            title=title,
            text=tr._("Nobody to suggest this week: members need an account on a network a "
                      "teammate uses too. /klout register adds one."),
            visibility=Visibility.CHANNEL,
        )
    button = Button(tr._(MY_FOLLOWFRIDAY), button_command(period), style="primary")
    fields = [
        _member_field(part, plain(names.get(part.user_id, part.user_id)))
        for part in sorted(shown, key=lambda p: (
            plain(names.get(p.user_id, p.user_id)).casefold(), p.user_id))
    ]
    if len(fields) <= FULL_LIST_MEMBERS and \
            sum(len(f.label) + len(f.value) for f in fields) <= FULL_LIST_CHARACTERS:
        return Reply(
            title=title,
            text=tr._("This week's #FollowFriday: a few teammates for each of you to follow, "
                      "share or say hello to, on a network you both use. Everyone is "
                      "suggested about equally often and the lists change every week. Copy "
                      "your line to post it."),
            fields=tuple(fields),
            footer=tr._("/klout followfriday shows your part, and why, at any time."),
            buttons=(button,),
            visibility=Visibility.CHANNEL,
        )
    return Reply(title=title, text=_summary_text(tr, theme), fields=_theme_fields(tr, theme),
                 footer=tr._("Only you see your answer. /klout followfriday dm on sends you "
                             "your suggestions by direct message every week."),
                 buttons=(button,), visibility=Visibility.CHANNEL)


def _summary_text(tr: Translator, theme: WeekTheme) -> str:
    intro = tr._("This week's #FollowFriday: a few teammates for each of you to follow, "
                 "share or say hello to, on a network you both use.")
    counts = tr.n_("{n} suggestion this week, for {members}.",
                   "{n} suggestions this week, for {members}.", theme.pairs,
                   members=tr.n_("{n} member", "{n} members", theme.members))
    press = tr._("Press “{button}” to see yours, with a line ready to copy.",
                 button=tr._(MY_FOLLOWFRIDAY))
    return "\n".join((intro, counts, press))


def _theme_fields(tr: Translator, theme: WeekTheme) -> tuple[Field, ...]:
    fields: list[Field] = []
    if theme.rising:
        fields.append(Field(tr._("Rising this week"), "\n".join(
            f"{name} {tr.signed(gain)}" for name, gain in theme.rising), inline=True))
    if theme.topics:
        fields.append(Field(tr._("Shared topics"), ", ".join(theme.topics), inline=True))
    return tuple(fields)


def member_reply(tr: Translator, part: MemberSuggestions, period: str, *,
                 current: bool) -> Reply:
    """One member's suggestions, for the button, `/klout followfriday` and the DM."""
    title = (tr._("Your #FollowFriday this week") if current
             else tr._("Your #FollowFriday for {week}", week=period))
    if not part.suggestions:
        if current:
            text = tr._("No suggestions for you this week: teammates need an account on a "
                        "network you have registered too. /klout handles shows yours.")
        else:
            text = tr._("You had no suggestions in {week}.", week=period)
        return Reply(title="#FollowFriday", text=text)
    fields = [
        Field(tr._("{name} on {network}", name=s.display_name, network=network_label(s.network)),
              " · ".join((s.handle, *(tr.msg(reason) for reason in s.reasons))), inline=False)
        for s in part.suggestions
    ]
    for network, line in sorted(part.copy_lines.items()):
        fields.append(Field(tr._("Ready to post on {network}", network=network_label(network)),
                            line, inline=False))
    return Reply(title=title, fields=tuple(fields),
                 footer=tr._("Follow, share, say hello: this is the week's list for the whole "
                             "team."))


def expired_reply(tr: Translator, period: str) -> Reply:
    return Reply(title="#FollowFriday", text=tr._(
        "The #FollowFriday of {week} has expired: only this week's and last week's "
        "suggestions are kept. /klout followfriday shows this week's.", week=period))


def not_yet_reply(tr: Translator, period: str) -> Reply:
    return Reply(title="#FollowFriday", text=tr._(
        "There is no #FollowFriday for {week} yet: each week's suggestions are made in "
        "that week. /klout followfriday shows this week's.", week=period))


def dm_reply(tr: Translator, part: MemberSuggestions, period: str) -> Reply:
    """The weekly direct message: the member's part, and how to stop it."""
    reply = member_reply(tr, part, period, current=True)
    return Reply(title=reply.title, fields=reply.fields, footer=tr._(
        "You get this because you ran /klout followfriday dm on; /klout followfriday dm off "
        "stops it."))
