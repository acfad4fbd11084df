"""Bring the store in line with files: read, clean, split, embed, upsert.

Documents are identified by their resolved path (file names repeat across
folders). Unchanged files (same sha256) are skipped, changed ones replaced,
and documents that vanished from an ingested folder are removed. A file that
cannot be read is skipped with a warning naming it; the rest goes on.

A document that is a copy of another (the same story under another name, or
reworded slightly; see `duplicates`) is recorded with its own text and
metadata but not embedded: the copy with the smallest path answers for all,
whatever order the files arrive in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.documents import Document, Passage
from qa.embed import Embedder
from qa.errors import IngestError, QAError
from qa.ingest import duplicates
from qa.ingest.clean import title_of
from qa.ingest.files import discover, display_source, doc_id_for
from qa.ingest.passages import build_passages
from qa.ingest.readers import extract
from qa.injection import flagged
from qa.settings import Settings
from qa.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (done, total, current file)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (source, source of the copy that answers)
    # (source, sentences) of each document holding sentences that give orders to an AI model (qa.injection)
    planted: list[tuple[str, int]] = field(default_factory=list)
    passages: int = 0
    seconds: float = 0.0

    @classmethod
    def combined(cls, reports: list[IngestReport]) -> IngestReport:
        """One report for several ingests run one after another."""
        out = cls()
        for r in reports:
            for name in ("added", "updated", "unchanged", "removed", "skipped", "duplicates", "planted"):
                getattr(out, name).extend(getattr(r, name))
            out.passages += r.passages
            out.seconds += r.seconds
        return out

    @property
    def documents(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)

    def summary(self) -> str:
        rate = self.passages / self.seconds if self.seconds and self.passages else 0.0
        return (
            f"{self.documents} documents ({len(self.added)} new, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, {len(self.skipped)} skipped"
            + (f"; {len(self.duplicates)} copies of other documents recorded, not embedded" if self.duplicates else "")
            + "), "
            f"{self.passages} passages embedded in {self.seconds:.1f} s"
            + (f" ({rate:.1f} passages/s)" if rate else "")
            + (
                f". {len(self.planted)} document(s) hold sentences that give orders to an AI model, never used as "
                "evidence: " + ", ".join(f"{source} ({n})" for source, n in self.planted[:10])
                + (" ..." if len(self.planted) > 10 else "")
                if self.planted
                else ""
            )
        )

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "duplicates": [{"source": d, "copy_of": c} for d, c in self.duplicates],
            "planted": [{"source": s, "sentences": n} for s, n in self.planted],
            "documents": self.documents,
            "passages": self.passages,
            "seconds": round(self.seconds, 3),
        }


def _is_under(path: str, roots: list[Path]) -> bool:
    p = Path(path)
    return any(p == r or r in p.parents for r in roots)


class Ingestor:
    """Reads files into the store; settings and components in the constructor, paths per call."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder

    def ingest(
        self,
        paths: Iterable[Path],
        progress: Progress | None = None,
        prune: bool = True,
        origins: dict[str, dict] | None = None,
    ) -> IngestReport:
        """Bring the store in line with the files under `paths`.

        With prune, documents stored from inside an ingested folder whose file
        is gone are removed. `origins` maps a saved web page's resolved path to
        what is known of it from outside: its "url", and from a feed its
        "title", "published", "author" and "site", used where the page itself
        does not say.
        """
        started = time.perf_counter()
        self._origins = origins or {}
        roots = [Path(p) for p in paths]
        report = IngestReport()
        files, report.skipped = discover(roots)
        for path, reason in report.skipped:
            log.warning("Skipped %s: %s", path, reason)
        stored = {d.path: d for d in self.store.documents()}
        self._finder = duplicates.DuplicateFinder()
        self._canonical_paths = {d.doc_id: d.path for d in stored.values() if not d.duplicate_of}
        for doc_id, value in self.store.sketches().items():
            self._finder.add(doc_id, duplicates.decode(value))
        pending: list[tuple[Document, list[Passage], bool]] = []
        self._pending_sketches: dict[str, str] = {}
        pending_passages = 0
        seen: set[str] = set()
        max_bytes = int(self.settings.max_file_mb * 1024 * 1024)
        for done, path in enumerate(files):
            if progress:
                progress(done, len(files), str(path))
            resolved = str(path.resolve())
            seen.add(resolved)
            try:
                doc, passages, sketch = self._prepare(path, resolved, stored.get(resolved), max_bytes)
            except IngestError as exc:
                log.warning("%s", exc)
                report.skipped.append((str(path), str(exc)))
                continue
            except OSError as exc:
                log.warning("Skipped %s: %s", path, exc.strerror or exc)
                report.skipped.append((str(path), f"could not be read ({exc.strerror or exc})"))
                continue
            if doc is None:
                report.unchanged.append(stored[resolved].url or display_source(path))
                continue
            doc, passages = self._place_copy(doc, passages, sketch, pending, report)
            pending.append((doc, passages, resolved in stored))
            pending_passages += len(passages)
            if pending_passages >= self.settings.ingest_batch_passages:
                self._flush(pending, report)
                pending, pending_passages = [], 0
        self._flush(pending, report)
        if progress:
            progress(len(files), len(files), "")
        if prune:
            dirs = [r.resolve() for r in roots if r.is_dir()]
            gone = [doc for path, doc in stored.items() if path not in seen and _is_under(path, dirs)]
            for doc in gone:
                self.store.delete_document(doc.doc_id)
                report.removed.append(doc.source)
            self._promote_copies_of(gone, stored, report)
        report.seconds = time.perf_counter() - started
        return report

    def _place_copy(
        self,
        doc: Document,
        passages: list[Passage],
        sketch: list[int],
        pending: list[tuple[Document, list[Passage], bool]],
        report: IngestReport,
    ) -> tuple[Document, list[Passage]]:
        """`doc` as a duplicate of an earlier copy (no passages), or as the copy that answers; an
        indexed copy with a larger path then becomes a duplicate of `doc`."""
        self._pending_sketches[doc.doc_id] = duplicates.encode(sketch)
        self._finder.discard(doc.doc_id)
        self._canonical_paths.pop(doc.doc_id, None)
        copies = self._finder.copies_of(sketch, exclude=doc.doc_id)
        earlier = [c for c in copies if self._canonical_paths.get(c, "") < doc.path]
        if earlier:
            canonical = min(earlier, key=lambda c: self._canonical_paths[c])
            report.duplicates.append((doc.source, self._source_of(canonical, pending)))
            return dataclasses.replace(doc, duplicate_of=canonical, passages=0), []
        later = [c for c in copies if c in self._canonical_paths]
        if later:
            # Written first so the demoted copies are gone before this one's passages land.
            self._flush(pending, report)
            pending.clear()
            self.store.mark_duplicates({c: doc.doc_id for c in later})
            for c in later:
                self._finder.discard(c)
                self._canonical_paths.pop(c)
                report.duplicates.append((self._source_of(c, pending), doc.source))
        self._finder.add(doc.doc_id, sketch)
        self._canonical_paths[doc.doc_id] = doc.path
        return doc, passages

    def _source_of(self, doc_id: str, pending: list[tuple[Document, list[Passage], bool]]) -> str:
        for doc, _, _ in pending:
            if doc.doc_id == doc_id:
                return doc.source
        stored = self.store.document(doc_id)
        return stored.source if stored else doc_id

    def _promote_copies_of(self, gone: list[Document], stored: dict[str, Document], report: IngestReport) -> None:
        """Duplicates of removed documents are read again, so one of them answers from now on."""
        gone_ids = {d.doc_id for d in gone}
        orphans = [d for d in stored.values() if d.duplicate_of in gone_ids and d.doc_id not in gone_ids]
        if not orphans:
            return
        for doc in orphans:
            self.store.delete_document(doc.doc_id)
        again = self.ingest(
            [Path(d.path) for d in orphans if Path(d.path).is_file()],
            prune=False,
            origins={d.path: {"url": d.url} for d in orphans if d.url},
        )
        report.updated.extend(again.added)
        report.duplicates.extend(again.duplicates)
        report.passages += again.passages

    def _prepare(
        self, path: Path, resolved: str, stored: Document | None, max_bytes: int
    ) -> tuple[Document | None, list[Passage], list[int]]:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(
                f"{path} is {size / 1e6:.1f} MB, over the {self.settings.max_file_mb:g} MB limit "
                "(QA_MAX_FILE_MB); skipped."
            )
        raw = path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        if stored is not None and stored.sha256 == sha:
            return None, [], []
        known = self._origins.get(resolved, {})
        url = known.get("url", "")
        extracted = extract(path, raw, url)
        if extracted.note:
            log.warning("%s: %s", path, extracted.note)
        text = extracted.text
        doc_id = doc_id_for(path)
        source = url or display_source(path)
        title = extracted.title or known.get("title") or title_of(text) or path.name
        meta = {
            "published": extracted.published or known.get("published") or None,
            "author": extracted.author or known.get("author") or None,
            "site": extracted.site or known.get("site") or None,
            "url": (url or extracted.url) or None,
        }
        # A sentence that gives orders to a model reading it is never evidence: it is left out of the
        # passages' sentences, their vectors and their search text (see qa.injection).
        orders: list[str] = []

        def hidden(sentence: str) -> bool:
            if flagged(sentence):
                orders.append(sentence)
                return True
            return False

        passages = build_passages(
            doc_id, source, title, text, self.settings.passage_chars, meta, extracted.page_starts, hidden
        )
        if not passages and orders:
            raise IngestError(
                f"{path} holds only sentences that give orders to an AI model ({len(orders)}); none can be "
                "evidence, so it was skipped."
            )
        if not passages:
            raise IngestError(f"{path} has no text to index; skipped.")
        planted = len(orders)
        if planted:
            log.warning("%s: %d sentence(s) give orders to an AI model; they are never used as evidence.", path, planted)
        doc = Document(doc_id, resolved, source, title, sha, len(passages), text, **meta, planted=planted)
        return doc, passages, duplicates.sketch(text)

    def _flush(self, pending: list[tuple[Document, list[Passage], bool]], report: IngestReport) -> None:
        """Embed the pending documents' sentences in one batch and write them in one go.

        Sentences are what retrieval ranks as evidence; their vectors are
        computed once, here, so a question embeds only itself, and they are
        pooled from the same pass that embeds the passage.
        """
        if not pending:
            return
        passages = [p for _, ps, _ in pending for p in ps]
        # One pass over the passages gives their vectors and, pooled from the same tokens, their sentences'.
        spans = [[(s - p.start, e - p.start) for s, e in p.sentences] for p in passages]
        passage_vectors, per_passage = self.embedder.encode_in_context([p.indexed_text() for p in passages], spans)
        sentence_vectors = np.vstack(per_passage) if per_passage else np.zeros((0, self.embedder.dimensions), np.float32)
        items, at_p, at_s = [], 0, 0
        for doc, ps, _ in pending:
            n_s = sum(len(p.sentences) for p in ps)
            items.append((doc, ps, passage_vectors[at_p : at_p + len(ps)], sentence_vectors[at_s : at_s + n_s]))
            at_p, at_s = at_p + len(ps), at_s + n_s
        try:
            self.store.put_documents(items, {doc.doc_id: self._pending_sketches.get(doc.doc_id, "") for doc, *_ in items})
        except QAError:  # the store's own message (a damaged index, a server gone) says what to do
            raise
        except Exception as exc:  # name the documents: nothing of this batch was half-written as "done"
            names = ", ".join(doc.source for doc, _, _ in pending[:5]) + (" ..." if len(pending) > 5 else "")
            raise QAError(f"Could not write {names} to the index at {self.store.where}: {exc}") from exc
        log.info("Indexed %d document(s), %d passage(s)", len(pending), len(passages))
        for doc, ps, existed in pending:
            report.passages += len(ps)
            (report.updated if existed else report.added).append(doc.source)
            if doc.planted:
                report.planted.append((doc.source, doc.planted))
        pending_ids = {doc.doc_id for doc, _, _ in pending}
        self._pending_sketches = {k: v for k, v in self._pending_sketches.items() if k not in pending_ids}
