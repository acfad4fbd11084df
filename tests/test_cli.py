"""The command line as a user runs it: exit codes, stdout/stderr discipline, no tracebacks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

QA = str(Path(sys.executable).parent / "qa")


def run(*args, env=None, cwd=ROOT, timeout=900):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([QA, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout)


def test_help_loads_no_heavy_library():
    code = (
        "import sys, qa.cli\n"
        "heavy = {'torch', 'chromadb', 'llama_cpp', 'gradio', 'sentence_transformers', 'llama_index'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    result = run("--help")
    assert result.returncode == 0 and "ingest" in result.stdout and "ask" in result.stdout


@pytest.mark.parametrize("question, needle", [("", "empty"), ("   ", "empty"), ("x" * 2001, "limit")])
def test_bad_question_exit_code_2_and_a_message(question, needle):
    result = run("ask", question)
    assert result.returncode == 2
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_invalid_setting_is_reported_not_raised():
    result = run("ask", "Anything?", env={"QA_TOP_K": "zero"})
    assert result.returncode == 2 and "top_k" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.integration
def test_ingest_warns_about_bad_files_by_name(tmp_path):
    """Ingest from the command line; `qa ask --json` is run by tests/test_readme.py on the README's own question."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text((ROOT / "seeds" / "003_c00daf70bb690643.txt").read_text())
    (docs / "b.bin.txt").write_bytes(b"\x00\x00binary")
    env = {"QA_INDEX_DIR": str(tmp_path / "index"), "QA_MODEL_DIR": str(ROOT / "models")}
    ingest = run("ingest", str(docs), env=env)
    assert ingest.returncode == 0, ingest.stderr
    assert "b.bin.txt" in ingest.stderr and "binary" in ingest.stderr
    assert ingest.stdout.startswith("Indexed 1 documents")
    again = run("ingest", "--json", str(docs), env=env)
    report = json.loads(again.stdout)  # exactly one JSON object
    assert (report["documents"], report["passages"], len(report["unchanged"])) == (1, 0, 1)


