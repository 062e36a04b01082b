"""`/klout give @user TOPIC` (+K) and `/klout topics [@user]`."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from chatbot.storage.social import EndorsementLimits
from chatbot.storage.topics import topic_key
from chatbot.values.reply import Field, Reply, Tone, Visibility, error
from commands.common import TARGET, target_of, whose
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
    receiver: str = args["user"]
    giver = ctx.caller.user_id
    if receiver == giver:
        return error("You can't endorse yourself — ask a teammate!")
    topic = clean_topic(args["topic"])
    if topic is None:
        return error(f"A topic is a few words (at most {TOPIC_MAX} characters) of letters, "
                     "digits and spaces, like “python” or “public speaking”.")
    now = ctx.services.clock.now()
    name = await ctx.name_of(receiver)
    gift = await ctx.storage.endorsements.give(
        ctx.team_id, (giver, ctx.caller.display_name),
        (receiver, name if name != receiver else ""), topic, now, LIMITS)
    if gift.daily_cap_reached:
        return error(f"You've given {DAILY_CAP} endorsements in the last 24 hours; "
                     "that's the daily maximum. Try again tomorrow.")
    if gift.same_topic_again_at is not None:
        again = gift.same_topic_again_at.date().isoformat()
        return error(f"You already endorsed them for {topic} this week; you can again from "
                     f"{again}.")
    count = gift.topic_count
    return Reply(
        text=f"+K! {ctx.caller.display_name} endorsed {name} for {topic} "
             f"({count} endorsement{'s' if count != 1 else ''} so far).",
        tone=Tone.SUCCESS,
        visibility=Visibility.CHANNEL,
    )


async def topics(ctx: Context, args: Args) -> Reply:
    user_id = target_of(ctx, args)
    name = await ctx.name_of(user_id)
    found = await ctx.storage.endorsements.topics(ctx.team_id, user_id)
    if not found:
        return Reply(text=f"{name} has no endorsements yet. Give one: /klout give @{name} TOPIC"
                     if user_id != ctx.caller.user_id else
                     "You have no endorsements yet; they come from teammates' /klout give.")
    names = await ctx.storage.members.names(ctx.team_id)
    fields = tuple(
        Field(f"{topic.topic} · +{topic.count}",
              "from " + ", ".join(names.get(g, g) for g in topic.givers[:5])
              + (f" and {len(topic.givers) - 5} more" if len(topic.givers) > 5 else ""),
              inline=False)
        for topic in found[:20]
    )
    return Reply(title=f"{whose(ctx, user_id, name)} topics", fields=fields,
                 visibility=Visibility.CHANNEL)


GIVE = CommandSpec(
    name="give",
    summary=f"Endorse a teammate's strength (+K); {DAILY_CAP} a day, not yourself",
    handler=give,
    params=(
        Param("user", Kind.USER, "the teammate to endorse", required=True),
        Param("topic", Kind.TEXT, "what they're good at", required=True, max_length=TOPIC_MAX,
              autocomplete="topics"),
    ),
    private=False,
    examples=("/klout give @alice python",),
)
TOPICS = CommandSpec(
    name="topics",
    summary="A member's topics and who endorsed them",
    handler=topics,
    params=(TARGET,),
    private=False,
)
