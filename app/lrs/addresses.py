"""Which store addresses Cadre will talk to: the defence against server-side request forgery.

A publisher's administrator types the endpoint, and Cadre's server then sends requests there and
shows what came back: without care, that lets anyone who runs a publisher probe the operator's
private network (a database's admin port, a cloud metadata service at 169.254.169.254). So in
production a publisher's endpoint must be https:// on a host whose every address is public, and
the check is made again on the address actually connected to, at every connection (a name can
resolve to a public address when saved and to a private one later: DNS rebinding). Redirects are
not followed and proxies from the environment are not used, so nothing else is ever reached.

Outside production, plain http:// is allowed to this machine only (a Ralph LRS for development or
tests). The operator's own store, set in the environment, is trusted and not checked.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from app.i18n import lazy_gettext as _l

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

# IPv6 ranges that carry an IPv4 address inside (NAT64, 6to4, IPv4-compatible): a gateway may
# take them to that IPv4 address, private or not, so they are refused whatever they hold.
EMBEDDED_IPV4 = tuple(
    ipaddress.ip_network(net) for net in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "::/96")
)


class RefusedAddress(OSError):
    """The host resolves to an address Cadre does not send to."""


def is_public(address: str) -> bool:
    """True for an address on the Internet: not private, loopback, link-local, reserved, multicast."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address) and any(ip in net for net in EMBEDDED_IPV4):
        return False
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[tuple]:
    """getaddrinfo for a TCP connection; RefusedAddress if any address is not public."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress(f"cannot resolve {host}") from exc
    for *_, sockaddr in found:
        if not is_public(sockaddr[0]):
            raise RefusedAddress(f"{host} resolves to a non-public address")
    return found


def public_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):  # noqa: ARG001
    """socket.create_connection that connects only to the public addresses it has just checked."""
    host, port = address
    error: OSError | None = None
    for family, socktype, proto, _name, sockaddr in resolve(host, port):
        sock = socket.socket(family, socktype, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError(f"cannot connect to {host}")


def endpoint_problem(url: str, production: bool):
    """Why Cadre will not send to this endpoint (a translatable message), or None if it will."""
    if any(ord(char) <= 32 or ord(char) >= 127 for char in url):  # http.client sends ASCII only
        return _l(
            "The address may contain no spaces and no accented or other non-ASCII characters"
            " (write an international domain name in its xn-- form, and other characters percent-encoded)."
        )
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return _l("This is not a web address.")
    if not host or parts.scheme not in ("http", "https"):
        return _l("Give the whole address, starting with https://.")
    if parts.username or parts.password or parts.query or parts.fragment:
        return _l(
            "Give the address alone: no user name or password in it (they have their own fields),"
            " no “?” or “#”."
        )
    if parts.scheme == "http" and (production or host not in LOCAL_HOSTS):
        return _l("The address must start with https:// so the statements travel encrypted.")
    if production:
        try:
            resolve(host, port)
        except RefusedAddress:
            return _l(
                "Cadre sends only to a public address on the Internet, and this one is not"
                " (or cannot be found)."
            )
    return None


def normalised(url: str) -> str:
    """The endpoint as stored: trimmed, without a trailing slash (Cadre adds /statements)."""
    return url.strip().rstrip("/")
