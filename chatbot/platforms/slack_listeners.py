"""The bolt listeners: `/klout` and its buttons, acknowledged at once and answered after.

Bolt runs with `process_before_response=True` and every listener acknowledges first, then
hands the real work to a task of its own. The acknowledgement therefore leaves as soon
as the request is verified (Slack gives up after 3 s), and the answer follows through
the response URL, however long a first fetch or a chart takes. The tasks are tracked so
that stopping the bot can let answers in flight finish.

Each command first asks the dispatcher's Admission for a slot: when the process already
works on as many commands as it may, the caller gets the busy answer right away (in the
ack of a slash command) instead of a place in a queue, and an admitted command that is not
answered by the deadline gets the too-long answer and its work is cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from typing import Any
from urllib.parse import parse_qs

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from chatbot.admission import Slot, busy_reply
from chatbot.i18n import Translator, choose_language
from chatbot.platforms.caller_language import (
    KnownLanguage,
    RecentLanguages,
    translator_for,
)
from chatbot.platforms.slack_delivery import Respond, answer
from chatbot.platforms.slack_identity import SlackDirectory, command_text, resolve_mention
from chatbot.platforms.slack_oauth import NOT_INSTALLED
from chatbot.platforms.slack_render import BUTTON_ACTION_PREFIX, render_reply
from chatbot.values.message import N_
from chatbot.values.reply import Reply, Visibility, error
from commands.context import Caller
from commands.parser import UsageError
from commands.registry import Dispatcher

log = logging.getLogger(__name__)

COMMAND_PATTERN = re.compile(r"^/klout")
"""`/klout`, and renamed copies such as `/klout-dev` for a second app in one workspace."""
BUTTON_PATTERN = re.compile(rf"^{BUTTON_ACTION_PREFIX}\d+$")
WORKING_TEXT = N_("Working on it…")
FAILED = N_("Something went wrong on my side and it was logged. Please try again.")


def busy_ack(tr: Translator | None = None) -> dict[str, Any]:
    """The ack body that refuses a slash command: only the caller sees it."""
    busy = render_reply(busy_reply(tr), tr=tr)
    return {"text": busy.text, "blocks": list(busy.blocks), "response_type": "ephemeral"}


def slack_team_id(team_id: str) -> str:
    return f"slack:{team_id}"


async def not_installed_text(dispatcher: Dispatcher, team_id: str, user_id: str) -> str:
    """Bolt's "no longer installed" answer in the member's language: their own choice and
    their team's are still stored during the grace period after an uninstall."""
    caller = Caller(team_id=slack_team_id(team_id), platform="slack", user_id=user_id,
                    display_name=user_id)
    return (await translator_for(dispatcher, caller))._(NOT_INSTALLED)


