"""Errors a network client raises; storage, services and commands all catch them, so they
belong to no single layer."""

from __future__ import annotations

from chatbot.values.message import Msg


class NetworkError(Exception):
    """Base of every error a client raises; its message is safe to show a member.

    Raise it with a `Msg` so the member reads it in their language; `str()` is the
    English text, for logs.
    """

    def __init__(self, message: Msg | str = "") -> None:
        super().__init__(str(message))
        self.message: Msg | str = message


class InvalidHandle(NetworkError):
    pass


class AccountNotFound(NetworkError):
    pass


class UnknownNetwork(NetworkError):
    """A network name the bot does not know; the message lists the ones it does."""


class NetworkNotConfigured(NetworkError):
    """The network needs a credential this deployment has not set."""

    def __init__(self, network: str, setting: str) -> None:
        super().__init__(Msg("{network} is not enabled on this bot: the admin must set "
                             "{setting}.", network=network, setting=setting))
        self.network = network
        self.setting = setting


class NetworkUnavailable(NetworkError):
    """The network could not be reached or answered nonsense; retry later."""


class RateLimited(NetworkUnavailable):
    def __init__(self, message: Msg | str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
