"""The pages over HTTP: what a link shows, what it never shows, and how refusals look."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from babel.messages.pofile import read_po

from chatbot.i18n.catalogs import catalog_files
from chatbot.web import pages
from chatbot.web.server import SECURITY_HEADERS
from tests.web.site import TEAM_A, TEAM_B, Site


def _text(html: str) -> str:
    """What a reader sees: tags dropped, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def _own_row(html: str) -> str:
    found = re.search(r'<tr class="own">(.*?)</tr>', html, re.S)
    assert found, "no highlighted row"
    return _text(found.group(1))


async def _get(http: httpx.AsyncClient, url: str) -> httpx.Response:
    return await http.get(url)


async def test_a_personal_link_shows_the_team_board_with_the_viewers_row_highlighted(
    site: Site, http: httpx.AsyncClient
) -> None:
    url = await site.personal(TEAM_A, "u20")
    page = await _get(http, url)
    assert page.status_code == 200
    text = _text(page.text)
    assert "Leaderboard" in text and "Page 1 of 3 · 25 members" in text
    # Member 24 has the highest score; Member 20 (the viewer) is on the first page.
    assert text.index("Member 24") < text.index("Member 23")
    assert _own_row(page.text).split()[0] == "5"
    assert "Member 20" in _own_row(page.text) and "(you)" in _own_row(page.text)
    for name, value in SECURITY_HEADERS.items():
        assert page.headers[name] == value
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert "<script" not in page.text and "style=" not in page.text


async def test_paging_walks_the_board_and_pins_the_viewers_row_on_other_pages(
    site: Site, http: httpx.AsyncClient
) -> None:
    url = await site.personal(TEAM_A, "u20")
    second = await _get(http, url + "?page=2")
    text = _text(second.text)
    assert "Page 2 of 3" in text
    assert "Member 14" in text and "Member 24" not in text.split("Your place")[0]
    # The viewer is on page 1, so their row is pinned under this page's rows.
    assert "Your place" in text and "Member 20" in _own_row(second.text)
    links = re.findall(r'rel="(prev|next)" href="([^"]+)"', second.text)
    assert [kind for kind, _ in links] == ["prev", "next"]
    third = await _get(http, site.url + links[1][1].replace("&amp;", "&"))
    assert "Page 3 of 3" in _text(third.text) and 'rel="next"' not in third.text
    # A link that lost its last slash in a copy still leads to the board.
    trimmed = await _get(http, url.rstrip("/"))
    assert trimmed.status_code == 308
    assert trimmed.headers["Location"] == url.removeprefix(site.url)


async def test_movers_rank_by_gain_and_a_network_board_names_its_network(
    site: Site, http: httpx.AsyncClient
) -> None:
    url = await site.personal(TEAM_A, "u20")
    week = _text((await _get(http, url + "?period=week")).text)
    assert "Movers this week" in week and "Gain" in week
    # Odd members rose 0.5 a day (3.5 in a week) and tie at the top; even ones fell.
    rows = week.split("Score", 1)[1]
    assert rows.split()[:5] == ["1", "Alice", "Example", "+4", "38"]
    assert rows.count(" +4 ") == 10 and "−" not in rows.split("Your place")[0]
    second = _text((await _get(http, url + "?period=week&page=2")).text)
    faller = re.search(r"(\d+) Member 00 −2 20", second + " " + _text(
        (await _get(http, url + "?period=week&page=3")).text))
    assert faller and int(faller.group(1)) >= 13
    github = await _get(http, url + "?network=github")
    assert "Leaderboard on GitHub" in _text(github.text)
    bad = await _get(http, url + "?period=year")
    assert bad.status_code == 404 and "Nothing here" in _text(bad.text)


async def test_a_profile_shows_score_changes_networks_chart_explanation_topics_and_goal(
    site: Site, http: httpx.AsyncClient
) -> None:
    url = await site.personal(TEAM_A, "alice")
    board = await _get(http, url)
    profile_path = re.search(r'href="([^"]+)">Your profile', board.text)
    assert profile_path
    page = await _get(http, site.url + profile_path.group(1))
    assert page.status_code == 200
    text = _text(page.text)
    assert "Alice Example" in text and "Klout score 38" in text
    assert "Change over 7 days +4" in text and "Team rank 18 of 25" in text
    assert "GitHub alice-github verified" in text
    assert '<svg viewBox="0 0 480 220" role="img"' in page.text and 'class="line" d="M' in page.text
    assert "What drives the score" in text and "Where it stands" in text
    assert "Python 3 endorsements" in text and "Community 1 endorsement" in text
    assert "60 by January 24, 2027" in text and "<progress" in page.text


async def test_unverified_hidden_and_forgotten_members_never_appear(
    site: Site, http: httpx.AsyncClient
) -> None:
    url = await site.personal(TEAM_A, "u20")
    everything = " ".join([_text((await _get(http, url + f"?page={n}")).text)
                           for n in (1, 2, 3)])
    assert "Member 00" in everything
    assert "Ursula" not in everything and "Hank" not in everything
    # Even with an id for links (an old link named him), Hank has no page now.
    ids = await site.storage.web.member_web_ids(TEAM_A, ["hank", "ursula"])
    for web_id in ids.values():
        refused = await _get(http, url + f"members/{web_id}")
        assert refused.status_code == 404 and "Hank" not in refused.text
    alice = (await site.storage.web.member_web_ids(TEAM_A, ["alice"]))["alice"]
    alice_link = await site.personal(TEAM_A, "alice")
    await site.storage.privacy.forget(TEAM_A, "alice")
    assert (await _get(http, url + f"members/{alice}")).status_code == 404
    gone = await _get(http, alice_link)
    assert gone.status_code == 403 and "Alice" not in gone.text
    assert "Alice" not in _text((await _get(http, url)).text)


