"""Opt-in: `register`, `verify`, `unregister` and `handles`."""

from __future__ import annotations

from datetime import datetime

from chatbot.i18n import Translator
from chatbot.influence.networks.registry import code_place
from chatbot.storage.models import Challenge, Holder
from chatbot.values.accounts import Profile
from chatbot.values.message import N_
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

NETWORK = Param("network", Kind.NETWORK, N_("mastodon, bluesky, github, x or youtube"),
                required=True)
OWN_NETWORK = Param("network", Kind.NETWORK, N_("one of your registered networks"),
                    required=True, autocomplete="own_networks")


async def _network_refusal(ctx: Context, network: str) -> str | None:
    tr = ctx.tr
    reason = ctx.services.engine.availability().get(network)
    if reason:
        return tr.msg(reason)
    team = await ctx.storage.teams.get(ctx.team_id)
    if team is not None and network not in team.networks:
        return tr._("{network} is switched off in this team (an admin can change that with "
                    "/klout config networks).", network=label(network))
    return None


async def register(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    network: str = args["network"]
    refusal = await _network_refusal(ctx, network)
    if refusal:
        return error(refusal)
    engine = ctx.services.engine
    try:
        handle = engine.parse_handle(network, args["handle"])
    except InvalidHandle as exc:
        return error(tr.msg(exc.message), title=tr._("That handle doesn't look right"))
    try:
        # The account is its stable id, so two spellings of one account are one claim.
        profile = await engine.lookup(network, handle)
    except AccountNotFound:
        return error(tr._("I couldn't find {handle} on {network}. Check the spelling; "
                          "nothing was saved.", handle=handle, network=label(network)))
    except NetworkUnavailable as exc:
        return error(tr._("{network} didn't answer properly: {reason} Nothing was saved; "
                          "please try again later.", network=label(network),
                          reason=tr.msg(exc.message)))
    except NetworkError as exc:
        return error(tr.msg(exc.message))
    holder = await ctx.storage.handles.holder(ctx.team_id, network, profile.account_id,
                                              profile.handle, excluding=ctx.caller.user_id)
    if holder is not None and holder.verified:
        return _taken(tr, network, profile)
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
        return Reply(title=tr._("Registered {handle} on {network} again",
                                handle=profile.handle, network=label(network)),
                     text=tr._("It stays verified; your score follows it."), tone=Tone.SUCCESS)
    outcome = await engine.refresh_member(ctx.team_id, ctx.caller.user_id)
    if provisional:
        shown = await engine.provisional_score(ctx.team_id, ctx.caller.user_id)
        score_line = (
            tr._("Provisional score {score}: only you see it until you verify the account.",
                 score=shown)
            if shown is not None else
            tr._("Your provisional score appears after the next refresh.")
        )
    else:
        score_line = (
            tr._("Your score is {score} for now.", score=outcome.score)
            if outcome.score is not None else
            tr._("Your score will appear after the next refresh.")
        )
    if network in outcome.errors:
        score_line = tr._("{sentence} ({network}: {problem})", sentence=score_line,
                          network=label(network), problem=tr.msg(outcome.errors[network]))
    prove = tr._("To prove the account is yours, put this code in {place}:\n{code}\n"
                 "then type /klout verify {network}. You can remove the code afterwards.",
                 place=tr.msg(code_place(network)), code=code, network=network)
    return Reply(
        title=tr._("Registered {handle} on {network}", handle=profile.handle,
                   network=label(network)),
        text=f"{score_line}\n{prove}",
        tone=Tone.SUCCESS,
    )


def _taken(tr: Translator, network: str, profile: Profile) -> Reply:
    return error(
        tr._("{handle} on {network} is already registered and verified by another member of "
             "this team. An account belongs to one member, so nothing was saved.",
             handle=profile.handle, network=label(network)),
        title=tr._("That account is taken"),
    )


async def _challenge(
    ctx: Context, network: str, profile: Profile, holder: Holder, code: str, now: datetime
) -> Reply:
    """One account, one member: an unverified claim gives way only to a member who proves
    the account is theirs."""
    tr = ctx.tr
    if holder.verified:  # verified between the first check and the write
        return _taken(tr, network, profile)
    await ctx.storage.claims.challenge(ctx.team_id, ctx.caller.user_id, network, profile.handle,
                                       profile.account_id, code, now)
    return Reply(
        title=tr._("Another member registered that account"),
        text=tr._(
            "{handle} on {network} is registered by another member of this team, who has not "
            "verified it. An account belongs to one member: if it is yours, put this code in "
            "{place}:\n{code}\nthen type /klout verify {command_network}. The verified claim "
            "takes the account over and the other member is told.",
            handle=profile.handle, network=label(network), place=tr.msg(code_place(network)),
            code=code, command_network=network),
        tone=Tone.WARNING,
    )


async def verify(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    network: str = args["network"]
    challenge = await ctx.storage.claims.challenge_of(ctx.team_id, ctx.caller.user_id, network)
    if challenge is not None:
        return await _verify_challenge(ctx, challenge)
    registered = await ctx.storage.handles.get(ctx.team_id, ctx.caller.user_id, network)
    if registered is None:
        return error(tr._("You have no {network} account registered. Register it first: "
                          "/klout register {command_network} HANDLE", network=label(network),
                          command_network=network))
    if registered.verified:
        return Reply(text=tr._("{handle} on {network} is already verified.",
                               handle=registered.handle, network=label(network)))
    found = await _code_found(ctx, network, registered.handle, registered.verify_code)
    if isinstance(found, Reply):
        return found
    await ctx.storage.handles.mark_verified(ctx.team_id, ctx.caller.user_id, network,
                                            ctx.services.clock.now())
    await ctx.services.engine.rescore(ctx.team_id, [ctx.caller.user_id])
    return Reply(text=tr._("Verified: {handle} on {network} is yours. It counts for your score "
                           "and rank now. You can remove the code from your profile.",
                           handle=registered.handle, network=label(network)),
                 tone=Tone.SUCCESS)


async def _verify_challenge(ctx: Context, challenge: Challenge) -> Reply:
    tr = ctx.tr
    network = challenge.network
    found = await _code_found(ctx, network, challenge.handle, challenge.verify_code)
    if isinstance(found, Reply):
        return found
    taken = await ctx.storage.claims.take_over(ctx.team_id, ctx.caller.user_id, network,
                                               ctx.services.clock.now())
    where = {"handle": challenge.handle, "network": label(network)}
    if not taken.done:
        return error(tr._("Another member verified {handle} on {network} first, so it stays "
                          "theirs. An account belongs to one member.", **where),
                     title=tr._("Not yours to take"))
    await ctx.services.engine.refresh_member(ctx.team_id, ctx.caller.user_id)
    if taken.previous is not None:
        text = tr._("Verified: {handle} on {network} is yours. The member who had registered "
                    "it without verifying lost their claim and will be told. You can remove "
                    "the code from your profile now.", **where)
    else:
        text = tr._("Verified: {handle} on {network} is yours. You can remove the code from "
                    "your profile now.", **where)
    return Reply(text=text, tone=Tone.SUCCESS)


async def _code_found(ctx: Context, network: str, handle: str, code: str) -> Reply | None:
    """None when the code is in the profile; otherwise the reply saying what to do."""
    tr = ctx.tr
    try:
        found = await ctx.services.engine.check_code(network, handle, code)
    except NetworkError as exc:
        return error(tr._("I couldn't check {network} right now ({reason}). Try again later.",
                          network=label(network), reason=tr.msg(exc.message)))
    if found:
        return None
    return error(
        tr._("I don't see the code {code} in {place} of {handle} yet. Save your profile, then "
             "try /klout verify again.", code=code, place=tr.msg(code_place(network)),
             handle=handle),
        title=tr._("Not verified yet"),
    )


async def unregister(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    network: str = args["network"]
    removed = await ctx.storage.handles.remove(ctx.team_id, ctx.caller.user_id, network)
    if not removed:
        return error(tr._("You have no {network} account registered.", network=label(network)))
    return Reply(text=tr._("Removed your {network} account and its data. Your score will "
                           "follow at the next refresh.", network=label(network)),
                 tone=Tone.SUCCESS)


async def handles(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    registered = await ctx.storage.handles.for_member(ctx.team_id, ctx.caller.user_id)
    contested = await ctx.storage.claims.challenges_of(ctx.team_id, ctx.caller.user_id)
    if not registered and not contested:
        return Reply(text=tr._("You have no accounts registered. Try /klout register github "
                               "your-login"))
    team = await ctx.storage.teams.get(ctx.team_id)
    provisional = team is not None and not team.count_unverified
    fields = []
    for handle in registered:
        states = [tr._("verified")] if handle.verified else [
            tr._("unverified — put {code} in your profile, then /klout verify {network}",
                 code=handle.verify_code, network=handle.network)]
        if not handle.verified and provisional:
            states.append(tr._("provisional: only you see its score until then"))
        if handle.stale_reason:
            states.append(tr._("stale: {reason}", reason=tr.msg(handle.stale_reason)))
        fields.append(Field(f"{label(handle.network)}: {handle.handle}", " · ".join(states),
                            inline=False))
    for challenge in contested:
        fields.append(Field(
            tr._("{network}: {handle} (registered by another member)",
                 network=label(challenge.network), handle=challenge.handle),
            tr._("yours once verified — put {code} in your profile, then /klout verify "
                 "{network}", code=challenge.verify_code, network=challenge.network),
            inline=False,
        ))
    return Reply(title=tr._("Your accounts"), fields=tuple(fields))


REGISTER = CommandSpec(
    name="register",
    summary=N_("Link one of your own public accounts"),
    handler=register,
    params=(NETWORK, Param("handle", Kind.WORD, N_("your handle on that network"),
                           required=True, max_length=256)),
    slow=True,
    examples=("/klout register mastodon @you@mastodon.social", "/klout register github octocat"),
)
VERIFY = CommandSpec(
    name="verify",
    summary=N_("Prove an account is yours with a one-time code in its public profile"),
    handler=verify,
    params=(OWN_NETWORK,),
    slow=True,
)
UNREGISTER = CommandSpec(
    name="unregister",
    summary=N_("Remove one of your accounts and its data"),
    handler=unregister,
    params=(OWN_NETWORK,),
)
HANDLES = CommandSpec(name="handles", summary=N_("List your accounts"), handler=handles)
