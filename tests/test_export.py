"""Exported conversations and the `qa history` commands: every quote read back from the Markdown is its source's text.

Formatting, notes, errors, abstentions and the commands run on hand-built
answers without a model; one test asks the real model two questions, saves
the conversation and exports it with `qa history export`.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.answer import Answer, AnswerSentence, Citation
from qa.cli import app
from qa.conversation import Conversation, Turn
from qa.export import answer_markdown, citation_line, to_json, to_markdown
from qa.history import History
from tests.conftest import ROOT

QA = str(Path(sys.executable).parent / "qa")

# Reading an exported file back -----------------------------------------------------------

_HEAD = re.compile(r"^\[(\d+)\] “", re.M)
_TAIL = re.compile(  # greedy up to "chars": the last one on the line is ours, whatever the quote holds
    r"” — [^\n]*chars (\d+)–(\d+) of ([^\n]+?)(?: \((the article has changed since|the article was removed)\))?$", re.M
)


def quotes_in(markdown: str) -> list[dict]:
    """Every citation line of an export: n, quote, start, end, source, note.

    The quote is the text between “ and the ” that ends it; where a quote
    itself holds ” — ..., its stated span length tells which ” it is.
    """
    found, at = [], 0
    while head := _HEAD.search(markdown, at):
        begin = close = head.end()
        while (close := markdown.find("” — ", close)) >= 0:
            tail = _TAIL.match(markdown, close)
            if tail and close - begin == int(tail[2]) - int(tail[1]):
                found.append({"n": int(head[1]), "quote": markdown[begin:close], "start": int(tail[1]),
                              "end": int(tail[2]), "source": tail[3], "note": tail[4]})  # fmt: skip
                at = tail.end()
                break
            close += 1
        else:
            raise AssertionError(f"citation [{head[1]}] at {begin} has no ending that matches its span")
    return found


def source_text(source: str) -> str:
    path = Path(source)
    return (path if path.is_absolute() else Path.cwd() / path).read_text(encoding="utf-8")


# Hand-built answers ----------------------------------------------------------------------------

TRICKY = [  # quotes a Markdown writer could garble: markup, typographic quotes, newlines, our own separators
    "At least 300 fighters *crossed* the border_line (#1).",
    "“We will not stop,” he said — “ever.”",
    "Line one\nline two\n\n[9] “not a citation” — x, chars 1–2 of y",
    "Prices rose 5% to $1,200 <b>overnight</b> & fell.",
]


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text("Headline\n\n" + "\n".join(TRICKY) + "\nThe end.\n", encoding="utf-8")
    return path


def cited(path: Path, quotes: list[str], **meta) -> list[Citation]:
    text = path.read_text(encoding="utf-8")
    spans = [(text.index(q), text.index(q) + len(q)) for q in quotes]
    return [Citation(n, f"doc:{n:04d}:x", "doc", str(path), "Headline", s, e, text[s:e], **meta)
            for n, (s, e) in enumerate(spans, 1)]  # fmt: skip


def answer_citing(citations: list[Citation], question: str = "What happened?") -> Answer:
    sentences = [AnswerSentence(f"Sentence {c.n}.", [c.n], True, 0.9) for c in citations]
    sentences.append(AnswerSentence("A guess.", [], False, 0.1, reason="no citation supports it"))
    text = " ".join(f"Sentence {c.n}.[{c.n}]" for c in citations)
    return Answer(question, text, sentences, citations, False, "fake-model", {"total_ms": 2345.0},
                  search_question=question)  # fmt: skip


def test_every_quote_read_back_from_the_markdown_is_the_source_at_its_span(article):
    citations = cited(article, TRICKY, site="BBC News", published="2015-03-02")
    turns = [Turn("What happened?", answer_citing(citations)), Turn("And then?", answer_citing(citations[2:], "And then?"))]
    markdown = to_markdown("Tricky quotes", turns)
    found = quotes_in(markdown)
    assert [(q["n"], q["quote"]) for q in found] == [(c.n, c.quote) for t in turns for c in t.answer.citations]
    for q in found:
        assert source_text(q["source"])[q["start"] : q["end"]] == q["quote"]
        assert q["note"] is None


@pytest.mark.parametrize(
    "meta, line",
    [
        ({}, "[1] “Q” — T, chars 3–4 of s.txt"),
        ({"title": ""}, "[1] “Q” — s.txt, chars 3–4 of s.txt"),
        ({"site": "Reuters", "published": "2024-12-01"}, "[1] “Q” — T, Reuters, 2024-12-01, chars 3–4 of s.txt"),
        ({"published": "2024-12-01"}, "[1] “Q” — T, 2024-12-01, chars 3–4 of s.txt"),
        ({"page": 4}, "[1] “Q” — T, p. 4, chars 3–4 of s.txt"),
        ({"url": "https://x.example/a?b=1,2"}, "[1] “Q” — T, https://x.example/a?b=1,2, chars 3–4 of s.txt"),
    ],
)
def test_citation_line(meta, line):
    fields = {"n": 1, "passage_id": "d:0:x", "doc_id": "d", "source": "s.txt", "title": "T", "start": 3, "end": 4,
              "quote": "Q", **meta}  # fmt: skip
    assert citation_line(Citation(**fields)) == line


@pytest.mark.parametrize(
    "state, note",
    [(None, None), ("ok", None), ("changed", "the article has changed since"), ("removed", "the article was removed")],
)
def test_a_citation_says_when_its_article_changed_or_went(article, state, note):
    citations = cited(article, TRICKY[:2])
    states = {(1, 2): state} if state else {}
    markdown = to_markdown("t", [Turn("q", answer_citing(citations)), Turn("q", answer_citing(citations))], states)
    found = quotes_in(markdown)
    assert [q["note"] for q in found] == [None, None, None, note]
    assert [q["quote"] for q in found] == [c.quote for c in citations] * 2  # the stored quote, whatever its state


def test_a_single_answer_uses_its_own_place_for_the_states(article):
    turn = Turn("q", answer_citing(cited(article, TRICKY[:1])))
    states = {(0, 1): "removed", (3, 1): "changed"}
    assert "(the article has changed since)" in answer_markdown(turn, states, turn_index=3)
    assert "(the article was removed)" in answer_markdown(turn, states)


def test_the_markdown_reads_as_a_record_of_the_conversation(article):
    answered = answer_citing(cited(article, TRICKY[:1]), "How many crossed?")
    answered.search_question = "How many fighters crossed?"
    refused = answer_citing(cited(article, TRICKY[:1]), "Population?").refused("relevance", "the passages do not say")
    turns = [
        Turn("How many\ncrossed?", answered),
        Turn("Population?", refused),
        Turn("And then?", error="The LLM at http://127.0.0.1:8080/v1 did not answer in 120 s."),
        Turn("Stopped?"),
    ]
    markdown = to_markdown("  My\nchat ", turns)
    assert markdown.startswith("# My chat\n\n## Q: How many crossed?\n\n(searched for “How many fighters crossed?”)\n\n")
    assert "Sentence 1.[1]\n\n[1] “At least 300" in markdown
    assert "(removed, not supported by its sources: “A guess.” — no citation supports it)" in markdown
    assert "— fake-model, 2.3 s" in markdown
    assert ("## Q: Population?\n\nThe documents do not say.\n\n"
            "(The assistant did not answer from the documents: the passages do not say)") in markdown  # fmt: skip
    assert "## Q: And then?\n\nNo answer: The LLM at http://127.0.0.1:8080/v1 did not answer in 120 s.\n" in markdown
    assert "## Q: Stopped?\n\nNo answer: the question was stopped before it was answered.\n" in markdown
    assert len(quotes_in(markdown)) == 1  # an abstention cites nothing
    assert to_markdown("", []) == "# Conversation\n"


def test_json_export_round_trips_every_answer(article):
    turns = [Turn("What happened?", answer_citing(cited(article, TRICKY))), Turn("And then?", error="failed")]
    data = json.loads(to_json("Tricky “quotes”", turns))
    assert data["title"] == "Tricky “quotes”" and [t["question"] for t in data["turns"]] == ["What happened?", "And then?"]
    again = [Turn.from_dict(t) for t in data["turns"]]
    assert again[0].answer == turns[0].answer and Answer.from_dict(data["turns"][0]["answer"]) == turns[0].answer
    assert data["turns"][1] == {"question": "And then?", "answer": None, "error": "failed"}


# The qa history commands ----------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path, article):
    """A history with two conversations, and the environment that points `qa` at it (no index: quotes are "removed")."""
    history = History(tmp_path / "history.sqlite3")
    first = history.create("user:ann")
    history.add_turn(first.id, "user:ann", Turn("What happened?", answer_citing(cited(article, TRICKY))))
    history.add_turn(first.id, "user:ann", Turn("And then?", error="The LLM failed."))
    second = history.create("local", "Second chat")
    env = {"QA_HISTORY_PATH": str(history.path), "QA_INDEX_DIR": str(tmp_path / "index"), "QA_CONFIG": "none.toml"}
    return history, first.id, second.id, env


def qa(env, *args):
    result = CliRunner().invoke(app, list(args), env=env)
    assert "Traceback" not in result.output
    return result


def test_history_list(saved):
    history, first, second, env = saved
    listed = qa(env, "history", "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["id", "turns", "updated", "(UTC)", "owner", "title"]
    assert lines[1].split()[0::3] == [second, "local"] and lines[1].endswith("Second chat")
    assert lines[2].split()[:2] == [first, "2"] and "user:ann" in lines[2] and lines[2].endswith("What happened?")
    rows = json.loads(qa(env, "history", "list", "--json").stdout)
    assert [(r["id"], r["owner"], r["title"], r["turns"]) for r in rows] == [
        (second, "local", "Second chat", 0), (first, "user:ann", "What happened?", 2)]  # fmt: skip
    assert set(rows[0]) == {"id", "owner", "title", "created", "updated", "turns"}


def test_history_list_of_nothing_saved_creates_no_file(tmp_path):
    env = {"QA_HISTORY_PATH": str(tmp_path / "none" / "h.sqlite3"), "QA_CONFIG": "none.toml"}
    result = qa(env, "history", "list")
    assert result.exit_code == 0 and "No saved conversations in" in result.stdout
    assert json.loads(qa(env, "history", "list", "--json").stdout) == []
    assert not (tmp_path / "none").exists()


def test_history_show_checks_the_quotes_against_the_index(saved):
    _, first, _, env = saved
    shown = qa(env, "history", "show", first)
    assert shown.exit_code == 0 and shown.stdout.startswith("# What happened?\n\n## Q: What happened?\n")
    found = quotes_in(shown.stdout)
    assert [q["quote"] for q in found] == TRICKY
    assert {q["note"] for q in found} == {"the article was removed"}  # there is no index at all here
    assert "No answer: The LLM failed." in shown.stdout


def test_history_export_markdown_and_json_to_a_file_or_stdout(saved, tmp_path):
    history, first, _, env = saved
    out = tmp_path / "out" / "chat.md"
    out.parent.mkdir()
    written = qa(env, "history", "export", first, "--format", "md", "--out", str(out))
    assert written.exit_code == 0 and written.stdout == "" and f"Wrote {out}" in written.stderr
    markdown = out.read_text(encoding="utf-8")
    assert markdown == qa(env, "history", "export", first).stdout  # md is the default; stdout without --out
    assert markdown == qa(env, "history", "export", first, "--format", "markdown").stdout  # the page's name for it
    for q in quotes_in(markdown):
        assert source_text(q["source"])[q["start"] : q["end"]] == q["quote"]
    data = json.loads(qa(env, "history", "export", first, "--format", "json").stdout)
    assert [Turn.from_dict(t) for t in data["turns"]] == history.turns(first, None)
    one = qa(env, "history", "export", first, "--turn", "2")
    assert one.stdout == "## Q: And then?\n\nNo answer: The LLM failed.\n"
    assert json.loads(qa(env, "history", "export", first, "--format", "json", "--turn", "1").stdout)["turns"] == data["turns"][:1]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--format", "pdf"], "--format 'pdf' is not a format qa exports; use md or json"),
        (["--turn", "3"], "--turn 3: conversation {id} has 2 turns; give 1 to 2"),
        (["--turn", "0"], "--turn 0"),
        (["--out", "{tmp}/no/such/folder/x.md"], "Cannot write {tmp}/no/such/folder/x.md"),
    ],
)
def test_history_export_refuses_bad_options_with_a_message(saved, tmp_path, args, needle):
    _, first, _, env = saved
    args = [a.format(tmp=tmp_path) for a in args]
    result = qa(env, "history", "export", first, *args)
    assert result.exit_code == 1 and needle.format(id=first, tmp=tmp_path) in result.stderr and result.stdout == ""


def test_history_rename_and_delete(saved):
    history, first, second, env = saved
    renamed = qa(env, "history", "rename", first, "Fighters, again")
    assert renamed.exit_code == 0 and renamed.stdout == f"Renamed {first}: Fighters, again\n"
    assert history.get(first, None).title == "Fighters, again"
    empty = qa(env, "history", "rename", first, "   ")
    assert empty.exit_code == 2 and "cannot be empty" in empty.stderr
    deleted = qa(env, "history", "delete", first)
    assert deleted.exit_code == 0 and deleted.stdout == f"Deleted {first} (Fighters, again, 2 turns).\n"
    assert [s.id for s in history.conversations(None)] == [second]


@pytest.mark.parametrize("command", [["show"], ["export"], ["export", "--format", "json"], ["rename"], ["delete"]])
def test_an_unknown_id_is_named_with_exit_code_2(saved, command):
    history, *_, env = saved
    args = ["history", command[0], "no-such-id", *command[1:]]
    if command[0] == "rename":
        args.append("New title")
    result = qa(env, *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "Error: No saved conversation has the id 'no-such-id'. Choose one from the list of saved conversations"
        " (`qa history list` on the command line).\n"
    )
    assert len(history.conversations(None)) == 2


def test_an_old_history_file_is_reported_not_raised(saved):
    history, first, _, env = saved
    with sqlite3.connect(history.path) as db:
        db.execute("UPDATE qa_history SET value = '0' WHERE key = 'schema_version'")
    for args in (["list"], ["show", first]):
        result = qa(env, "history", *args)
        assert result.exit_code == 2 and "format version 0" in result.stderr and str(history.path) in result.stderr


# Through the real model ----------------------------------------------------------------------------


@pytest.mark.integration
def test_a_real_conversation_exported_by_the_cli_quotes_its_sources_exactly(tmp_path, assistant, settings):
    """Two questions (the second a follow-up) through the real model, saved, then `qa history export` in a process of its own."""
    chat = Conversation(assistant)
    chat.ask("How many fighters did Iraq send into Syria?")
    chat.ask("Which armed groups did they belong to?")
    history = History(tmp_path / "history.sqlite3")
    chat_id = chat.save(history)
    env = {**os.environ, "QA_INDEX_DIR": str(settings.index_dir), "QA_HISTORY_PATH": str(history.path),
           "QA_MODEL_DIR": str(ROOT / "models"), "HF_HUB_OFFLINE": "1"}  # fmt: skip
    out = tmp_path / "chat.md"
    run = subprocess.run([QA, "history", "export", chat_id, "--format", "md", "--out", str(out)],
                         capture_output=True, text=True, env=env, cwd=Path.cwd(), timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    markdown = out.read_text(encoding="utf-8")
    found = quotes_in(markdown)
    citations = [c for t in chat.turns for c in t.answer.citations]
    assert citations, f"the headline question should be answered with citations:\n{markdown}"
    assert [(q["n"], q["quote"], q["start"], q["end"]) for q in found] == [(c.n, c.quote, c.start, c.end) for c in citations]
    for q in found:
        assert source_text(q["source"])[q["start"] : q["end"]] == q["quote"], q
        assert q["note"] is None  # the index is as it was: every quote still holds
    assert "## Q: How many fighters did Iraq send into Syria?" in markdown
    assert "## Q: Which armed groups did they belong to?" in markdown
    exported = subprocess.run([QA, "history", "export", chat_id, "--format", "json"],
                              capture_output=True, text=True, env=env, cwd=Path.cwd(), timeout=300)  # fmt: skip
    data = json.loads(exported.stdout)
    assert [Answer.from_dict(t["answer"]).to_dict() for t in data["turns"]] == [t.answer.to_dict() for t in chat.turns]
