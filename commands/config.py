"""`/klout config [SETTING VALUE]`: admins set the weekly post and what counts."""

from __future__ import annotations

import re
from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chatbot.i18n import LANGUAGES, Translator, choose_language
from chatbot.influence.networks import get_network_name
from chatbot.storage.models import ScheduledPost, Team
from chatbot.values.message import N_, Msg
from chatbot.values.network_errors import NetworkError
from chatbot.values.reply import Field, Reply, Tone, error
from commands.common import label
from commands.context import Context
from commands.language import LANGUAGE_NAMES
from commands.param_values import shown
from commands.spec import Args, CommandSpec, Kind, Param
from commands.web import web_pages_field

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SETTINGS = ("channel", "weekday", "time", "timezone", "networks", "unverified", "card",
            "language", "web")
_CHANNEL = re.compile(r"^<#([A-Z0-9]+)(?:\|[^>]*)?>$|^<#(\d+)>$|^#?([A-Za-z0-9_.\-]{1,80})$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_UNVERIFIED = {"count": True, "provisional": False,
               # the spellings of score v1, when counting them was the default
               "on": True, "yes": True, "true": True,
               "off": False, "no": False, "false": False, "ignore": False}


STATUSES = {"claimed": N_("being posted"), "interrupted": N_("interrupted"),
            "skipped": N_("skipped"), "posted": N_("posted"), "failed": N_("failed")}
"""How the weekly post's stored state reads in the overview."""


class ConfigError(ValueError):
    """`message` is shown to the admin in their language (`tr.msg`)."""

    def __init__(self, message: Msg | str) -> None:
        super().__init__(str(message))
        self.message: Msg | str = message


def _parse(setting: str, value: str) -> dict[str, object]:
    if setting == "channel":
        match = _CHANNEL.match(value)
        if not match:
            raise ConfigError(Msg("Name the channel: #general, or pick it from the list."))
        return {"post_channel": next(group for group in match.groups() if group)}
    if setting == "weekday":
        day = value.casefold()
        found = [name for name in WEEKDAYS if name.startswith(day[:3]) and len(day) >= 3]
        if not found:
            raise ConfigError(Msg("Weekday is one of monday … sunday."))
        return {"post_weekday": WEEKDAYS.index(found[0])}
    if setting == "time":
        time = _TIME.match(value)
        if not time:
            raise ConfigError(Msg("Time is 24-hour HH:MM, for example 10:00."))
        return {"post_time": f"{int(time.group(1)):02d}:{time.group(2)}"}
    if setting == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            # OSError: a folder of the tz database (`Europe`) is found but is no zone.
            raise ConfigError(Msg("“{value}” is not an IANA timezone such as Europe/Berlin "
                                  "or America/New_York.", value=shown(value))) from None
        return {"timezone": value}
    if setting == "networks":
        names: list[str] = []
        for part in re.split(r"[,\s]+", value.strip()):
            if not part:
                continue
            try:
                name = get_network_name(part)
            except NetworkError as exc:
                raise ConfigError(exc.message) from None
            if name not in names:
                names.append(name)
        if not names:
            raise ConfigError(Msg("List at least one network, for example: "
                                  "mastodon,bluesky,github"))
        return {"networks": tuple(names)}
    if setting == "unverified":
        if value.casefold() not in _UNVERIFIED:
            raise ConfigError(Msg("Say provisional (unverified accounts are seen by their owner "
                                  "only and not ranked) or count (they count, labelled "
                                  "unverified, for a team whose members trust each other)."))
        return {"count_unverified": _UNVERIFIED[value.casefold()]}
    if setting == "card":
        if value.casefold() not in ("text", "image"):
            raise ConfigError(Msg("Card is text or image."))
        return {"card_style": value.casefold()}
    if setting == "language":
        if value.casefold() not in LANGUAGES:
            raise ConfigError(Msg("Language is de (Deutsch) or en (English)."))
        return {"language": value.casefold()}
    if setting == "web":
        if value.casefold() not in ("public", "private"):
            raise ConfigError(Msg("Web is public (anyone with the team's public link sees the "
                                  "pages) or private (only personal links from /klout web)."))
        return {"web_public": value.casefold() == "public"}
    raise ConfigError(Msg("Unknown setting; choose one of {settings}.",
                          settings=", ".join(SETTINGS)))


