"""The one parser from `/klout ...` text to typed arguments (Slack, console).

Discord builds native options from the same specs and skips this step.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chatbot.i18n import Translator, load_catalogs
from chatbot.influence.networks import get_network_name
from chatbot.values.network_errors import NetworkError
from commands.param_values import InvalidValue, param_value, shown
from commands.spec import CommandSpec, Kind, Param

MAX_INPUT_CHARS = 1000
COMMAND_NAME = "/klout"

MentionResolver = Callable[[str], str | None]
"""Maps a token such as `@alice` or `<@U123|alice>` to a member id, or None."""


class UsageError(Exception):
    """The message is shown to the caller as is."""

    def __init__(self, message: str, spec: CommandSpec | None = None) -> None:
        super().__init__(message)
        self.spec = spec


@dataclass(frozen=True)
class Invocation:
    spec: CommandSpec
    args: dict[str, Any]


def _check_text(text: str, tr: Translator) -> None:
    if len(text) > MAX_INPUT_CHARS:
        raise UsageError(tr.n_("That is {n} character; commands are at most {limit}.",
                               "That is {n} characters; commands are at most {limit}.",
                               len(text), limit=tr.number(MAX_INPUT_CHARS)))
    for ch in text:
        if unicodedata.category(ch) == "Cc" and not ch.isspace():
            raise UsageError(tr._("That command contains control characters; please "
                                  "retype it."))


def _looks_like_mention(token: str) -> bool:
    return token.startswith(("@", "<@"))


class Parser:
    def __init__(self, specs: Sequence[CommandSpec], resolve_mention: MentionResolver,
                 tr: Translator | None = None) -> None:
        self._specs = {spec.name: spec for spec in specs}
        self._resolve = resolve_mention
        self._tr = tr or load_catalogs().translator("en")

    def parse(self, text: str) -> Invocation:
        _check_text(text, self._tr)
        # Any Unicode whitespace separates words (a tab, a no-break or ideographic space),
        # including after the command's own name, which the console passes on as typed.
        tokens = text.split()
        if tokens and tokens[0].casefold() == COMMAND_NAME:
            tokens = tokens[1:]
        if not tokens:
            return Invocation(self._specs["score"], {})
        head = tokens[0].casefold()
        if head in self._specs and head != "score":
            spec = self._specs[head]
            rest = tokens[1:]
        elif _looks_like_mention(tokens[0]) or head == "score":
            spec = self._specs["score"]
            rest = tokens[1:] if head == "score" else tokens
        else:
            raise UsageError(self._tr._(
                "I don't know the command “{command}”. Type /klout help for the list.",
                command=shown(tokens[0])))
        return Invocation(spec, self._bind(spec, rest))

    def _bind(self, spec: CommandSpec, tokens: list[str]) -> dict[str, Any]:
        args: dict[str, Any] = {}
        remaining = list(tokens)
        for param in spec.params:
            if param.keyword is None:
                continue
            for index, token in enumerate(remaining):
                if token.casefold() == param.keyword:
                    if index + 1 >= len(remaining):
                        raise UsageError(self._tr._("“{keyword}” needs a value. Usage: {usage}",
                                                    keyword=param.keyword, usage=spec.usage),
                                         spec)
                    args[param.name] = self._convert(spec, param, remaining[index + 1])
                    del remaining[index : index + 2]
                    break
        for param in spec.params:
            if param.keyword is not None:
                continue
            if not remaining:
                if param.required:
                    raise UsageError(self._tr._(
                        "Missing {value}: {help}. Usage: {usage}", value=param.usage.strip("[]"),
                        help=self._tr._(param.help), usage=spec.usage), spec)
                continue
            if param.kind is Kind.TEXT:
                args[param.name] = self._convert(spec, param, " ".join(remaining))
                remaining = []
                continue
            token = remaining[0]
            if not param.required and not self._fits(param, token):
                continue
            args[param.name] = self._convert(spec, param, token)
            remaining.pop(0)
        if remaining:
            raise UsageError(self._tr._("I didn't expect “{word}” there. Usage: {usage}",
                                        word=shown(remaining[0]), usage=spec.usage), spec)
        return args

    def _fits(self, param: Param, token: str) -> bool:
        """Whether an optional parameter should take this token or let the next one try."""
        if param.kind is Kind.USER:
            return _looks_like_mention(token)
        if param.kind is Kind.CHOICE:
            return token.casefold() in param.choices
        if param.kind is Kind.NETWORK:
            try:
                get_network_name(token)
            except NetworkError:
                return False
            return True
        if param.kind is Kind.INT:
            return token.lstrip("-").isdigit()
        return True

    def _convert(self, spec: CommandSpec, param: Param, token: str) -> Any:
        if param.kind is Kind.USER:
            member = self._resolve(token)
            if member is None:
                raise UsageError(self._tr._(
                    "“{name}” is not a member I can find. Mention someone with @.",
                    name=shown(token)), spec)
            return member
        try:
            return param_value(param, token)
        except InvalidValue as exc:
            raise UsageError(self._tr.msg(exc.message), spec) from None
