"""Chroma storage for passages and the full source texts they quote.

Three collections:
- `<name>_passages`: one record per passage (embedding, text, span, sentences);
- `<name>_sentences`: one vector per sentence of each passage (id
  `<passage_id>#<i>`), computed at ingest so a question embeds only itself;
- `<name>_documents`: one record per document whose `document` is the full
  stored source text, so a citation resolves to `text[start:end]` even when a
  team shares a Chroma server and nobody has the original files.

Embedded (`PersistentClient` in index_dir) by default; `chroma_url` switches to
a server. Every record carries the index version and embedding model name.
Opening an index built with another embedding model, or by a version of qa
that stores things differently (`INDEX_VERSION`), is refused with a message
saying how to rebuild it. Opening a folder that holds no index never creates one
unless asked to (`create=True`, for ingestion).

A folder whose files cannot be read as an index (a damaged or truncated
`chroma.sqlite3`, another program's database, damaged vector files) is refused
with IndexDamaged, which says how to rebuild; Chroma's own errors never reach
the user as a traceback.

Embedded Chroma keeps each collection's vector index in the memory of the
process that opened it, and writes that copy back on the next write. A
process that opened the folder before another one wrote to it would so write
back a copy without the other's vectors. All Stores of one folder in a process
therefore share one client (`_Folder`), which is reloaded from disk before a
write when another process may have written since (`Store.writing`), and when
a reader sees a revision it did not make (`Store.revision`). Writers take
turns through `qa.index_lock`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import shutil
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlparse

import numpy as np

from qa.documents import Document, Passage
from qa.errors import IndexDamaged, IndexNotBuilt, IndexVersionMismatch, QAError, StoreUnavailable

log = logging.getLogger(__name__)

INDEX_VERSION = 3  # 2: sentence vectors stored at ingest; 3: article metadata (date, author, site, url, page)
_BATCH = 1000
_DIMENSIONS = 384  # all-MiniLM-L6-v2
_CHROMA_FILE = "chroma.sqlite3"
REBUILD_HINT = "Rebuild it with `qa ingest --rebuild` (it re-reads the files the index was built from)."
DAMAGED_HINT = (
    "Rebuild it with `qa ingest --rebuild FOLDER`, naming the folders of articles it was built from "
    "(its files are moved aside into a damaged-* folder, not deleted)."
)
_CHROMA_TABLES = {"collections", "segments", "embeddings"}  # what every Chroma database has
_SEGMENT_NAME_LENGTH = 36  # Chroma keeps each collection's vector files in a folder named by a UUID


def index_exists(index_dir: Path, chroma_url: str | None = None) -> bool:
    """True when there is an index to open: a Chroma server, or a folder holding an embedded store."""
    return bool(chroma_url) or (Path(index_dir) / _CHROMA_FILE).is_file()


def check_index_files(index_dir: Path) -> None:
    """Raise IndexDamaged when the folder's chroma.sqlite3 cannot hold an index: damaged, or another program's.

    Only reads (a read-only SQLite connection), so checking never changes a
    folder. An absent or empty file passes: Chroma starts a new index there.
    """
    path = Path(index_dir) / _CHROMA_FILE
    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        # Only damage is reported here; a busy file, or a journal left by a killed writer, Chroma deals with itself.
        if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF not in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            return
        raise IndexDamaged(f"The index at {index_dir} is damaged: {path.name} cannot be read ({exc}). {DAMAGED_HINT}") from None
    if tables and not _CHROMA_TABLES <= tables:
        raise IndexDamaged(
            f"The folder {index_dir} does not hold a qa index: its {path.name} is another program's database. "
            "Set QA_INDEX_DIR to a folder of its own, or build the index here with `qa ingest --rebuild FOLDER` "
            "(that database is moved aside into a damaged-* folder, not deleted)."
        )


def set_aside(index_dir: Path) -> Path | None:
    """Move a damaged embedded index's files into `<index_dir>/damaged-<time>/`; return that folder (None: nothing to move).

    Chroma's files (chroma.sqlite3, its journal, the vector folders) and the
    BM25 cache go; uploads and saved web pages stay, to be ingested again.
    """
    index_dir = Path(index_dir)
    if not index_dir.is_dir():
        return None
    moving = [
        p
        for p in index_dir.iterdir()
        if p.name.startswith(_CHROMA_FILE)
        or p.name == "lexical"
        or (p.is_dir() and len(p.name) == _SEGMENT_NAME_LENGTH and p.name.count("-") == 4)
    ]
    if not moving:
        return None
    target = index_dir / time.strftime("damaged-%Y%m%d-%H%M%S")
    target.mkdir()
    for p in moving:
        shutil.move(str(p), str(target / p.name))
    folder = _Folder.opened(index_dir)
    if folder is not None:  # its client still reads the moved files
        folder.reload()
    return target


def is_open(index_dir: Path) -> bool:
    """True when this process already has the embedded index in `index_dir` open."""
    return _Folder.opened(index_dir) is not None


def _client(index_dir: Path, chroma_url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if chroma_url:
            url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        check_index_files(index_dir)
        index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(index_dir), settings=chroma_settings)
    except QAError:
        raise
    except Exception as exc:  # chromadb raises plain Exceptions for connection problems
        where = chroma_url or str(index_dir)
        if not chroma_url and _is_chroma_internal(exc):
            raise IndexDamaged(f"The index at {where} is damaged: {exc}. {DAMAGED_HINT}") from exc
        raise StoreUnavailable(
            f"Could not open the Chroma store at {where}: {exc}. "
            + ("Is the server running (`chroma run --path DIR`)?" if chroma_url else "Is the folder writable?")
        ) from exc


def _is_chroma_internal(exc: Exception) -> bool:
    """True for Chroma's InternalError: what its storage layer raises for files it cannot read."""
    return type(exc).__name__ == "InternalError" and type(exc).__module__.startswith("chromadb")