class SlackListeners:
    """Registers the listeners on `app` and owns the tasks that answer them."""

    def __init__(
        self,
        app: AsyncApp,
        dispatcher: Dispatcher,
        client: AsyncWebClient,
        directory: SlackDirectory,
        *,
        per_workspace: bool = False,
    ) -> None:
        self.app = app
        self.dispatcher = dispatcher
        self.client = client
        self.directory = directory
        self.per_workspace = per_workspace
        """Installed in many workspaces: each request is answered with the client bolt's
        authorize made for its workspace, and the team keeps the name it was installed as."""
        self._directories: dict[str, tuple[str | None, SlackDirectory]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._languages = RecentLanguages()
        self._busy_acks: dict[str, dict[str, Any]] = {}
        app.command(COMMAND_PATTERN)(self._on_command)
        app.action(BUTTON_PATTERN)(self._on_button)
        app.error(self._on_error)

    def _spawn(self, work: Coroutine[Any, Any, None], slot: Slot | None = None) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if slot is not None:
            slot.bind(task)

    async def drain(self) -> None:
        """Wait for every answer in flight (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _workspace(self, team_id: str, client: AsyncWebClient
                   ) -> tuple[AsyncWebClient, SlackDirectory]:
        if not self.per_workspace:
            return self.client, self.directory
        known = self._directories.get(team_id)
        if known is None or known[0] != client.token:  # first request, or reinstalled
            known = (client.token, SlackDirectory(client))
            self._directories[team_id] = known
        return client, known[1]

    def known_translator(self, team_id: str, user_id: str) -> Translator:
        """The member's language without waiting for anything (an ack has 3 s and may not
        depend on Slack or the database): the one their last answer had, else their
        Slack's if users.info told us lately, else their team's as last read, else
        English."""
        key = (team_id, user_id)
        language = self._languages.get(key)
        if language is not None:
            return self.dispatcher.services.catalogs.translator(language)
        known = self._directories.get(team_id) if self.per_workspace else None
        directory = known[1] if known is not None else self.directory
        user = directory.cached(user_id)
        return self.dispatcher.services.catalogs.translator(choose_language(
            None, user.locale if user else None,
            self.dispatcher.team_languages.get(slack_team_id(team_id))))

    def busy_ack_for(self, body: str) -> dict[str, Any]:
        """The busy ack for a signed slash command's raw body (HTTP mode's front door)."""
        fields = parse_qs(body)
        team_id = (fields.get("team_id") or [""])[0]
        user_id = (fields.get("user_id") or [""])[0]
        return self._busy_ack(self.known_translator(team_id, user_id))

    def _busy_ack(self, tr: Translator) -> dict[str, Any]:
        """Made once per language: refusing must stay cheap exactly when the process is
        overloaded."""
        made = self._busy_acks.get(tr.language)
        if made is None:
            made = self._busy_acks[tr.language] = busy_ack(tr)
        return dict(made)

    async def _translator(self, caller: Caller, team_id: str,
                          language: KnownLanguage) -> Translator:
        tr = language.learn(await translator_for(self.dispatcher, caller))
        self._languages.remember((team_id, caller.user_id), tr.language)
        return tr

    async def _caller(self, team_id: str, user_id: str, fallback_name: str,
                      team_name: str, channel_id: str | None,
                      directory: SlackDirectory) -> Caller:
        user = await directory.get(user_id)
        return Caller(
            team_id=slack_team_id(team_id),
            platform="slack",
            user_id=user_id,
            display_name=user.display_name if user else (fallback_name or user_id),
            is_admin=user.is_admin if user else False,
            team_name="" if self.per_workspace else team_name,
            channel_id=channel_id,
            locale=user.locale if user else None,
        )

    def _is_slow(self, text: str) -> bool:
        """Whether to say "working on it" in the ack; nothing here may stop the ack."""
        try:
            spec, _ = self.dispatcher.parse(text, resolve_mention)
        except UsageError:
            return False
        except Exception:
            log.exception("parsing /klout %r failed", text[:80])
            return False
        return spec.slow

    # Bolt injects listener arguments by parameter name: keep `ack`, `body`, `respond`,
    # `action` and `client` (the Web API client with the token of the request's workspace).
    async def _on_command(self, ack: Any, body: dict[str, Any], respond: Respond,
                          client: AsyncWebClient) -> None:
        if not str(body.get("user_id") or "").strip() or \
                not str(body.get("team_id") or "").strip():
            # Slack always names both; without them a command would run as member "".
            await ack()
            log.warning("ignored a /klout command without user_id or team_id")
            return
        text = command_text(str(body.get("text") or ""))
        slot = self.dispatcher.admission.admit()
        if slot is None:
            # The refusal travels in the ack itself: no task, no request, no query.
            await ack(**self._busy_ack(self.known_translator(str(body["team_id"]),
                                                             str(body["user_id"]))))
            return
        try:
            if self._is_slow(text):
                tr = self.known_translator(str(body["team_id"]), str(body["user_id"]))
                await ack(text=":hourglass_flowing_sand: " + tr._(WORKING_TEXT),
                          response_type="ephemeral")
            else:
                await ack()
        except BaseException:
            slot.release()
            raise
        self._spawn(self._answer_command(body, text, respond, client, slot), slot)

    async def _answer_command(self, body: dict[str, Any], text: str, respond: Respond,
                              request_client: AsyncWebClient, slot: Slot) -> None:
        user_id = str(body.get("user_id", ""))
        channel_id = body.get("channel_id")
        team_id = str(body.get("team_id", ""))
        client, directory = self._workspace(team_id, request_client)
        language = KnownLanguage(self.known_translator(team_id, user_id))

        async def work() -> Reply:
            caller = await self._caller(
                team_id, user_id, str(body.get("user_name") or ""),
                str(body.get("team_domain") or ""), channel_id, directory,
            )
            tr = await self._translator(caller, team_id, language)
            return await self.dispatcher.run_text(caller, text, resolve_mention,
                                                  directory.display_name, tr=tr)

        try:
            reply = await slot.reply(work(), language.get)
            await answer(respond, client, reply, user_id=user_id, channel_id=channel_id,
                         tr=language.tr)
        except Exception:
            log.exception("answering /klout %r failed", text[:80])
            await self._apologise(respond, language.tr)

    async def _on_button(self, ack: Any, body: dict[str, Any], respond: Respond,
                         action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user = body.get("user")
        if not isinstance(user, dict) or not str(user.get("id") or "").strip():
            log.warning("ignored a button click without a user id")
            return
        slot = self.dispatcher.admission.admit()
        if slot is None:
            team = body.get("team") or {}
            team_id = str(team.get("id") or user.get("team_id") or "")
            self._spawn(self._say_busy(respond, self.known_translator(team_id,
                                                                      str(user["id"]))))
            return
        self._spawn(self._answer_button(body, str(action.get("value") or ""), respond, client,
                                        slot), slot)

    async def _answer_button(self, body: dict[str, Any], command: str, respond: Respond,
                             request_client: AsyncWebClient, slot: Slot) -> None:
        user = body.get("user") or {}
        team = body.get("team") or {}
        channel = body.get("channel") or {}
        container = body.get("container") or {}
        user_id = str(user.get("id", ""))
        team_id = str(team.get("id") or user.get("team_id") or "")
        channel_id = channel.get("id") or container.get("channel_id")
        client, directory = self._workspace(team_id, request_client)
        language = KnownLanguage(self.known_translator(team_id, user_id))

        async def work() -> Reply:
            caller = await self._caller(team_id, user_id,
                                        str(user.get("name") or user.get("username") or ""),
                                        str(team.get("domain") or ""), channel_id, directory)
            tr = await self._translator(caller, team_id, language)
            return await self.dispatcher.run_text(caller, command, resolve_mention,
                                                  directory.display_name, tr=tr)

        try:
            reply = await slot.reply(work(), language.get)
            await answer(respond, client, reply, user_id=user_id, channel_id=channel_id,
                         tr=language.tr,
                         replace_original=_replaces_original(reply, container))
        except Exception:
            log.exception("button %r failed", command[:80])
            await self._apologise(respond, language.tr)

    async def _apologise(self, respond: Respond, tr: Translator) -> None:
        message = render_reply(error(tr._(FAILED)), tr=tr)
        try:
            await respond(text=message.text, blocks=list(message.blocks),
                          response_type="ephemeral")
        except Exception:
            log.exception("could not even apologise through the response URL")

    async def _say_busy(self, respond: Respond, tr: Translator) -> None:
        """A click can't be refused in its ack, so the busy answer follows; it never
        replaces the message clicked."""
        message = render_reply(busy_reply(tr), tr=tr)
        try:
            await respond(text=message.text, blocks=list(message.blocks),
                          response_type="ephemeral", replace_original=False)
        except Exception:
            log.exception("could not say busy through the response URL")

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack request failed: %s (%s)", type(error).__name__, error)


def _replaces_original(reply: Reply, container: dict[str, Any]) -> bool:
    """A public answer replaces the public message it came from (leaderboard pages); a
    private one replaces only a private message (the forget question), never a public one
    (an error from a page button goes to the clicker alone)."""
    ephemeral = bool(container.get("is_ephemeral"))
    if reply.visibility is Visibility.CHANNEL:
        return True
    return ephemeral
