"""The document library: what is indexed, and every way to change it.

Ingest files and folders, list, find and remove documents, take uploads,
re-index, rebuild an index made by another version, report the index's
status, and build the index from the seed articles when it is empty. The CLI
and the UI call this object; neither touches the store itself.

Every change to an embedded index is made holding its writers' lock
(`qa.index_lock`), so two `qa ingest` runs, or an ingest while `qa chat` takes
an upload, take turns instead of overwriting each other's vectors.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qa.documents import Document
from qa.embed import Embedder
from qa.errors import DocumentNotFound, IndexDamaged, IndexNotBuilt, QAError
from qa.ingest import IngestReport, Ingestor, Progress
from qa.ingest.uploads import reindex_paths, remove_upload, save_upload, uploads_dir
from qa.settings import Settings

if TYPE_CHECKING:
    from qa.index_lock import IndexLock
    from qa.store import Store

log = logging.getLogger(__name__)


@dataclass
class UploadResult:
    """What happened to a batch of uploaded files."""

    report: IngestReport | None = None  # None when no file could be saved
    problems: list[str] = field(default_factory=list)  # one message per file that was refused or skipped


@dataclass(frozen=True)
class Removal:
    document: Document
    file_deleted: bool  # the uploaded file was deleted too (files elsewhere are never touched)


class Library:
    """Ingests, lists and removes the documents of one index."""

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None, store: Store | None = None) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder or Embedder.from_settings(self.settings)
        self._store = store
        self._lock: IndexLock | None = None

    @property
    def store(self) -> Store:
        """The index, created on first use (ingesting into a new folder makes it)."""
        if self._store is None:
            from qa.store import Store

            s = self.settings
            self._store = Store(s.index_dir, s.collection, self.embedder.name, s.chroma_url)
        return self._store

    @property
    def where(self) -> str:
        return self.settings.chroma_url or str(self.settings.index_dir)

    @contextmanager
    def _locked(self, what: str) -> Iterator[bool]:
        """Hold the writers' lock of an embedded index; yields True when another process may have written since
        this one last held it. Raises IndexBusy when another writer keeps it past `index_lock_timeout_s`."""
        if self.settings.chroma_url:
            # A Chroma server orders writes itself, and a lock file here would not reach writers on other machines.
            yield False
            return
        if self._lock is None:
            from qa.index_lock import IndexLock

            self._lock = IndexLock(self.settings.index_dir, self.settings.index_lock_timeout_s)
        with self._lock.hold(what) as others_wrote:
            yield others_wrote

    @contextmanager
    def _writing(self, what: str) -> Iterator[Store]:
        """The store, for changing it: the writers' lock held, and the index reloaded first if another process wrote."""
        from qa.store import is_open

        with self._locked(what) as others_wrote:
            opened_now = self._store is None and not is_open(self.settings.index_dir)  # opened under the lock: current
            store = self.store
            with store.writing(others_wrote and not opened_now):
                yield store

    def exists(self) -> bool:
        """True when there is an index to open (without creating one)."""
        from qa.store import index_exists

        return self._store is not None or index_exists(self.settings.index_dir, self.settings.chroma_url)

    # Changing what is indexed -------------------------------------------------------

    def ingest(self, paths: list[Path] | None = None, progress: Progress | None = None) -> IngestReport:
        """Bring the index in line with `paths` (default: the seeds folder)."""
        paths = paths or [self._seeds()]
        with self._writing("ingest") as store:
            return Ingestor(self.settings, store, self.embedder).ingest(paths, progress)

    def ingest_link(self, url: str, max_items: int | None = None, progress: Progress | None = None) -> IngestReport:
        """Fetch a web page or a feed's entries (`url`, or a feed file's path) and index them.

        Each page is saved beside the index first, so the same URL replaces
        its document when the page changed. Raises FetchError (a QAError)
        when `url` itself cannot be fetched; entries that fail are reported
        as skipped.
        """
        from qa.ingest import links, web

        with self._writing("ingest") as store:  # the pages are saved beside the index, in web/
            if web.is_url(url):
                downloaded = links.download(self.settings, url, max_items, progress)
            else:
                downloaded = links.download_feed_file(self.settings, Path(url), max_items, progress)
            for note in downloaded.notes:
                log.warning("%s", note)
            report = Ingestor(self.settings, store, self.embedder).ingest(
                downloaded.paths, prune=False, origins=downloaded.origins
            )
        report.skipped.extend(downloaded.skipped)
        return report

    def ensure_index(self) -> IngestReport | None:
        """Build the index from the seeds folder when it is empty; return the report if it did.

        Raises IndexNotBuilt, creating nothing, when it is empty and no seeds
        folder is configured.
        """
        if self.exists() and self.store.count() > 0:
            return None
        seeds = self.settings.seeds_dir
        if seeds is None or not Path(seeds).is_dir():
            raise IndexNotBuilt(
                f"The index at {self.where} is empty" + (f" and there is no {seeds}/ folder to build it from" if seeds else "")
                + ". Run `qa ingest FOLDER` with your articles (or set QA_INDEX_DIR to an index you built)."
            )
        log.warning("The index is empty; building it from %s/ first.", seeds)
        report = self.ingest([Path(seeds)])
        self.store.require_built()
        return report

    def remove(self, doc_id: str) -> Removal:
        """Remove a document from the index, and its file when it was uploaded."""
        with self._writing("removal") as store:
            doc = store.document(doc_id)
            if doc is None:
                raise DocumentNotFound(f"No document with id {doc_id} is indexed at {self.where}. `qa docs` lists them.")
            store.delete_document(doc_id)
            return Removal(doc, remove_upload(doc, self.settings))

    def reindex(self, progress: Progress | None = None) -> IngestReport | None:
        """Re-read the seeds folder, the uploads and every other stored file that still exists; None if none do."""
        with self._writing("re-index") as store:
            paths = reindex_paths(self.settings, store.documents())
            return self.ingest(paths, progress) if paths else None

    def rebuild(self, paths: list[Path] | None = None, progress: Progress | None = None) -> IngestReport:
        """Drop the index, whatever version made it, and ingest again.

        Without `paths`, the files the old index was built from (those still
        on disk) are read again; when it named none, the seeds folder. An
        embedded index too damaged to open has its files moved aside into a
        damaged-* folder inside it, never deleted.
        """
        with self._locked("rebuild") as others_wrote:
            old = self._old_index()
            if not paths:
                try:
                    paths = sorted({Path(d.path) for d in old.documents() if Path(d.path).is_file()}) if old else []
                except Exception as exc:  # an index from another version may not read as this one expects
                    log.warning("Could not list the old index's documents (%s).", exc)
                    paths = []
                if not paths and self.settings.seeds_dir and Path(self.settings.seeds_dir).is_dir():
                    paths = [Path(self.settings.seeds_dir)]
            if not paths:
                raise QAError("Nothing to rebuild the index from: name the files or folders, e.g. `qa ingest --rebuild my_articles/`.")
            if old is not None:
                try:
                    with old.writing(others_wrote):
                        old.drop()
                except IndexDamaged:
                    old = None
            if old is None:
                old = self._set_aside()
            self._store = old
            return self.ingest(list(paths), progress)

    def _old_index(self) -> Store | None:
        """The index as it is, whatever version made it; None when it is too damaged to open (only an embedded
        one is: a server's failures are StoreUnavailable)."""
        from qa.store import Store

        s = self.settings
        try:
            return Store(s.index_dir, s.collection, self.embedder.name, s.chroma_url, check_version=False)
        except IndexDamaged:
            return None

    def _set_aside(self) -> Store:
        """Move a damaged embedded index's files aside and open a new, empty index in their place."""
        from qa.store import Store, set_aside

        moved = set_aside(self.settings.index_dir)
        log.warning(
            "The index at %s is damaged; its files are now in %s and a new index is built in their place. "
            "Delete that folder when you no longer need it.",
            self.where,
            moved,
        )
        s = self.settings
        return Store(s.index_dir, s.collection, self.embedder.name, s.chroma_url)

    def upload(self, files: list[tuple[Path, str]], progress: Progress | None = None) -> UploadResult:
        """Save uploaded files (temporary path, name the user gave) under the uploads folder and index them.

        A file that is refused (type, size) or that cannot be indexed is named
        in `problems`; a saved file that could not be indexed is deleted again,
        since a re-index would only skip it once more.
        """
        result = UploadResult()
        with self._writing("upload") as store:  # the files are saved beside the index, in uploads/
            saved = []
            for path, name in files:
                try:
                    saved.append(save_upload(Path(path), name, uploads_dir(self.settings), self.settings.max_file_mb))
                except QAError as exc:
                    result.problems.append(str(exc))
            if not saved:
                return result
            result.report = self.ingest(saved, progress)
            indexed = {d.path for d in store.documents()}
            for path, reason in result.report.skipped:
                if str(Path(path).resolve()) not in indexed:
                    Path(path).unlink(missing_ok=True)
                result.problems.append(reason)
        return result

    # Reading -------------------------------------------------------------------------

    def documents(self) -> list[Document]:
        """Every indexed document (without its text), sorted by source."""
        return self.store.documents() if self.exists() else []

    def document(self, doc_id: str) -> Document | None:
        """One document with its full stored text, or None."""
        return self.store.document(doc_id) if self.exists() else None

    def texts(self, doc_ids: list[str]) -> dict[str, str]:
        """{doc_id: full stored text}."""
        return self.store.texts(doc_ids)

    def find(self, ref: str) -> Document:
        """The document `ref` names: its id (or a unique prefix of it), its path or its source name.

        Raises DocumentNotFound naming the candidates when `ref` matches none or several.
        """
        docs = self.documents()
        resolved = str(Path(ref).expanduser().resolve())
        exact = [d for d in docs if ref in (d.doc_id, d.source, d.path) or d.path == resolved]
        matches = exact or [d for d in docs if d.doc_id.startswith(ref) or d.source.endswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise DocumentNotFound(f"No indexed document matches '{ref}'. `qa docs` lists them with their ids.")
        listed = "; ".join(f"{d.doc_id} ({d.source})" for d in matches[:10])
        raise DocumentNotFound(f"'{ref}' matches {len(matches)} documents: {listed}. Use the id.")

    def status(self) -> dict:
        """Where the index is, how big, which version and embedding model built it."""
        from qa.store import INDEX_VERSION

        info = {
            "index": self.where,
            "server": bool(self.settings.chroma_url),
            "exists": self.exists(),
            "index_version": INDEX_VERSION,
            "embedding_model": self.embedder.name,
            "documents": 0,
            "passages": 0,
            "size_bytes": None,
            "seeds_dir": str(self.settings.seeds_dir) if self.settings.seeds_dir else None,
        }
        if info["exists"]:
            docs = self.store.documents()
            info.update(documents=len(docs), passages=self.store.count(), size_bytes=self.store.size_bytes())
        return info

    def _seeds(self) -> Path:
        seeds = self.settings.seeds_dir
        if seeds is None:
            raise QAError("Name the files or folders to ingest, e.g. `qa ingest my_articles/` (no seeds folder is set).")
        return Path(seeds)
