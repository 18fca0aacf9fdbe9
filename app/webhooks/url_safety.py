"""Which webhook URLs may be called (OWASP API7, SSRF), checked at registration and at every send.

Refused: schemes other than https (http only with WEBHOOKS__ALLOW_HTTP), credentials in the URL,
and any host that is, or resolves to, a loopback, private, link-local (cloud metadata
169.254.169.254), shared (100.64/10), multicast, reserved or otherwise non-global address, also
when written in legacy numeric forms (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) or wrapped in
IPv6 (`::ffff:127.0.0.1`, NAT64 `64:ff9b::`, 6to4, Teredo, `::127.0.0.1`). A name resolving to
several addresses is refused if any of them is refused. The sender connects to the address it
checked (never resolving again), so a DNS answer changing between check and connect (rebinding)
cannot redirect it. WEBHOOKS__ALLOW_PRIVATE_TARGETS turns the address checks off (tests only).
"""

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
BLOCKED_NAMES = ("localhost", "metadata", "metadata.google.internal")
BLOCKED_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
RESOLVE_TIMEOUT_S = 5.0


class UnsafeUrl(Exception):
    """The URL may not be called; the message says why (safe to show to the subscriber)."""


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str  # lower case, IDNA, no brackets
    port: int
    path: str  # path and query, at least "/"
    ip: IPAddress | None  # when the host is an IP literal
    legacy_ip_form: bool = False  # 2130706433, 0x7f.1, 127.1 ...

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    def url_for(self, address: IPAddress) -> str:
        host = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{host}:{self.port}{self.path}"


def _numeric_ipv4(host: str) -> IPAddress | None:
    """Hosts whose last label is a number are IPv4 addresses (WHATWG URL, inet_aton): decode them."""
    last = host.rstrip(".").rsplit(".", 1)[-1]
    if not re.fullmatch(r"[0-9]+|0x[0-9a-f]*", last):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
    except OSError as exc:
        raise UnsafeUrl("The host is neither a valid name nor a valid IPv4 address.") from exc


def parse(url: str, *, allow_http: bool) -> Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("The URL is not valid.") from exc
    scheme = parts.scheme.lower()
    if scheme != "https" and not (allow_http and scheme == "http"):
        raise UnsafeUrl("The URL must use https.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("The URL may not contain credentials.")
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeUrl("The URL has no host.")
    try:
        ip: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        ip = _numeric_ipv4(host)
    legacy = ip is not None and ip.version == 4 and str(ip) != host
    if ip is None:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise UnsafeUrl("The host name is not valid.") from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    default_port = 443 if scheme == "https" else 80
    return Target(scheme, str(ip) if ip is not None else host, port or default_port, path, ip, legacy)


def blocked_reason(ip: IPAddress) -> str | None:
    """Why an address may not be called, or None for a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: list[ipaddress.IPv4Address] = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
        embedded += list(ip.teredo or ())
        if any(ip in net for net in NAT64):
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if int(ip) >> 32 == 0 and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
            embedded.append(ipaddress.IPv4Address(int(ip)))
        for address in embedded:
            reason = blocked_reason(address)
            if reason is not None:
                return reason
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata)"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "non-public"
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host name resolves to (tests replace this function)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=RESOLVE_TIMEOUT_S)
    except (OSError, TimeoutError):
        return []
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))


async def checked_addresses(target: Target, *, allow_private: bool) -> list[IPAddress]:
    """The addresses to connect to, each one checked; UnsafeUrl if any is refused or none exists."""
    if not allow_private and (target.host in BLOCKED_NAMES or target.host.endswith(BLOCKED_SUFFIXES)):
        raise UnsafeUrl("The host is a local or internal name.")
    addresses = [target.ip] if target.ip is not None else await resolve(target.host, target.port)
    if not addresses:
        raise UnsafeUrl("The host name does not resolve.")
    if not allow_private:
        for address in addresses:
            reason = blocked_reason(address)
            if reason is not None:
                raise UnsafeUrl(f"The host is or resolves to a {reason} address, which webhooks may not call.")
        if target.legacy_ip_form:
            raise UnsafeUrl("Write IP addresses in dotted-decimal form.")
    return addresses
