"""Which webhook URLs may be called (OWASP API7, SSRF), checked at registration and at every send.

Refused: schemes other than https (http only with WEBHOOKS__ALLOW_HTTP), credentials in the URL,
ports other than WEBHOOKS__ALLOWED_PORTS (443 by default: a webhook must not probe a host's other
services, e.g. ssh on :22), and any host that is, or resolves to, a loopback, private, link-local (cloud metadata
169.254.169.254), shared (100.64/10), multicast, reserved or otherwise non-global address, also
when written in legacy numeric forms (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) or wrapped in
IPv6 (`::ffff:127.0.0.1`, NAT64 `64:ff9b::`, 6to4, Teredo, `::127.0.0.1`). A name resolving to
several addresses is refused if any of them is refused. The sender connects to the address it
checked (never resolving again), so a DNS answer changing between check and connect (rebinding)
cannot redirect it.

Two switches relax this, neither allowed with ENV=prod: WEBHOOKS__ALLOW_LOOPBACK_TARGETS (on by
default with ENV=dev) accepts a host whose every address is loopback, over http or https, on any
port: a receiver on the developer's own machine. WEBHOOKS__ALLOW_PRIVATE_TARGETS turns the address
and port checks off (tests only).
"""

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.config import WebhookSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
BLOCKED_NAMES = ("localhost", "metadata", "metadata.google.internal")
BLOCKED_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")
LOOPBACK_NAMES = ("localhost", ".localhost")  # RFC 6761 6.3: these names are the loopback
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
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


@dataclass(frozen=True, slots=True)
class CheckedUrl:
    target: Target
    addresses: list[IPAddress]  # connect to these (checked), never to a second lookup's answer
    loopback: bool  # every address is loopback (allowed by WEBHOOKS__ALLOW_LOOPBACK_TARGETS only)


def _is_loopback_name(host: str) -> bool:
    return host == LOOPBACK_NAMES[0] or host.endswith(LOOPBACK_NAMES[1])


async def check(url: str, settings: WebhookSettings) -> CheckedUrl:
    """Parse `url` and check it and every address it resolves to; UnsafeUrl says why not."""
    allow_loopback = bool(settings.allow_loopback_targets)
    target = parse(url, allow_http=settings.allow_http or allow_loopback)
    internal_name = target.host in BLOCKED_NAMES or target.host.endswith(BLOCKED_SUFFIXES)
    named_loopback = allow_loopback and _is_loopback_name(target.host)  # then its addresses must be too
    if internal_name and not named_loopback and not settings.allow_private_targets:
        raise UnsafeUrl("The host is a local or internal name.")
    addresses = [target.ip] if target.ip is not None else await resolve(target.host, target.port)
    if not addresses:
        raise UnsafeUrl("The host name does not resolve.")
    loopback = allow_loopback and not target.legacy_ip_form
    loopback = loopback and all(blocked_reason(address) == "loopback" for address in addresses)
    if not loopback and not settings.allow_private_targets:
        _check_public(target, addresses, settings.allowed_ports)
    if not loopback and target.scheme != "https" and not settings.allow_http:
        raise UnsafeUrl("The URL must use https.")
    return CheckedUrl(target, addresses, loopback)


def _check_public(target: Target, addresses: list[IPAddress], allowed_ports: list[int]) -> None:
    for address in addresses:
        reason = blocked_reason(address)
        if reason is not None:
            raise UnsafeUrl(f"The host is or resolves to a {reason} address, which webhooks may not call.")
    if target.legacy_ip_form:
        raise UnsafeUrl("Write IP addresses in dotted-decimal form.")
    if target.port not in allowed_ports:
        allowed = ", ".join(str(port) for port in allowed_ports) or "none"
        raise UnsafeUrl(f"Webhooks may not use port {target.port} (allowed ports: {allowed}).")