async def test_a_tampered_or_expired_link_gets_a_refusal_page_and_no_data(
    site: Site, http: httpx.AsyncClient
) -> None:
    url = await site.personal(TEAM_A, "u20")
    token = url.rstrip("/").rsplit("/", 1)[1]
    other_team = token.replace(".", "X.", 1)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), other_team,
                token.rsplit(".", 1)[0], "garbage", token.replace(".en.", ".de.")):
        page = await _get(http, f"{site.url}/web/{bad}/")
        assert page.status_code == 403, bad
        assert "This link is not valid" in page.text and "Member" not in page.text
        assert page.headers["Referrer-Policy"] == "no-referrer"
    site.clock.advance(hours=24)
    expired = await _get(http, url)
    assert expired.status_code == 403 and "This link has expired" in expired.text
    assert "Member 20" not in expired.text


async def test_a_team_a_link_never_shows_team_b(site: Site, http: httpx.AsyncClient) -> None:
    url = await site.personal(TEAM_A, "u20")
    bob = (await site.storage.web.member_web_ids(TEAM_B, ["bob"]))["bob"]
    assert (await _get(http, url + f"members/{bob}")).status_code == 404
    for page in (url, url + "?period=week", url + "followfriday"):
        text = (await _get(http, page)).text
        assert "Bravo" not in text
    bravo = _text((await _get(http, await site.personal(TEAM_B, "bob"))).text)
    assert "Bob Bravo" in bravo and "Zed Bravo" in bravo and "Member 20" not in bravo


async def test_public_pages_open_only_while_public_and_turning_private_revokes_the_links(
    site: Site, http: httpx.AsyncClient
) -> None:
    assert await site.links.public(TEAM_A, "en") is None
    await site.storage.teams.update(TEAM_A, web_public=True)
    first = await site.links.public(TEAM_A, "en")
    assert first is not None
    page = await _get(http, first)
    assert page.status_code == 200 and "Member 24" in page.text
    # Nobody's row is highlighted and there is no personal page behind a public link.
    assert 'class="own"' not in page.text and "followfriday" not in page.text
    assert (await _get(http, first + "followfriday")).status_code == 404
    await site.storage.teams.update(TEAM_A, web_public=False)
    revoked = await _get(http, first)
    assert revoked.status_code == 403 and "This link no longer works" in revoked.text
    await site.storage.teams.update(TEAM_A, web_public=True)
    second = await site.links.public(TEAM_A, "en")
    assert second != first
    assert (await _get(http, first)).status_code == 403
    assert (await _get(http, second or "")).status_code == 200


async def test_the_followfriday_page_lists_the_viewers_suggestions_with_profile_links(
    site: Site, http: httpx.AsyncClient
) -> None:
    url = await site.personal(TEAM_A, "u20")
    page = await _get(http, url + "followfriday")
    text = _text(page.text)
    assert "Your #FollowFriday this week" in text
    assert "@u00-github on GitHub" in text
    assert re.search(r'href="/web/[^"]+/members/[^"]+">Member 00<', page.text)


def _web_sentences() -> list[tuple[str, str]]:
    pairs = []
    for item in catalog_files("de"):
        if item.name != "web.po":
            continue
        with item.open("rb") as stream:
            for message in read_po(stream, locale="de"):
                if isinstance(message.id, str) and message.id and message.string:
                    pairs.append((message.id, str(message.string)))
    return pairs


async def test_a_german_link_shows_the_pages_in_german(
    site: Site, http: httpx.AsyncClient
) -> None:
    url = await site.personal(TEAM_A, "alice", "de")
    board = await _get(http, url)
    text = _text(board.text)
    assert '<html lang="de">' in board.text
    assert "Rangliste" in text and "Seite 1 von 3 · 25 Mitglieder" in text
    assert "Wertung" in text and "Alle Netzwerke" in text
    profile_path = re.search(r'href="([^"]+)">Dein Profil', board.text)
    assert profile_path
    profile = _text((await _get(http, site.url + profile_path.group(1))).text)
    assert "Klout-Wert 38" in profile and "Rang im Team 18 von 25" in profile
    assert "Python 3 Empfehlungen" in profile and "Community 1 Empfehlung" in profile
    assert "60 bis 24. Januar 2027" in profile and "25. November 2026" in profile
    site.clock.advance(days=2)
    expired = _text((await _get(http, url)).text)
    assert "Dieser Link ist abgelaufen" in expired
    for english, german in _web_sentences():
        if len(english.split()) >= 3 and english != german and "%(" not in english:
            assert english not in text + profile + expired, english


async def test_a_page_that_fails_says_so_without_data_and_keeps_the_headers(
    site: Site, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = await site.personal(TEAM_A, "u20")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(pages, "leaderboard", broken)
    page = await _get(http, url)
    assert page.status_code == 500
    assert "Something went wrong on Kloutbot's side" in page.text and "Member" not in page.text
    assert page.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]


async def test_the_refresh_steps_aside_while_a_page_is_being_served(
    site: Site, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    answering: list[int] = []
    original = pages.leaderboard

    async def watched(services: Any, *args: Any, **kwargs: Any) -> Any:
        answering.append(services.foreground.answering)
        return await original(services, *args, **kwargs)

    monkeypatch.setattr(pages, "leaderboard", watched)
    page = await _get(http, await site.personal(TEAM_A, "u20"))
    assert page.status_code == 200
    assert answering == [1], "the page counted as something someone waits for"
