from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot.followfriday.planner import NETWORK_ORDER
from chatbot.influence.networks import (
    build_clients,
    get_network_name,
    handle_for_humans,
    network_names,
    parse_handle,
)
from chatbot.influence.networks.base import NetworkClient
from chatbot.influence.networks.registry import (
    BY_NAME,
    NETWORKS,
    POSTING_NETWORKS,
    code_place,
    network_availability,
    network_label,
)
from chatbot.settings import Settings
from chatbot.values.accounts import Profile
from chatbot.values.network_errors import InvalidHandle, NetworkNotConfigured, UnknownNetwork
from tests.influence.networks.network_fakes import FakeClock

EXAMPLES = {
    "mastodon": "@alice@mastodon.social",
    "bluesky": "@alice.bsky.social",
    "github": "alice",
    "x": "@alice",
    "youtube": "@alice",
}


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Mastodon", "mastodon"),
        (" twitter ", "x"),
        ("X", "x"),
        ("gh", "github"),
        ("bsky", "bluesky"),
        ("YouTube", "youtube"),
    ],
)
def test_network_names_are_normalised_from_what_members_type(typed: str, name: str) -> None:
    assert get_network_name(typed) == name


def test_an_unknown_network_lists_the_known_ones() -> None:
    with pytest.raises(UnknownNetwork) as raised:
        get_network_name("myspace")
    message = str(raised.value)
    assert "myspace" in message
    assert all(name in message for name in network_names())


def test_each_network_parses_its_own_handles_without_settings_or_io() -> None:
    assert parse_handle("mastodon", "@Alice@Mastodon.social") == "alice@mastodon.social"
    assert parse_handle("Bluesky", "@Alice.bsky.social") == "alice.bsky.social"
    assert parse_handle("twitter", "@Alice") == "alice"
    assert handle_for_humans("mastodon", "alice@mastodon.social") == "@alice@mastodon.social"
    assert handle_for_humans("bluesky", "alice.bsky.social") == "@alice.bsky.social"
    assert handle_for_humans("github", "alice") == "@alice"


def test_commands_see_one_mastodon_handle_however_its_host_is_spelled() -> None:
    typed = ["@User@Example.COM.", "user@example.com:443", "@user@EXAMPLE.com"]
    assert {parse_handle("mastodon", raw) for raw in typed} == {"user@example.com"}
    lab = ["alice@127.0.0.1:80", "alice@127.0.0.1"]
    assert {parse_handle("mastodon", raw, allow_private=True) for raw in lab} == {
        "alice@127.0.0.1"
    }


def test_a_malformed_mastodon_handle_explains_the_expected_shape() -> None:
    with pytest.raises(InvalidHandle, match=r"A Mastodon handle looks like @name@instance\.social"):
        parse_handle("mastodon", "alice")


@pytest.mark.parametrize("network", network_names())
def test_overlong_handles_are_refused(network: str) -> None:
    with pytest.raises(InvalidHandle, match="too long"):
        parse_handle(network, "a" * 257)


@pytest.mark.parametrize("network", network_names())
@pytest.mark.parametrize("poison", ["\x00", "\u200b", "\u202e", "\x1b", " ", "\u00a0"])
def test_control_invisible_and_space_characters_are_refused(network: str, poison: str) -> None:
    valid = EXAMPLES[network]
    with pytest.raises(InvalidHandle):
        parse_handle(network, valid[:3] + poison + valid[3:])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network=st.sampled_from(network_names()), raw=st.text(max_size=80))
def test_any_text_is_either_refused_cleanly_or_gives_a_stable_handle(
    network: str, raw: str
) -> None:
    try:
        canonical = parse_handle(network, raw)
    except InvalidHandle as error:
        assert str(error)
        return
    assert parse_handle(network, canonical) == canonical
    assert parse_handle(network, handle_for_humans(network, canonical)) == canonical
    assert canonical.isascii() and canonical == canonical.strip()


