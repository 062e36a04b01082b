from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

import httpcore
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.influence.http import ResponseTooLarge
from chatbot.influence.netguard import (
    GLOBAL_UNICAST_V6,
    NOT_PUBLIC_V4,
    NOT_PUBLIC_V6,
    BlockedHost,
    GuardedTransport,
    Resolver,
    build_guarded_client,
    check_url,
    is_public_address,
)

PUBLIC_IP = "93.184.216.34"
CANNED = [
    b"HTTP/1.1 200 OK\r\n",
    b"Content-Type: application/json\r\n",
    b"Content-Length: 11\r\n\r\n",
    b'{"ok":true}',
]


@dataclass
class CountingServer:
    """A real TCP server on 127.0.0.1 that answers any request and counts connections."""

    connections: int = 0
    port: int = 0
    server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"".join(CANNED))
        await writer.drain()
        writer.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@pytest.fixture
async def local_server() -> AsyncIterator[CountingServer]:
    server = CountingServer()
    await server.start()
    yield server
    await server.close()


class RecordingStream(httpcore.AsyncMockStream):
    def __init__(self, buffer: list[bytes], tls_names: list[str | None]) -> None:
        super().__init__(buffer)
        self._tls_names = tls_names

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
    ) -> httpcore.AsyncNetworkStream:
        self._tls_names.append(server_hostname)
        return self


@dataclass
class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Stands in for the real network: records where it was asked to connect."""

    connects: list[tuple[str, int]] = field(default_factory=list)
    tls_names: list[str | None] = field(default_factory=list)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        return RecordingStream(list(CANNED), self.tls_names)


class ToLocalServer(httpcore.AsyncNetworkBackend):
    """Sends every connection to the local test server, whatever address it was given,
    so a request the guard lets through would really arrive there."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._real.connect_tcp("127.0.0.1", self._port, timeout=timeout)


def resolving_to(*addresses: str) -> tuple[list[str], Resolver]:
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return list(addresses)

    return asked, resolve


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::a00:1",
        "::7f00:1",
    ],
)
def test_private_reserved_and_disguised_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


SPECIAL_PURPOSE = [
    # IPv4 special-purpose registry
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "255.255.255.255/32",
    # IPv6 special-purpose registry
    "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
    "3fff::/20", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    # IPv4 in disguise: mapped, NAT64 and 6to4 forms of private addresses
    "::ffff:10.0.0.0/104", "::ffff:127.0.0.0/104", "64:ff9b::a00:0/104",
    "64:ff9b::c000:0/120", "2002:7f00::/24", "2002:a9fe::/32", "2002:c000::/40",
    # outside global unicast: IPv4-compatible, unassigned, SIIT
    "::/96", "4000::/3", "::ffff:0:0:0/96", "5f00::/16",
]


@pytest.mark.parametrize("block", SPECIAL_PURPOSE)
def test_every_special_purpose_range_is_refused_from_first_to_last_address(block: str) -> None:
    network = ipaddress.ip_network(block)
    samples = {network[0], network[-1], network[network.num_addresses // 2]}
    assert [str(a) for a in samples if is_public_address(a)] == []


@pytest.mark.parametrize("address", ["192.0.0.8", "192.0.0.9", "fec0::1", "fec0:1::2:3"])
def test_addresses_pythons_is_global_lets_through_are_refused(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
        "2a00:1450:4001:80b::200e",
        "192.0.1.1",
        "198.20.0.1",
        "100.128.0.1",
        "223.255.255.254",
    ],
)
def test_public_addresses_next_to_special_ranges_and_in_ipv6_dress_are_public(
    address: str,
) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@given(st.sampled_from(NOT_PUBLIC_V4), st.integers(min_value=0))
def test_any_ipv4_address_inside_a_special_block_is_refused(
    block: ipaddress.IPv4Network, offset: int
) -> None:
    address = block[offset % block.num_addresses]
    assert not is_public_address(address)
    assert not is_public_address(ipaddress.IPv6Address(f"::ffff:{address}"))
    assert not is_public_address(ipaddress.IPv6Address(b"\x20\x02" + address.packed + bytes(10)))


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_an_ipv4_address_is_public_exactly_when_no_special_block_holds_it(value: int) -> None:
    address = ipaddress.IPv4Address(value)
    assert is_public_address(address) == all(address not in b for b in NOT_PUBLIC_V4)


@given(st.sampled_from(NOT_PUBLIC_V6), st.integers(min_value=0))
def test_any_ipv6_address_inside_a_special_block_is_refused(
    block: ipaddress.IPv6Network, offset: int
) -> None:
    assert not is_public_address(block[offset % block.num_addresses])


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_ipv6_outside_global_unicast_is_refused_unless_it_carries_ipv4(value: int) -> None:
    address = ipaddress.IPv6Address(value)
    carries_ipv4 = address.ipv4_mapped is not None or address in ipaddress.ip_network(
        "64:ff9b::/96"
    )
    if address not in GLOBAL_UNICAST_V6 and not carries_ipv4:
        assert not is_public_address(address)


@pytest.mark.parametrize("address", [PUBLIC_IP, "1.1.1.1", "2606:4700:4700::1111"])
def test_ordinary_internet_addresses_are_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://mastodon.social/", "https"),
        ("https://127.0.0.1/", "IP address"),
        ("https://[::1]/", "IP address"),
        ("https://user:pw@mastodon.social/", "user name"),
        ("https://mastodon.social:8443/", "port"),
    ],
)
def test_urls_that_hide_their_target_are_refused_before_connecting(url: str, reason: str) -> None:
    with pytest.raises(BlockedHost, match=reason):
        check_url(httpx.URL(url), allow_private=False)


