"""Chroma storage for passages and the full source texts they quote.

Two collections:
- `<name>_passages`: one record per passage (embedding, text, span, sentences);
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
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from qa.documents import Document, Passage
from qa.errors import IndexNotBuilt, IndexVersionMismatch, StoreUnavailable

log = logging.getLogger(__name__)

INDEX_VERSION = 1
_BATCH = 1000
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
        for name in (self._passages.name, self._documents.name):
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

    def search(self, vector: np.ndarray, k: int) -> list[tuple[Passage, float]]:
        """Nearest passages by cosine similarity, best first."""
        n = min(k, self.count())
        if n == 0:
            return []
        got = self._passages.query(
            query_embeddings=[vector.tolist()],
            n_results=n,
            include=["metadatas", "documents", "distances"],
        )
        return [
            (_passage(i, m, d), 1.0 - dist)
            for i, m, d, dist in zip(got["ids"][0], got["metadatas"][0], got["documents"][0], got["distances"][0])
        ]

    # Writing ------------------------------------------------------------------

    def put_document(self, doc: Document, passages: list[Passage], vectors: np.ndarray) -> None:
        """Replace everything stored for doc.doc_id with the given passages."""
        self.delete_document(doc.doc_id)
        now = time.time()
        for i in range(0, len(passages), _BATCH):
            batch = passages[i : i + _BATCH]
            self._passages.add(
                ids=[p.passage_id for p in batch],
                embeddings=vectors[i : i + _BATCH],
                documents=[p.text for p in batch],
                metadatas=[_passage_meta(p) for p in batch],
            )
        mean = vectors.mean(axis=0) if len(vectors) else np.ones(vectors.shape[1] or 384, dtype=np.float32)
        mean = mean / (np.linalg.norm(mean) or 1.0)
        self._documents.add(
            ids=[doc.doc_id],
            embeddings=[mean.tolist()],
            documents=[doc.text],
            metadatas=[
                {
                    "path": doc.path,
                    "source": doc.source,
                    "title": doc.title,
                    "sha256": doc.sha256,
                    "passages": len(passages),
                    "ingested_at": now,
                    "index_version": INDEX_VERSION,
                }
            ],
        )
        self._touch()

    def delete_document(self, doc_id: str) -> None:
        self._passages.delete(where={"doc_id": doc_id})
        self._documents.delete(ids=[doc_id])
        self._touch()


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
    )


def _passage_meta(p: Passage) -> dict:
    return {
        "doc_id": p.doc_id,
        "source": p.source,
        "title": p.title,
        "start": p.start,
        "end": p.end,
        "sentences": json.dumps([[s - p.start, e - p.start] for s, e in p.sentences]),
        "index_version": INDEX_VERSION,
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
    )
