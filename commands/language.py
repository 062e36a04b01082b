"""`/klout language de|en|auto`: a member reads Kloutbot in their own language."""

from __future__ import annotations

from chatbot.i18n import choose_language
from chatbot.values.message import N_
from chatbot.values.reply import Reply, Tone
from commands.context import Context
from commands.spec import Args, CommandSpec, Kind, Param

LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}
"""Each language by its own name, so it is found whatever language the list is read in."""


async def language(ctx: Context, args: Args) -> Reply:
    wanted = args["language"]
    chosen = None if wanted == "auto" else wanted
    await ctx.storage.members.set_language(ctx.team_id, ctx.caller.user_id, chosen,
                                           ctx.services.clock.now())
    team = await ctx.storage.teams.get(ctx.team_id)
    now_reading = choose_language(chosen, ctx.caller.locale, team.language if team else None)
    # The answer is already in the language just chosen.
    tr = ctx.services.catalogs.translator(now_reading)
    if chosen is None:
        text = tr._("Kloutbot now follows your app's language, and the team's where your app "
                    "doesn't say: you read {language}.", language=LANGUAGE_NAMES[now_reading])
    else:
        text = tr._("Kloutbot speaks {language} with you from now on, whatever the team's "
                    "language. /klout language auto follows your app again.",
                    language=LANGUAGE_NAMES[now_reading])
    return Reply(title=tr._("Language saved"), text=text, tone=Tone.SUCCESS)


SPEC = CommandSpec(
    name="language",
    summary=N_("Your language for Kloutbot: de (Deutsch), en (English), or auto to follow "
               "your app and the team"),
    handler=language,
    params=(Param("language", Kind.CHOICE, N_("de, en or auto"), required=True,
                  choices=("de", "en", "auto")),),
    examples=("/klout language de", "/klout language auto"),
)
