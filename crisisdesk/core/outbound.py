"""One policy for every HTTP request the server makes: webhooks, mention collectors, chat.

The danger is server-side request forgery: a URL typed by a tenant (a webhook, a feed) that
points the server at itself, at the cloud metadata service or at the private network. So:

- http and https only; a URL with user information (`user@host`) is refused outright, since
  `http://good.example@127.0.0.1/` reads as one host and connects to the other;
- the host is resolved once and *every* address it resolves to must be public (see
  `address_refusal`), checked when the URL is saved (`check_url`) and again when a request is
  made (`request`), because DNS answers change between the two;
- the connection goes to the very address that was checked: the URL is rewritten to that IP,
  with the original `Host` header and, for https, the original name as TLS server name (SNI)
  and for the certificate check, so a second DNS lookup (rebinding) has nothing to change;
- redirects are never followed: a 3xx comes back to the caller as it is (a caller that wants
  to follow one calls `request()` again with the Location, which is checked like any URL);
- connect timeout 3 s, a total deadline, a response size limit, no proxy from the
  environment (`trust_env=False`), no compressed bodies asked for.

`settings.OUTBOUND_ALLOW_HOSTS` (`host` or `host:port` entries, empty by default) lets an
on-premises install, or a test, reach listed hosts whatever their addresses.

The address rules are written over the standard library's `ipaddress` rather than an SSRF
library: `advocate` (requests-only, last release 2020) and its kin are unmaintained, and
`ipaddress` alone misses several cases on Python 3.11 (`is_global` is true for multicast,
NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, IPv4-compatible `::a.b.c.d`, site-local `fec0::/10`
and `3fff::/20`), which the explicit rules below close.
"""

from __future__ import annotations

import codecs
import ipaddress
import json as jsonlib
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache
from typing import Any

import certifi
import httpx
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CONNECT_TIMEOUT = 3.0
USER_AGENT = "CrisisDesk/1"
DEFAULT_PORTS = {"http": 80, "https": 443}

# Tests replace this with a resolver of their own (a name that resolves to loopback, …).
_getaddrinfo = socket.getaddrinfo

REFUSALS: dict[str, Promise] = {
    "bad_url": _("This is not a valid URL."),
    "scheme": _("Only http:// and https:// addresses are allowed."),
    "userinfo": _("An address with a user name or password in it is not allowed."),
    "no_host": _("The address has no host name."),
    "unresolvable": _("The host name does not resolve."),
    "unspecified": _("The host resolves to an unspecified address (0.0.0.0 or ::)."),
    "loopback": _("The host resolves to this server itself (loopback)."),
    "private": _("The host resolves to a private network address."),
    "link_local": _("The host resolves to a link-local address."),
    "shared": _("The host resolves to a carrier-grade NAT address (100.64.0.0/10)."),
    "multicast": _("The host resolves to a multicast address."),
    "broadcast": _("The host resolves to the broadcast address."),
    "documentation": _("The host resolves to an address reserved for documentation."),
    "reserved": _("The host resolves to a reserved address."),
}
# Alike REFUSALS on purpose: a table of messages by code; REFUSALS says why a URL is not
# allowed (before any request), ERRORS why a request that was allowed failed.
ERRORS: dict[str, Promise] = {
    "timeout": _("The remote server did not answer in time."),
    "connect": _("The remote server could not be reached."),
    "tls": _("The remote server's TLS certificate could not be verified."),
    "too_large": _("The remote server's answer is too large."),
    "protocol": _("The remote server's answer is not valid HTTP."),
    "network": _("A network error occurred."),
}


