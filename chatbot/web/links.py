"""Signed links to the web pages: who may see which team, in which language, until when.

A link is the only key: `/klout web` gives a member a personal one for 24 hours, and a
team whose admin made its pages public has one public link per "generation" (turning
the pages private bumps it, so every public link given out before stops working). The
link holds only random ids (chatbot/storage/web.py), a language, and an expiry or a
generation, sealed with an HMAC of KLOUT_WEB_SECRET; changing a single character, or
presenting it after it expired, gets a refusal page and no data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from chatbot.i18n import LANGUAGES
from chatbot.storage import Storage

LINK_LIFETIME = timedelta(hours=24)
_PERSONAL = "m"
_PUBLIC = "p"
_SIGNATURE_BYTES = 16
"""128 bits of HMAC-SHA256: forging one by trying is out of reach."""


class LinkRefused(Exception):
    """The link can't be honoured; `why` picks the page shown (never any data)."""

    def __init__(self, why: Literal["tampered", "expired"], language: str | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.language = language
        """Known when the seal held (an expired link): the refusal is in its language."""


@dataclass(frozen=True)
class Access:
    """What a valid link grants: one team's pages, seen by a member or by anyone."""

    team_web_id: str
    viewer_web_id: str | None
    """The member whose personal link this is; None for a team's public link."""
    language: str
    generation: int | None
    """A public link's generation, checked against the team's current one."""


class LinkSigner:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"kloutbot web links\0" + secret.encode()).digest()

    def personal(self, team_web_id: str, viewer_web_id: str, language: str,
                 expires_at: datetime) -> str:
        expires = str(int(expires_at.timestamp()))
        return self._sealed(_PERSONAL, team_web_id, viewer_web_id, language, expires)

    def public(self, team_web_id: str, generation: int, language: str) -> str:
        return self._sealed(_PUBLIC, team_web_id, str(generation), language)

    def read(self, token: str, now: datetime) -> Access:
        """The access a token grants, or LinkRefused: the seal first, then the expiry."""
        *fields, signature = token.split(".")
        if not fields or not hmac.compare_digest(signature.encode(),
                                                 self._signature(fields).encode()):
            raise LinkRefused("tampered")
        kind = fields[0]
        if kind == _PERSONAL and len(fields) == 5:
            _, team, viewer, language, expires = fields
            if not expires.isdigit() or language not in LANGUAGES:
                raise LinkRefused("tampered")
            if datetime.fromtimestamp(int(expires), UTC) <= now:
                raise LinkRefused("expired", language)
            return Access(team, viewer, language, None)
        if kind == _PUBLIC and len(fields) == 4:
            _, team, generation, language = fields
            if not generation.isdigit() or language not in LANGUAGES:
                raise LinkRefused("tampered")
            return Access(team, None, language, int(generation))
        raise LinkRefused("tampered")

    def _sealed(self, *fields: str) -> str:
        return ".".join((*fields, self._signature(list(fields))))

    def _signature(self, fields: list[str]) -> str:
        digest = hmac.new(self._key, "\0".join(fields).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:_SIGNATURE_BYTES]).decode().rstrip("=")


@dataclass(frozen=True)
class PersonalLink:
    url: str
    expires_at: datetime


class WebLinks:
    """Hands out links on KLOUT_PUBLIC_URL; what `/klout web` and `/klout config web` use."""

    def __init__(self, storage: Storage, public_url: str | None, secret: str | None,
                 lifetime: timedelta = LINK_LIFETIME) -> None:
        self._storage = storage
        self._public_url = public_url.rstrip("/") if public_url else None
        self.signer = LinkSigner(secret) if secret else None
        self._lifetime = lifetime

    def missing(self) -> tuple[str, ...]:
        """The settings an operator still has to set before links can be given out."""
        return tuple(name for name, value in (("KLOUT_PUBLIC_URL", self._public_url),
                                              ("KLOUT_WEB_SECRET", self.signer)) if not value)

    async def personal(self, team_id: str, user_id: str, language: str,
                       now: datetime) -> PersonalLink:
        signer, base = self._ready()
        team = await self._storage.web.team_web_id(team_id)
        viewer = (await self._storage.web.member_web_ids(team_id, [user_id])).get(user_id)
        if team is None or viewer is None:
            raise LookupError("the member is not in this team's records")
        expires_at = now + self._lifetime
        return PersonalLink(f"{base}/web/{signer.personal(team, viewer, language, expires_at)}/",
                            expires_at)

    async def public(self, team_id: str, language: str) -> str | None:
        """The team's current public link, or None while its pages are private."""
        signer, base = self._ready()
        team = await self._storage.teams.get(team_id)
        web_id = await self._storage.web.team_web_id(team_id)
        if team is None or web_id is None or not team.web_public:
            return None
        return f"{base}/web/{signer.public(web_id, team.web_generation, language)}/"

    def _ready(self) -> tuple[LinkSigner, str]:
        if self.signer is None or self._public_url is None:
            raise RuntimeError(f"web links need {' and '.join(self.missing())}")
        return self.signer, self._public_url
