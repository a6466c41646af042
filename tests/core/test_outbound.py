"""The outbound-HTTP policy (crisisdesk/core/outbound.py), against real local servers.

Only 127.0.0.1 is ever connected to: every other address in these tables is refused before a
socket is opened, which is what is being proved."""

import ipaddress
import os
import socket
import ssl
import time
from collections.abc import Iterator

import pytest
import trustme

from crisisdesk.core import outbound
from crisisdesk.core.outbound import OutboundError, OutboundRefused, address_refusal, check_url
from tests.local_http import Answer, LocalServer, local_server

# --- the address table ---

REFUSED_ADDRESSES = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("192.168.0.1", "private"),
    ("169.254.169.254", "link_local"),
    ("fe80::1", "link_local"),
    ("100.64.0.1", "shared"),
    ("100.127.255.254", "shared"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("198.18.0.1", "private"),  # benchmarking
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "unspecified"),
    ("::", "unspecified"),
    ("255.255.255.255", "broadcast"),
    ("192.0.2.10", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.1", "documentation"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("fc00::1", "private"),  # ULA
    ("fd12:3456::1", "private"),
    ("fec0::1", "private"),  # site-local
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
    ("::ffff:10.1.2.3", "private"),
    ("::ffff:169.254.169.254", "link_local"),
    ("::127.0.0.1", "loopback"),  # IPv4-compatible
    ("::10.0.0.1", "private"),
    ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ("2002:a9fe:a9fe::1", "link_local"),  # 6to4 of 169.254.169.254
    ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
    ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    ("64:ff9b:1::1", "private"),  # local-use NAT64
    ("2001::1", "private"),  # Teredo
    ("100::1", "private"),  # discard-only
]
PUBLIC_ADDRESSES = [
    "93.184.216.34",
    "8.8.8.8",
    "2606:4700:4700::1111",
    "::ffff:93.184.216.34",
    "64:ff9b::5db8:d822",  # NAT64 of a public IPv4 address
    "2002:5db8:d822::1",  # 6to4 of a public IPv4 address
]


@pytest.mark.parametrize(("address", "reason"), REFUSED_ADDRESSES)
def test_every_special_address_class_is_refused(address: str, reason: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(("address", "reason"), REFUSED_ADDRESSES)
def test_a_url_with_any_refused_address_literal_is_refused(address: str, reason: str) -> None:
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(OutboundRefused) as refused:
        check_url(f"http://{host}:8080/hook")
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/x", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://example.com/", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("http://user:pw@93.184.216.34/", "userinfo"),
        ("http://93.184.216.34@127.0.0.1/", "userinfo"),
        ("http://example.com\\@127.0.0.1/", "userinfo"),
        ("http:///path", "no_host"),
        ("not a url", "scheme"),
        # Numeric spellings of 127.0.0.1 that inet_aton (and so getaddrinfo) accepts.
        ("http://2130706433/", "loopback"),
        ("http://0x7f.0.0.1/", "loopback"),
        ("http://127.1/", "loopback"),
        ("http://0/", "unspecified"),
        ("http://localhost/", "loopback"),
        ("http://localhost.:80/", "loopback"),
    ],
)
def test_tricky_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(OutboundRefused) as refused:
        check_url(url)
    assert refused.value.reason == reason
    assert str(refused.value)  # a message for people


def test_a_name_that_resolves_to_loopback_is_refused(resolver: dict) -> None:
    resolver["hooks.evil.test"] = ["127.0.0.1"]
    with pytest.raises(OutboundRefused) as refused:
        check_url("https://hooks.evil.test/")
    assert (refused.value.reason, refused.value.address) == ("loopback", "127.0.0.1")


def test_every_address_of_a_name_must_be_allowed(resolver: dict) -> None:
    resolver["mixed.test"] = ["93.184.216.34", "10.0.0.7"]
    with pytest.raises(OutboundRefused) as refused:
        check_url("https://mixed.test/")
    assert refused.value.reason == "private"


def test_a_name_that_does_not_resolve_is_refused(resolver: dict) -> None:
    with pytest.raises(OutboundRefused) as refused:
        check_url("https://nowhere.test/")
    assert refused.value.reason == "unresolvable"


