"""Who is really on the other end: the client's address and scheme, believed only from trusted proxies.

A client can put anything in `X-Forwarded-For` and `X-Forwarded-Proto`. Each proxy we run appends the
address it saw to `X-Forwarded-For`, so the chain reads `client, proxy1, ..., proxyN` with the last
proxy's own address in `REMOTE_ADDR`. We trust the chain from the right only as far as our own proxies go:

- `TRUSTED_PROXIES` (addresses or networks): skip entries from the right while they are our proxies;
  the first one that is not is the client.
- `TRUSTED_PROXY_HOPS` (a number, for proxies whose addresses change, as in compose): the client is the
  entry that many hops to the left of `REMOTE_ADDR`.
- neither (the default): no proxy; `REMOTE_ADDR` is the client, and forwarded headers are ignored.

With both set, the list is used: it is the stricter of the two.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies):
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted_proxy(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def _forwarded_chain(request):
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return [part.strip() for part in header.split(",") if part.strip()]


def peer_is_trusted_proxy(request):
    """Whether the connection itself comes from one of our proxies, so its forwarded headers can be believed."""
    if settings.TRUSTED_PROXIES:
        return _is_trusted_proxy(request.META.get("REMOTE_ADDR", ""))
    return settings.TRUSTED_PROXY_HOPS > 0


def client_ip(request):
    """The visitor's address, as far as our own proxies vouch for it."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not peer_is_trusted_proxy(request):
        return remote
    chain = [*_forwarded_chain(request), remote]
    if settings.TRUSTED_PROXIES:
        for address in reversed(chain):
            if not _is_trusted_proxy(address):
                return address
        return chain[0]
    # With N hops the client is N entries left of REMOTE_ADDR; a shorter chain means a proxy added nothing.
    return chain[max(len(chain) - 1 - settings.TRUSTED_PROXY_HOPS, 0)]


def forwarded_proto(request):
    """The scheme our nearest proxy saw ("https", "http"), or None when the peer is not our proxy."""
    if not peer_is_trusted_proxy(request):
        return None
    # Our proxy sets (not appends) the header; if something appended anyway, the right-most value is its own.
    values = [part.strip().lower() for part in request.META.get("HTTP_X_FORWARDED_PROTO", "").split(",")]
    return values[-1] or None
