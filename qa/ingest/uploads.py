"""Uploaded files and re-indexing: where uploads go, under which names, and what a re-index reads.

Uploads are copied into `<index_dir>/uploads/` under sanitized names. A name
never escapes that folder, never overwrites a different file (a clash gets a
`-2`, `-3`, ... suffix), and uploading the same bytes again reuses the file, so
ingestion sees it as unchanged rather than as a duplicate.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from qa.documents import Document
from qa.errors import IngestError
from qa.ingest.readers import supported_suffixes, unsupported_reason
from qa.settings import Settings

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 80


def uploads_dir(settings: Settings) -> Path:
    """Where uploaded files are kept: beside the index they were added to."""
    return Path(settings.index_dir) / "uploads"


def safe_filename(name: str) -> str:
    """A plain file name with no folders, no leading dots and only [A-Za-z0-9._-].

    >>> safe_filename("../../etc/passwd.txt")
    'passwd.txt'
    >>> safe_filename("C:\\\\Users\\\\me\\\\Été 2015 report.PDF")
    'Ete_2015_report.pdf'
    >>> safe_filename("..."), safe_filename(".hidden.md")
    ('upload', 'hidden.md')
    """
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    stem = _UNSAFE.sub("_", stem).strip("._-")[:_MAX_STEM] or "upload"
    suffix = _UNSAFE.sub("", suffix).lower()
    return f"{stem}.{suffix}" if suffix else stem


def save_upload(src: Path, name: str, folder: Path, max_mb: float) -> Path:
    """Copy an uploaded file into `folder` under a safe, unused name; return where it went.

    Raises IngestError, naming the file, when its type is unsupported or it is
    over `max_mb`.
    """
    target_name = safe_filename(name)
    suffix = Path(target_name).suffix
    if suffix not in supported_suffixes():
        raise IngestError(
            f"{name} has an {unsupported_reason(suffix)} "
            f"(supported: {', '.join(sorted(supported_suffixes()))}); skipped."
        )
    size = src.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise IngestError(f"{name} is {size / 1e6:.1f} MB, over the {max_mb:g} MB limit (QA_MAX_FILE_MB); skipped.")
    folder.mkdir(parents=True, exist_ok=True)
    data = src.read_bytes()
    stem = Path(target_name).stem
    for i in range(1, 1000):
        target = folder / (target_name if i == 1 else f"{stem}-{i}{suffix}")
        try:
            with open(target, "xb") as out:  # "x": never replace a file that appeared meanwhile
                out.write(data)
            return target
        except FileExistsError:
            if target.read_bytes() == data:
                return target
    raise IngestError(f"{folder} already holds 999 files named like {target_name}; rename the file and try again.")


def remove_upload(doc: Document, settings: Settings) -> bool:
    """Delete the uploaded file behind `doc` (only inside the uploads folder); True if it did."""
    folder = uploads_dir(settings).resolve()
    path = Path(doc.path)
    if folder not in path.parents:
        return False
    path.unlink(missing_ok=True)
    return True


def reindex_paths(settings: Settings, documents: list[Document]) -> list[Path]:
    """What a full re-index reads: seeds_dir, the uploads folder and every other stored file that still exists.

    Folders are re-read whole (new files are added, vanished ones removed);
    single files ingested from elsewhere are re-read on their own, so a
    re-index never pulls in their neighbours.
    """
    folders = [Path(p) for p in (settings.seeds_dir, uploads_dir(settings)) if p is not None and Path(p).is_dir()]
    roots = [f.resolve() for f in folders]
    files = []
    for doc in documents:
        path = Path(doc.path)
        if path.is_file() and not any(r in path.parents for r in roots):
            files.append(path)
    return folders + sorted(set(files))
