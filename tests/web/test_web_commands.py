"""`/klout web` and `/klout config web public|private`, typed in the console."""

from __future__ import annotations

import re
from dataclasses import replace

import httpx

from chatbot.platforms.console import ConsoleSession
from chatbot.values.reply import Reply, Visibility
from commands.context import Services
from commands.registry import Dispatcher
from tests.web.site import Site


def _session(site: Site, services: Services, user: str = "alice", *, admin: bool = True,
             with_links: bool = True) -> ConsoleSession:
    wired = replace(services, storage=site.storage, clock=site.clock,
                    web_links=site.links if with_links else None)
    return ConsoleSession(Dispatcher(wired), user=user, team="acme", admin=admin)


def _url(reply: Reply, site: Site) -> str:
    found = re.search(re.escape(site.url) + r"/web/\S+/", reply.text + " ".join(
        field.value for field in reply.fields))
    assert found, reply
    return found.group(0)


async def test_web_answers_only_the_caller_with_a_link_to_their_teams_pages(
    site: Site, services: Services, http: httpx.AsyncClient
) -> None:
    reply = await _session(site, services).handle("web")
    assert reply.visibility is Visibility.PRIVATE
    assert "works for 24 hours and shows this team only" in reply.text
    assert reply.footer == "valid until Nov 26, 2026 12:00 UTC"
    page = await http.get(_url(reply, site))
    assert page.status_code == 200
    own = re.search(r'<tr class="own">(.*?)</tr>', page.text, re.S)
    assert own and "(you)" in own.group(1) and ">alice</a>" in own.group(1)


async def test_web_says_which_settings_are_missing_when_the_pages_are_not_set_up(
    site: Site, services: Services
) -> None:
    reply = await _session(site, services, with_links=False).handle("web")
    assert reply.visibility is Visibility.PRIVATE
    assert "KLOUT_PUBLIC_URL + KLOUT_WEB_SECRET" in reply.text and "http" not in reply.text


async def test_a_member_reading_german_gets_a_german_link(
    site: Site, services: Services, http: httpx.AsyncClient
) -> None:
    session = _session(site, services)
    await session.handle("language de")
    reply = await session.handle("web")
    assert "Dieser Link gehört dir: Er gilt 24 Stunden" in reply.text
    assert reply.footer == "gültig bis 26.11.2026 12:00 UTC"
    page = await http.get(_url(reply, site))
    assert "Rangliste" in page.text and "(du)" in page.text


async def test_config_web_public_gives_a_public_link_and_private_revokes_it(
    site: Site, services: Services, http: httpx.AsyncClient
) -> None:
    admin = _session(site, services)
    public = await admin.handle("config web public")
    assert public.title == "Saved web"
    assert any(f.label == "Web pages" and f.value == "public" for f in public.fields)
    link = _url(public, site)
    page = await http.get(link)
    assert page.status_code == 200 and 'class="own"' not in page.text
    private = await admin.handle("config web private")
    assert any(f.value.startswith("None. Public links given out before no longer work")
               for f in private.fields)
    assert (await http.get(link)).status_code == 403
    wrong = await admin.handle("config web open")
    assert "Web is public" in wrong.text
    assert (await site.storage.teams.get("console:acme")) is not None
    member = await _session(site, services, "u20", admin=False).handle("config web public")
    assert "is for admins" in member.text
    team = await site.storage.teams.get("console:acme")
    assert team is not None and not team.web_public
