"""The client's address: REMOTE_ADDR, or the address a trusted reverse proxy forwarded.

Behind a reverse proxy every request comes from the proxy, so without this all clients
would share one address (one sign-in lockout, one intake quota). `X-Forwarded-For` is
read only when the request arrives from an address in `BANYAN_TRUSTED_PROXIES`, and then
from the right: each trusted hop is skipped and the first address no trusted proxy
vouches for is the client. Anything a client writes itself sits further left and is
never reached, so a forged header buys nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# A chain longer than this is not a real proxy chain; reading only its tail bounds the work.
_MAX_HOPS = 20


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"BANYAN_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                "(write e.g. 10.0.0.5, 10.0.0.0/24 or fd00::/8)."
            ) from exc
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    """The networks of `settings.BANYAN_TRUSTED_PROXIES`; ImproperlyConfigured on a bad entry."""
    entries: Iterable[str] = getattr(settings, "BANYAN_TRUSTED_PROXIES", ())
    return _networks(tuple(e for e in entries if e.strip()))


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether `request` reached this server from one of `BANYAN_TRUSTED_PROXIES`."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    networks = trusted_proxies()
    return remote is not None and bool(networks) and _trusted(remote, networks)


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent `request`, as text; None when there is none."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    networks = trusted_proxies()
    if not networks or not _trusted(remote, networks):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h for h in forwarded.split(",") if h.strip()][-_MAX_HOPS:]
    client = remote
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # A trusted proxy wrote something that is not an address: trust nothing further
            # left, and count the request against the last hop that was vouched for.
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
