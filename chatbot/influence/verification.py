"""Proving an account is yours: a one-time code in its public bio.

Members paste the code into a bio or profile field through whatever editor
the network gives them, which may wrap it in HTML, split it across lines,
insert zero-width characters or turn its hyphens into dashes. So matching
keeps only letters and digits, case-folded, on both sides: "klout-7Q4M-2XKD"
is found in "<p>KLOUT 7q4m\u200b-2xkd</p>". Forty random bits make a chance
match in somebody's unrelated text practically impossible.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from chatbot.influence.networks.base import NetworkClient, fetch_profile
from chatbot.influence.networks.text import html_to_text
from chatbot.values.accounts import Profile
from chatbot.values.message import Msg

CODE_PREFIX = "klout"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: a code read aloud or retyped cannot be misread."""

_GROUPS = 2
_GROUP_LENGTH = 4


def new_code(rng: random.Random) -> str:
    """A fresh code such as "klout-7Q4M-2XKD" (pass a SystemRandom in production)."""
    groups = (
        "".join(rng.choice(CODE_ALPHABET) for _ in range(_GROUP_LENGTH)) for _ in range(_GROUPS)
    )
    return "-".join((CODE_PREFIX, *groups))


def _letters_and_digits(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if char.isascii() and char.isalnum())


def code_in_bio(code: str, bio: str) -> bool:
    """Whether the bio shows the code, whatever markup or spacing surrounds it."""
    wanted = _letters_and_digits(code)
    if len(wanted) < len(CODE_PREFIX) + _GROUPS * _GROUP_LENGTH:
        return False
    visible = html_to_text(bio) if "<" in bio or "&" in bio else bio
    return wanted in _letters_and_digits(visible) or wanted in _letters_and_digits(bio)


@dataclass(frozen=True)
class VerificationResult:
    verified: bool
    profile: Profile
    message: Msg
    """What to tell the member, either way."""


async def verify(client: NetworkClient, handle: str, code: str) -> VerificationResult:
    """Fetch the profile now and look for the code in its bio and fields.

    A network failure raises (the member should retry later); a profile
    without the code is an answer, not an error.
    """
    found = await fetch_profile(client, handle)
    shown = client.handle_for_humans(handle)
    if code_in_bio(code, found.bio):
        return VerificationResult(
            verified=True,
            profile=found,
            message=Msg("Verified: {handle} on {network} is yours. "
                        "You can remove the code from your bio now.",
                        handle=shown, network=client.label),
        )
    return VerificationResult(
        verified=False,
        profile=found,
        message=Msg("The code {code} is not in the public bio of {handle} on {network} yet. "
                    "Add it to your bio or a profile field, save, and try again "
                    "(some networks take a minute to show changes).",
                    code=code, handle=shown, network=client.label),
    )