async def test_a_name_resolving_to_loopback_never_reaches_the_local_server(
    local_server: CountingServer,
) -> None:
    asked, resolve = resolving_to("127.0.0.1")
    async with build_guarded_client(
        allow_private=False,
        timeout=5,
        max_bytes=1000,
        resolver=resolve,
        network_backend=ToLocalServer(local_server.port),
    ) as client:
        with pytest.raises(BlockedHost, match=r"evil\.example points to a private"):
            await client.get("https://evil.example/api/v1/accounts/lookup?acct=me")

    assert asked == ["evil.example"]
    assert local_server.connections == 0


async def test_the_same_request_reaches_the_server_when_private_networks_are_allowed(
    local_server: CountingServer,
) -> None:
    async with build_guarded_client(
        allow_private=True,
        timeout=5,
        max_bytes=1000,
        network_backend=ToLocalServer(local_server.port),
    ) as client:
        response = await client.get("http://evil.example/api/v1/accounts/lookup?acct=me")

    assert response.json() == {"ok": True}
    assert local_server.connections == 1


@pytest.mark.parametrize(
    "answers",
    [["10.0.0.5"], ["::ffff:127.0.0.1"], ["169.254.169.254"], [PUBLIC_IP, "192.168.0.10"]],
)
async def test_any_private_answer_among_the_addresses_refuses_the_host(answers: list[str]) -> None:
    _, resolve = resolving_to(*answers)
    backend = RecordingBackend()
    async with build_guarded_client(
        allow_private=False,
        timeout=5,
        max_bytes=1000,
        resolver=resolve,
        network_backend=backend,
    ) as client:
        with pytest.raises(BlockedHost):
            await client.get("https://rebind.example/")

    assert backend.connects == []


async def test_it_connects_to_the_address_it_checked_and_keeps_the_name_for_tls() -> None:
    asked, resolve = resolving_to(PUBLIC_IP)
    backend = RecordingBackend()
    async with build_guarded_client(
        allow_private=False,
        timeout=5,
        max_bytes=1000,
        resolver=resolve,
        network_backend=backend,
    ) as client:
        response = await client.get("https://mastodon.example/api")

    assert response.json() == {"ok": True}
    assert backend.connects == [(PUBLIC_IP, 443)], "no second lookup a rebinding could answer"
    assert backend.tls_names == ["mastodon.example"]
    assert asked == ["mastodon.example"]


async def test_an_unresolvable_host_is_a_connect_error() -> None:
    async def fail(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    async with build_guarded_client(
        allow_private=False,
        timeout=5,
        max_bytes=1000,
        resolver=fail,
        network_backend=RecordingBackend(),
    ) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("https://no-such-instance.example/")


async def test_redirects_are_returned_not_followed(local_server: CountingServer) -> None:
    redirect = [
        b"HTTP/1.1 302 Found\r\n",
        b"Location: http://169.254.169.254/\r\n",
        b"Content-Length: 0\r\n\r\n",
    ]
    backend = RecordingBackend()
    _, resolve = resolving_to(PUBLIC_IP)

    class Redirecting(RecordingBackend):
        async def connect_tcp(
            self, host: str, port: int, *args: object, **kwargs: object
        ) -> httpcore.AsyncNetworkStream:
            backend.connects.append((host, port))
            return RecordingStream(list(redirect), [])

    async with build_guarded_client(
        allow_private=False,
        timeout=5,
        max_bytes=1000,
        resolver=resolve,
        network_backend=Redirecting(),
    ) as client:
        response = await client.get("https://mastodon.example/")

    assert response.status_code == 302
    assert backend.connects == [(PUBLIC_IP, 443)]


async def test_the_transport_caps_the_body_it_lets_through() -> None:
    big = [
        b"HTTP/1.1 200 OK\r\n",
        b"Transfer-Encoding: chunked\r\n\r\n",
        *([b"400\r\n" + b"x" * 1024 + b"\r\n"] * 8),
        b"0\r\n\r\n",
    ]
    _, resolve = resolving_to(PUBLIC_IP)

    class Big(RecordingBackend):
        async def connect_tcp(
            self, host: str, port: int, *args: object, **kwargs: object
        ) -> httpcore.AsyncNetworkStream:
            return RecordingStream(list(big), [])

    transport = GuardedTransport(resolver=resolve, max_bytes=2048, network_backend=Big())
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(ResponseTooLarge):
            await client.get("https://mastodon.example/")