handle_text = st.from_regex(r"@?[a-zA-Z0-9_]{1,15}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(
    network=st.sampled_from(["github", "x", "bluesky", "mastodon"]),
    user=handle_text,
    control=st.characters(categories=["Cc", "Cf"]),
    position=st.integers(min_value=0, max_value=20),
)
def test_a_control_character_anywhere_inside_is_refused(
    network: str, user: str, control: str, position: int
) -> None:
    raw = {"bluesky": f"{user}.bsky.social", "mastodon": f"{user}@mastodon.social"}.get(
        network, user
    )
    at = min(position, len(raw))
    if control in " \t\r\n" and at in (0, len(raw)):
        return  # surrounding whitespace is trimmed, not an error
    with pytest.raises(InvalidHandle):
        parse_handle(network, raw[:at] + control + raw[at:])


@settings(max_examples=100, deadline=None)
@given(
    user=st.from_regex(r"[a-z0-9_]{1,30}", fullmatch=True),
    host=st.from_regex(r"[a-z][a-z0-9]{0,10}\.(social|org|example)", fullmatch=True),
)
def test_every_valid_mastodon_handle_round_trips_through_its_human_form(
    user: str, host: str
) -> None:
    canonical = parse_handle("mastodon", f"@{user.upper()}@{host.upper()}")
    assert canonical == f"{user}@{host}"
    assert handle_for_humans("mastodon", canonical) == f"@{user}@{host}"


async def test_every_network_is_built_and_keyed_ones_say_what_they_need() -> None:
    clock = FakeClock()
    settings_ = Settings(_env_file=None)  # type: ignore[call-arg]
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(500))
    ) as http:
        clients = build_clients(settings_, http, clock=clock, sleep=clock.sleep,
                                mastodon_http=http)

        assert tuple(clients) == network_names()
        assert all(isinstance(client, NetworkClient) for client in clients.values())
        assert {name: client.label for name, client in clients.items()} == {
            "mastodon": "Mastodon",
            "bluesky": "Bluesky",
            "github": "GitHub",
            "x": "X",
            "youtube": "YouTube",
        }
        with pytest.raises(NetworkNotConfigured, match="X_BEARER_TOKEN"):
            await clients["x"].fetch_profiles(["alice"])
        with pytest.raises(NetworkNotConfigured, match="YOUTUBE_API_KEY"):
            await clients["youtube"].fetch_posts(Profile("youtube", "alice", "UC1"), clock.now())


async def test_built_clients_use_the_configured_base_urls() -> None:
    clock = FakeClock()
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, json={"profiles": []})

    settings_ = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bluesky_appview_url="https://appview.test/",
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        clients = build_clients(settings_, http, clock=clock, sleep=clock.sleep,
                                mastodon_http=http)
        await clients["bluesky"].fetch_profiles(["alice.bsky.social"])

    assert asked == [
        "https://appview.test/xrpc/app.bsky.actor.getProfiles?actors=alice.bsky.social"
    ]


def test_availability_comes_from_each_networks_required_setting() -> None:
    keyless = Settings(_env_file=None)  # type: ignore[call-arg]
    assert {name: reason and str(reason)
            for name, reason in network_availability(keyless).items()} == {
        "mastodon": None,
        "bluesky": None,
        "github": None,
        "x": "X is not enabled on this bot: the admin must set X_BEARER_TOKEN.",
        "youtube": "YouTube is not enabled on this bot: the admin must set YOUTUBE_API_KEY.",
    }
    keyed = Settings(_env_file=None, x_bearer_token="t", youtube_api_key="k")  # type: ignore[call-arg]
    assert set(network_availability(keyed).values()) == {None}


def test_every_registry_entry_agrees_with_the_client_it_builds() -> None:
    assert len(BY_NAME) == len(NETWORKS)
    for network in NETWORKS:
        assert network_label(network.name) == network.label
        for alias in network.aliases:
            assert get_network_name(alias.upper()) == network.name
    assert network_label("myspace") == "Myspace"


def test_the_weekly_post_and_the_planner_order_networks_from_the_registry() -> None:
    assert POSTING_NETWORKS == ("mastodon", "bluesky", "x")
    assert NETWORK_ORDER == ("mastodon", "bluesky", "x", "github", "youtube")
    assert str(code_place("youtube")) == "your channel description"
    assert str(code_place("myspace")) == "your public profile"
