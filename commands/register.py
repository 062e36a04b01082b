"""Opt-in: `register`, `verify`, `unregister` and `handles`."""

from __future__ import annotations

from datetime import datetime

from chatbot.influence.networks.registry import code_place
from chatbot.storage.models import Challenge, Holder
from chatbot.values.accounts import Profile
from chatbot.values.network_errors import (
    AccountNotFound,
    InvalidHandle,
    NetworkError,
    NetworkUnavailable,
)
from chatbot.values.reply import Field, Reply, Tone, error
from commands.common import label
from commands.context import Context
from commands.spec import Args, CommandSpec, Kind, Param

NETWORK = Param("network", Kind.NETWORK, "mastodon, bluesky, github, x or youtube", required=True)
OWN_NETWORK = Param("network", Kind.NETWORK, "one of your registered networks", required=True,
                    autocomplete="own_networks")


async def _network_refusal(ctx: Context, network: str) -> str | None:
    reason = ctx.services.engine.availability().get(network)
    if reason:
        return ctx.tr.msg(reason)
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
    try:
        # The account is its stable id, so two spellings of one account are one claim.
        profile = await engine.lookup(network, handle)
    except AccountNotFound:
        return error(f"I couldn't find {handle} on {label(network)}. Check the spelling; "
                     "nothing was saved.")
    except NetworkUnavailable as exc:
        return error(f"{label(network)} didn't answer properly: {exc} Nothing was saved; "
                     "please try again later.")
    except NetworkError as exc:
        return error(str(exc))
    holder = await ctx.storage.handles.holder(ctx.team_id, network, profile.account_id,
                                              profile.handle, excluding=ctx.caller.user_id)
    if holder is not None and holder.verified:
        return _taken(network, profile)
    now = ctx.services.clock.now()
    team = await ctx.storage.teams.get(ctx.team_id)
    await ctx.storage.members.ensure(ctx.team_id, ctx.caller.user_id, ctx.caller.display_name, now)
    code = engine.new_code()
    registered = await ctx.storage.handles.add(ctx.team_id, ctx.caller.user_id, network,
                                               profile.handle, profile.account_id, code, now)
    if isinstance(registered, Holder):
        return await _challenge(ctx, network, profile, registered, code, now)
    provisional = team is not None and not team.count_unverified
    if registered.verified:
        await engine.refresh_member(ctx.team_id, ctx.caller.user_id)
        return Reply(title=f"Registered {profile.handle} on {label(network)} again",
                     text="It stays verified; your score follows it.", tone=Tone.SUCCESS)
    outcome = await engine.refresh_member(ctx.team_id, ctx.caller.user_id)
    if provisional:
        shown = await engine.provisional_score(ctx.team_id, ctx.caller.user_id)
        score_line = (
            f"Provisional score {shown}: only you see it until you verify the account."
            if shown is not None else "Your provisional score appears after the next refresh."
        )
    else:
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
            f"{code_place(network)}:\n"
            f"{code}\n"
            f"then type /klout verify {network}. You can remove the code afterwards."
        ),
        tone=Tone.SUCCESS,
    )


def _taken(network: str, profile: Profile) -> Reply:
    return error(
        f"{profile.handle} on {label(network)} is already registered and verified by another "
        "member of this team. An account belongs to one member, so nothing was saved.",
        title="That account is taken",
    )


async def _challenge(
    ctx: Context, network: str, profile: Profile, holder: Holder, code: str, now: datetime
) -> Reply:
    """One account, one member: an unverified claim gives way only to a member who proves
    the account is theirs."""
    if holder.verified:  # verified between the first check and the write
        return _taken(network, profile)
    await ctx.storage.claims.challenge(ctx.team_id, ctx.caller.user_id, network, profile.handle,
                                       profile.account_id, code, now)
    return Reply(
        title="Another member registered that account",
        text=(
            f"{profile.handle} on {label(network)} is registered by another member of this "
            "team, who has not verified it. An account belongs to one member: if it is yours, "
            f"put this code in {code_place(network)}:\n"
            f"{code}\n"
            f"then type /klout verify {network}. The verified claim takes the account over "
            "and the other member is told."
        ),
        tone=Tone.WARNING,
    )


