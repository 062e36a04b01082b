"""Opt-in: `register`, `verify`, `unregister` and `handles`."""

from __future__ import annotations

from chatbot.influence.networks.base import (
    AccountNotFound,
    InvalidHandle,
    NetworkError,
    NetworkUnavailable,
)
from commands.common import label
from commands.context import Context
from commands.reply import Field, Reply, Tone, error
from commands.spec import Args, CommandSpec, Kind, Param

NETWORK = Param("network", Kind.NETWORK, "mastodon, bluesky, github, x or youtube", required=True)
OWN_NETWORK = Param("network", Kind.NETWORK, "one of your registered networks", required=True,
                    autocomplete="own_networks")

WHERE_TO_PUT_CODE = {
    "mastodon": "your profile bio or one of its profile fields",
    "bluesky": "your profile description",
    "github": "your profile bio (or the website field)",
    "x": "your profile bio",
    "youtube": "your channel description",
}


async def _network_refusal(ctx: Context, network: str) -> str | None:
    reason = ctx.services.engine.availability().get(network)
    if reason:
        return reason
    team = await ctx.storage.teams.get(ctx.team_id)
    if team is not None and network not in team.networks:
        return f"{label(network)} is switched off in this team (an admin can change that with " \
            "/klout config networks)."
    return None


async def register(ctx: Context, args: Args) -> Reply:
    network: str = args["network"]
    refusal = await _network_refusal(ctx, network)
    if refusal:
        return error(refusal)
    engine = ctx.services.engine
    try:
        handle = engine.parse_handle(network, args["handle"])
    except InvalidHandle as exc:
        return error(str(exc), title="That handle doesn't look right")
    owner = await ctx.storage.handles.owner_of(ctx.team_id, network, handle)
    if owner is not None and owner != ctx.caller.user_id:
        return error(f"{handle} on {label(network)} is already registered by another member "
                     "of this team.")
    try:
        profile = await engine.lookup(network, handle)
    except AccountNotFound:
        return error(f"I couldn't find {handle} on {label(network)}. Check the spelling; "
                     "nothing was saved.")
    except NetworkUnavailable as exc:
        return error(f"{label(network)} didn't answer properly: {exc} Nothing was saved; "
                     "please try again later.")
    except NetworkError as exc:
        return error(str(exc))
    now = ctx.services.clock.now()
    await ctx.storage.members.ensure(ctx.team_id, ctx.caller.user_id, ctx.caller.display_name, now)
    code = engine.new_code()
    await ctx.storage.handles.add(ctx.team_id, ctx.caller.user_id, network, profile.handle,
                                  profile.account_id, code, now)
    outcome = await engine.refresh_member(ctx.team_id, ctx.caller.user_id)
    score_line = (
        f"Your score is {outcome.score} for now." if outcome.score is not None
        else "Your score will appear after the next refresh."
    )
    if network in outcome.errors:
        score_line += f" ({label(network)}: {outcome.errors[network]})"
    return Reply(
        title=f"Registered {profile.handle} on {label(network)}",
        text=(
            f"{score_line}\n"
            f"To prove the account is yours, put this code in "
            f"{WHERE_TO_PUT_CODE.get(network, 'your public profile')}:\n"
            f"{code}\n"
            f"then type /klout verify {network}. You can remove the code afterwards."
        ),
        tone=Tone.SUCCESS,
    )


async def verify(ctx: Context, args: Args) -> Reply:
    network: str = args["network"]
    registered = await ctx.storage.handles.get(ctx.team_id, ctx.caller.user_id, network)
    if registered is None:
        return error(f"You have no {label(network)} account registered. "
                     f"Register it first: /klout register {network} HANDLE")
    if registered.verified:
        return Reply(text=f"{registered.handle} on {label(network)} is already verified.")
    try:
        found = await ctx.services.engine.check_code(network, registered.handle,
                                                     registered.verify_code)
    except NetworkError as exc:
        return error(f"I couldn't check {label(network)} right now ({exc}). Try again later.")
    if not found:
        return error(
            f"I don't see the code {registered.verify_code} in "
            f"{WHERE_TO_PUT_CODE.get(network, 'your public profile')} of {registered.handle} "
            "yet. Save your profile, then try /klout verify again.",
            title="Not verified yet",
        )
    await ctx.storage.handles.mark_verified(ctx.team_id, ctx.caller.user_id, network,
                                            ctx.services.clock.now())
    return Reply(text=f"Verified: {registered.handle} on {label(network)} is yours. "
                      "You can remove the code from your profile now.", tone=Tone.SUCCESS)


async def unregister(ctx: Context, args: Args) -> Reply:
    network: str = args["network"]
    removed = await ctx.storage.handles.remove(ctx.team_id, ctx.caller.user_id, network)
    if not removed:
        return error(f"You have no {label(network)} account registered.")
    return Reply(text=f"Removed your {label(network)} account and its data. Your score will "
                      "follow at the next refresh.", tone=Tone.SUCCESS)


async def handles(ctx: Context, args: Args) -> Reply:
    registered = await ctx.storage.handles.for_member(ctx.team_id, ctx.caller.user_id)
    if not registered:
        return Reply(text="You have no accounts registered. Try /klout register github your-login")
    fields = []
    for handle in registered:
        if handle.verified:
            state = "verified"
        else:
            state = f"unverified — put {handle.verify_code} in your profile, then " \
                f"/klout verify {handle.network}"
        if handle.stale_reason:
            state += f" · stale: {handle.stale_reason}"
        fields.append(Field(f"{label(handle.network)}: {handle.handle}", state, inline=False))
    return Reply(title="Your accounts", fields=tuple(fields))


REGISTER = CommandSpec(
    name="register",
    summary="Link one of your own public accounts",
    handler=register,
    params=(NETWORK, Param("handle", Kind.WORD, "your handle on that network", required=True,
                           max_length=256)),
    slow=True,
    examples=("/klout register mastodon @you@mastodon.social", "/klout register github octocat"),
)
VERIFY = CommandSpec(
    name="verify",
    summary="Prove an account is yours with a one-time code in its public profile",
    handler=verify,
    params=(OWN_NETWORK,),
    slow=True,
)
UNREGISTER = CommandSpec(
    name="unregister",
    summary="Remove one of your accounts and its data",
    handler=unregister,
    params=(OWN_NETWORK,),
)
HANDLES = CommandSpec(name="handles", summary="List your accounts", handler=handles)
