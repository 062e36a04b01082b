"""Keep member-chosen hosts away from the bot's own network (SSRF guard).

A Mastodon handle names its server, so registering `@me@169.254.169.254`
would otherwise make the bot fetch from the cloud metadata service, the
database, or anything else on its private network. The guard:

- accepts only `https://` URLs whose host is a name (no IP literals, no
  `user@` part, no port other than 443);
- resolves the name itself when it opens the connection, refuses it if any
  address is not public, and connects to the very address it checked. A check
  made before the request, with a second lookup when connecting, is what DNS
  rebinding defeats; here there is only one lookup;
- follows no redirects and caps the body it lets through.

`allow_private=True` (KLOUT_ALLOW_PRIVATE_NETWORKS) lifts the address checks
and also allows plain http and explicit ports, for tests and labs.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence

import httpcore
import httpx

from chatbot.influence.http import ResponseTooLarge
from chatbot.influence.networks.base import NetworkError

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""Turns (host, port) into IP address strings. Injected so tests can fake DNS."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedHost(NetworkError):
    """The host is not on the public internet (or the URL tried to disguise it)."""


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address smuggles (mapped, 6to4, Teredo, NAT64, compatible)."""
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    packed = address.packed
    if address in _NAT64 or (packed[:12] == bytes(12) and packed[12:] != bytes(4)):
        found.append(ipaddress.IPv4Address(packed[12:]))
    return found


def is_public_address(address: IPAddress) -> bool:
    """True only for unicast addresses routed on the public internet.

    `is_global` alone lets through multicast and IPv6 forms that carry an
    IPv4 address inside (`::ffff:127.0.0.1`, `2002:7f00:1::`), so those are
    unwrapped and checked too.
    """
    if isinstance(address, ipaddress.IPv6Address):
        address = address.ipv4_mapped or address
    if not address.is_global or address.is_multicast or address.is_reserved:
        return False
    if address.is_loopback or address.is_link_local or address.is_unspecified:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        return all(is_public_address(inner) for inner in _embedded_ipv4(address))
    return True


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_url(url: httpx.URL, *, allow_private: bool) -> None:
    """Refuse URLs the guard will not fetch, before any connection is made."""
    if url.userinfo:
        raise BlockedHost("A server address may not contain a user name or password.")
    if allow_private:
        if url.scheme not in ("http", "https"):
            raise BlockedHost(f"Only http and https addresses can be fetched, not {url.scheme}.")
        return
    if url.scheme != "https":
        raise BlockedHost("Only https addresses can be fetched.")
    if _ip_literal(url.host) is not None:
        raise BlockedHost(f"{url.host} is an IP address; a server must be named by its domain.")
    if url.port not in (None, 443):
        raise BlockedHost(f"{url.host}:{url.port} uses a port other than 443, which is refused.")


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks and connects in one step, so what is checked is what is used."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_private = allow_private
        self._resolver = resolver
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self.allow_private:
            return await self._inner.connect_tcp(
                host, port, timeout=timeout, local_address=local_address,
                socket_options=socket_options,
            )  # fmt: skip
        addresses = await self._resolve(host, port)
        refused = [str(address) for address in addresses if not is_public_address(address)]
        if refused:
            raise BlockedHost(
                f"{host} points to a private or reserved address ({', '.join(refused)}); "
                "the bot only talks to servers on the public internet."
            )
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )  # fmt: skip
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def _resolve(self, host: str, port: int) -> list[IPAddress]:
        try:
            answers = await self._resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host} could not be resolved") from exc
        addresses: list[IPAddress] = []
        for answer in answers:
            address = _ip_literal(answer.split("%", 1)[0])
            if address is None:
                raise BlockedHost(f"{host} resolved to something that is not an address.")
            addresses.append(address)
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no address")
        return addresses

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedHost("Local sockets are never fetched.")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, cap: int, host: str) -> None:
        self._inner = inner
        self._cap = cap
        self._host = host

    async def __aiter__(self) -> AsyncIterator[bytes]:
        total = 0
        async for chunk in self._inner:
            total += len(chunk)
            if total > self._cap:
                raise ResponseTooLarge(
                    f"{self._host} sent more than {self._cap:,} bytes; the rest was not read."
                )
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class GuardedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport whose connections go through GuardedNetworkBackend.

    httpx offers no switch for the network backend, so the connection pool
    it builds is replaced by one that uses the guarded backend.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver = system_resolver,
        max_bytes: int = 5_000_000,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        limits = limits if limits is not None else httpx.Limits(max_connections=100)
        super().__init__(trust_env=False, limits=limits)
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedNetworkBackend(
                allow_private=allow_private, resolver=resolver, inner=network_backend
            ),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        check_url(request.url, allow_private=self.allow_private)
        response = await super().handle_async_request(request)
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > self.max_bytes:
            await response.aclose()
            raise ResponseTooLarge(
                f"{request.url.host} announced {int(declared):,} bytes, over the "
                f"{self.max_bytes:,}-byte cap; nothing was read."
            )
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CappedStream(response.stream, self.max_bytes, request.url.host),
            extensions=response.extensions,
        )


def build_guarded_client(
    *,
    allow_private: bool,
    timeout: float,
    max_bytes: int,
    resolver: Resolver = system_resolver,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncClient:
    """The httpx client for member-chosen hosts. The caller owns it and closes it."""
    return httpx.AsyncClient(
        transport=GuardedTransport(
            allow_private=allow_private,
            resolver=resolver,
            max_bytes=max_bytes,
            network_backend=network_backend,
        ),
        follow_redirects=False,
        trust_env=False,
        timeout=timeout,
    )
