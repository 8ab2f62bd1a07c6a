"""Which addresses provider calls may reach. Base URLs are user input: calls must not become a
way into the network. The check runs on the resolved address at connect time, and the connection
goes to exactly the address that was checked, so DNS rebinding cannot slip past it."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Link-local and cloud metadata endpoints: never reachable, whatever the settings say.
ALWAYS_BLOCKED: tuple[Network, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "169.254.0.0/16",  # link-local, AWS/GCP/Azure metadata (169.254.169.254)
        "fe80::/10",  # IPv6 link-local
        "fd00:ec2::254/128",  # AWS metadata over IPv6
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "0.0.0.0/8",
        "::/128",
        "224.0.0.0/4",  # multicast
        "ff00::/8",
    )
)
PRIVATE: tuple[Network, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "fc00::/7",
    )
)

Resolver = Callable[[str, int], Awaitable[list[str]]]


class BlockedByPolicy(Exception):
    """A provider call would reach an address the outbound policy forbids."""


def parse_address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class OutboundPolicy:
    allow: tuple[Network, ...] = ()  # when set, only these ranges are reachable
    deny: tuple[Network, ...] = ()
    allow_private: bool = True  # loopback and private ranges (local Ollama, intranet servers)

    @classmethod
    def from_cidrs(cls, allow: Iterable[str], deny: Iterable[str]) -> OutboundPolicy:
        return cls(
            allow=tuple(ipaddress.ip_network(c, strict=False) for c in allow),
            deny=tuple(ipaddress.ip_network(c, strict=False) for c in deny),
        )

    def without_private(self) -> OutboundPolicy:
        return replace(self, allow_private=False)

    def refusal(self, address: Address) -> str | None:
        """Why `address` may not be reached, or None when it may."""
        if any(address in net for net in ALWAYS_BLOCKED):
            return f"{address} is a link-local or cloud-metadata address, which is always refused"
        if any(address in net for net in self.deny):
            return f"{address} is in a denied range (SWITCHBOARD_OUTBOUND_DENY)"
        if not self.allow_private and any(address in net for net in PRIVATE):
            return f"{address} is a loopback or private address, refused for this connection"
        if self.allow and not any(address in net for net in self.allow):
            return f"{address} is outside the allowed ranges (SWITCHBOARD_OUTBOUND_ALLOW)"
        return None


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def vetted_addresses(
    policy: OutboundPolicy, resolve: Resolver, host: str, port: int
) -> list[str]:
    """Resolve `host` and check every address; refuse if any one is forbidden."""
    literal = parse_address(host.strip("[]"))
    addresses = [str(literal)] if literal else await resolve(host, port)
    for text in addresses:
        address = parse_address(text)
        reason = "unparseable address" if address is None else policy.refusal(address)
        if reason:
            raise BlockedByPolicy(f"{host} resolves to {text}: {reason}")
    return addresses
