"""Which files an ingest reads, and how a file is named and identified in the index.

A document's identity is its resolved path (file names repeat across folders:
`business/001.txt`, `sport/001.txt`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from qa.ingest.readers import supported_suffixes, unsupported_reason


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Supported files under `paths` (sorted), and paths skipped with a reason."""
    supported = supported_suffixes()
    found: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for root in paths:
        if root.is_file():
            if root.suffix.lower() in supported:
                found.append(root)
            else:
                skipped.append((str(root), unsupported_reason(root.suffix)))
        elif root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    path = Path(dirpath) / name
                    if name.startswith("."):
                        continue
                    if path.suffix.lower() in supported:
                        found.append(path)
                    else:
                        skipped.append((str(path), unsupported_reason(path.suffix)))
        else:
            skipped.append((str(root), "no such file or folder"))
    return sorted(set(found)), skipped


def display_source(path: Path) -> str:
    """Path shown in citations: relative to the working folder when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def doc_id_for(path: Path) -> str:
    return hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:16]
