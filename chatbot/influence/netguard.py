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
from chatbot.influence.numbers import ascii_int
from chatbot.values.message import Msg, Number
from chatbot.values.network_errors import NetworkError

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""Turns (host, port) into IP address strings. Injected so tests can fake DNS."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


NOT_PUBLIC_V4 = tuple(ipaddress.IPv4Network(cidr) for cidr in (
    "0.0.0.0/8",  # "this network"
    "10.0.0.0/8",  # private
    "100.64.0.0/10",  # carrier-grade NAT
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local, cloud metadata
    "172.16.0.0/12",  # private
    "192.0.0.0/24",  # IETF protocol assignments (192.0.0.8 and friends)
    "192.0.2.0/24",  # documentation
    "192.88.99.0/24",  # 6to4 relay anycast, retired
    "192.168.0.0/16",  # private
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # documentation
    "203.0.113.0/24",  # documentation
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, and 255.255.255.255 broadcast within it
))
"""IANA's IPv4 special-purpose registry, every block not reachable on the internet.

Written out rather than taken from `ipaddress.is_global`, whose tables differ
between Python releases and miss blocks (3.11 passes 192.0.0.8)."""

NOT_PUBLIC_V6 = tuple(ipaddress.IPv6Network(cidr) for cidr in (
    "::/128",  # unspecified
    "::1/128",  # loopback
    "64:ff9b:1::/48",  # local-use IPv4/IPv6 translation
    "100::/64",  # discard-only
    "2001::/23",  # IETF protocol assignments (Teredo, ORCHID, benchmarking, ...)
    "2001:db8::/32",  # documentation
    "3fff::/20",  # documentation
    "fc00::/7",  # unique local
    "fe80::/10",  # link-local
    "fec0::/10",  # site-local, deprecated but still routed inside some networks
    "ff00::/8",  # multicast
))
"""IANA's IPv6 special-purpose registry, minus the blocks that carry an IPv4
address (those are unwrapped and the IPv4 address judged instead)."""

GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
"""The only IPv6 block allocated for global unicast; everything outside it is refused."""

_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


class BlockedHost(NetworkError):
    """The host is not on the public internet (or the URL tried to disguise it)."""


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _carried_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), if any."""
    if address in _MAPPED or address in _NAT64:
        return ipaddress.IPv4Address(address.packed[12:])
    if address in _SIX_TO_FOUR:
        return ipaddress.IPv4Address(address.packed[2:6])
    return None


def is_public_address(address: IPAddress) -> bool:
    """True only for unicast addresses routed on the public internet.

    Every special-purpose block is refused explicitly. IPv6 forms that carry
    an IPv4 address (`::ffff:127.0.0.1`, `64:ff9b::a00:1`, `2002:7f00:1::`)
    are judged by that IPv4 address, and any IPv6 address outside global
    unicast (2000::/3) is refused, so unassigned space, IPv4-compatible
    `::a.b.c.d` and blocks IANA adds later never slip through.
    """
    if isinstance(address, ipaddress.IPv4Address):
        return not any(address in block for block in NOT_PUBLIC_V4)
    carried = _carried_ipv4(address)
    if carried is not None:
        return is_public_address(carried)
    if address not in GLOBAL_UNICAST_V6:
        return False
    return not any(address in block for block in NOT_PUBLIC_V6)


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_url(url: httpx.URL, *, allow_private: bool) -> None:
    """Refuse URLs the guard will not fetch, before any connection is made."""
    if url.userinfo:
        raise BlockedHost(Msg("A server address may not contain a user name or password."))
    if allow_private:
        if url.scheme not in ("http", "https"):
            raise BlockedHost(Msg("Only http and https addresses can be fetched, not {scheme}.",
                                  scheme=url.scheme))
        return
    if url.scheme != "https":
        raise BlockedHost(Msg("Only https addresses can be fetched."))
    if _ip_literal(url.host) is not None:
        raise BlockedHost(Msg("{host} is an IP address; a server must be named by its domain.",
                              host=url.host))
    if url.port not in (None, 443):
        raise BlockedHost(Msg("{host}:{port} uses a port other than 443, which is refused.",
                              host=url.host, port=url.port))


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
            raise BlockedHost(Msg(
                "{host} points to a private or reserved address ({addresses}); "
                "the bot only talks to servers on the public internet.",
                host=host, addresses=", ".join(refused),
            ))
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
                raise BlockedHost(Msg("{host} resolved to something that is not an address.",
                                      host=host))
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
        raise BlockedHost(Msg("Local sockets are never fetched."))

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
                raise ResponseTooLarge(Msg(
                    "{host} sent more than {limit} bytes; the rest was not read.",
                    host=self._host, limit=Number(self._cap),
                ))
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
        declared = ascii_int(response.headers.get("content-length", ""), ceiling=2**63)
        if declared is not None and declared > self.max_bytes:
            await response.aclose()
            raise ResponseTooLarge(Msg(
                "{host} announced {size} bytes, over the {limit}-byte cap; nothing was read.",
                host=request.url.host, size=Number(declared), limit=Number(self.max_bytes),
            ))
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