class _Folder:
    """This process's one Chroma client for an embedded index folder, shared by every Store on it.

    `lock` is held while this process writes to the folder; `generation`
    changes with each reload or drop, so each Store can tell that its
    collections are out of date; `known` is the revision this client has
    caught up with.
    """

    _open: dict[str, _Folder] = {}
    _opening = threading.Lock()

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.client = _client(index_dir, None)
        self.lock = threading.RLock()
        self.generation = 0
        self.known: tuple[int, str] | None = None
        self.writers = 0  # nested write turns of the thread holding `lock`

    @classmethod
    def of(cls, index_dir: Path) -> _Folder:
        with cls._opening:
            key = str(Path(index_dir).resolve())
            if key not in cls._open:
                cls._open[key] = cls(Path(index_dir))
            return cls._open[key]

    @classmethod
    def opened(cls, index_dir: Path) -> _Folder | None:
        return cls._open.get(str(Path(index_dir).resolve()))

    def reload(self) -> None:
        """Open the folder afresh, so its vector indexes are read again from disk.

        Chroma shares one client per folder within a process; its cache is
        cleared so that a new client loads the files. Stores still holding the
        old client finish what they are doing with it and then follow.
        """
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        self.client = _client(self.index_dir, None)
        self.generation += 1


def _translated(method):
    """Run a Store method on the folder's current client; Chroma's own errors become QAErrors that say what to do.

    An embedded client that fails to find a record may only be out of date
    (another process changed the folder since it loaded it): it is reloaded
    and the call tried once more before the index is called damaged.
    """

    @functools.wraps(method)
    def run(self: Store, *args, **kwargs):
        try:
            self._follow()
            return method(self, *args, **kwargs)
        except Exception as exc:
            if not (_is_chroma_internal(exc) and self._reload_if_idle()):
                self._reraise(exc)
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            self._reraise(exc)

    return run


