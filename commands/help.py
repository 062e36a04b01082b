"""`/klout help [COMMAND]`, built from the same specs as the parser."""

from __future__ import annotations

from chatbot.values.message import N_
from chatbot.values.reply import Field, Reply
from commands.context import Context
from commands.parser import UsageError
from commands.spec import Args, CommandSpec, Kind, Param


def usage_for(spec: CommandSpec, platform: str) -> str:
    """Discord groups have no default subcommand, so the score card is `/klout score`."""
    if platform == "discord" and spec.name == "score":
        return spec.usage.replace("/klout", "/klout score", 1)
    return spec.usage


async def help_command(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    wanted = args.get("command")
    specs = [s for s in ctx.commands if not s.admin_only or ctx.caller.is_admin]
    if wanted:
        spec = next((s for s in ctx.commands if s.name == wanted), None)
        if spec is None:
            raise UsageError(tr._("No command called {command}.", command=wanted))
        details = [tr._(spec.summary), "",
                   tr._("Usage: {usage}", usage=usage_for(spec, ctx.caller.platform))]
        details += [f"  {p.usage.strip('[]')}: {tr._(p.help)}" for p in spec.params]
        if spec.examples:
            details += ["", tr._("Examples:"), *(f"  {e}" for e in spec.examples)]
        return Reply(title=f"/klout {spec.name}", text="\n".join(details))
    fields = tuple(Field(usage_for(spec, ctx.caller.platform), tr._(spec.summary), inline=False)
                   for spec in specs)
    return Reply(
        title=tr._("Kloutbot — what I can do"),
        text=tr._("Kloutbot scores the public accounts you register by how people react to "
                  "your posts, not by follower counts. Only members who opt in are scored."),
        fields=fields,
        footer=tr._("/klout help COMMAND for details · the score is not a hiring metric"),
    )


def build_help_spec(names: tuple[str, ...]) -> CommandSpec:
    return CommandSpec(
        name="help",
        summary=N_("This list, or details of one command"),
        handler=help_command,
        params=(Param("command", Kind.CHOICE, N_("a command name"), choices=names),),
    )
