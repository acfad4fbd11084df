"""RSS and Atom feeds: the entries to ingest, each with its link, title, date and own content.

feedparser parses bytes fetched under `web.fetch`'s limits (its own fetching
has none). An entry's page is ingested when it can be fetched; otherwise the
entry's own content (or summary) stands in for it.
"""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass

from qa.errors import IngestError


@dataclass(frozen=True)
class Entry:
    link: str
    title: str
    published: str  # YYYY-MM-DD or ""
    author: str
    content_html: str  # the entry's own content or summary, as HTML


@dataclass(frozen=True)
class Feed:
    title: str
    site: str
    entries: list[Entry]


def looks_like_feed(raw: bytes) -> bool:
    """True when bytes start like an RSS, RDF or Atom document.

    >>> looks_like_feed(b'<?xml version="1.0"?><rss version="2.0">'), looks_like_feed(b"<html><body>")
    (True, False)
    """
    head = raw[:2048].lstrip().lower()
    return head.startswith(b"<?xml") or head.startswith((b"<rss", b"<feed", b"<rdf")) and b"<html" not in head


def parse(raw: bytes, name: str) -> Feed:
    """The feed in `raw`, or IngestError when it is not one."""
    import feedparser

    parsed = feedparser.parse(raw)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise IngestError(f"{name} is not an RSS or Atom feed{f' ({problem})' if problem else ''}; nothing ingested.")
    info = parsed.get("feed", {})
    entries = []
    for item in parsed.entries:
        content = ""
        if item.get("content"):
            content = "\n".join(c.get("value", "") for c in item["content"])
        content = content or item.get("summary", "")
        entries.append(
            Entry(
                link=item.get("link", ""),
                title=html.unescape(item.get("title", "")).strip(),
                published=_date(item.get("published_parsed") or item.get("updated_parsed")),
                author=item.get("author", "").strip(),
                content_html=content,
            )
        )
    return Feed(info.get("title", "").strip(), info.get("title", "").strip(), entries)


def _date(parsed) -> str:
    if not parsed:
        return ""
    try:
        return datetime.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday).isoformat()
    except (AttributeError, ValueError):
        return ""


def entry_page(entry: Entry, feed: Feed) -> bytes:
    """A small HTML page holding an entry's own content, for when its link cannot be fetched.

    The title, date and author are carried in meta tags the page reader reads.
    """
    meta = [
        f'<meta property="og:title" content="{html.escape(entry.title)}">',
        f'<meta property="article:published_time" content="{entry.published}">' if entry.published else "",
        f'<meta name="author" content="{html.escape(entry.author)}">' if entry.author else "",
        f'<meta property="og:site_name" content="{html.escape(feed.site)}">' if feed.site else "",
    ]
    return (
        "<!doctype html><html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(entry.title)}</title>{''.join(meta)}</head>"
        f"<body><article><h1>{html.escape(entry.title)}</h1>{entry.content_html}</article></body></html>"
    ).encode("utf-8")
