"""The pages' routes on the process's aiohttp server (the ops server on PORT, or Slack's
HTTP server when Slack listens there).

Every answer under /web carries the same headers: a Content-Security-Policy that
allows no script and only the site's own stylesheet, no MIME sniffing, no Referer (the
link is the key and must not leak to other sites), and `Cache-Control: private` so a
shared proxy never keeps one member's page for another.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aiohttp import web
from jinja2 import Environment

from chatbot.i18n import Translator
from chatbot.storage.database import DatabaseUnavailable
from chatbot.web import pages
from chatbot.web.links import LinkRefused, LinkSigner
from chatbot.web.templating import build_environment, render
from commands.context import Services

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private",
    "X-Frame-Options": "DENY",
}
PageBuilder = Callable[["pages.Viewer", str], Awaitable[web.Response]]
"""Builds one page for a viewer whose link held; gets the link's token for its own links."""
STYLESHEET = "/web/static/kloutbot.css"
ICON = "/web/static/favicon.svg"


@dataclass(frozen=True)
class _Refusal(Exception):
    status: int
    why: str
    language: str | None = None


class WebPages:
    """Turns a link and a request into a page; refuses with a page that holds no data."""

    def __init__(self, services: Services, signer: LinkSigner | None) -> None:
        self._services = services
        self._signer = signer
        self._environment: Environment = build_environment()
        static = resources.files("chatbot.web") / "static"
        self._files = {STYLESHEET: ((static / "kloutbot.css").read_bytes(), "text/css"),
                       ICON: ((static / "favicon.svg").read_bytes(), "image/svg+xml")}

    def add_routes(self, http: web.Application) -> None:
        for path in self._files:
            http.router.add_get(path, self._static)
        http.router.add_get("/web/{token}/", self._leaderboard)
        http.router.add_get("/web/{token}", self._with_slash)
        http.router.add_get("/web/{token}/members/{member}", self._profile)
        http.router.add_get("/web/{token}/followfriday", self._followfriday)
        http.router.add_get("/web/{tail:.*}", self._not_found)

    # -- routes ---------------------------------------------------------------

    async def _leaderboard(self, request: web.Request) -> web.Response:
        async def page(viewer: pages.Viewer, token: str) -> web.Response:
            period = request.query.get("period", "all")
            network = request.query.get("network") or None
            number = request.query.get("page", "1")
            if (period not in pages.PERIODS or not number.isdigit() or not 0 < int(number)
                    < 1_000_000 or (network is not None and network not in viewer.team.networks)):
                raise _Refusal(404, "no-page")
            board = await pages.leaderboard(self._services, viewer, period=period,
                                            network=network, page=int(number))
            return self._page("leaderboard.html", viewer, token, board=board)

        return await self._answer(request, page)

    async def _profile(self, request: web.Request) -> web.Response:
        async def page(viewer: pages.Viewer, token: str) -> web.Response:
            storage = self._services.storage
            user_id = await storage.web.member_of(viewer.team.team_id,
                                                  request.match_info["member"])
            found = await pages.profile(self._services, viewer, user_id) if user_id else None
            if found is None:
                raise _Refusal(404, "no-member")
            return self._page("profile.html", viewer, token, profile=found,
                              now=self._services.clock.now())

        return await self._answer(request, page)

    async def _followfriday(self, request: web.Request) -> web.Response:
        async def page(viewer: pages.Viewer, token: str) -> web.Response:
            if viewer.user_id is None:
                raise _Refusal(404, "no-page")
            suggestions = await pages.followfriday(self._services, viewer)
            return self._page("followfriday.html", viewer, token, suggestions=suggestions)

        return await self._answer(request, page)

    async def _with_slash(self, request: web.Request) -> web.Response:
        """A link whose last character got lost in a copy; the pages' own links are relative
        to the trailing slash."""
        response = web.Response(status=308, headers={
            "Location": f"/web/{request.match_info['token']}/"})
        response.headers.update(SECURITY_HEADERS)
        return response

    async def _not_found(self, request: web.Request) -> web.Response:
        return self._refused(_Refusal(404, "no-page"), self._english())

    async def _static(self, request: web.Request) -> web.Response:
        body, content_type = self._files[request.path]
        response = web.Response(body=body, content_type=content_type, charset="utf-8")
        response.headers.update(SECURITY_HEADERS)
        return response

    # -- access ---------------------------------------------------------------

    async def _answer(self, request: web.Request, page: PageBuilder) -> web.Response:
        """Someone is waiting for this page: the process's refresh steps aside meanwhile."""
        with self._services.foreground.answering_command():
            return await self._answered(request, page)

    async def _answered(self, request: web.Request, page: PageBuilder) -> web.Response:
        token = request.match_info["token"]
        tr = self._english()
        try:
            viewer = await self._viewer(token)
            tr = viewer.tr
            return await page(viewer, token)
        except _Refusal as refusal:
            if refusal.language is not None:
                tr = self._services.catalogs.translator(refusal.language)
            return self._refused(refusal, tr)
        except DatabaseUnavailable:
            log.warning("web page: the database is unreachable")
            return self._refused(_Refusal(503, "unavailable"), tr)
        except Exception:
            # Logged without the path: it holds the link, which is someone's key.
            log.exception("web page failed")
            return self._refused(_Refusal(500, "broken"), tr)

    async def _viewer(self, token: str) -> pages.Viewer:
        if self._signer is None:
            raise _Refusal(404, "not-set-up")
        try:
            access = self._signer.read(token, self._services.clock.now())
        except LinkRefused as refused:
            raise _Refusal(403, refused.why, refused.language) from None
        tr = self._services.catalogs.translator(access.language)
        storage = self._services.storage
        team = await storage.web.team_of(access.team_web_id)
        if team is None:
            raise _Refusal(404, "unknown")
        if access.viewer_web_id is None:
            if not team.web_public or access.generation != team.web_generation:
                raise _Refusal(403, "revoked")
            return pages.Viewer(team, None, None, False, tr)
        user_id = await storage.web.member_of(team.team_id, access.viewer_web_id)
        if user_id is None:
            raise _Refusal(403, "revoked")  # the member left the team or was forgotten
        ranked = await pages.is_ranked(self._services, team.team_id, user_id)
        return pages.Viewer(team, user_id, access.viewer_web_id, ranked, tr)

    # -- rendering ------------------------------------------------------------

    def _page(self, template: str, viewer: pages.Viewer, token: str, **values: Any
              ) -> web.Response:
        return self._html(render(self._environment, template, viewer.tr, viewer=viewer,
                                 base=f"/web/{token}/", **values))

    def _refused(self, refusal: _Refusal, tr: Translator) -> web.Response:
        return self._html(render(self._environment, "refused.html", tr, why=refusal.why,
                                 status=refusal.status),
                          status=refusal.status)

    def _html(self, body: str, status: int = 200) -> web.Response:
        response = web.Response(text=body, status=status, content_type="text/html",
                                charset="utf-8")
        response.headers.update(SECURITY_HEADERS)
        return response

    def _english(self) -> Translator:
        return self._services.catalogs.translator("en")