class OutboundRefused(Exception):
    """The URL or an address its host resolves to is not allowed. `.reason` is a code (see
    REFUSALS); str() is a message for people in the active language."""

    def __init__(self, reason: str, *, address: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.address = address

    def __str__(self) -> str:
        return str(REFUSALS[self.reason])


class OutboundError(Exception):
    """The request was allowed but failed: network, timeout, TLS, too large. `.reason` is a
    code (see ERRORS); `.detail` the underlying error for logs."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail

    def __str__(self) -> str:
        return str(ERRORS[self.reason])


@dataclass(frozen=True)
class OutboundResponse:
    status_code: int
    headers: httpx.Headers
    content: bytes
    url: str

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    @property
    def text(self) -> str:
        message = Message()
        message["content-type"] = self.headers.get("content-type", "")
        charset = message.get_content_charset() or "utf-8"
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = "utf-8"
        return self.content.decode(charset, errors="replace")


# --- which addresses are allowed ---

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_BROADCAST = ipaddress.ip_address("255.255.255.255")
_DOCUMENTATION = [
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address in the last 32 bits
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local use
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d
_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, NAT64, IPv4-compatible)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: IPAddress) -> str | None:
    """Why the server must not connect to this address (a REFUSALS code), or None if it may.

    An IPv6 form that carries an IPv4 address is judged by that IPv4 address; other IPv6
    addresses must be global unicast (2000::/3), which leaves out ULA (fc00::/7), link-local,
    site-local, multicast and every special block below 2000::.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            address = ipaddress.IPv6Address(str(address).split("%")[0])
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_refusal(embedded)
    if address.is_unspecified or address in _THIS_NETWORK:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address == _BROADCAST:
        return "broadcast"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if address in _CGNAT:
        return "shared"
    if any(address in network for network in _DOCUMENTATION):
        return "documentation"
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL or address.is_site_local or address.is_private:
            return "private"
        if address not in _GLOBAL_UNICAST or not address.is_global:
            return "reserved"
        return None
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "reserved"
    return None


# --- URLs and their hosts ---


@dataclass(frozen=True)
class _Target:
    url: httpx.URL
    host: str  # as the URL names it, lower case (an IDN in its ASCII form)
    port: int
    addresses: tuple[IPAddress, ...]


def _split_allow_entry(entry: str) -> tuple[str, int | None]:
    entry = entry.strip().lower()
    if entry.startswith("["):  # [v6] or [v6]:port
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return host, int(port) if port.isdigit() else None
    return entry, None


def host_allowed_by_settings(host: str, port: int) -> bool:
    """Whether OUTBOUND_ALLOW_HOSTS lists this host (on any port, or on this one)."""
    host = host.lower().rstrip(".")
    for entry in getattr(settings, "OUTBOUND_ALLOW_HOSTS", []):
        allowed_host, allowed_port = _split_allow_entry(entry)
        if allowed_host.rstrip(".") == host and allowed_port in (None, port):
            return True
    return False


def _parse(url: str) -> tuple[httpx.URL, str, int]:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise OutboundRefused("bad_url") from exc
    if parsed.scheme not in DEFAULT_PORTS:
        raise OutboundRefused("scheme")
    if parsed.userinfo:
        raise OutboundRefused("userinfo")
    host = parsed.raw_host.decode("ascii").lower()
    if not host or "%" in host:  # a percent-encoded host is nobody's real host name
        raise OutboundRefused("no_host")
    return parsed, host, parsed.port or DEFAULT_PORTS[parsed.scheme]


def _resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    # "localhost." is "localhost": the resolver's hosts file does not match the absolute form.
    host = host[:-1] if host.endswith(".") else host
    try:
        return (ipaddress.ip_address(host),)
    except ValueError:
        pass
    try:
        infos = _getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise OutboundRefused("unresolvable") from exc
    addresses = []
    for info in infos:
        try:
            addresses.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        except ValueError:
            continue
    if not addresses:
        raise OutboundRefused("unresolvable")
    return tuple(dict.fromkeys(addresses))


def _check(url: str) -> _Target:
    parsed, host, port = _parse(url)
    addresses = _resolve(host, port)
    if not host_allowed_by_settings(host, port):
        for address in addresses:
            reason = address_refusal(address)
            if reason is not None:
                raise OutboundRefused(reason, address=str(address))
    return _Target(url=parsed, host=host, port=port, addresses=addresses)


def check_url(url: str) -> None:
    """Refuse (OutboundRefused) a URL the server may not request: the save-time check.

    Resolves the host; every address must be allowed. `request()` checks again."""
    _check(url)


# --- sending ---


@lru_cache(maxsize=4)
def _ssl_context(ca_bundle: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_bundle or certifi.where())


def _is_tls_failure(exc: BaseException) -> bool:
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, ssl.SSLError):
            return True
        current = current.__cause__ or current.__context__
    return False


