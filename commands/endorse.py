"""`/klout give @user TOPIC` (+K) and `/klout topics [@user]`."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import timedelta

from chatbot.i18n import Translator
from chatbot.storage.social import EndorsementLimits
from chatbot.storage.topics import topic_key
from chatbot.values.message import N_
from chatbot.values.reply import Field, Reply, Tone, Visibility, error
from commands.common import TARGET, target_of
from commands.context import Context
from commands.spec import Args, CommandSpec, Kind, Param

DAILY_CAP = 5
SAME_TOPIC_EVERY = timedelta(days=7)
TOPIC_MAX = 40
LIMITS = EndorsementLimits(per_day=DAILY_CAP, same_topic_every=SAME_TOPIC_EVERY)


def clean_topic(raw: str) -> str | None:
    """Letters, digits, spaces and a little punctuation; no mentions, no markup."""
    topic = " ".join(raw.split()).strip("#")
    if not topic or len(topic) > TOPIC_MAX:
        return None
    for ch in topic:
        category = unicodedata.category(ch)
        if not (category[0] in "LNM" or ch in " -+.#&/'_"):
            return None
    if not any(ch.isalnum() for ch in topic_key(topic)):
        return None  # only marks or punctuation: nothing a reader could tell apart
    return topic


async def give(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    receiver: str = args["user"]
    giver = ctx.caller.user_id
    if receiver == giver:
        return error(tr._("You can't endorse yourself — ask a teammate!"))
    topic = clean_topic(args["topic"])
    if topic is None:
        return error(tr._("A topic is a few words (at most {limit} characters) of letters, "
                          "digits and spaces, like “python” or “public speaking”.",
                          limit=TOPIC_MAX))
    now = ctx.services.clock.now()
    name = await ctx.name_of(receiver)
    gift = await ctx.storage.endorsements.give(
        ctx.team_id, (giver, ctx.caller.display_name),
        (receiver, name if name != receiver else ""), topic, now, LIMITS)
    if gift.daily_cap_reached:
        return error(tr._("You've given {cap} endorsements in the last 24 hours; that's the "
                          "daily maximum. Try again tomorrow.", cap=DAILY_CAP))
    if gift.same_topic_again_at is not None:
        return error(tr._("You already endorsed them for {topic} this week; you can again "
                          "from {date}.", topic=topic,
                          date=tr.date(gift.same_topic_again_at.date())))
    return Reply(
        text=tr.n_("+K! {giver} endorsed {name} for {topic} ({n} endorsement so far).",
                   "+K! {giver} endorsed {name} for {topic} ({n} endorsements so far).",
                   gift.topic_count, giver=ctx.caller.display_name, name=name, topic=topic),
        tone=Tone.SUCCESS,
        visibility=Visibility.CHANNEL,
    )


async def topics(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    user_id = target_of(ctx, args)
    own = user_id == ctx.caller.user_id
    name = await ctx.name_of(user_id)
    found = await ctx.storage.endorsements.topics(ctx.team_id, user_id)
    if not found:
        return Reply(text=tr._("You have no endorsements yet; they come from teammates' "
                               "/klout give.") if own else
                     tr._("{name} has no endorsements yet. Give one: /klout give @{name} TOPIC",
                          name=name))
    names = await ctx.storage.members.names(ctx.team_id)
    fields = tuple(Field(f"{topic.topic} · +{topic.count}", _givers(tr, topic.givers, names),
                         inline=False)
                   for topic in found[:20])
    return Reply(title=tr._("Your topics") if own else tr._("{name}'s topics", name=name),
                 fields=fields, visibility=Visibility.CHANNEL)


def _givers(tr: Translator, givers: Sequence[str], names: Mapping[str, str]) -> str:
    shown = ", ".join(names.get(g, g) for g in givers[:5])
    if len(givers) > 5:
        return tr.n_("from {names} and {n} more", "from {names} and {n} more",
                     len(givers) - 5, names=shown)
    return tr._("from {names}", names=shown)


GIVE = CommandSpec(
    name="give",
    # The number is DAILY_CAP, written out: a catalog entry can't hold a variable.
    summary=N_("Endorse a teammate's strength (+K); 5 a day, not yourself"),
    handler=give,
    params=(
        Param("user", Kind.USER, N_("the teammate to endorse"), required=True),
        Param("topic", Kind.TEXT, N_("what they're good at"), required=True,
              max_length=TOPIC_MAX, autocomplete="topics"),
    ),
    private=False,
    examples=("/klout give @alice python",),
)
TOPICS = CommandSpec(
    name="topics",
    summary=N_("A member's topics and who endorsed them"),
    handler=topics,
    params=(TARGET,),
    private=False,
)
