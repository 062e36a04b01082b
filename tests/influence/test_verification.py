from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from datetime import datetime

import pytest

from chatbot.influence.verification import CODE_ALPHABET, code_in_bio, new_code, verify
from chatbot.values.accounts import Post, Profile
from chatbot.values.network_errors import NetworkError, NetworkUnavailable

CODE = "klout-7Q4M-2XKD"


def test_codes_use_an_alphabet_that_cannot_be_misread() -> None:
    codes = {new_code(random.Random(seed)) for seed in range(200)}

    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"klout-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
        assert set(code[6:].replace("-", "")) <= set(CODE_ALPHABET)
    assert not set("01OIL") & set(CODE_ALPHABET)


def test_the_same_random_source_gives_the_same_code() -> None:
    assert new_code(random.Random(5)) == new_code(random.Random(5))


@pytest.mark.parametrize(
    "bio",
    [
        f"Hi! {CODE}",
        "<p>verify: <span>klout-7q4m-2xkd</span></p>",
        "KLOUT-7Q4M-\n2XKD",
        "klout\u200b-7Q4M\u200d-2XKD",
        "klout–7Q4M–2XKD",  # en dashes from a phone keyboard
        "ｋｌｏｕｔ-７Ｑ４Ｍ-２ＸＫＤ",  # full-width forms
        "Web: https://example.com\nProof: klout 7Q4M 2XKD",
        "klout&#45;7Q4M&#45;2XKD",
    ],
)
def test_the_code_is_found_whatever_the_editor_did_to_it(bio: str) -> None:
    assert code_in_bio(CODE, bio)


@pytest.mark.parametrize(
    "bio", ["", "klout-7Q4M", "klout-7Q4M-2XKE", "7Q4M-2XKD", "klout-2XKD-7Q4M"]
)
def test_another_or_partial_code_does_not_verify(bio: str) -> None:
    assert not code_in_bio(CODE, bio)


def test_an_empty_code_never_matches() -> None:
    assert not code_in_bio("", "anything at all")
    assert not code_in_bio("klout", "klout")


class OneProfileClient:
    name = "mastodon"
    label = "Mastodon"

    def __init__(self, answer: Profile | NetworkError) -> None:
        self.answer = answer
        self.asked: list[Sequence[str]] = []

    def parse_handle(self, raw: str) -> str:
        return raw

    def handle_for_humans(self, handle: str) -> str:
        return f"@{handle}"

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        self.asked.append(handles)
        return {handle: self.answer for handle in handles}

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        return []

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        return None


async def test_verify_fetches_the_profile_now_and_confirms_the_code() -> None:
    client = OneProfileClient(Profile("mastodon", "me@host.social", "1", bio=f"Web: x\n{CODE}"))

    result = await verify(client, "me@host.social", CODE)

    assert result.verified
    assert client.asked == [["me@host.social"]]
    assert "@me@host.social" in str(result.message)


async def test_a_profile_without_the_code_explains_what_to_do() -> None:
    client = OneProfileClient(Profile("mastodon", "me@host.social", "1", bio="nothing here"))

    result = await verify(client, "me@host.social", CODE)

    assert not result.verified
    assert CODE in str(result.message) and "bio" in str(result.message)


async def test_a_network_failure_is_raised_not_mistaken_for_a_missing_code() -> None:
    client = OneProfileClient(NetworkUnavailable("Mastodon (host.social) did not answer in time."))

    with pytest.raises(NetworkUnavailable):
        await verify(client, "me@host.social", CODE)
