"""Turn files into stored source text (.txt, .md, .html, .pdf; .docx, .epub when their readers are installed).

The stored text is what citations quote. Plain text and Markdown are stored
as written (decoded), with a title and a dateline date read from the text;
web pages as their main article text with title, author, site and date (see
`article`); PDF as its pages' text, page starts kept; other formats as the
text llama-index's file readers give.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qa.errors import IngestError
from qa.ingest import article

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
BUILT_IN = frozenset(TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES)

# Formats read by llama-index's file readers, each usable once the library it
# needs is installed (`pip install "qa[formats]"`): suffix -> (reader, modules).
OPTIONAL_READERS: dict[str, tuple[str, tuple[str, ...]]] = {
    ".docx": ("DocxReader", ("docx2txt",)),
    ".epub": ("EpubReader", ("ebooklib", "html2text")),
}
FORMATS_HINT = 'pip install "qa[formats]"'


@lru_cache(maxsize=1)
def supported_suffixes() -> frozenset[str]:
    """File types ingest reads here: the built-in ones plus optional ones whose readers are installed."""
    optional = {
        suffix
        for suffix, (_reader, modules) in OPTIONAL_READERS.items()
        if all(importlib.util.find_spec(m) is not None for m in modules)
    }
    return BUILT_IN | optional


def unsupported_reason(suffix: str) -> str:
    """Why a file type is not read, and what to install when a reader exists for it.

    >>> unsupported_reason(".exe")
    "unsupported type '.exe'"
    """
    suffix = suffix.lower()
    if suffix in OPTIONAL_READERS and suffix not in supported_suffixes():
        return f"unsupported type '{suffix}' (`{FORMATS_HINT}` adds a reader for it)"
    return f"unsupported type '{suffix or '(none)'}'"


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str  # "" when the format has none; the caller falls back to the first line
    note: str = ""  # e.g. "decoded as cp1252"
    published: str = ""  # YYYY-MM-DD, only when the page or text states it
    author: str = ""
    site: str = ""
    url: str = ""
    page_starts: tuple[int, ...] = ()  # PDF: where each page's text starts in `text`


def decode(raw: bytes, name: str) -> tuple[str, str]:
    """Decode bytes as UTF-8, falling back to cp1252 for legacy files; refuse binary.

    >>> decode("£5".encode("cp1252"), "x.txt")
    ('£5', 'not valid UTF-8; decoded as cp1252')
    """
    if b"\x00" in raw[:8192]:
        raise IngestError(f"{name} looks binary (it contains NUL bytes); skipped.")
    try:
        return raw.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "not valid UTF-8; decoded as cp1252"
    except UnicodeDecodeError as exc:
        raise IngestError(f"{name} is neither UTF-8 nor cp1252 text ({exc}); skipped.") from exc


def _markdown_title(text: str) -> str:
    m = re.search(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)
    return m.group(1).strip() if m else ""


def _html(raw: bytes, name: str, url: str = "") -> Extracted:
    text, note = decode(raw, name)
    found = article.html_article(text, url)
    if found is not None:
        body, meta = found
        return Extracted(body, meta.title, note, meta.published, meta.author, meta.site, meta.url)
    whole = _whole_page(text)
    note = "; ".join(filter(None, [note, "no main article text found; kept the page's whole readable text"]))
    return dataclasses.replace(whole, note=note, url=url)


def _whole_page(text: str) -> Extracted:
    # llama-index's HTMLTagReader keeps only one tag type (e.g. <section>) and
    # drops the page title; BeautifulSoup gives the whole readable body.
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "nav", "footer", "header", "aside", "form", "template"]):
        tag.decompose()
    h1 = soup.find("h1")
    body = soup.body or soup
    lines = [line.strip() for line in body.get_text("\n").splitlines()]
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return Extracted(cleaned, title or (h1.get_text(" ", strip=True) if h1 else ""))


def _pdf(path: Path) -> Extracted:
    from llama_index.readers.file import PDFReader

    try:
        pages = PDFReader(return_full_document=False).load_data(path)
    except Exception as exc:  # pypdf raises many types for damaged files
        raise IngestError(f"{path} could not be read as PDF ({type(exc).__name__}: {exc}); skipped.") from exc
    texts, page_starts, at = [], [], 0
    for page in pages:
        page_text = (page.text or "").strip()
        texts.append(page_text)
        page_starts.append(at)
        at += len(page_text) + 2
    text = "\n\n".join(texts)
    if not text.strip():
        raise IngestError(f"{path} has no extractable text (a scanned PDF needs OCR first); skipped.")
    title = ""
    try:
        from pypdf import PdfReader

        meta = PdfReader(str(path)).metadata
        title = (meta.title or "").strip() if meta else ""
    except Exception:
        title = ""
    return Extracted(text, title, page_starts=tuple(page_starts))


def _llama_index_reader(path: Path, reader_name: str) -> Extracted:
    import llama_index.readers.file as readers

    try:
        documents = getattr(readers, reader_name)().load_data(path)
    except Exception as exc:  # each reader's library raises its own types for damaged files
        raise IngestError(f"{path} could not be read ({type(exc).__name__}: {exc}); skipped.") from exc
    text = "\n\n".join(d.text.strip() for d in documents if d.text and d.text.strip())
    if not text:
        raise IngestError(f"{path} has no extractable text; skipped.")
    return Extracted(text, "")


def extract(path: Path, raw: bytes, url: str = "") -> Extracted:
    """Extract the stored text of one file, or raise IngestError saying why not.

    `url` is where the file was fetched from, for a page ingested from the web.
    """
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        text, note = decode(raw, str(path))
        title = _markdown_title(text) if suffix in {".md", ".markdown"} else ""
        return Extracted(text, title or article.text_title(text), note, published=article.dateline(text))
    if suffix in HTML_SUFFIXES:
        return _html(raw, str(path), url)
    if suffix in PDF_SUFFIXES:
        return _pdf(path)
    if suffix in OPTIONAL_READERS and suffix in supported_suffixes():
        return _llama_index_reader(path, OPTIONAL_READERS[suffix][0])
    raise IngestError(
        f"{path} has an {unsupported_reason(suffix)} (supported: {', '.join(sorted(supported_suffixes()))}); skipped."
    )
