"""Who is on the other end of a request: the client's address, believing a proxy only when trusted.

Behind a reverse proxy every request comes from the proxy's address; the proxy says whom it
forwards in ``X-Forwarded-For``. That header is the client's word as much as the proxy's, so it
counts only when the peer itself is one of ``TRAMITES_TRUSTED_PROXIES``, and then only its
right-most entries, walked from the right past the trusted proxies: a client may prepend any
address it likes, never append one.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

Network = IPv4Network | IPv6Network


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str | None:
    """The address the request came from: the peer, or the first untrusted hop a trusted proxy names."""
    if not peer or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_address(hop):
            return peer  # a malformed chain: believe only the connection
        if not _is_trusted(hop, trusted):
            return hop
    return peer


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        found = ip_address(address)
    except ValueError:
        return False
    return any(found in network for network in trusted)
