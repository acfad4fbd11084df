"""Turn files into stored source text (.txt, .md, .html, .pdf).

The stored text is what citations quote. Plain text and Markdown are stored
as written (decoded); HTML and PDF as their extracted text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qa.errors import IngestError

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str  # "" when the format has none; the caller falls back to the first line
    note: str = ""  # e.g. "decoded as cp1252"


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


def _html(raw: bytes, name: str) -> Extracted:
    # llama-index's HTMLTagReader keeps only one tag type (e.g. <section>) and
    # drops the page title; BeautifulSoup gives the whole readable body.
    from bs4 import BeautifulSoup

    text, note = decode(raw, name)
    soup = BeautifulSoup(text, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "nav", "footer", "header", "aside", "form", "template"]):
        tag.decompose()
    h1 = soup.find("h1")
    body = soup.body or soup
    lines = [line.strip() for line in body.get_text("\n").splitlines()]
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return Extracted(cleaned, title or (h1.get_text(" ", strip=True) if h1 else ""), note)


def _pdf(path: Path) -> Extracted:
    from llama_index.readers.file import PDFReader

    try:
        pages = PDFReader(return_full_document=False).load_data(path)
    except Exception as exc:  # pypdf raises many types for damaged files
        raise IngestError(f"{path} could not be read as PDF ({type(exc).__name__}: {exc}); skipped.") from exc
    text = "\n\n".join(p.text.strip() for p in pages if p.text and p.text.strip())
    if not text:
        raise IngestError(f"{path} has no extractable text (a scanned PDF needs OCR first); skipped.")
    title = ""
    try:
        from pypdf import PdfReader

        meta = PdfReader(str(path)).metadata
        title = (meta.title or "").strip() if meta else ""
    except Exception:
        title = ""
    return Extracted(text, title)


def extract(path: Path, raw: bytes) -> Extracted:
    """Extract the stored text of one file, or raise IngestError saying why not."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        text, note = decode(raw, str(path))
        title = _markdown_title(text) if suffix in {".md", ".markdown"} else ""
        return Extracted(text, title, note)
    if suffix in HTML_SUFFIXES:
        return _html(raw, str(path))
    if suffix in PDF_SUFFIXES:
        return _pdf(path)
    raise IngestError(f"{path} has an unsupported type '{suffix}' (supported: {', '.join(sorted(SUPPORTED))}); skipped.")
