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
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Collection
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from qa.documents import Document, Passage
from qa.errors import IndexNotBuilt, IndexVersionMismatch, StoreUnavailable

log = logging.getLogger(__name__)

INDEX_VERSION = 3  # 2: sentence vectors stored at ingest; 3: article metadata (date, author, site, url, page)
_BATCH = 1000
_DIMENSIONS = 384  # all-MiniLM-L6-v2
_CHROMA_FILE = "chroma.sqlite3"
REBUILD_HINT = "Rebuild it with `qa ingest --rebuild` (it re-reads the files the index was built from)."


def index_exists(index_dir: Path, chroma_url: str | None = None) -> bool:
    """True when there is an index to open: a Chroma server, or a folder holding an embedded store."""
    return bool(chroma_url) or (Path(index_dir) / _CHROMA_FILE).is_file()


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
        index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(index_dir), settings=chroma_settings)
    except Exception as exc:  # chromadb raises plain Exceptions for connection problems
        where = chroma_url or str(index_dir)
        raise StoreUnavailable(
            f"Could not open the Chroma store at {where}: {exc}. "
            + ("Is the server running (`chroma run --path DIR`)?" if chroma_url else "Is the folder writable?")
        ) from exc


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
        self._client = _client(Path(index_dir), chroma_url)
        self._open(check_version)

    def _open(self, check_version: bool) -> None:
        collection, embedding_model = self.collection, self.embedding_model
        meta = {"index_version": INDEX_VERSION, "embedding_model": embedding_model}
        try:
            self._passages = self._client.get_or_create_collection(
                f"{collection}_passages",
                metadata=meta,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            self._documents = self._client.get_or_create_collection(
                f"{collection}_documents",
                metadata=meta,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            self._sentences = self._client.get_or_create_collection(
                f"{collection}_sentences",
                metadata=meta,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        except Exception as exc:
            raise StoreUnavailable(f"Could not open the Chroma collections at {self.where}: {exc}") from exc
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

    def version(self) -> int | None:
        """The INDEX_VERSION the stored collections were built with (None if unrecorded)."""
        value = (self._passages.metadata or {}).get("index_version")
        return int(value) if value is not None else None

    def drop(self) -> None:
        """Delete everything stored and start again empty, at this version of qa."""
        for name in (self._passages.name, self._documents.name, self._sentences.name):
            try:
                self._client.delete_collection(name)
            except Exception as exc:  # chromadb raises plain Exceptions for a missing collection
                log.debug("Could not delete collection %s: %s", name, exc)
        self._open(check_version=True)

    # Reading ------------------------------------------------------------------

    def count(self) -> int:
        return self._passages.count()

    def revision(self) -> tuple[int, str]:
        """Changes whenever documents are added, replaced or removed, by this client or another.

        Read from the collection's metadata (one small request), not from every
        document, because it is asked before each question.
        """
        metadata = self._client.get_collection(self._documents.name).metadata or {}
        return (self.count(), str(metadata.get("revision", "")))

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

    def documents(self) -> list[Document]:
        got = self._documents.get(include=["metadatas"])
        docs = [_document(i, m) for i, m in zip(got["ids"], got["metadatas"] or [])]
        return sorted(docs, key=lambda d: d.source)

    def document(self, doc_id: str) -> Document | None:
        got = self._documents.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return _document(got["ids"][0], got["metadatas"][0], got["documents"][0])

    def texts(self, doc_ids: list[str]) -> dict[str, str]:
        """Full source texts of the given documents."""
        if not doc_ids:
            return {}
        got = self._documents.get(ids=sorted(set(doc_ids)), include=["documents"])
        return dict(zip(got["ids"], got["documents"]))

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

    def passages_by_id(self, ids: list[str]) -> list[Passage]:
        """The stored passages with these ids, in the order asked (missing ones left out)."""
        if not ids:
            return []
        got = self._passages.get(ids=list(ids), include=["metadatas", "documents"])
        found = {i: _passage(i, m, d) for i, m, d in zip(got["ids"], got["metadatas"], got["documents"])}
        return [found[i] for i in ids if i in found]

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

    def put_documents(
        self, items: list[tuple[Document, list[Passage], np.ndarray, np.ndarray]], sketches: dict[str, str] | None = None
    ) -> None:
        """Replace everything stored for each document: (doc, passages, passage vectors, sentence vectors).

        The sentence vectors are one row per sentence of the passages, in
        order. A duplicate (`doc.duplicate_of`) comes with no passages: only
        its record and text are kept. `sketches` holds each document's
        duplicate-detection sketch. All documents go in a few large writes and
        one revision change, not several requests each.
        """
        if not items:
            return
        stored = self._documents.get(ids=[doc.doc_id for doc, *_ in items], include=[])["ids"]
        if stored:
            self._delete(stored)
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
                    **_origin_meta(doc),
                }
                for doc, ps, _, _ in items
            ],
        )
        self._touch()

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

    def sketches(self) -> dict[str, str]:
        """{doc_id: duplicate-detection sketch} of every stored document that answers for itself."""
        got = self._documents.get(include=["metadatas"])
        return {
            i: m.get("sketch", "")
            for i, m in zip(got["ids"], got["metadatas"] or [])
            if not m.get("duplicate_of") and m.get("sketch")
        }

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
