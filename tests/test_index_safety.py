"""The index survives what users do to it: writers at once, a killed ingest, a damaged or foreign folder.

The writers' lock alone is tested without models. The rest runs the real
`qa` command (real embedding model, real embedded Chroma) on articles from
tests/data/bbc, and compares indexes record by record: documents, passage ids,
texts, metadata, and vectors, read back by a fresh process, with every passage
found again by a search for its own vector (a vector written to the records but
lost from Chroma's vector index would not be).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from qa.errors import IndexBusy, IndexDamaged, StoreUnavailable
from qa.index_lock import IndexLock
from tests.conftest import DATA, ROOT

QA = str(Path(sys.executable).parent / "qa")
REBUILD = "qa ingest --rebuild"


def _articles(tmp_path: Path, n: int = 50) -> list[Path]:
    """`n` BBC articles copied into tmp_path/articles, in a fixed order (business first, then entertainment...)."""
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    sources = sorted((DATA / "bbc").glob("*/*.txt"))[:n]
    assert len(sources) == n, f"tests/data/bbc holds {len(sources)} articles, {n} wanted"
    out = []
    for src in sources:
        target = folder / f"{src.parent.name}-{src.name}"
        shutil.copyfile(src, target)
        out.append(target)
    return out


def _env(tmp_path: Path, index: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "QA_INDEX_DIR": str(index), "QA_MODEL_DIR": str(ROOT / "models"), "HF_HUB_OFFLINE": "1",
           "XDG_DATA_HOME": str(tmp_path / "data"), **extra}  # fmt: skip
    for name in ("QA_SEEDS_DIR", "QA_CONFIG", "QA_CHROMA_URL"):
        env.pop(name, None)
    return env


def _qa(*args: str, env: dict, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    # cwd is a temporary folder: this repository's pyproject.toml settings do not apply.
    return subprocess.run([QA, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


class _Running:
    """A `qa` process whose stderr is read as it comes, to act on what it has said so far."""

    def __init__(self, *args: str, env: dict, cwd: Path) -> None:
        self.process = subprocess.Popen([QA, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
        self._out, self._err = bytearray(), bytearray()
        self._readers = [
            threading.Thread(target=self._read, args=(stream, kept), daemon=True)
            for stream, kept in ((self.process.stdout, self._out), (self.process.stderr, self._err))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, kept: bytearray) -> None:
        while chunk := stream.read1(4096):
            kept.extend(chunk)

    @property
    def stdout(self) -> str:
        return self._out.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self._err.decode("utf-8", "replace")

    def wait_for(self, said, seconds: float = 300) -> None:
        """Until `said(stderr so far)` is true; fails if the process ends or the time runs out first."""
        deadline = time.monotonic() + seconds
        while not said(self.stderr):
            assert self.process.poll() is None, f"qa ended (exit {self.process.returncode}) first:\n{self.stderr[-3000:]}"
            assert time.monotonic() < deadline, f"still waiting after {seconds} s:\n{self.stderr[-3000:]}"
            time.sleep(0.05)

    def finish(self, seconds: float = 600) -> int:
        self.process.wait(timeout=seconds)
        for reader in self._readers:
            reader.join(10)
        return self.process.returncode


# What a fresh process reads back from an index: every record, every vector, and which passages and sentences
# their own vector no longer finds (written to the records, lost from the vector index).
PROBE = r"""
import json, sys
import numpy as np
from qa.models import EMBEDDING_NAME
from qa.store import Store

store = Store(sys.argv[1], "qa", EMBEDDING_NAME, create=False)
docs = store._documents.get(include=["metadatas", "documents", "embeddings"])
passages = store._passages.get(include=["metadatas", "documents", "embeddings"])
sentences = store._sentences.get(include=["metadatas", "embeddings"])
unfound = []
for collection, got in ((store._passages, passages), (store._sentences, sentences)):
    if got["ids"]:
        hits = collection.query(query_embeddings=got["embeddings"], n_results=min(10, len(got["ids"])), include=[])
        unfound += [i for i, found in zip(got["ids"], hits["ids"]) if i not in found]