class Store:
    """Read and write passages and documents in Chroma."""

    def __init__(
        self,
        index_dir: Path,
        collection: str,
        embedding_model: str,
        chroma_url: str | None = None,
        *,
        create: bool = True,
        check_version: bool = True,
    ):
        self.where = chroma_url or str(index_dir)
        self.index_dir = None if chroma_url else Path(index_dir)  # None: a Chroma server
        self.embedding_model = embedding_model
        self.collection = collection
        if not create and not index_exists(index_dir, chroma_url):
            raise IndexNotBuilt(
                f"There is no index at {self.where} yet. Run `qa ingest FOLDER` with your articles "
                "(or set QA_INDEX_DIR to an index you built)."
            )
        self._folder = None if chroma_url else _Folder.of(Path(index_dir))
        self._client = self._folder.client if self._folder else _client(Path(index_dir), chroma_url)
        self._generation = self._folder.generation if self._folder else 0
        self._open(check_version)
        if self._folder is not None and self._folder.known is None:
            with contextlib.suppress(Exception):  # a damaged index, opened only to be rebuilt, has none to know
                self._folder.known = self._current_revision()

    def _collections(self) -> None:
        meta = {"index_version": INDEX_VERSION, "embedding_model": self.embedding_model}
        self._passages, self._documents, self._sentences = (
            self._client.get_or_create_collection(
                f"{self.collection}_{kind}",
                metadata=meta,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            for kind in ("passages", "documents", "sentences")
        )

    def _open(self, check_version: bool) -> None:
        embedding_model = self.embedding_model
        try:
            self._collections()
        except Exception as exc:
            self._reraise(exc, f"Could not open the Chroma collections at {self.where}")
        built_with = (self._passages.metadata or {}).get("embedding_model")
        if check_version and built_with and built_with != embedding_model:
            raise IndexVersionMismatch(
                f"The index at {self.where} was built with the embedding model '{built_with}', "
                f"not '{embedding_model}'. {REBUILD_HINT}"
            )
        version = self.version()
        if check_version and version != INDEX_VERSION:
            raise IndexVersionMismatch(
                f"The index at {self.where} has index version {version}; this version of qa reads "
                f"version {INDEX_VERSION}. {REBUILD_HINT}"
            )
        if check_version:
            try:  # reading every collection once loads its vector files: damage shows here, not mid-answer
                for collection in (self._passages, self._documents, self._sentences):
                    collection.count()
            except Exception as exc:
                self._reraise(exc)

    def _follow(self) -> None:
        """Use the folder's current client when another Store of this process reloaded it."""
        folder = self._folder
        if folder is not None and folder.generation != self._generation:
            self._client, self._generation = folder.client, folder.generation
            self._collections()

    def _reraise(self, exc: Exception, doing: str | None = None) -> NoReturn:
        """Raise a failure of Chroma (or of the connection to its server) as the QAError that says what to do.

        Anything else, a QAError or a bug, is raised as it is.
        """
        if isinstance(exc, QAError) or not (type(exc).__module__.startswith(("chromadb", "httpx")) or isinstance(exc, OSError)):
            raise exc
        if self.index_dir is None:
            raise StoreUnavailable(
                f"{doing or f'The Chroma server at {self.where} failed'}: {exc}. Is the server running (`chroma run --path DIR`)?"
            ) from exc
        if _is_chroma_internal(exc):
            raise IndexDamaged(f"The index at {self.where} is damaged: {exc}. {DAMAGED_HINT}") from exc
        raise StoreUnavailable(
            f"{doing or f'The index at {self.where} could not be read'}: {exc}. "
            "If another process is rebuilding it, try again when that has finished."
        ) from exc

    @contextlib.contextmanager
    def writing(self, others_wrote: bool = True) -> Iterator[None]:
        """This process's turn to write to the folder; first reload it when another process may have written since.

        `others_wrote` comes from the writers' lock (`qa.index_lock`): another
        process held it since this one last did. Turns nest: only the
        outermost one reloads. With a Chroma server there is nothing to reload.
        """
        folder = self._folder
        if folder is None:
            yield
            return
        with folder.lock:
            if folder.writers == 0 and others_wrote:
                folder.reload()
            folder.writers += 1
            try:
                self._follow()
                yield
            finally:
                folder.writers -= 1
                if folder.writers == 0:
                    with contextlib.suppress(Exception):  # the write's own error is the one to report
                        folder.known = self._current_revision()

    def version(self) -> int | None:
        """The INDEX_VERSION the stored collections were built with (None if unrecorded)."""
        value = (self._passages.metadata or {}).get("index_version")
        return int(value) if value is not None else None

    @_translated
    def drop(self) -> None:
        """Delete everything stored and start again empty, at this version of qa."""
        for name in (self._passages.name, self._documents.name, self._sentences.name):
            try:
                self._client.delete_collection(name)
            except Exception as exc:  # chromadb raises plain Exceptions for a missing collection
                log.debug("Could not delete collection %s: %s", name, exc)
        self._open(check_version=True)
        if self._folder is not None:  # other Stores of this folder fetch the new collections too
            self._folder.generation += 1
            self._generation = self._folder.generation

    # Reading ------------------------------------------------------------------

    @_translated
    def count(self) -> int:
        return self._passages.count()

    @_translated
    def revision(self) -> tuple[int, str]:
        """Changes whenever documents are added, replaced or removed, by this client or another.

        Read from the collections' metadata (small requests), not from every
        document, because it is asked before each question. A revision that
        another process made, seen while this one is not writing, reloads the
        folder, so the vectors it added are searched too.
        """
        current = self._current_revision()
        if self._folder is not None and current != self._folder.known and self._reload_if_idle():
            self._folder.known = current
        return current

    def _reload_if_idle(self) -> bool:
        """Reload the folder unless this process is writing to it (then its client is the current one); True if done."""
        folder = self._folder
        if folder is None or not folder.lock.acquire(blocking=False):
            return False
        try:
            if folder.writers:
                return False
            folder.reload()
            self._follow()
            return True
        finally:
            folder.lock.release()

    def _current_revision(self) -> tuple[int, str]:
        # By name: after another process rebuilt the index, the collections are new ones.
        passages = self._client.get_collection(self._passages.name)
        metadata = self._client.get_collection(self._documents.name).metadata or {}
        return (passages.count(), str(metadata.get("revision", "")))

    def _touch(self) -> None:
        """Record that the stored documents changed."""
        metadata = {k: v for k, v in (self._documents.metadata or {}).items() if not k.startswith("hnsw:")}
        self._documents.modify(metadata={**metadata, "revision": str(time.time_ns())})

    def require_built(self) -> None:
        if self.count() == 0:
            raise IndexNotBuilt(
                f"The index at {self.where} is empty. Run `qa ingest [FOLDER]` to add articles."
            )

    def size_bytes(self) -> int | None:
        """Bytes the embedded index takes on disk (None for a server)."""
        if self.index_dir is None or not self.index_dir.is_dir():
            return None
        return sum(p.stat().st_size for p in self.index_dir.rglob("*") if p.is_file())

    @_translated
    def documents(self) -> list[Document]:
        got = self._documents.get(include=["metadatas"])
        docs = [_document(i, m) for i, m in zip(got["ids"], got["metadatas"] or [])]
        return sorted(docs, key=lambda d: d.source)

    @_translated
    def document(self, doc_id: str) -> Document | None:
        got = self._documents.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return _document(got["ids"][0], got["metadatas"][0], got["documents"][0])

    @_translated
    def texts(self, doc_ids: list[str]) -> dict[str, str]:
        """Full source texts of the given documents."""
        if not doc_ids:
            return {}
        got = self._documents.get(ids=sorted(set(doc_ids)), include=["documents"])
        return dict(zip(got["ids"], got["documents"]))

    @_translated
    def all_passages(self) -> list[Passage]:
        """Every passage, for building the lexical index."""
        out: list[Passage] = []
        offset = 0
        while True:
            got = self._passages.get(include=["metadatas", "documents"], limit=5000, offset=offset)
            out.extend(_passage(i, m, d) for i, m, d in zip(got["ids"], got["metadatas"], got["documents"]))
            if len(got["ids"]) < 5000:
                return out
            offset += 5000

    @_translated
    def passages_by_id(self, ids: list[str]) -> list[Passage]:
        """The stored passages with these ids, in the order asked (missing ones left out)."""
        if not ids:
            return []
        got = self._passages.get(ids=list(ids), include=["metadatas", "documents"])
        found = {i: _passage(i, m, d) for i, m, d in zip(got["ids"], got["metadatas"], got["documents"])}
        return [found[i] for i in ids if i in found]

    @_translated
    def search(self, vector: np.ndarray, k: int, doc_ids: Collection[str] | None = None) -> list[tuple[Passage, float]]:
        """Nearest passages by cosine similarity, best first; with `doc_ids`, only passages of those documents."""
        n = min(k, self.count())
        if n == 0 or (doc_ids is not None and not doc_ids):
            return []
        where = {"doc_id": {"$in": sorted(doc_ids)}} if doc_ids is not None else None
        got = self._passages.query(
            query_embeddings=[vector.tolist()],
            n_results=n,
            where=where,
            include=["metadatas", "documents", "distances"],
        )
        return [
            (_passage(i, m, d), 1.0 - dist)
            for i, m, d, dist in zip(got["ids"][0], got["metadatas"][0], got["documents"][0], got["distances"][0])
        ]

    @_translated
    def sentence_vectors(self, passages: list[Passage]) -> dict[str, np.ndarray]:
        """{passage_id: one row per sentence} of the vectors stored at ingest; one request."""
        ids = [f"{p.passage_id}#{i}" for p in passages for i in range(len(p.sentences))]
        if not ids:
            return {}
        got = self._sentences.get(ids=ids, include=["embeddings"])
        found = dict(zip(got["ids"], got["embeddings"]))
        out = {}
        for p in passages:
            rows = [found.get(f"{p.passage_id}#{i}") for i in range(len(p.sentences))]
            if rows and all(r is not None for r in rows):
                out[p.passage_id] = np.asarray(rows, dtype=np.float32)
        return out

    # Writing ------------------------------------------------------------------

    @_translated
    def put_documents(
        self, items: list[tuple[Document, list[Passage], np.ndarray, np.ndarray]], sketches: dict[str, str] | None = None
    ) -> None:
        """Replace everything stored for each document: (doc, passages, passage vectors, sentence vectors).

        The sentence vectors are one row per sentence of the passages, in
        order. A duplicate (`doc.duplicate_of`) comes with no passages: only
        its record and text are kept. `sketches` holds each document's
        duplicate-detection sketch. All documents go in a few large writes and
        one revision change, not several requests each. The document records
        go last: a write that is interrupted leaves a document without its
        record, which the next ingest reads again and replaces whole.
        """
        if not items:
            return
        # Whether or not a record says so: a write killed before its document record leaves passages behind.
        self._delete([doc.doc_id for doc, *_ in items])
        now = time.time()
        passages = [p for _, ps, _, _ in items for p in ps]
        passage_vectors = np.concatenate([np.reshape(v, (-1, _DIMENSIONS)) for _, _, v, _ in items])
        sentence_ids = [f"{p.passage_id}#{i}" for p in passages for i in range(len(p.sentences))]
        sentence_meta = [{"doc_id": p.doc_id} for p in passages for _ in p.sentences]
        sentence_vectors = np.concatenate([np.reshape(v, (-1, _DIMENSIONS)) for _, _, _, v in items])
        for i in range(0, len(passages), _BATCH):
            self._passages.add(
                ids=[p.passage_id for p in passages[i : i + _BATCH]],
                embeddings=passage_vectors[i : i + _BATCH],
                documents=[p.text for p in passages[i : i + _BATCH]],
                metadatas=[_passage_meta(p) for p in passages[i : i + _BATCH]],
            )
        for i in range(0, len(sentence_ids), _BATCH):
            self._sentences.add(
                ids=sentence_ids[i : i + _BATCH],
                embeddings=sentence_vectors[i : i + _BATCH],
                metadatas=sentence_meta[i : i + _BATCH],
            )
        means = []
        for _, _, vectors, _ in items:
            mean = vectors.mean(axis=0) if len(vectors) else np.ones(_DIMENSIONS, dtype=np.float32)
            means.append((mean / (np.linalg.norm(mean) or 1.0)).tolist())
        self._documents.add(
            ids=[doc.doc_id for doc, *_ in items],
            embeddings=means,
            documents=[doc.text for doc, *_ in items],
            metadatas=[
                {
                    "path": doc.path,
                    "source": doc.source,
                    "title": doc.title,
                    "sha256": doc.sha256,
                    "passages": len(ps),
                    "ingested_at": now,
                    "index_version": INDEX_VERSION,
                    "duplicate_of": doc.duplicate_of,
                    "sketch": (sketches or {}).get(doc.doc_id, ""),
                    "planted": doc.planted,
                    **_origin_meta(doc),
                }
                for doc, ps, _, _ in items
            ],
        )
        self._touch()

    @_translated
    def mark_duplicates(self, canonical: dict[str, str]) -> None:
        """Make each stored document of {doc_id: canonical doc_id} a duplicate: its passages and vectors go,
        its record and text stay, pointing at the copy that now answers for it."""
        if not canonical:
            return
        ids = sorted(canonical)
        where = {"doc_id": ids[0]} if len(ids) == 1 else {"doc_id": {"$in": ids}}
        self._passages.delete(where=where)
        self._sentences.delete(where=where)
        got = self._documents.get(ids=ids, include=["metadatas"])
        metas = [{**m, "duplicate_of": canonical[i], "passages": 0} for i, m in zip(got["ids"], got["metadatas"])]
        if got["ids"]:
            self._documents.update(ids=got["ids"], metadatas=metas)
        self._touch()

    @_translated
    def sketches(self) -> dict[str, str]:
        """{doc_id: duplicate-detection sketch} of every stored document that answers for itself."""
        got = self._documents.get(include=["metadatas"])
        return {
            i: m.get("sketch", "")
            for i, m in zip(got["ids"], got["metadatas"] or [])
            if not m.get("duplicate_of") and m.get("sketch")
        }

    @_translated
    def delete_document(self, doc_id: str) -> None:
        self._delete([doc_id])
        self._touch()

    def _delete(self, doc_ids: list[str]) -> None:
        where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": doc_ids}}
        self._passages.delete(where=where)
        self._sentences.delete(where=where)
        self._documents.delete(ids=doc_ids)


def _document(doc_id: str, meta: dict, text: str = "") -> Document:
    return Document(
        doc_id=doc_id,
        path=meta["path"],
        source=meta["source"],
        title=meta.get("title", ""),
        sha256=meta["sha256"],
        passages=int(meta.get("passages", 0)),
        text=text or "",
        ingested_at=meta.get("ingested_at"),
        duplicate_of=meta.get("duplicate_of", ""),
        planted=int(meta.get("planted", 0)),
        **_origin(meta),
    )


_ORIGIN = ("published", "author", "site", "url")


def _origin_meta(record: Document | Passage) -> dict:
    """The article's own metadata as Chroma stores it ("" for unknown: Chroma keeps no None)."""
    return {key: getattr(record, key) or "" for key in _ORIGIN}


def _origin(meta: dict) -> dict:
    return {key: meta.get(key) or None for key in _ORIGIN}


def _passage_meta(p: Passage) -> dict:
    return {
        "doc_id": p.doc_id,
        "source": p.source,
        "title": p.title,
        "start": p.start,
        "end": p.end,
        "sentences": json.dumps([[s - p.start, e - p.start] for s, e in p.sentences]),
        "index_version": INDEX_VERSION,
        "page": p.page or 0,
        **_origin_meta(p),
    }


def _passage(passage_id: str, meta: dict, text: str) -> Passage:
    start = int(meta["start"])
    relative = json.loads(meta["sentences"])
    return Passage(
        passage_id=passage_id,
        doc_id=meta["doc_id"],
        source=meta["source"],
        title=meta.get("title", ""),
        start=start,
        end=int(meta["end"]),
        text=text,
        sentences=tuple((start + s, start + e) for s, e in relative),
        page=int(meta.get("page") or 0) or None,
        **_origin(meta),
    )
