"""Limits every HTTP entry point shares: body size told before reading, and who the client is.

Sanic (21.12, pinned by Rasa) reads a request's whole body before any handler or middleware
sees it, up to the app's REQUEST_MAX_SIZE (Rasa's: 100 MB). A declared 90 MB body held a
connection open, and a real 95 MB one raised Rasa's peak memory by 145 MB before our 64 KB
check refused it. So the routes that take bodies from the public are streaming routes that
call `read_body`: a Content-Length over the limit is refused before a byte is read, and a
body without one stops being read at the limit. `cap_request_size` lowers the app's own
limit for every other route (Rasa's API), which Sanic also checks against Content-Length
before reading.

`MemoryBuckets`: token buckets per key (a sender, a client address) in one process, for
every public route that must not be flooded (the REST channel, the widget's feedback).

`client_address`: the peer, or, behind a proxy listed in TRUSTED_PROXIES (addresses or
networks, space-separated), the last address in X-Forwarded-For that is not a trusted proxy.
X-Forwarded-For from anyone else is ignored: a client could write anything there.
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from sanic.request import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
SERVER_MAX_BODY = 1024 * 1024  # the largest request any of our Sanic servers takes


async def read_body(request: Request, limit: int) -> bytes | None:
    """The body of a streaming route, or None when it is larger than `limit`."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
        return None
    chunks, size = [], 0
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


def cap_request_size(app: Any, limit: int = SERVER_MAX_BODY) -> None:
    """Lower a Sanic app's body limit (never raise it); call before the server starts."""
    app.config.REQUEST_MAX_SIZE = min(int(app.config.REQUEST_MAX_SIZE), limit)


def trusted_networks(spec: str | None) -> tuple[Network, ...]:
    """TRUSTED_PROXIES as networks ("127.0.0.1 10.0.0.0/8"); an entry that is neither an
    address nor a network is an error, not silently nothing."""
    return tuple(ipaddress.ip_network(item, strict=False) for item in (spec or "").split())


def _is_in(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: Request, trusted: tuple[Network, ...]) -> str:
    peer = request.ip or ""
    if not trusted or not _is_in(peer, trusted):
        return peer
    hops = [hop.strip() for header in request.headers.getall("x-forwarded-for", [])
            for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a proxy we trust would not write that: do not guess
        if not _is_in(hop, trusted):
            return hop
    return hops[0] if hops else peer


class MemoryBuckets:
    """Token buckets per key (sender, address) in this process, forgetting the least recent."""

    def __init__(self, rate: float, burst: int, capacity: int = 100_000) -> None:
        self.rate, self.burst, self.capacity = rate, burst, capacity
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def take(self, key: str) -> float:
        """0 if the sender (or address) may go on, else the seconds until it may."""
        now = time.monotonic()
        tokens, stamp = self.buckets.pop(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - stamp) * self.rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
        self.buckets[key] = (tokens - 1 if wait == 0 else tokens, now)
        while len(self.buckets) > self.capacity:
            self.buckets.popitem(last=False)
        return wait