skip = {"ingested_at"}
json.dump({
    "documents": {i: [t, {k: v for k, v in m.items() if k not in skip}] for i, m, t in zip(docs["ids"], docs["metadatas"], docs["documents"])},
    "passages": {i: [t, m] for i, m, t in zip(passages["ids"], passages["metadatas"], passages["documents"])},
    "sentences": {i: m for i, m in zip(sentences["ids"], sentences["metadatas"])},
    "unfound": unfound,
}, open(sys.argv[2] + ".json", "w"))
np.savez(sys.argv[2], **{
    f"{kind}:{i}": np.asarray(v, dtype=np.float32)
    for kind, got in (("d", docs), ("p", passages), ("s", sentences)) for i, v in zip(got["ids"], got["embeddings"])
})
"""


def _probe(index: Path, out: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Every record and vector of `index`, as a new process reads them."""
    run = subprocess.run([sys.executable, "-c", PROBE, str(index), str(out)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    with np.load(f"{out}.npz") as vectors:
        return json.loads(Path(f"{out}.json").read_text()), dict(vectors)


def _assert_same_index(got: tuple[dict, dict], clean: tuple[dict, dict]) -> None:
    (records, vectors), (clean_records, clean_vectors) = got, clean
    assert records["unfound"] == [], "passages or sentences whose own vector no longer finds them"
    assert clean_records["unfound"] == []
    for kind in ("documents", "passages", "sentences"):
        assert sorted(records[kind]) == sorted(clean_records[kind]), f"different {kind} ids"
        assert records[kind] == clean_records[kind], f"same {kind} ids, different texts or metadata"
    assert sorted(vectors) == sorted(clean_vectors)
    for key, vector in clean_vectors.items():
        np.testing.assert_allclose(vectors[key], vector, atol=1e-5, err_msg=key)


# The writers' lock, without models ---------------------------------------------------------

HOLDER = r"""
import sys, time
from pathlib import Path
from qa.index_lock import IndexLock

with IndexLock(Path(sys.argv[1]), timeout_s=0).hold("ingest"):
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold_elsewhere(index: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the writers' lock of `index` for `seconds`, once it has said so."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(index), str(seconds)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def test_a_second_writer_waits_naming_the_holder_then_gives_up_with_a_clear_error(tmp_path, caplog):
    holder = _hold_elsewhere(tmp_path / "index", 30)
    try:
        started = time.monotonic()
        with pytest.raises(IndexBusy) as busy:
            with IndexLock(tmp_path / "index", timeout_s=0.5).hold("upload"):
                pass
        assert 0.5 <= time.monotonic() - started < 10
        assert f"Waiting for another ingest of {tmp_path / 'index'} (pid {holder.pid})" in caplog.text
        assert f"(pid {holder.pid})" in str(busy.value) and "QA_INDEX_LOCK_TIMEOUT_S" in str(busy.value)
    finally:
        holder.kill()
        holder.wait()


def test_a_writer_that_is_killed_leaves_no_lock_behind(tmp_path):
    holder = _hold_elsewhere(tmp_path / "index", 300)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    with IndexLock(tmp_path / "index", timeout_s=5).hold() as others_wrote:
        assert time.monotonic() - started < 1
        assert others_wrote, "the killed process held it last: what it wrote is not in this one's memory"


def test_a_writer_knows_whether_another_process_held_the_lock_since_its_own_last_turn(tmp_path):
    lock = IndexLock(tmp_path / "index", timeout_s=5)
    with lock.hold() as first:
        with lock.hold() as nested:
            assert (first, nested) == (True, False)
    with lock.hold() as again:
        assert not again
    _hold_elsewhere(tmp_path / "index", 0).wait()
    with lock.hold() as after_another:
        assert after_another
    assert lock.holder()["pid"] == os.getpid()


def test_the_lock_in_a_folder_that_cannot_hold_it_says_so(tmp_path):
    (tmp_path / "index").write_text("a file, not a folder")
    with pytest.raises(StoreUnavailable, match="QA_INDEX_DIR"):
        with IndexLock(tmp_path / "index", timeout_s=0).hold():
            pass


# A killed ingest ------------------------------------------------------------------------------


@pytest.mark.integration
def test_an_ingest_killed_midway_then_run_again_equals_a_clean_ingest(tmp_path):
    articles = _articles(tmp_path)
    env = _env(tmp_path, tmp_path / "index", QA_INGEST_BATCH_PASSAGES="16")  # many small writes to be killed between

    killed = _Running("ingest", "-v", str(tmp_path / "articles"), env=env, cwd=tmp_path)
    # Killed once a few batches are in the index (as its log says) and before it has read every file.
    killed.wait_for(lambda said: said.count("Indexed ") >= 3)
    killed.process.send_signal(signal.SIGKILL)
    assert killed.finish() == -signal.SIGKILL

    partial, _ = _probe(tmp_path / "index", tmp_path / "partial")  # what it left is readable
    assert 0 < len(partial["documents"]) < len(articles), "killed before it wrote anything, or after it finished"

    again = _qa("ingest", "--json", str(tmp_path / "articles"), env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Waiting" not in again.stderr, "the killed ingest left its lock behind"
    clean = _qa("ingest", str(tmp_path / "articles"), env=_env(tmp_path, tmp_path / "clean"), cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr

    _assert_same_index(_probe(tmp_path / "index", tmp_path / "resumed"), _probe(tmp_path / "clean", tmp_path / "clean"))
    assert len(json.loads(_qa("docs", "--json", env=env, cwd=tmp_path).stdout)) == len(articles)


# Writers at once --------------------------------------------------------------------------------


@pytest.mark.integration
def test_two_ingests_at_once_take_turns_and_give_the_index_of_both(tmp_path):
    articles = _articles(tmp_path)
    base, first, second = articles[:10], articles[10:35], articles[25:]  # the two overlap
    index = tmp_path / "index"
    env = _env(tmp_path, index, QA_INDEX_LOCK_TIMEOUT_S="300")
    assert _qa("ingest", *map(str, base), env=env, cwd=tmp_path).returncode == 0

    lock = IndexLock(index, timeout_s=5)
    with lock.hold("ingest"):  # a writer at work: the two ingests must wait for it, then for each other
        docs = _qa("docs", "--json", env=env, cwd=tmp_path, timeout=120)
        assert docs.returncode == 0 and len(json.loads(docs.stdout)) == len(base), "readers never wait for writers"
        runs = [_Running("ingest", *map(str, files), env=env, cwd=tmp_path) for files in (first, second)]
        for run in runs:
            run.wait_for(lambda said: "Waiting for another ingest of" in said)
            assert f"{index} (pid {os.getpid()})" in run.stderr
        impatient = _qa("ingest", *map(str, second), env={**env, "QA_INDEX_LOCK_TIMEOUT_S": "0"}, cwd=tmp_path)
        assert impatient.returncode == 1 and "Traceback" not in impatient.stderr
        assert f"(pid {os.getpid()}) is still running" in impatient.stderr and "QA_INDEX_LOCK_TIMEOUT_S" in impatient.stderr
    assert [run.finish() for run in runs] == [0, 0], [run.stderr[-2000:] for run in runs]

    clean = _qa("ingest", str(tmp_path / "articles"), env=_env(tmp_path, tmp_path / "clean"), cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr
    _assert_same_index(_probe(index, tmp_path / "both"), _probe(tmp_path / "clean", tmp_path / "clean"))
    listed = _qa("docs", env=env, cwd=tmp_path)
    assert listed.returncode == 0 and f"{len(articles)} documents" in listed.stderr


@pytest.mark.integration
def test_a_long_running_app_writes_after_another_process_without_losing_its_vectors(tmp_path, embedder):
    """`qa chat` keeps the index open for hours; a `qa ingest` meanwhile must not be undone by its next upload."""
    from qa.library import Library
    from qa.settings import Settings

    # Each write adds about 600 sentence vectors: Chroma then writes its vector index to disk, not only to its
    # log, and a stale copy written back would drop the other process's vectors (as it did before the reload).
    articles = _articles(tmp_path, 125)
    index = tmp_path / "index"
    library = Library(Settings(index_dir=index, model_dir=ROOT / "models", seeds_dir=None), embedder=embedder)
    library.ingest(articles[:40])
    store = library.store
    some = store._passages.get(limit=1, include=["embeddings"])["embeddings"][0]
    assert store.search(np.asarray(some), 3)  # its vector index is now in this process's memory

    assert _qa("ingest", *map(str, articles[40:80]), env=_env(tmp_path, index), cwd=tmp_path).returncode == 0
    library.ingest(articles[80:120])  # uploads, after another process wrote
    records, _ = _probe(index, tmp_path / "after")
    assert len(records["documents"]) == 120
    assert records["unfound"] == [], "vectors another process wrote were lost from the vector index"

    assert _qa("ingest", *map(str, articles[120:]), env=_env(tmp_path, index), cwd=tmp_path).returncode == 0
    store.revision()  # what a question asks first: a revision this process did not make reloads the index
    theirs = {d.doc_id for d in library.documents() if d.path in {str(a.resolve()) for a in articles[120:]}}
    added = store._passages.get(where={"doc_id": {"$in": sorted(theirs)}}, include=["embeddings"])
    assert len(theirs) == 5 and added["ids"]
    found = store.search(np.asarray(added["embeddings"][0]), 3)
    assert added["ids"][0] in [p.passage_id for p, _ in found], "a reader finds what another process added"


# A damaged or foreign index folder ------------------------------------------------------------


# An index of made-up records (no model needed), written by another process so that this one opens it afresh.
BUILD = r"""
import sys
import numpy as np
from qa.documents import Document, Passage
from qa.models import EMBEDDING_NAME
from qa.store import Store

index, documents = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
items = []
for d in range(documents):
    text = "Alpha one. Beta two."
    passages = [Passage(f"d{d}:{i:04d}:x", f"d{d}", f"d{d}.txt", "T", 0, 20, text, ((0, 10), (11, 20))) for i in range(20)]
    vectors = rng.normal(size=(20, 384)).astype(np.float32)
    items.append((Document(f"d{d}", f"/x/d{d}.txt", f"d{d}.txt", "T", "sha", 20, text), passages, vectors, np.repeat(vectors, 2, axis=0)))
Store(index, "qa", EMBEDDING_NAME).put_documents(items)
"""


def _build(index: Path, documents: int) -> None:
    built = subprocess.run([sys.executable, "-c", BUILD, str(index), str(documents)], capture_output=True, text=True, cwd=ROOT)
    assert built.returncode == 0, built.stderr[-3000:]


def _damage(index: Path, kind: str) -> None:
    if kind == "truncated":  # a real index, cut short (a full disk, a copy that stopped)
        _build(index, 10)
        database = index / "chroma.sqlite3"
        with open(database, "r+b") as f:
            f.truncate(database.stat().st_size // 2)
    index.mkdir(exist_ok=True)
    (index / "notes.txt").write_text("random files beside the index")
    if kind == "garbage":
        (index / "chroma.sqlite3").write_bytes(np.random.default_rng(1).bytes(64 * 1024))
    elif kind == "foreign":  # another program's SQLite database under the same name
        with sqlite3.connect(index / "chroma.sqlite3") as db:
            db.execute("CREATE TABLE photos (name TEXT, taken TEXT)")


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["garbage", "truncated", "foreign"])
def test_a_damaged_or_foreign_index_says_how_to_rebuild_and_the_rebuild_works(tmp_path, kind):
    from qa.assistant import Assistant
    from qa.library import Library
    from qa.settings import Settings

    index = tmp_path / "index"
    _damage(index, kind)
    articles = _articles(tmp_path, 2)
    env = _env(tmp_path, index)
    for command in (["docs"], ["status"], ["ask", "What did Time Warner earn?"], ["ingest", str(tmp_path / "articles")]):
        result = _qa(*command, env=env, cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        assert REBUILD in result.stderr and "Traceback" not in result.stderr and "bug in qa" not in result.stderr, command
        assert str(index) in result.stderr and result.stdout == ""

    settings = Settings(index_dir=index, model_dir=ROOT / "models", seeds_dir=None)
    for use in (lambda: Library(settings).documents(), lambda: Library(settings).status(), lambda: Assistant(settings).store):
        with pytest.raises(IndexDamaged, match=re.escape(REBUILD)):
            use()

    before = (index / "chroma.sqlite3").read_bytes()
    rebuilt = _qa("ingest", "--rebuild", str(tmp_path / "articles"), env=env, cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    [moved] = index.glob("damaged-*")
    assert (moved / "chroma.sqlite3").read_bytes() == before, "the damaged files are kept, not deleted"
    assert (index / "notes.txt").exists()
    listed = json.loads(_qa("docs", "--json", env=env, cwd=tmp_path).stdout)
    assert sorted(d["path"] for d in listed) == sorted(str(a.resolve()) for a in articles)


@pytest.mark.integration
def test_damaged_vector_files_say_how_to_rebuild_and_the_rebuild_works(tmp_path, embedder):
    from qa.library import Library
    from qa.settings import Settings

    index = tmp_path / "index"
    _build(index, 100)  # enough vectors that Chroma keeps its vector index in files
    segments = [p for p in index.iterdir() if (p / "header.bin").is_file()]
    assert segments
    for segment in segments:
        (segment / "header.bin").write_bytes(np.random.default_rng(2).bytes(100))

    result = _qa("docs", env=_env(tmp_path, index), cwd=tmp_path)
    assert result.returncode == 2 and REBUILD in result.stderr and "Traceback" not in result.stderr, result.stderr

    articles = _articles(tmp_path, 2)
    library = Library(Settings(index_dir=index, model_dir=ROOT / "models", seeds_dir=None), embedder=embedder)
    library.rebuild([tmp_path / "articles"])
    assert sorted(d.path for d in library.documents()) == sorted(str(a.resolve()) for a in articles)
    fresh, _ = _probe(index, tmp_path / "rebuilt")
    assert len(fresh["documents"]) == 2 and fresh["unfound"] == []


@pytest.mark.integration
def test_an_index_folder_that_is_a_file_is_named_in_a_clear_message(tmp_path):
    (tmp_path / "index").write_text("not a folder")
    _articles(tmp_path, 1)
    result = _qa("ingest", str(tmp_path / "articles"), env=_env(tmp_path, tmp_path / "index"), cwd=tmp_path)
    assert result.returncode == 1 and "QA_INDEX_DIR" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.integration
def test_a_write_stopped_before_its_document_record_is_replaced_whole_next_time(tmp_path):
    from qa import store as store_module
    from qa.documents import Passage
    from tests.test_store import _doc

    store = store_module.Store(tmp_path / "index", "t", "model-a")
    # What a write killed between its passages and its document record leaves: passages of an older text.
    old = Passage("d1:0000:0ld", "d1", "d1.txt", "Alpha", 0, 9, "Old text.", ((0, 9),))
    store._passages.add(ids=[old.passage_id], embeddings=[np.ones(384)], documents=[old.text], metadatas=[store_module._passage_meta(old)])
    assert store.documents() == []
    doc, passages, vectors, sentences = _doc()
    store.put_documents([(doc, passages, vectors, sentences)])
    assert sorted(p.passage_id for p in store.all_passages()) == ["d1:0000:a", "d1:0001:b"]