def test_a_public_name_is_allowed(resolver: dict) -> None:
    resolver["hooks.example.com"] = ["93.184.216.34", "2606:2800:220:1::1"]
    check_url("https://hooks.example.com/crisisdesk")  # no exception


def test_an_idn_host_is_resolved_in_its_ascii_form(resolver: dict) -> None:
    resolver["xn--e1afmkfd.xn--p1ai"] = ["10.0.0.1"]
    with pytest.raises(OutboundRefused) as refused:
        check_url("https://пример.рф/")
    assert refused.value.reason == "private"


def test_the_allow_list_admits_a_listed_host_and_port_only(settings) -> None:
    settings.OUTBOUND_ALLOW_HOSTS = ["127.0.0.1:8081", "[::1]", "intranet.local:443"]
    check_url("http://127.0.0.1:8081/")
    check_url("http://[::1]:9/")
    with pytest.raises(OutboundRefused):
        check_url("http://127.0.0.1:8082/")
    with pytest.raises(OutboundRefused):
        check_url("http://10.0.0.1:8081/")


def test_nothing_is_allowed_by_default(settings) -> None:
    assert settings.OUTBOUND_ALLOW_HOSTS == []


# --- requests against a real local server ---


@pytest.fixture
def server(settings) -> Iterator[LocalServer]:
    with local_server() as srv:
        settings.OUTBOUND_ALLOW_HOSTS = [f"127.0.0.1:{srv.port}"]
        yield srv


def test_a_refused_address_is_refused_at_request_time_without_connecting(server) -> None:
    # The same local server, not listed under this name: refused before any connection.
    with pytest.raises(OutboundRefused) as refused:
        outbound.request("GET", server.url(host="localhost"))
    assert refused.value.reason == "loopback"
    assert server.seen == []


def test_a_request_reaches_an_allowed_host(server) -> None:
    server.answers = [Answer(201, b'{"ok": true}', {"Content-Type": "application/json"})]

    response = outbound.request(
        "POST", server.url("/hook"), params={"q": "кофе"}, headers={"X-A": "1"}, json={"a": 1}
    )

    assert response.status_code == 201
    assert response.json() == {"ok": True}
    assert response.headers["content-type"] == "application/json"
    assert response.url == server.url("/hook?q=%D0%BA%D0%BE%D1%84%D0%B5")
    [seen] = server.seen
    assert (seen.method, seen.path, seen.body) == (
        "POST",
        "/hook?q=%D0%BA%D0%BE%D1%84%D0%B5",
        b'{"a":1}',
    )
    assert seen.headers["Host"] == f"127.0.0.1:{server.port}"
    assert seen.headers["X-A"] == "1"
    assert seen.headers["User-Agent"] == "CrisisDesk/1"


def test_text_follows_the_declared_charset(server) -> None:
    server.answers = [
        Answer(
            body="привет".encode("cp1251"),
            headers={"Content-Type": "text/plain; charset=windows-1251"},
        )
    ]
    assert outbound.request("GET", server.url()).text == "привет"


def test_the_connection_goes_to_the_address_that_was_checked(settings, server, resolver) -> None:
    """One lookup only: a second answer (DNS rebinding) would have nothing to change. The
    server still sees the name in the Host header."""
    resolver["hooks.rebind.test"] = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HOSTS = [f"hooks.rebind.test:{server.port}"]

    response = outbound.request("GET", f"http://hooks.rebind.test:{server.port}/x")

    assert response.status_code == 200
    assert resolver["__lookups__"] == ["hooks.rebind.test"]
    assert server.seen[0].headers["Host"] == f"hooks.rebind.test:{server.port}"
    assert response.url == f"http://hooks.rebind.test:{server.port}/x"


def test_redirects_are_returned_not_followed(server) -> None:
    with local_server() as elsewhere:
        server.answers = [Answer(302, b"", {"Location": elsewhere.url("/internal")})]

        response = outbound.request("GET", server.url("/start"))

        assert response.status_code == 302
        assert response.headers["location"] == elsewhere.url("/internal")
        assert elsewhere.seen == []
    assert len(server.seen) == 1