async def _overview(ctx: Context, team: Team) -> Reply:
    tr = ctx.tr
    last = await ctx.storage.schedule.latest(ctx.team_id, "followfriday")
    fields = (
        Field(tr._("Channel"), f"#{team.post_channel}" if team.post_channel
              else tr._("not set")),
        Field(tr._("Weekly post"), f"{tr.weekday(team.post_weekday)} {team.post_time} "
                                   f"{team.timezone}"),
        Field(tr._("Networks"), ", ".join(label(n) for n in team.networks)),
        Field(tr._("Unverified accounts"), tr._("count (labelled)") if team.count_unverified
              else tr._("provisional (seen by their owner only, not ranked)")),
        Field(tr._("Score card"), tr._("image") if team.card_style == "image"
              else tr._("text")),
        Field(tr._("Language"), LANGUAGE_NAMES[team.language]),
        Field(tr._("Web pages"), tr._("public") if team.web_public else tr._("private")),
        Field(tr._("Last #FollowFriday"), _post_status(tr, last), inline=False),
    )
    return Reply(title=tr._("Kloutbot settings for this team"), fields=fields,
                 footer=tr._("Change one: /klout config SETTING VALUE"))


def _post_status(tr: Translator, last: ScheduledPost | None) -> str:
    if last is None:
        return tr._("never posted")
    status = tr._(STATUSES[last.status]) if last.status in STATUSES else last.status
    if last.status == "failed" and last.last_error:
        return tr._("{week}: {status} — {error} (attempt {attempt})", week=last.period,
                    status=status, error=tr.msg(last.last_error), attempt=last.attempts)
    return f"{last.period}: {status}"


async def config(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    team = await ctx.storage.teams.get(ctx.team_id)
    if team is None:
        return error(tr._("This team is not set up yet."))
    setting = args.get("setting")
    if setting is None:
        return await _overview(ctx, team)
    value = args.get("value")
    if not value:
        return error(tr._("Give a value: /klout config {setting} VALUE", setting=setting))
    try:
        changes = _parse(setting, value)
    except ConfigError as exc:
        return error(tr.msg(exc.message))
    updated = await ctx.storage.teams.update(ctx.team_id, **changes)
    if updated.count_unverified != team.count_unverified:
        if not updated.count_unverified:
            # Scores that counted unverified accounts start afresh, not smoothed from those.
            await ctx.storage.scores.withdraw(
                ctx.team_id, await ctx.storage.handles.members_with_unverified(ctx.team_id))
        # Ranks follow at once: every member is scored again from stored data.
        await ctx.services.engine.rescore(ctx.team_id)
    if setting == "language":
        # The team's language is what the admin reads from now on, unless they chose their own.
        ctx = replace(ctx, tr=await _reader_after(ctx))
    overview = await _overview(ctx, updated)
    fields = overview.fields
    if setting == "web":
        fields += (await web_pages_field(ctx, updated),)
    return Reply(title=ctx.tr._("Saved {setting}", setting=setting), fields=fields,
                 tone=Tone.SUCCESS)


async def _reader_after(ctx: Context) -> Translator:
    record = await ctx.storage.teams.as_seen_by(ctx.team_id, ctx.caller.user_id)
    return ctx.services.catalogs.translator(
        choose_language(record.member_language, ctx.caller.locale, record.team_language))


SPEC = CommandSpec(
    name="config",
    summary=N_("Admins: channel, weekday, time and timezone of the weekly post; networks; "
               "whether unverified accounts count; text or image cards; the team's language; "
               "public or private web pages"),
    handler=config,
    params=(
        Param("setting", Kind.CHOICE, N_("what to change"), choices=SETTINGS),
        Param("value", Kind.TEXT, N_("the new value"), max_length=200),
    ),
    admin_only=True,
    examples=("/klout config channel #general", "/klout config timezone Europe/Berlin",
              "/klout config unverified count", "/klout config language de",
              "/klout config web public"),
)
