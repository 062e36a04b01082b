"""`/klout web`: a personal link to the team's web pages, for the caller's eyes only."""

from __future__ import annotations

from datetime import UTC, datetime

from chatbot.i18n import Translator
from chatbot.storage.models import Team
from chatbot.values.message import N_
from chatbot.values.reply import Field, Reply, error
from commands.context import Context
from commands.spec import Args, CommandSpec


async def web(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    links = ctx.services.web_links
    missing = links.missing() if links is not None else ("KLOUT_PUBLIC_URL", "KLOUT_WEB_SECRET")
    if links is None or missing:
        return error(tr._("The web pages are not set up on this bot: its operator sets "
                          "{settings} (see the README, “Web pages”).",
                          settings=" + ".join(missing)))
    now = ctx.services.clock.now()
    # A link names members only by random ids, which need the caller's member row.
    await ctx.storage.members.ensure(ctx.team_id, ctx.caller.user_id, ctx.caller.display_name,
                                     now)
    link = await links.personal(ctx.team_id, ctx.caller.user_id, tr.language, now)
    text = tr._("Your team's leaderboard and profiles: {url}\nThis link is yours: it works for "
                "24 hours and shows this team only. Anyone you pass it to sees what you see.",
                url=link.url)
    return Reply(title=tr._("Your link to the web pages"), text=text,
                 footer=tr._("valid until {moment} UTC", moment=_until(tr, link.expires_at)))


async def web_pages_field(ctx: Context, team: Team) -> Field:
    """What `/klout config web public|private` adds to its answer: the team's public link,
    or that the old ones stopped working."""
    tr = ctx.tr
    if not team.web_public:
        return Field(tr._("Public link"), tr._("None. Public links given out before no longer "
                                               "work; members get their own with /klout web."),
                     inline=False)
    links = ctx.services.web_links
    url = await links.public(team.team_id, team.language) if links and not links.missing() \
        else None
    if url is None:
        return Field(tr._("Public link"), tr._("The web pages are not set up on this bot yet; "
                                               "the link appears here once they are."),
                     inline=False)
    return Field(tr._("Public link"), tr._("Anyone with this link sees the team's pages: {url}",
                                           url=url), inline=False)


def _until(tr: Translator, moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{tr.date(utc.date(), 'medium')} {utc:%H:%M}"


SPEC = CommandSpec(
    name="web",
    summary=N_("A personal link (for you only, for 24 hours) to the team's leaderboard and "
               "profiles on the web"),
    handler=web,
)