def test_a_declared_body_over_the_limit_is_refused(server) -> None:
    server.answers = [Answer(body=b"x" * 2000)]
    with pytest.raises(OutboundError) as error:
        outbound.request("GET", server.url(), max_bytes=1000)
    assert error.value.reason == "too_large"


def test_a_streamed_body_over_the_limit_is_cut_off(server) -> None:
    server.answers = [Answer(body=b"x" * 300_000, chunked=True)]
    with pytest.raises(OutboundError) as error:
        outbound.request("GET", server.url(), max_bytes=100_000)
    assert error.value.reason == "too_large"


def test_a_body_at_the_limit_is_read(server) -> None:
    server.answers = [Answer(body=b"x" * 1000, chunked=True)]
    assert len(outbound.request("GET", server.url(), max_bytes=1000).content) == 1000


def test_a_slow_server_times_out(server) -> None:
    server.answers = [Answer(delay=3.0)]
    started = time.monotonic()
    with pytest.raises(OutboundError) as error:
        outbound.request("GET", server.url(), timeout=0.5)
    assert error.value.reason == "timeout"
    assert time.monotonic() - started < 2.0


def test_an_unreachable_port_is_an_error(settings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.OUTBOUND_ALLOW_HOSTS = [f"127.0.0.1:{port}"]
    with pytest.raises(OutboundError) as error:
        outbound.request("GET", f"http://127.0.0.1:{port}/")
    assert error.value.reason == "connect"
    assert str(error.value)


def test_proxies_from_the_environment_are_ignored(server, monkeypatch) -> None:
    with local_server() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url())
        monkeypatch.setenv("http_proxy", proxy.url())
        monkeypatch.setenv("ALL_PROXY", proxy.url())
        assert outbound.request("GET", server.url("/direct")).status_code == 200
        assert proxy.seen == []
    assert server.seen[0].path == "/direct"


# --- TLS: the checked address, the original name for SNI and the certificate ---


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_server_context(ca: trustme.CA, name: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(name).configure_cert(context)
    return context


@pytest.fixture
def ca_bundle(ca: trustme.CA, tmp_path) -> str:
    path = os.path.join(tmp_path, "ca.pem")
    ca.cert_pem.write_to_path(path)
    return path


def test_https_uses_the_name_for_sni_and_the_certificate(settings, resolver, ca, ca_bundle) -> None:
    with local_server(_tls_server_context(ca, "hooks.example.test")) as srv:
        resolver["hooks.example.test"] = ["127.0.0.1"]
        settings.OUTBOUND_ALLOW_HOSTS = [f"hooks.example.test:{srv.port}"]
        settings.OUTBOUND_CA_BUNDLE = ca_bundle

        response = outbound.request("GET", f"https://hooks.example.test:{srv.port}/tls")

        assert response.status_code == 200
        [seen] = srv.seen
        assert seen.server_name == "hooks.example.test"
        assert seen.headers["Host"] == f"hooks.example.test:{srv.port}"


def test_a_certificate_for_another_name_is_refused(settings, resolver, ca, ca_bundle) -> None:
    with local_server(_tls_server_context(ca, "other.example.test")) as srv:
        resolver["hooks.example.test"] = ["127.0.0.1"]
        settings.OUTBOUND_ALLOW_HOSTS = [f"hooks.example.test:{srv.port}"]
        settings.OUTBOUND_CA_BUNDLE = ca_bundle
        with pytest.raises(OutboundError) as error:
            outbound.request("GET", f"https://hooks.example.test:{srv.port}/")
        assert error.value.reason == "tls"
        assert srv.seen == []


def test_an_untrusted_certificate_is_refused(settings, resolver, ca) -> None:
    with local_server(_tls_server_context(ca, "hooks.example.test")) as srv:
        resolver["hooks.example.test"] = ["127.0.0.1"]
        settings.OUTBOUND_ALLOW_HOSTS = [f"hooks.example.test:{srv.port}"]
        with pytest.raises(OutboundError) as error:
            outbound.request("GET", f"https://hooks.example.test:{srv.port}/")
        assert error.value.reason == "tls"
