"""Links and feeds to files: each fetched page is saved beside the index, then ingested like any file.

Saving first means nothing fetched is lost and a page's identity is stable:
the same URL always lands in the same file, so ingesting it again replaces
the document when the page changed and skips it when it did not. A feed's
entries are fetched one by one (at most `max_items`); an entry whose page
cannot be fetched is kept from the feed's own content, with a note.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from qa.ingest import feeds, web
from qa.settings import Settings

Progress = Callable[[int, int, str], None]


@dataclass
class Downloaded:
    paths: list[Path] = field(default_factory=list)
    origins: dict[str, dict] = field(default_factory=dict)  # resolved path -> url, title, published, ...
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    notes: list[str] = field(default_factory=list)


def web_dir(settings: Settings) -> Path:
    """Where fetched pages are kept: beside the index they were added to."""
    return Path(settings.index_dir) / "web"


def saved_path(settings: Settings, url: str, suffix: str) -> Path:
    """The file a URL is saved to: its host and a hash of the whole URL.

    >>> saved_path(Settings(index_dir="/i"), "https://www.bbc.co.uk/news/x?a=1", ".html").name
    'www.bbc.co.uk_92753b1c980f.html'
    """
    host = re.sub(r"[^A-Za-z0-9.-]", "_", urlsplit(url).hostname or "page")[:60]
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]
    return web_dir(settings) / f"{host}_{digest}{suffix}"


def download(settings: Settings, url: str, max_items: int | None = None, progress: Progress | None = None) -> Downloaded:
    """Fetch `url` (a page or a feed) or read a local feed file, and save what it holds."""
    out = Downloaded()
    fetched = _fetch(settings, url)
    if fetched.kind == "feed" or (fetched.kind == "text" and feeds.looks_like_feed(fetched.body)):
        _from_feed(settings, feeds.parse(fetched.body, url), max_items, progress, out)
    else:
        _save(settings, fetched, {"url": fetched.url}, out)
    return out


def download_feed_file(settings: Settings, path: Path, max_items: int | None = None, progress: Progress | None = None) -> Downloaded:
    """The entries of a feed saved on disk, fetched and saved like a feed at a URL."""
    out = Downloaded()
    _from_feed(settings, feeds.parse(path.read_bytes(), str(path)), max_items, progress, out)
    return out


def _fetch(settings: Settings, url: str) -> web.Fetched:
    return web.fetch(
        url,
        timeout_s=settings.fetch_timeout_s,
        max_bytes=int(settings.fetch_max_mb * 1024 * 1024),
        allow_private=settings.allow_private_urls,
    )


def _save(settings: Settings, fetched: web.Fetched, origin: dict, out: Downloaded, key: str = "") -> None:
    path = saved_path(settings, key or origin["url"], ".txt" if fetched.kind == "text" else ".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(fetched.body)
    out.paths.append(path)
    out.origins[str(path.resolve())] = origin


def _from_feed(settings: Settings, feed: feeds.Feed, max_items: int | None, progress: Progress | None, out: Downloaded) -> None:
    entries = [e for e in feed.entries if e.link or e.content_html][: max_items or settings.feed_max_items]
    if len(feed.entries) > len(entries):
        out.notes.append(f"The feed has {len(feed.entries)} entries; the first {len(entries)} were read (--max-items).")
    for done, entry in enumerate(entries):
        if progress:
            progress(done, len(entries), entry.link or entry.title)
        origin = {
            "url": entry.link,
            "title": entry.title,
            "published": entry.published,
            "author": entry.author,
            "site": feed.site,
        }
        origin = {k: v for k, v in origin.items() if v}
        try:
            if not entry.link:
                raise web.FetchError("the entry has no link")
            fetched = _fetch(settings, entry.link)
            if fetched.kind == "feed":
                raise web.FetchError(f"{entry.link} is a feed, not an article")
            _save(settings, fetched, {**origin, "url": fetched.url}, out)
        except web.FetchError as exc:
            if not entry.content_html.strip():
                out.skipped.append((entry.link or entry.title, str(exc)))
                continue
            out.notes.append(f"{entry.link or entry.title}: kept the feed's own text ({exc})")
            page = web.Fetched(entry.link, "page", feeds.entry_page(entry, feed), "text/html")
            _save(settings, page, origin, out, key=entry.link or f"{feed.title}#{entry.title}")
    if progress:
        progress(len(entries), len(entries), "")