class _ConnectFailed(Exception):
    """Nothing was sent to this address: the next one of the host may be tried."""


def _send(
    target: _Target,
    address: IPAddress,
    *,
    method: str,
    params: Any,
    headers: Any,
    body: dict[str, Any],
    deadline: float,
    max_bytes: int,
) -> OutboundResponse:
    remaining = max(deadline - time.monotonic(), 0.1)
    pinned = target.url.copy_with(host=str(address))
    sent_headers = httpx.Headers({"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    sent_headers.update(headers or {})
    # The name the URL gave, not the address connected to: virtual hosts and TLS need it.
    sent_headers["Host"] = target.url.netloc.decode("ascii")
    extensions: dict[str, Any] = {}
    if target.url.scheme == "https":
        extensions["sni_hostname"] = target.host
    timeout = httpx.Timeout(remaining, connect=min(CONNECT_TIMEOUT, remaining))
    verify = _ssl_context(getattr(settings, "OUTBOUND_CA_BUNDLE", "") or "")
    with httpx.Client(
        trust_env=False, follow_redirects=False, timeout=timeout, verify=verify
    ) as client:
        try:
            with client.stream(
                method,
                pinned,
                params=params,
                headers=sent_headers,
                extensions=extensions,
                **body,
            ) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise OutboundError("too_large", f"Content-Length {declared}")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise OutboundError("too_large", f"more than {max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise OutboundError("timeout", "total deadline passed while reading")
                    chunks.append(chunk)
                url = response.request.url.copy_with(host=target.url.host)
                return OutboundResponse(
                    status_code=response.status_code,
                    headers=response.headers,
                    content=b"".join(chunks),
                    url=str(url),
                )
        except httpx.ConnectTimeout as exc:
            raise _ConnectFailed("timeout", str(exc)) from exc
        except httpx.ConnectError as exc:
            if _is_tls_failure(exc):
                raise OutboundError("tls", str(exc)) from exc
            raise _ConnectFailed("connect", str(exc)) from exc
        except httpx.TimeoutException as exc:
            raise OutboundError("timeout", str(exc)) from exc
        except httpx.ProtocolError as exc:
            raise OutboundError("protocol", str(exc)) from exc
        except (httpx.HTTPError, OSError) as exc:
            raise OutboundError("network", f"{type(exc).__name__}: {exc}") from exc


def request(
    method: str,
    url: str,
    *,
    params: Any = None,
    headers: Any = None,
    json: Any = None,
    content: bytes | str | None = None,
    data: dict[str, Any] | None = None,
    timeout: float = 10.0,
    max_bytes: int = 5_000_000,
) -> OutboundResponse:
    """Send one request under the policy; the whole exchange within `timeout` seconds.

    Raises OutboundRefused before anything is sent when the URL or an address of its host is
    not allowed, and OutboundError when the exchange fails or the body exceeds max_bytes.
    A 3xx is returned as it is (never followed); so is every other status.
    """
    deadline = time.monotonic() + timeout
    target = _check(url)
    body: dict[str, Any] = {}
    if json is not None:
        body["json"] = json
    if content is not None:
        body["content"] = content
    if data is not None:
        body["data"] = data
    failure: _ConnectFailed | None = None
    for address in target.addresses:
        if time.monotonic() >= deadline:
            break
        try:
            return _send(
                target,
                address,
                method=method.upper(),
                params=params,
                headers=headers,
                body=body,
                deadline=deadline,
                max_bytes=max_bytes,
            )
        except _ConnectFailed as exc:
            failure = exc  # nothing reached this address: try the host's next one
    reason, detail = failure.args if failure is not None else ("timeout", "deadline passed")
    raise OutboundError(reason, detail)