async def verify(ctx: Context, args: Args) -> Reply:
    network: str = args["network"]
    challenge = await ctx.storage.claims.challenge_of(ctx.team_id, ctx.caller.user_id, network)
    if challenge is not None:
        return await _verify_challenge(ctx, challenge)
    registered = await ctx.storage.handles.get(ctx.team_id, ctx.caller.user_id, network)
    if registered is None:
        return error(f"You have no {label(network)} account registered. "
                     f"Register it first: /klout register {network} HANDLE")
    if registered.verified:
        return Reply(text=f"{registered.handle} on {label(network)} is already verified.")
    found = await _code_found(ctx, network, registered.handle, registered.verify_code)
    if isinstance(found, Reply):
        return found
    await ctx.storage.handles.mark_verified(ctx.team_id, ctx.caller.user_id, network,
                                            ctx.services.clock.now())
    await ctx.services.engine.rescore(ctx.team_id, [ctx.caller.user_id])
    return Reply(text=f"Verified: {registered.handle} on {label(network)} is yours. "
                      "It counts for your score and rank now. You can remove the code from "
                      "your profile.", tone=Tone.SUCCESS)


async def _verify_challenge(ctx: Context, challenge: Challenge) -> Reply:
    network = challenge.network
    found = await _code_found(ctx, network, challenge.handle, challenge.verify_code)
    if isinstance(found, Reply):
        return found
    taken = await ctx.storage.claims.take_over(ctx.team_id, ctx.caller.user_id, network,
                                               ctx.services.clock.now())
    if not taken.done:
        return error(f"Another member verified {challenge.handle} on {label(network)} first, "
                     "so it stays theirs. An account belongs to one member.",
                     title="Not yours to take")
    await ctx.services.engine.refresh_member(ctx.team_id, ctx.caller.user_id)
    told = (" The member who had registered it without verifying lost their claim and will "
            "be told." if taken.previous is not None else "")
    return Reply(text=f"Verified: {challenge.handle} on {label(network)} is yours.{told} "
                      "You can remove the code from your profile now.", tone=Tone.SUCCESS)


async def _code_found(ctx: Context, network: str, handle: str, code: str) -> Reply | None:
    """None when the code is in the profile; otherwise the reply saying what to do."""
    try:
        found = await ctx.services.engine.check_code(network, handle, code)
    except NetworkError as exc:
        return error(f"I couldn't check {label(network)} right now ({exc}). Try again later.")
    if found:
        return None
    return error(
        f"I don't see the code {code} in "
        f"{code_place(network)} of {handle} "
        "yet. Save your profile, then try /klout verify again.",
        title="Not verified yet",
    )


async def unregister(ctx: Context, args: Args) -> Reply:
    network: str = args["network"]
    removed = await ctx.storage.handles.remove(ctx.team_id, ctx.caller.user_id, network)
    if not removed:
        return error(f"You have no {label(network)} account registered.")
    return Reply(text=f"Removed your {label(network)} account and its data. Your score will "
                      "follow at the next refresh.", tone=Tone.SUCCESS)


async def handles(ctx: Context, args: Args) -> Reply:
    registered = await ctx.storage.handles.for_member(ctx.team_id, ctx.caller.user_id)
    contested = await ctx.storage.claims.challenges_of(ctx.team_id, ctx.caller.user_id)
    if not registered and not contested:
        return Reply(text="You have no accounts registered. Try /klout register github your-login")
    team = await ctx.storage.teams.get(ctx.team_id)
    provisional = team is not None and not team.count_unverified
    fields = []
    for handle in registered:
        if handle.verified:
            state = "verified"
        else:
            state = f"unverified — put {handle.verify_code} in your profile, then " \
                f"/klout verify {handle.network}"
            if provisional:
                state += " · provisional: only you see its score until then"
        if handle.stale_reason:
            state += f" · stale: {handle.stale_reason}"
        fields.append(Field(f"{label(handle.network)}: {handle.handle}", state, inline=False))
    for challenge in contested:
        fields.append(Field(
            f"{label(challenge.network)}: {challenge.handle} (registered by another member)",
            f"yours once verified — put {challenge.verify_code} in your profile, then "
            f"/klout verify {challenge.network}",
            inline=False,
        ))
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
