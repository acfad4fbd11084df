"""The document library with the real embedding model and Chroma: ingest, list, find, remove, uploads, rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import store as store_module
from qa.errors import DocumentNotFound, IndexNotBuilt, IndexVersionMismatch, QAError
from qa.ingest.uploads import uploads_dir
from qa.library import Library
from qa.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture()
def docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "harbour.txt").write_text("The harbour of Tartus received 12 grain ships in May.")
    (folder / "sub" / "harbour.txt").write_text("A second harbour report: the cranes were repaired.")
    (folder / "lighthouse.md").write_text("# Lighthouse\n\nThe lighthouse was built in 1888.")
    return folder


@pytest.fixture()
def library(tmp_path, embedder) -> Library:
    return Library(Settings(index_dir=tmp_path / "index", seeds_dir=None), embedder=embedder)


def test_ingest_list_find_and_remove(library, docs):
    report = library.ingest([docs])
    assert report.documents == 3
    listed = library.documents()
    assert [Path(d.path).name for d in listed].count("harbour.txt") == 2
    assert all(d.ingested_at and d.indexed_on() for d in listed)
    lighthouse = library.find("lighthouse.md")
    assert lighthouse.title == "Lighthouse" and library.find(lighthouse.doc_id[:6]) == lighthouse
    assert library.find(str(docs / "lighthouse.md")) == lighthouse
    with pytest.raises(DocumentNotFound, match="matches 2 documents"):
        library.find("harbour.txt")
    with pytest.raises(DocumentNotFound, match="qa docs"):
        library.find("nothing-like-it")
    removal = library.remove(lighthouse.doc_id)
    assert removal.document.doc_id == lighthouse.doc_id and not removal.file_deleted
    assert (docs / "lighthouse.md").exists(), "a file outside the uploads folder is never deleted"
    assert len(library.documents()) == 2 and library.document(lighthouse.doc_id) is None
    with pytest.raises(DocumentNotFound):
        library.remove(lighthouse.doc_id)
    status = library.status()
    assert status["documents"] == 2 and status["passages"] == 2 and status["size_bytes"] > 0
    assert status["index_version"] == store_module.INDEX_VERSION and status["exists"]


def test_listing_an_index_that_does_not_exist_creates_nothing(library, tmp_path):
    assert library.documents() == [] and library.status()["exists"] is False
    with pytest.raises(IndexNotBuilt, match="qa ingest"):
        library.ensure_index()
    with pytest.raises(QAError, match="Name the files or folders"):
        library.ingest()
    assert not (tmp_path / "index").exists()


def test_ensure_index_builds_from_the_seeds_once(tmp_path, embedder, docs):
    library = Library(Settings(index_dir=tmp_path / "index", seeds_dir=docs), embedder=embedder)
    report = library.ensure_index()
    assert report is not None and report.documents == 3
    assert library.ensure_index() is None


def test_uploads_are_saved_indexed_and_removed_with_their_document(library, tmp_path):
    good, empty, exe = tmp_path / "up.md", tmp_path / "empty.txt", tmp_path / "x.exe"
    good.write_text("# Grain\n\nTartus received 12 grain ships.")
    empty.write_text("  \n")
    exe.write_bytes(b"MZ")
    result = library.upload([(good, "My report.md"), (empty, "empty.txt"), (exe, "x.exe")])
    assert result.report.documents == 1
    assert any("unsupported type '.exe'" in p for p in result.problems)
    assert any("empty.txt has no text" in p for p in result.problems)
    saved = uploads_dir(library.settings)
    assert sorted(p.name for p in saved.iterdir()) == ["My_report.md"]  # the unindexable file is not kept
    doc = library.find("My_report.md")
    assert library.remove(doc.doc_id).file_deleted and not (saved / "My_report.md").exists()


def test_reindex_and_rebuild_after_a_version_change(library, docs, monkeypatch):
    library.ingest([docs])
    assert library.reindex().unchanged and len(library.documents()) == 3
    monkeypatch.setattr(store_module, "INDEX_VERSION", store_module.INDEX_VERSION + 1)
    fresh = Library(library.settings, embedder=library.embedder)
    with pytest.raises(IndexVersionMismatch, match="qa ingest --rebuild"):
        fresh.documents()
    report = fresh.rebuild()
    assert len(report.added) == 3 and report.passages == 3  # re-read from the files the old index named
    assert fresh.status()["index_version"] == store_module.INDEX_VERSION
    assert Library(library.settings, embedder=library.embedder).documents()  # opens cleanly now
