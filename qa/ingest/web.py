"""Fetch a web page or feed by URL: bounded, polite, and never a way into private networks.

Every request has a timeout and a size limit, says who is asking (user agent),
and follows at most `_MAX_REDIRECTS` redirects, each checked again. Unless
`allow_private_urls` is set, a URL whose host resolves to a loopback, private,
link-local, multicast, reserved or cloud-metadata address is refused, after
DNS resolution and after every redirect; the connection then goes to the very
address that was checked (the host name kept for the Host header and TLS), so
a second DNS answer cannot swap it for another.

Failures raise `FetchError` with a sentence a user can act on.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from qa.errors import IngestError

USER_AGENT = "qa-news-reader/1.0 (citation-first question answering; fetches one page per request)"
_MAX_REDIRECTS = 5
_PAGE_TYPES = ("text/html", "application/xhtml+xml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")
_TEXT_TYPES = ("text/plain",)


class FetchError(IngestError):
    """A URL could not be fetched; the message says why and what to do."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    kind: str  # "page", "feed" or "text"
    body: bytes
    content_type: str


def is_url(value: str) -> bool:
    """True for an http(s) URL given where a path could be.

    >>> is_url("https://example.com/a"), is_url("articles/a.html"), is_url("HTTP://x.org")
    (True, False, True)
    """
    return value.lower().startswith(("http://", "https://"))


def refused_address(address: str) -> str:
    """Why an IP address is off limits ("" when it is a public address).

    >>> refused_address("127.0.0.1"), refused_address("10.1.2.3"), refused_address("169.254.169.254")
    ('a loopback address', 'a private address', 'a link-local address (cloud metadata lives here)')
    >>> refused_address("93.184.216.34"), refused_address("::1"), refused_address("::ffff:192.168.0.1")
    ('', 'a loopback address', 'a private address')
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata lives here)"
    if ip.is_private:
        return "a private address"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "not a public address"
    return ""


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"The address {host} could not be found (DNS: {exc.strerror or exc}). Check the link.") from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def _checked_target(url: str, allow_private: bool) -> tuple[str, str]:
    """(URL to connect to, host name for Host/TLS): the first resolved address that may be used."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise FetchError(f"{url} is not an http(s) link; only web pages and feeds can be fetched.")
    host = parts.hostname
    if not host:
        raise FetchError(f"{url} has no host name.")
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    addresses = _resolve(host, port)
    if not allow_private:
        for address in addresses:
            reason = refused_address(address)
            if reason:
                raise FetchError(
                    f"Refused to fetch {url}: {host} is {reason} ({address}). Links must point to public web "
                    "sites; set QA_ALLOW_PRIVATE_URLS=true to allow addresses on this machine or network."
                )
    address = addresses[0]
    netloc_host = f"[{address}]" if ":" in address else address
    pinned = urlunsplit((parts.scheme, f"{netloc_host}:{port}", parts.path or "/", parts.query, ""))
    return pinned, host


def fetch(url: str, timeout_s: float = 20.0, max_bytes: int = 10 * 1024 * 1024, allow_private: bool = False) -> Fetched:
    """The body of `url` (a web page, feed or text) after at most a few checked redirects."""
    import httpx

    seen: list[str] = []
    current = url
    with httpx.Client(timeout=timeout_s, follow_redirects=False, headers={"User-Agent": USER_AGENT}) as client:
        for _ in range(_MAX_REDIRECTS + 1):
            if current in seen:
                raise FetchError(f"{url} redirects in a loop ({' -> '.join([*seen, current])}); it cannot be fetched.")
            seen.append(current)
            target, host = _checked_target(current, allow_private)
            parts = urlsplit(current)
            host_header = parts.netloc.rsplit("@", 1)[-1]
            try:
                with client.stream(
                    "GET",
                    target,
                    headers={"Host": host_header},
                    extensions={"sni_hostname": host} if parts.scheme.lower() == "https" else {},
                ) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        if not location:
                            raise FetchError(f"{current} answered {response.status_code} without saying where to go.")
                        current = urljoin(current, location)
                        continue
                    if response.status_code >= 400:
                        raise FetchError(
                            f"{current} answered {response.status_code} {response.reason_phrase}"
                            + (": the page does not exist or is not public." if response.status_code < 500
                               else ": the site has a problem; try again later.")
                        )
                    content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
                    kind = _kind_of(content_type, current)
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise FetchError(_too_large(current, max_bytes))
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > max_bytes:
                            raise FetchError(_too_large(current, max_bytes))
                    return Fetched(current, kind, bytes(body), content_type)
            except httpx.TimeoutException as exc:
                raise FetchError(f"{current} did not answer within {timeout_s:g} s (QA_FETCH_TIMEOUT_S); try again later.") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"{current} could not be fetched: {exc}.") from exc
    raise FetchError(f"{url} redirects more than {_MAX_REDIRECTS} times; it cannot be fetched.")


def _kind_of(content_type: str, url: str) -> str:
    if content_type in _PAGE_TYPES:
        return "page"
    if content_type in _FEED_TYPES or content_type.endswith(("+xml", "/xml")):
        return "feed"
    if content_type in _TEXT_TYPES:
        return "text"
    raise FetchError(
        f"{url} is not a web page or feed (it is {content_type or 'of no stated type'}). "
        "Download the file and ingest it from disk."
    )


def _too_large(url: str, max_bytes: int) -> str:
    return f"{url} is larger than {max_bytes / 1024 / 1024:g} MB (QA_FETCH_MAX_MB); it was not ingested."
