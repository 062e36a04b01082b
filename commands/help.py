"""`/klout help [COMMAND]`, built from the same specs as the parser."""

from __future__ import annotations

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
    wanted = args.get("command")
    specs = [s for s in ctx.commands if not s.admin_only or ctx.caller.is_admin]
    if wanted:
        spec = next((s for s in ctx.commands if s.name == wanted), None)
        if spec is None:
            raise UsageError(f"No command called {wanted}.")
        details = [spec.summary, "", f"Usage: {usage_for(spec, ctx.caller.platform)}"]
        details += [f"  {p.usage.strip('[]')}: {p.help}" for p in spec.params]
        if spec.examples:
            details += ["", "Examples:", *(f"  {e}" for e in spec.examples)]
        return Reply(title=f"/klout {spec.name}", text="\n".join(details))
    fields = tuple(Field(usage_for(spec, ctx.caller.platform), spec.summary, inline=False)
                   for spec in specs)
    return Reply(
        title="Kloutbot — what I can do",
        text="Kloutbot scores the public accounts you register by how people react to your "
             "posts, not by follower counts. Only members who opt in are scored.",
        fields=fields,
        footer="/klout help COMMAND for details · the score is not a hiring metric",
    )


def build_help_spec(names: tuple[str, ...]) -> CommandSpec:
    return CommandSpec(
        name="help",
        summary="This list, or details of one command",
        handler=help_command,
        params=(Param("command", Kind.CHOICE, "a command name", choices=names),),
    )
