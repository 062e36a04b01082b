"""The pages in a real browser: Debian's Chromium, headless, driven by Playwright.

Skipped (saying why) where Chromium or Playwright is missing on a developer's machine;
under CI they must run, so a missing browser fails instead of passing by testing less.
Screenshots at phone and desktop widths land in test-artifacts/web/ (git-ignored).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from chatbot.storage import open_storage
from tests.support.fakes import FrozenClock
from tests.web.site import TEAM_A, TEAM_B, Site, seed, serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_PRESENT = CHROMIUM.exists()
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1920, "height": 1080}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
        pytest.fail(f"{reason}; under CI the browser tests must run (.ci/run installs "
                    "chromium)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
    if not CHROMIUM_PRESENT:
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                    args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    clock = FrozenClock()
    storage = await open_storage(tmp_path / "web.db")
    try:
        await seed(storage, clock)
        async with serve(storage, clock) as served:
            yield served
    finally:
        await storage.close()


class Watched:
    """A page whose console errors and uncaught exceptions are collected."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda message: self.errors.append(message.text)
                if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))


async def _open(browser: Any, viewport: dict[str, int], scheme: str = "light") -> Watched:
    context = await browser.new_context(viewport=viewport, color_scheme=scheme)
    return Watched(await context.new_page())


def _shot(name: str) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")


async def _background(page: Any, selector: str) -> str:
    return str(await page.locator(selector).first.evaluate(
        "element => getComputedStyle(element).backgroundColor"))


async def test_board_paging_and_profile_work_on_a_phone_with_the_own_row_highlighted(
    browser: Any, site: Site
) -> None:
    watched = await _open(browser, PHONE)
    page = watched.page
    response = await page.goto(await site.personal(TEAM_A, "u20"))
    assert response.status == 200
    assert await page.locator("h1").inner_text() == "Leaderboard"
    own = page.locator("tr.own")
    assert await own.count() == 1 and "Member 20" in await own.inner_text()
    other = await _background(page, "tbody tr:not(.own)")
    assert await _background(page, "tr.own") != other
    # Nothing is wider than the phone: no sideways scrolling for the whole page.
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=_shot("leaderboard-375"), full_page=True)
    await page.get_by_role("link", name="Next page").click()
    assert "Page 2 of 3" in await page.locator("caption").inner_text()
    assert "Member 20" in await page.locator("tbody.pinned tr.own").inner_text()
    await page.get_by_role("link", name="Member 14").click()
    assert await page.locator("h1").inner_text() == "Member 14"
    assert await page.locator("svg[role=img] path.line").count() == 1
    await page.screenshot(path=_shot("profile-375"), full_page=True)
    assert watched.errors == []


async def test_the_filters_and_links_work_with_the_keyboard_alone(
    browser: Any, site: Site
) -> None:
    watched = await _open(browser, DESKTOP)
    page = watched.page
    await page.goto(await site.personal(TEAM_A, "alice"))
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "period"
    await page.select_option("#period", "week")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"period=week"))
    assert await page.locator("h1").inner_text() == "Movers this week"
    await page.get_by_role("link", name="Your profile").focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/members/"))
    assert await page.locator("h1").inner_text() == "Alice Example"
    await page.screenshot(path=_shot("profile-1920"), full_page=True)
    await page.goto(await site.personal(TEAM_A, "alice"))
    await page.screenshot(path=_shot("leaderboard-1920"), full_page=True)
    assert watched.errors == []


async def test_dark_mode_follows_the_system_setting(browser: Any, site: Site) -> None:
    url = await site.personal(TEAM_A, "u20", "de")
    light = await _open(browser, PHONE, "light")
    dark = await _open(browser, PHONE, "dark")
    for watched in (light, dark):
        await watched.page.goto(url)
    assert await _background(light.page, "body") == "rgb(255, 255, 255)"
    assert await _background(dark.page, "body") == "rgb(15, 20, 25)"
    assert await dark.page.locator("h1").inner_text() == "Rangliste"
    await dark.page.screenshot(path=_shot("leaderboard-375-dark-de"), full_page=True)
    assert light.errors == [] and dark.errors == []


async def test_tampered_and_expired_links_are_refused_and_team_a_never_shows_team_b(
    browser: Any, site: Site
) -> None:
    watched = await _open(browser, PHONE)
    page = watched.page
    url = await site.personal(TEAM_A, "u20")
    seen = ""
    for number in (1, 2, 3):
        await page.goto(f"{url}?page={number}")
        seen += await page.locator("body").inner_text()
    await page.goto(url + "followfriday")
    seen += await page.locator("body").inner_text()
    assert "Member 00" in seen and "Bravo" not in seen
    bob = (await site.storage.web.member_web_ids(TEAM_B, ["bob"]))["bob"]
    response = await page.goto(url + f"members/{bob}")
    assert response.status == 404
    assert "Bob" not in await page.locator("body").inner_text()
    tampered = await page.goto(url.replace(".en.", ".de."))
    assert tampered.status == 403
    assert await page.locator("h1").inner_text() == "This link is not valid"
    await page.screenshot(path=_shot("refused-375"), full_page=True)
    site.clock.advance(hours=25)
    expired = await page.goto(url)
    assert expired.status == 403
    assert await page.locator("h1").inner_text() == "This link has expired"
    assert "Member" not in await page.locator("main").inner_text()
    # A refused page is an HTTP error the browser logs; nothing else may be.
    assert all("403" in error or "404" in error for error in watched.errors)