@pytest.mark.integration
def test_docs_status_remove_and_rebuild(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.txt").write_text("The harbour of Tartus received 12 grain ships in May.")
    (docs / "lighthouse.txt").write_text("The lighthouse was built in 1888.")
    env = {"QA_INDEX_DIR": str(tmp_path / "index"), "QA_MODEL_DIR": str(ROOT / "models")}

    status = run("status", env=env)
    assert status.returncode == 0 and "not built yet" in status.stdout
    assert not (tmp_path / "index").exists(), "status never creates an index"
    assert run("ingest", str(docs), env=env).returncode == 0

    listed = json.loads(run("docs", "--json", env=env).stdout)
    assert sorted(Path(d["source"]).name for d in listed) == ["harbour.txt", "lighthouse.txt"]
    assert all(d["passages"] == 1 and d["ingested_at"] for d in listed)
    table = run("docs", env=env)
    assert "lighthouse.txt" in table.stdout and "2 documents, 2 passages" in table.stderr
    info = json.loads(run("status", "--json", env=env).stdout)
    assert (info["documents"], info["passages"], info["index"]) == (2, 2, str(tmp_path / "index"))
    assert "Qwen2.5" in info["llm"] and info["size_bytes"] > 0

    removed = run("remove", "lighthouse.txt", env=env)
    assert removed.returncode == 0 and "Removed" in removed.stdout
    missing = run("remove", "lighthouse.txt", env=env)
    assert missing.returncode == 2 and "qa docs" in missing.stderr and "Traceback" not in missing.stderr

    # An index written by another version of qa: a clear message, then `qa ingest --rebuild` fixes it.
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(tmp_path / "index"), settings=ChromaSettings(anonymized_telemetry=False))
    for name in ("qa_passages", "qa_documents"):
        collection = client.get_collection(name)
        collection.modify(metadata={**collection.metadata, "index_version": 0})
    stale = run("ask", "Which harbour received grain ships?", env=env)
    assert stale.returncode == 2 and "qa ingest --rebuild" in stale.stderr and "Traceback" not in stale.stderr
    rebuilt = run("ingest", "--rebuild", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert [Path(d["source"]).name for d in json.loads(run("docs", "--json", env=env).stdout)] == ["harbour.txt"]


@pytest.mark.integration
def test_terminal_chat_answers_a_question_and_a_follow_up(tmp_path):
    env = {"QA_INDEX_DIR": str(tmp_path / "index"), "QA_MODEL_DIR": str(ROOT / "models"), "QA_LLM_TIMEOUT_S": "600"}
    assert run("ingest", str(ROOT / "seeds"), env=env).returncode == 0
    questions = "Who sent fighters into Syria from Iraq?\nHow many did they send, according to Iraqi security sources?\n"
    chat = subprocess.run([QA, "chat", "--cli"], input=questions, capture_output=True, text=True, timeout=900,
                          env={**os.environ, **env}, cwd=ROOT)  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    answers = chat.stdout.strip().split("\n\n")
    assert len(answers) == 2, chat.stdout
    assert "searched for" in chat.stderr  # the follow-up was made standalone for the search
    text = (ROOT / "seeds" / "000_64f02bec46151ae5.txt").read_text(encoding="utf-8")
    for line in chat.stdout.splitlines():
        if line.startswith("[") and "“" in line:
            start, end = map(int, line.split(" [", 1)[1].split("]", 1)[0].split(":"))
            quote = line.split("“", 1)[1].rsplit("”", 1)[0]
            assert quote in text or quote == (ROOT / "seeds" / "003_c00daf70bb690643.txt").read_text(encoding="utf-8")[start:end]

    # The chat was saved as it went, and goes on from where it stopped, its answers still there for follow-ups.
    (saved,) = json.loads(run("history", "list", "--json", env=env).stdout)
    assert saved["turns"] == 2 and saved["title"] == "Who sent fighters into Syria from Iraq?"
    assert f"Saved as conversation {saved['id']}" in chat.stderr
    more = subprocess.run([QA, "chat", "--cli", "--resume", saved["id"]], input="Which groups were they from?\n",
                          capture_output=True, text=True, timeout=900, env={**os.environ, **env}, cwd=ROOT)  # fmt: skip
    assert more.returncode == 0, more.stderr
    assert "2 earlier turns" in more.stderr and "searched for" in more.stderr
    (saved,) = json.loads(run("history", "list", "--json", env=env).stdout)
    assert saved["turns"] == 3
    export = json.loads(run("history", "export", saved["id"], "--format", "json", env=env).stdout)
    assert export["turns"][2]["question"] == "Which groups were they from?" and export["turns"][2]["answer"]


def test_terminal_chat_refuses_an_unknown_conversation_before_loading_anything(tmp_path):
    env = {"QA_INDEX_DIR": str(tmp_path / "index")}
    result = subprocess.run([QA, "chat", "--cli", "--resume", "no-such-chat"], input="", capture_output=True, text=True,
                            timeout=300, env={**os.environ, **env}, cwd=ROOT)  # fmt: skip
    assert result.returncode == 2 and "no-such-chat" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "index").exists()  # neither an index nor a history is made for a chat that cannot start
    browser = run("chat", "--resume", "abc", env=env)
    assert browser.returncode == 2 and "--cli" in browser.stderr and "Traceback" not in browser.stderr


@pytest.mark.integration
def test_terminal_chat_without_saving_writes_no_history(tmp_path):
    env = {"QA_INDEX_DIR": str(tmp_path / "index"), "QA_MODEL_DIR": str(ROOT / "models")}
    assert run("ingest", str(ROOT / "seeds"), env=env).returncode == 0
    chat = subprocess.run([QA, "chat", "--cli", "--no-save"], input="", capture_output=True, text=True, timeout=900,
                          env={**os.environ, **env}, cwd=ROOT)  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    assert not (tmp_path / "index" / "history.sqlite3").exists() and "Saved as" not in chat.stderr


class _StreamingAssistant:
    """Yields what Assistant.stream yields: the evidence, the growing draft, the checked answer."""

    def __init__(self, answer):
        self.answer = answer

    def stream(self, question):
        from qa.answer import Looking

        yield Looking([{"n": 1, "source": "news/iraq.txt", "start": 0, "end": 21, "text": "At least 300 fighters"}])
        yield "At least"
        yield "At least 300 fighters crossed."
        yield self.answer


@pytest.mark.parametrize("terminal", [True, False])
def test_ask_shows_the_evidence_then_the_draft_on_a_terminal_only(monkeypatch, capsys, terminal):
    from qa import cli
    from qa.answer import Answer

    answer = Answer(text="At least 300 fighters crossed.", sentences=[], citations=[], abstained=False,
                    question="q", model="m", timings={"total_ms": 1.0})  # fmt: skip
    monkeypatch.setattr(sys.stderr, "isatty", lambda: terminal)
    assert cli._ask_showing_progress(_StreamingAssistant(answer), "q") is answer
    err = capsys.readouterr().err
    if terminal:
        assert err.index("Looking at:") < err.index("“At least 300 fighters” (iraq.txt)") < err.index("At least 300 fighters crossed.")
    else:
        assert err == ""
