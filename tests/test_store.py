"""The Chroma store on its own: records in and out, revisions, versions, and never creating an index by reading."""

from __future__ import annotations

import numpy as np
import pytest

from qa import store as store_module
from qa.documents import Document, Passage
from qa.errors import IndexNotBuilt, IndexVersionMismatch
from qa.store import Store, index_exists

pytestmark = pytest.mark.integration  # a real embedded Chroma, no models

TEXT = "Alpha one. Beta two.\n\nGamma three."


def _doc(doc_id: str = "d1", text: str = TEXT) -> tuple[Document, list[Passage], np.ndarray, np.ndarray]:
    passages = [
        Passage(f"{doc_id}:0000:a", doc_id, f"{doc_id}.txt", "Alpha", 0, 20, text[0:20], ((0, 10), (11, 20))),
        Passage(f"{doc_id}:0001:b", doc_id, f"{doc_id}.txt", "Alpha", 22, 34, text[22:34], ((22, 34),)),
    ]
    vectors = np.eye(2, 384, dtype=np.float32)
    sentences = np.eye(3, 384, k=5, dtype=np.float32)  # one row per sentence: two in the first passage, one in the second
    doc = Document(doc_id, f"/x/{doc_id}.txt", f"{doc_id}.txt", "Alpha", "sha", len(passages), text)
    return doc, passages, vectors, sentences


def test_records_round_trip_with_exact_spans(tmp_path):
    store = Store(tmp_path / "index", "t", "model-a")
    doc, passages, vectors, sentences = _doc()
    store.put_documents([(doc, passages, vectors, sentences)])
    assert store.count() == 2
    stored = store.sentence_vectors(passages)
    assert stored["d1:0000:a"].tolist() == sentences[:2].tolist() and stored["d1:0001:b"].tolist() == sentences[2:].tolist()
    [listed] = store.documents()
    assert (listed.doc_id, listed.passages, listed.text) == ("d1", 2, "")  # listing leaves the text out
    assert listed.ingested_at is not None
    assert store.document("d1").text == TEXT and store.document("nope") is None
    for p in store.all_passages():
        assert TEXT[p.start : p.end] == p.text
        assert [TEXT[s:e] for s, e in p.sentences] == [t for _, _, t in p.sentence_texts()]
    best, score = store.search(vectors[1], 1)[0]
    assert best.passage_id == "d1:0001:b" and score == pytest.approx(1.0, abs=1e-4)


def test_revision_changes_on_every_write_and_is_seen_by_a_second_client(tmp_path):
    store = Store(tmp_path / "index", "t", "model-a")
    other = Store(tmp_path / "index", "t", "model-a")
    before = other.revision()
    store.put_documents([_doc()])
    after_put = other.revision()
    store.delete_document("d1")
    assert len({before, after_put, other.revision()}) == 3
    assert store.count() == 0 and store.sentence_vectors(_doc()[1]) == {}


def test_reading_a_missing_index_creates_nothing(tmp_path):
    with pytest.raises(IndexNotBuilt, match="qa ingest"):
        Store(tmp_path / "index", "t", "model-a", create=False)
    assert not (tmp_path / "index").exists() and not index_exists(tmp_path / "index")
    Store(tmp_path / "index", "t", "model-a")
    assert index_exists(tmp_path / "index")
    with pytest.raises(IndexNotBuilt, match="empty"):
        Store(tmp_path / "index", "t", "model-a", create=False).require_built()


def test_an_index_of_another_version_or_embedding_model_says_how_to_rebuild(tmp_path, monkeypatch):
    Store(tmp_path / "index", "t", "model-a").put_documents([_doc()])
    with pytest.raises(IndexVersionMismatch, match="model-a") as err:
        Store(tmp_path / "index", "t", "model-b")
    assert "qa ingest --rebuild" in str(err.value)
    v = store_module.INDEX_VERSION
    monkeypatch.setattr(store_module, "INDEX_VERSION", v + 1)
    with pytest.raises(IndexVersionMismatch, match=f"index version {v}; this version of qa reads version {v + 1}") as err:
        Store(tmp_path / "index", "t", "model-a")
    assert "qa ingest --rebuild" in str(err.value)
    old = Store(tmp_path / "index", "t", "model-a", check_version=False)
    assert old.version() == v and len(old.documents()) == 1
    old.drop()
    assert old.count() == 0 and old.version() == v + 1
    assert Store(tmp_path / "index", "t", "model-a").version() == v + 1


def test_the_bm25_index_is_kept_on_disk_by_revision_and_rebuilt_only_when_documents_change(tmp_path, monkeypatch):
    from qa.retrieve import LexicalIndex

    store = Store(tmp_path / "index", "t", "model-a")
    store.put_documents([_doc()])
    cache = tmp_path / "index" / "lexical" / "t"
    first = LexicalIndex(cache)
    first.refresh(store)
    assert [p.passage_id for p, _ in first.search("gamma", 3)] == ["d1:0001:b"]
    [kept] = list(cache.iterdir())

    def no_reading(*_):
        raise AssertionError("the BM25 index was rebuilt from every passage")

    monkeypatch.setattr(store, "all_passages", no_reading)
    second = LexicalIndex(cache)  # a new process: loads what the first one kept
    second.refresh(store)
    assert [p.passage_id for p, _ in second.search("gamma", 3)] == ["d1:0001:b"]
    assert second.idf({"gamma"}) == first.idf({"gamma"})
    monkeypatch.undo()

    store.put_documents([_doc("d2", "Delta four. Gamma five.\n\nEpsilon six.")])
    second.refresh(store)  # the documents changed: rebuilt, and the old revision's files removed
    assert {p.doc_id for p, _ in second.search("gamma", 3)} == {"d1", "d2"}
    assert [d.name for d in cache.iterdir()] != [kept.name] and len(list(cache.iterdir())) == 1
