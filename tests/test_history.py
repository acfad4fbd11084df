"""Saved conversations: the SQLite history, owners kept apart, Conversation.save/load, and citation states.

Everything but the last tests runs without a model (a fake assistant); the
citation states are also checked on a real index whose files are edited,
ingested again and removed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa.answer import Answer, AnswerSentence, Citation
from qa.citation_state import citation_state, citation_states
from qa.conversation import Conversation, Turn
from qa.errors import BadTitle, ConversationNotFound, HistoryUnavailable, QAError
from qa.history import SCHEMA_VERSION, History, Saved, title_from
from qa.settings import Settings
from tests.test_conversation import FakeAssistant


def full_answer(question: str = "How many fighters did Iraq send?") -> Answer:
    """An Answer with every field filled in, with characters that JSON and SQLite could garble."""
    quote = "At least 300 fighters—“volunteers”—crossed\nthe border (é, 中文, 🙂)."
    citations = [
        Citation(1, "d1:0003:ab", "d1", "seeds/a.txt", "Iraq sends fighters", 120, 120 + len(quote), quote,
                 "2015-03-02", "Ann Lee", "BBC News", "https://bbc.example/a", None),
        Citation(2, "d2:0000:cd", "d2", "uploads/b.pdf", "", 0, 4, "Four", page=3),
    ]  # fmt: skip
    sentences = [
        AnswerSentence("Iraq sent at least 300 fighters.", [1, 2], True, 0.8125, attribution="BBC News, 2015-03-02"),
        AnswerSentence("They were all volunteers.", [], False, 0.1, reason="no citation supports it"),
    ]
    return Answer(
        question, "BBC News, 2015-03-02: Iraq sent at least 300 fighters.[1][2]", sentences, citations, False,
        "qwen2.5-1.5b (llama.cpp)", {"retrieve_ms": 12.345678, "total_ms": 0.1 + 0.2},
        evidence=[{"n": 1, "passage_id": "d1:0003:ab", "source": "seeds/a.txt", "start": 100, "end": 300,
                   "text": "…", "title": "Iraq sends fighters", "published": "2015-03-02"}],
        retrieved=[{"passage_id": "d1:0003:ab", "source": "seeds/a.txt", "start": 100, "end": 300, "score": 0.0163934}],
        prompt="version: 3\n<evidence>…</evidence>", search_question="How many fighters did Iraq send into Syria?",
    )  # fmt: skip


@pytest.fixture
def history(tmp_path) -> History:
    return History(tmp_path / "index" / "history.sqlite3")


# The history itself --------------------------------------------------------------------


def test_create_list_rename_delete(history):
    assert history.path.is_file() and history.conversations(None) == []
    made = history.create("local")
    assert isinstance(made, Saved) and (made.owner, made.title, made.turns) == ("local", "", 0)
    assert re.fullmatch(r"[0-9a-f]{18}", made.id)  # never a leading "-" that a command line reads as an option
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", made.created) and made.updated == made.created
    assert history.get(made.id, "local") == made and history.conversations("local") == [made]
    renamed = history.rename(made.id, "local", "  Iraq\n fighters ")
    assert renamed.title == "Iraq fighters" and history.get(made.id, None) == renamed
    history.delete(made.id, "local")
    assert history.conversations(None) == []
    with pytest.raises(ConversationNotFound):
        history.get(made.id, None)
    assert History(history.path).conversations(None) == []  # opening an existing file keeps it


@pytest.mark.parametrize(
    "question, title",
    [
        ("Who?", "Who?"),
        ("  How many\n\tfighters?  ", "How many fighters?"),
        ("word " * 40, "word " * 15 + "word…"),
        ("x" * 100, "x" * 79 + "…"),  # no space to cut at: cut inside the word
    ],
)
def test_title_from_the_first_question(question, title):
    assert title_from(question) == title and len(title) <= 80


def test_the_first_question_titles_an_untitled_conversation_only(history):
    untitled, titled = history.create("local"), history.create("local", "Mine")
    for saved in (untitled, titled):
        history.add_turn(saved.id, "local", Turn("  How many\nfighters?"))
        history.add_turn(saved.id, "local", Turn("And then?"))
    assert history.get(untitled.id, None).title == "How many fighters?"
    assert history.get(titled.id, None).title == "Mine"


@pytest.mark.parametrize(
    "title, needle",
    [("", "cannot be empty"), ("  \n ", "cannot be empty"), (None, "cannot be empty"), ("y" * 201, "201 characters")],
)
def test_a_bad_title_is_refused_and_quoted(history, title, needle):
    saved = history.create("local")
    with pytest.raises(BadTitle, match=needle) as caught:
        history.rename(saved.id, "local", title)
    assert repr(title)[:20] in str(caught.value) or "yyyy" in str(caught.value)
    assert history.get(saved.id, None).title == ""


@pytest.mark.parametrize("owner", ["", "  ", None, 3])
def test_a_conversation_needs_an_owner(history, owner):
    with pytest.raises(QAError, match="needs an owner"):
        history.create(owner)


OPERATIONS = {
    "get": lambda h, cid, owner: h.get(cid, owner),
    "turns": lambda h, cid, owner: h.turns(cid, owner),
    "add_turn": lambda h, cid, owner: h.add_turn(cid, owner, Turn("Mine now?")),
    "rename": lambda h, cid, owner: h.rename(cid, owner, "Mine now"),
    "delete": lambda h, cid, owner: h.delete(cid, owner),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_owner_cannot_reach_another_owners_conversation(history, operation):
    ann = history.create("user:ann")
    history.add_turn(ann.id, "user:ann", Turn("Ann's question"))
    bob = history.create("user:bob")
    with pytest.raises(ConversationNotFound) as theirs:
        OPERATIONS[operation](history, ann.id, "user:bob")
    with pytest.raises(ConversationNotFound) as missing:
        OPERATIONS[operation](history, "x" * len(ann.id), "user:bob")
    # The same words for "someone else's" and "no such": the message cannot tell that it exists.
    assert str(theirs.value).replace(ann.id, "ID") == str(missing.value).replace("x" * len(ann.id), "ID")
    assert history.get(ann.id, "user:ann") == Saved(ann.id, "user:ann", "Ann's question", ann.created,
                                                     history.get(ann.id, None).updated, 1)  # fmt: skip
    assert [t.question for t in history.turns(ann.id, "user:ann")] == ["Ann's question"]
    assert [s.id for s in history.conversations("user:bob")] == [bob.id]
    assert {s.id for s in history.conversations(None)} == {ann.id, bob.id}


@pytest.mark.parametrize("conversation_id", ["", "nope", None, 7, "' OR 1=1 --"])
def test_unknown_ids_are_not_found_and_named(history, conversation_id):
    history.create("local")
    with pytest.raises(ConversationNotFound, match=re.escape(repr(conversation_id))):
        history.get(conversation_id, None)


def test_listing_is_newest_change_first_and_a_rename_keeps_the_place(history):
    first, second, third = (history.create("local", name) for name in ("first", "second", "third"))
    assert [s.title for s in history.conversations(None)] == ["third", "second", "first"]
    history.add_turn(first.id, None, Turn("q"))
    assert [s.title for s in history.conversations(None)] == ["first", "third", "second"]
    history.rename(second.id, None, "second, renamed")
    assert [s.title for s in history.conversations(None)] == ["first", "third", "second, renamed"]
    history.add_turn(third.id, None, Turn("q"))
    listed = history.conversations(None)
    assert [s.title for s in listed] == ["third", "first", "second, renamed"]
    assert listed[0].updated >= listed[0].created and listed[0].turns == 1


def test_a_turn_round_trips_exactly(history):
    saved = history.create("local")
    turns = [
        Turn("How many fighters did Iraq send?", full_answer()),
        Turn("And then?", error="The LLM at http://127.0.0.1:8080/v1 did not answer in 120 s."),
        Turn("What is the population of Aleppo?", full_answer().refused("relevance", "the passages do not say")),
        Turn("Stopped?"),
    ]
    for turn in turns:
        history.add_turn(saved.id, "local", turn)
    loaded = History(history.path).turns(saved.id, "local")
    assert [t.to_dict() for t in loaded] == [t.to_dict() for t in turns]
    assert loaded[0].answer.to_dict() == turns[0].answer.to_dict()
    assert loaded[0].answer.citation(1).quote == turns[0].answer.citation(1).quote
    assert history.get(saved.id, None).turns == 4


def test_adding_a_turn_never_rewrites_the_stored_ones(history):
    saved = history.create("local")
    history.add_turn(saved.id, None, Turn("one", full_answer("one")))
    with sqlite3.connect(history.path) as db:
        before = db.execute("SELECT rowid, position, json FROM turns").fetchall()
    history.add_turn(saved.id, None, Turn("two", error="e"))
    with sqlite3.connect(history.path) as db:
        after = db.execute("SELECT rowid, position, json FROM turns ORDER BY position").fetchall()
    assert after[0] == before[0] and [row[1] for row in after] == [0, 1]
    assert json.loads(after[1][2]) == {"question": "two", "answer": None, "error": "e"}


def test_turns_added_from_many_threads_all_arrive_once(history):
    saved = history.create("browser:tab")
    other = History(history.path)  # a second server process on the same file
    errors = []

    def add(h: History, worker: int) -> None:
        try:
            for i in range(25):
                h.add_turn(saved.id, "browser:tab", Turn(f"{worker}-{i}", full_answer(f"{worker}-{i}")))
        except Exception as exc:  # reported below: an exception in a thread would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(history if w % 2 else other, w)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    turns = history.turns(saved.id, "browser:tab")
    assert sorted(t.question for t in turns) == sorted(f"{w}-{i}" for w in range(8) for i in range(25))
    for w in range(8):  # each thread's turns in the order it added them
        mine = [int(t.question.split("-")[1]) for t in turns if t.question.startswith(f"{w}-")]
        assert mine == list(range(25))
    assert history.get(saved.id, None).turns == 200
    assert all(t.answer.question == t.question for t in turns)


# Files it cannot use --------------------------------------------------------------------


def test_another_schema_version_names_the_file_its_version_and_what_to_do(history):
    with sqlite3.connect(history.path) as db:
        db.execute("UPDATE qa_history SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(HistoryUnavailable) as caught:
        History(history.path)
    message = str(caught.value)
    assert str(history.path) in message and "version 7" in message and f"version {SCHEMA_VERSION}" in message
    assert "move it aside" in message and "history.sqlite3.v7" in message


@pytest.mark.parametrize(
    "content, needle",
    [
        (b"These are my notes, not a database.\n" * 50, "SQLite cannot read it"),
        (b"SQLite format 3\x00" + b"\xff" * 200, "SQLite cannot read it"),
    ],
)
def test_a_file_that_is_not_a_database_is_refused_by_name(tmp_path, content, needle):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(content)
    with pytest.raises(HistoryUnavailable) as caught:
        History(path)
    message = str(caught.value)
    assert str(path) in message and "is not a qa conversation history" in message and needle in message
    assert "Move it aside" in message and "QA_HISTORY_PATH" in message
    assert path.read_bytes() == content  # never changed


def test_another_programs_database_is_refused_by_name(tmp_path):
    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (n INTEGER)")
    with pytest.raises(HistoryUnavailable, match=r"another program's database \(tables: invoices\)") as caught:
        History(path)
    assert str(path) in str(caught.value)


def test_a_folder_is_refused_and_missing_folders_are_made(tmp_path):
    with pytest.raises(HistoryUnavailable, match="is a folder"):
        History(tmp_path)
    assert History(tmp_path / "a" / "b" / "h.sqlite3").path.is_file()


def test_the_settings_name_the_file(tmp_path, monkeypatch):
    assert History.for_settings(Settings(index_dir=tmp_path / "ix")).path == tmp_path / "ix" / "history.sqlite3"
    monkeypatch.setenv("QA_HISTORY_PATH", str(tmp_path / "elsewhere.sqlite3"))
    assert History.for_settings(Settings(index_dir=tmp_path / "ix")).path == tmp_path / "elsewhere.sqlite3"
    monkeypatch.setenv("QA_HISTORY_PATH", "")
    assert Settings(index_dir=tmp_path).history_path is None


# Conversation.save and Conversation.load ---------------------------------------------------


class CountingHistory(History):
    def __init__(self, path):
        super().__init__(path)
        self.added: list[str] = []

    def add_turn(self, conversation_id, owner, turn):
        self.added.append(turn.question)
        super().add_turn(conversation_id, owner, turn)


def test_save_appends_only_new_turns_and_load_restores(tmp_path):
    history = CountingHistory(tmp_path / "history.sqlite3")
    chat = Conversation(FakeAssistant(rewrites=['{"question": "second?"}', '{"question": "third?"}']))
    assert chat.id is None
    chat.ask("first?")
    chat_id = chat.save(history)
    assert chat.id == chat_id and chat.title == "first?" and history.added == ["first?"]
    chat.ask("and the second?")
    assert chat.save() == chat_id  # the same history as before, without naming it
    assert chat.save() == chat_id and history.added == ["first?", "and the second?"]
    assert history.get(chat_id, "local").owner == "local"

    again = Conversation.load(chat_id, history, assistants=FakeAssistant(rewrites=['{"question": "third?"}']))
    assert (again.id, again.title) == (chat_id, "first?")
    assert [t.to_dict() for t in again.turns] == [t.to_dict() for t in chat.turns]
    assert again.citation(1, 1).quote == "Quote"
    assert again.ask("and a third?").search_question == "third?"  # the loaded turns are the follow-up's history
    again.save()
    assert history.added == ["first?", "and the second?", "and a third?"]
    assert [t.question for t in history.turns(chat_id, None)] == ["first?", "and the second?", "and a third?"]


def test_save_and_load_use_the_history_beside_the_assistants_index(tmp_path):
    settings = Settings(index_dir=tmp_path / "index")
    chat = Conversation(FakeAssistant(settings=settings))
    chat.ask("first?")
    chat_id = chat.save()
    assert (tmp_path / "index" / "history.sqlite3").is_file()
    loaded = Conversation.load(chat_id, assistants=FakeAssistant(settings=settings))
    assert [t.question for t in loaded.turns] == ["first?"]


def test_a_chat_begun_in_a_browser_goes_on_in_python(tmp_path):
    history = History(tmp_path / "history.sqlite3")
    saved = history.create("browser:tab-1")
    history.add_turn(saved.id, "browser:tab-1", Turn("first?", full_answer("first?")))
    chat = Conversation.load(saved.id, history, assistants=FakeAssistant(rewrites=['{"question": "more?"}']))
    chat.ask("more?")
    chat.save()
    assert history.get(saved.id, "browser:tab-1").turns == 2  # still the browser's conversation
    with pytest.raises(ConversationNotFound):
        Conversation.load(saved.id, history, owner="user:ann", assistants=FakeAssistant())
    mine = Conversation.load(saved.id, history, owner="browser:tab-1", assistants=FakeAssistant())
    assert len(mine.turns) == 2


def test_a_turn_still_being_answered_waits_for_the_next_save(tmp_path):
    history = History(tmp_path / "history.sqlite3")
    chat = Conversation(FakeAssistant(), title="Named")
    chat.turns += [Turn("stopped?"), Turn("answered?", error="failed"), Turn("still going?")]
    chat_id = chat.save(history, owner="user:ann")
    assert [t.question for t in history.turns(chat_id, "user:ann")] == ["stopped?", "answered?"]
    assert chat.title == "Named"
    chat.turns[-1].error = "The LLM failed."
    chat.save()
    assert [t.error for t in history.turns(chat_id, "user:ann")] == ["", "failed", "The LLM failed."]


def test_an_id_set_by_hand_appends_after_what_is_stored(tmp_path):
    history = CountingHistory(tmp_path / "history.sqlite3")
    first = Conversation(FakeAssistant())
    first.ask("one?")
    chat_id = first.save(history)
    rebuilt = Conversation.from_dict(first.to_dict(), FakeAssistant(rewrites=['{"question": "two?"}']))
    rebuilt.id = chat_id
    rebuilt.ask("two?")
    rebuilt.save(history)
    assert history.added == ["one?", "two?"]


def test_saving_a_deleted_conversation_says_so(tmp_path):
    history = History(tmp_path / "history.sqlite3")
    chat = Conversation(FakeAssistant())
    chat.ask("one?")
    chat.save(history)
    history.delete(chat.id, None)
    chat.ask("two?")
    with pytest.raises(ConversationNotFound, match=chat.id):
        chat.save()


# Citation states -----------------------------------------------------------------------------


class FakeLibrary:
    def __init__(self, texts: dict[str, str] | None):
        self._texts = texts

    def exists(self) -> bool:
        return self._texts is not None

    def texts(self, doc_ids):
        return {d: self._texts[d] for d in doc_ids if d in self._texts}


QUOTED = Citation(1, "d:0:x", "d", "a.txt", "A", 4, 7, "two")


@pytest.mark.parametrize(
    "texts, state",
    [
        ({"d": "One two three"}, "ok"),
        ({"d": "One TWO three"}, "changed"),
        ({"d": "Zero one two three"}, "changed"),  # the quote moved: its span no longer holds it
        ({"d": "One"}, "changed"),  # the span runs past the end
        ({"e": "One two three"}, "removed"),
        ({}, "removed"),
        (None, "removed"),  # no index at all
    ],
)
def test_citation_state(texts, state):
    assert citation_state(QUOTED, FakeLibrary(texts)) == state


def test_citation_states_of_a_conversation():
    answer = Answer("q", "t", [], [QUOTED, Citation(2, "e:0:y", "e", "b.txt", "B", 0, 3, "Bee")], False, "m", {})
    turns = [Turn("q", answer), Turn("failed", error="x"), Turn("q", answer)]
    states = citation_states(turns, FakeLibrary({"d": "One two three", "e": "Bed"}))
    assert states == {(0, 1): "ok", (0, 2): "changed", (2, 1): "ok", (2, 2): "changed"}


@pytest.mark.integration
def test_citation_states_after_files_are_edited_reingested_and_removed(tmp_path, settings, embedder):
    """A real index: an unchanged file stays ok, an edited one is changed, a removed one is removed."""
    from qa.library import Library

    docs = tmp_path / "docs"
    docs.mkdir()
    kept, edited, removed = (docs / f"{name}.txt" for name in ("kept", "edited", "removed"))
    body = "Iraq sent 300 fighters into Syria on Monday. They crossed at night near Rabia. Officials confirmed it."
    for path in (kept, edited, removed):
        path.write_text(f"{path.stem.title()} report\n\n{body}\n", encoding="utf-8")
    library = Library(settings.model_copy(update={"index_dir": tmp_path / "index", "seeds_dir": None}), embedder=embedder)
    library.ingest([docs])

    def cite(path: Path) -> Citation:
        doc = next(d for d in library.documents() if Path(d.path) == path.resolve())
        text = library.document(doc.doc_id).text
        start = text.index("They crossed")
        end = text.index("Rabia.") + len("Rabia.")
        return Citation(1, f"{doc.doc_id}:0000:x", doc.doc_id, doc.source, doc.title, start, end, text[start:end])

    citations = {path.stem: cite(path) for path in (kept, edited, removed)}
    assert {name: citation_state(c, library) for name, c in citations.items()} == dict.fromkeys(citations, "ok")

    library.ingest([docs])  # nothing changed
    assert {name: citation_state(c, library) for name, c in citations.items()} == dict.fromkeys(citations, "ok")

    edited.write_text(f"Edited report\n\nUpdated: {body}\n", encoding="utf-8")  # same file, same doc_id, text moved
    removed.unlink()
    library.ingest([docs])
    assert cite(edited).doc_id == citations["edited"].doc_id
    states = {name: citation_state(c, library) for name, c in citations.items()}
    assert states == {"kept": "ok", "edited": "changed", "removed": "removed"}
    turns = [Turn("q", Answer("q", "t", [], [citations[name]], False, "m", {})) for name in ("kept", "edited", "removed")]
    assert citation_states(turns, library) == {(0, 1): "ok", (1, 1): "changed", (2, 1): "removed"}
    assert citation_state(citations["kept"], SimpleNamespace(exists=lambda: False, texts=None)) == "removed"
