"""The chat UI: HTML rendering and follow-up rewriting (pure), then the app itself.

The app runs in-process on a free port. Integration tests drive it with
gradio_client against the real models (the session `assistant`); browser
tests drive it with headless Debian Chromium, both with the real models and
with a scripted LLM (which needs no model time, so the conversation it plays
is exactly known).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from qa.documents import Document
from qa.errors import IngestError, LLMUnavailable
from qa.followup import MAX_TURNS, build_messages, parse_reply, standalone_question
from qa.ingest.uploads import reindex_paths, remove_upload, safe_filename, save_upload, uploads_dir
from qa.llm import FakeLLM
from qa.ui import render

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
DAMASCUS = "How many Iranian and Iraqi fighters had arrived to defend Damascus?"


def answer_dict(**overrides) -> dict:
    base = {
        "question": "How many?",
        "text": "About 7,000 arrived.[1]",
        "sentences": [{"text": "About 7,000 arrived.", "citations": [1], "supported": True, "score": 1.0, "reason": ""}],
        "citations": [
            {"n": 1, "passage_id": "doc1:0001:abcd", "doc_id": "doc1", "source": "seeds/a.txt", "title": "Fighters",
             "start": 4, "end": 27, "quote": "7,000 <fighters> & more"}
        ],
        "abstained": False,
        "model": "qwen-test",
        "timings": {"total_ms": 9876.0},
        "abstain_reason": "",
        "search_question": "How many?",
    }
    base.update(overrides)
    return base


# Rendering --------------------------------------------------------------------


def test_question_and_quote_are_escaped():
    turn = {"question": "<script>alert(1)</script>", "answer": answer_dict(), "streaming": "", "error": ""}
    html = render.render_conversation([turn])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "7,000 &lt;fighters&gt; &amp; more" in html  # the quote, in the hover text
    assert "<fighters>" not in html


def test_citation_link_carries_turn_number_and_exact_quote():
    html = render.render_answer(3, answer_dict())
    assert 'data-turn="3"' in html and 'data-n="1"' in html
    assert "[1]</a>" in html
    assert 'aria-label="Source 1: 7,000 &lt;fighters&gt; &amp; more"' in html


def test_answer_shows_model_time_and_search_question():
    html = render.render_answer(0, answer_dict(search_question="How many fighters arrived in Damascus?"))
    assert "qwen-test · 9.9 s" in html
    assert "searched for “How many fighters arrived in Damascus?”" in html
    assert "searched for" not in render.render_answer(0, answer_dict())


def test_removed_sentence_is_shown_struck_with_its_reason():
    sentences = answer_dict()["sentences"] + [
        {"text": "Purple <elephants> flew.", "citations": [], "supported": False, "score": 0.1,
         "reason": "Purple not in the cited text"}
    ]
    html = render.render_answer(0, answer_dict(sentences=sentences))
    assert '<div class="removed">Removed, not supported by its sources: <del>Purple &lt;elephants&gt; flew.</del>' in html
    assert "(Purple not in the cited text)" in html
    answer_text = html.split('<p class="answer-text">')[1].split("</p>")[0]
    assert "Purple" not in answer_text


def test_abstention_is_styled_apart_with_its_reason():
    html = render.render_answer(
        0, answer_dict(abstained=True, text="The documents do not say.", citations=[], sentences=[],
                       abstain_reason="Nothing in the documents is close to <this>.")
    )
    assert 'class="a abstained"' in html and 'class="a answered"' not in html
    assert "No answer from the documents" in html
    assert "Nothing in the documents is close to &lt;this&gt;." in html
    assert "a class=\"cite\"" not in html
    assert "cites nothing" in render.render_sources(0, answer_dict(abstained=True, citations=[]))


def test_streaming_and_error_turns():
    streaming = render.render_turn(0, {"question": "q", "answer": None, "streaming": "Seven <thousand>", "error": ""})
    assert "Seven &lt;thousand&gt; …" in streaming and 'class="a streaming"' in streaming
    waiting = render.render_turn(0, {"question": "q", "answer": None, "streaming": "", "error": ""})
    assert "Searching the documents" in waiting
    error = render.render_turn(0, {"question": "q", "answer": None, "streaming": "x", "error": "The LLM <failed>."})
    assert 'class="a error"' in error and "The LLM &lt;failed&gt;." in error


@pytest.mark.parametrize(
    ("text", "start", "end", "marked"),
    [
        ("One <two> three.", 4, 9, "&lt;two&gt;"),
        ("Été à Paris: «Déjà vu».", 14, 21, "Déjà vu"),  # offsets are characters, not bytes
        ("abc", 0, 3, "abc"),
        ("abc", 3, 3, ""),
    ],
)
def test_article_marks_exactly_the_cited_span(text, start, end, marked):
    doc = Document("d", "/x/a.txt", "a.txt", "A", "sha", 1, text)
    c = {"n": 1, "start": start, "end": end, "quote": text[start:end], "source": "a.txt", "title": "A"}
    html = render.render_article(c, doc)
    assert f'<mark class="quote" id="qa-quote" data-n="1">{marked}</mark>' in html
    body = html.split('class="article-text">')[1]
    assert body.startswith(render.esc(text[:start]))


def test_article_that_changed_or_vanished_gets_a_note_not_a_wrong_mark():
    c = {"n": 2, "start": 0, "end": 5, "quote": "Hello", "source": "a.txt", "title": "A"}
    changed = render.render_article(c, Document("d", "/a", "a.txt", "A", "s", 1, "Howdy <all>"))
    assert "<mark" not in changed and "has changed since this answer" in changed and "Howdy &lt;all&gt;" in changed
    assert '<blockquote class="was">“Hello”</blockquote>' in changed  # the quote as it was
    out_of_range = render.render_article({**c, "end": 99}, Document("d", "/a", "a.txt", "A", "s", 1, "Hello"))
    assert "<mark" not in out_of_range
    gone = render.render_article(c, None)
    assert "was removed since this answer" in gone and "“Hello”" in gone and "<mark" not in gone


def test_article_marked_changed_shows_the_quote_as_it_was_even_where_the_span_still_matches():
    """A state other than "ok" wins over the text at the span: the viewer marks nothing it cannot vouch for."""
    c = {"n": 1, "start": 0, "end": 5, "quote": "Hello", "source": "a.txt", "title": "A"}
    doc = Document("d", "/a", "a.txt", "A", "s", 1, "Hello again")
    assert '<mark class="quote"' in render.render_article(c, doc, "ok")
    changed = render.render_article(c, doc, "changed")
    assert "<mark" not in changed and render.NOTES["changed"] in changed and "Hello again" in changed
    removed = render.render_article(c, doc, "removed")
    assert "<mark" not in removed and render.NOTES["removed"] in removed and "Hello again" not in removed


def test_sources_panel_groups_quotes_by_article():
    citations = [
        {"n": 1, "passage_id": "d1:0:x", "source": "a.txt", "title": "Alpha", "start": 0, "end": 1, "quote": "q1"},
        {"n": 2, "passage_id": "d2:0:y", "source": "b.txt", "title": "", "start": 0, "end": 1, "quote": "q<2>"},
        {"n": 3, "passage_id": "d1:1:z", "source": "a.txt", "title": "Alpha", "start": 2, "end": 3, "quote": "q3"},
    ]
    html = render.render_sources(4, answer_dict(citations=citations), active=3)
    assert html.count('class="source"') == 2
    assert "Sources of answer 5" in html
    assert html.index("q1") < html.index("q3") < html.index("b.txt")
    assert 'class="cite active" href="#" data-turn="4" data-n="3"' in html
    assert "q&lt;2&gt;" in html
    assert "appear here" in render.render_sources(None, None)


def test_document_rows_and_choices():
    docs = [
        Document("id1", "/p/a.txt", "p/a.txt", "Title A", "s", 7, ingested_at=0.0),
        Document("id2", "/p/b.txt", "p/b.txt", "", "s", 2),
        Document("id3", "/w/c.html", "https://x.org/c", "C", "s", 3, site="Reuters", published="2024-12-01"),
    ]
    rows = render.document_rows(docs)
    assert rows[0] == ["C", "Reuters", "2024-12-01", "https://x.org/c", 3, ""]  # dated first, newest first
    assert rows[2] == ["p/b.txt", "", "", "p/b.txt", 2, ""]
    assert rows[1][:5] == ["Title A", "", "", "p/a.txt", 7] and rows[1][5].startswith(("1970-01-01", "1969-12-31"))
    assert render.document_choices(docs)[0] == ("Title A — p/a.txt", "id1")


# Follow-up rewriting ----------------------------------------------------------


def test_followup_without_history_does_not_call_the_llm():
    llm = FakeLLM([])
    assert standalone_question(llm, "How many fighters?", []) == "How many fighters?"
    assert llm.calls == []


def test_followup_is_rewritten_from_the_conversation():
    llm = FakeLLM(['{"question": "How many fighters did Iraq send into Syria?"}'])
    history = [("Who sent fighters into Syria?", "Iraq sent fighters [1].")]
    assert standalone_question(llm, "How many did they send?", history) == "How many fighters did Iraq send into Syria?"
    user = llm.calls[0][1]["content"]
    assert "User: Who sent fighters into Syria?" in user
    assert "Assistant: Iraq sent fighters." in user  # citation markers are not conversation
    assert user.endswith("Last question: How many did they send?")


@pytest.mark.parametrize("reply", ["not json", '{"question": ""}', '{"question": 3}', '["x"]', '{"question": "' + "x" * 400 + '"}'])
def test_followup_falls_back_to_the_question_on_a_bad_reply(reply):
    assert standalone_question(FakeLLM([reply]), "And then?", [("q", "a")]) == "And then?"


def test_followup_falls_back_when_the_llm_fails():
    class Broken:
        name = "broken"

        def chat(self, messages, schema=None, on_token=None):
            raise LLMUnavailable("down")

    assert standalone_question(Broken(), "And then?", [("q", "a")]) == "And then?"


def test_followup_keeps_only_recent_turns():
    history = [(f"question {i}", f"answer {i}") for i in range(MAX_TURNS + 2)]
    user = build_messages("next?", history)[1]["content"]
    assert "question 0" not in user and f"question {MAX_TURNS + 1}" in user
    assert parse_reply('{"question": "  Who   won? "}') == "Who won?"


# Uploads ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.txt", "report.txt"),
        ("../../etc/passwd.md", "passwd.md"),
        ("..\\..\\win.ini.HTML", "win.ini.html"),
        ("/abs/path/Été 2015 (final).PDF", "Ete_2015_final.pdf"),
        (".bashrc.txt", "bashrc.txt"),
        ("....", "upload"),
        ("a b;rm -rf *.txt", "a_b_rm_-rf.txt"),
        ("noext", "noext"),
    ],
)
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe


def test_save_upload_never_overwrites_and_reuses_identical_files(tmp_path):
    folder = tmp_path / "uploads"
    first, second, same = tmp_path / "1.txt", tmp_path / "2.txt", tmp_path / "3.txt"
    first.write_text("first version")
    second.write_text("second version")
    same.write_text("first version")
    a = save_upload(first, "news.txt", folder, max_mb=1)
    b = save_upload(second, "news.txt", folder, max_mb=1)
    c = save_upload(same, "../news.txt", folder, max_mb=1)
    assert (a.name, b.name, c) == ("news.txt", "news-2.txt", a)
    assert a.read_text() == "first version" and b.read_text() == "second version"
    assert {p.name for p in folder.iterdir()} == {"news.txt", "news-2.txt"}


def test_save_upload_refuses_unsupported_and_oversized_files(tmp_path):
    exe, big = tmp_path / "x.exe", tmp_path / "big.txt"
    exe.write_bytes(b"MZ")
    big.write_bytes(b"x" * 2048)
    with pytest.raises(IngestError, match="unsupported type '.exe'"):
        save_upload(exe, "x.exe", tmp_path / "u", max_mb=1)
    with pytest.raises(IngestError, match="over the 0.001 MB limit"):
        save_upload(big, "big.txt", tmp_path / "u", max_mb=0.001)
    assert not (tmp_path / "u").exists()


def test_reindex_reads_folders_whole_and_other_files_alone(tmp_path):
    from qa.settings import Settings

    seeds, elsewhere = tmp_path / "seeds", tmp_path / "elsewhere"
    seeds.mkdir()
    elsewhere.mkdir()
    (seeds / "a.txt").write_text("a")
    (elsewhere / "b.txt").write_text("b")
    settings = Settings(seeds_dir=seeds, index_dir=tmp_path / "index")
    docs = [
        Document("1", str((seeds / "a.txt").resolve()), "a", "", "s", 1),
        Document("2", str((elsewhere / "b.txt").resolve()), "b", "", "s", 1),
        Document("3", str(tmp_path / "gone.txt"), "gone", "", "s", 1),
    ]
    assert reindex_paths(settings, docs) == [seeds, (elsewhere / "b.txt").resolve()]
    uploads_dir(settings).mkdir(parents=True)
    assert uploads_dir(settings) in reindex_paths(settings, docs)


def test_remove_deletes_only_files_inside_the_uploads_folder(tmp_path):
    from qa.settings import Settings

    settings = Settings(index_dir=tmp_path / "index")
    uploaded = uploads_dir(settings) / "a.txt"
    uploaded.parent.mkdir(parents=True)
    uploaded.write_text("a")
    outside = tmp_path / "b.txt"
    outside.write_text("b")
    assert remove_upload(Document("1", str(uploaded.resolve()), "a", "", "s", 1), settings)
    assert not remove_upload(Document("2", str(outside.resolve()), "b", "", "s", 1), settings)
    assert not uploaded.exists() and outside.exists()


# App helpers ------------------------------------------------------------------


def test_example_questions_come_from_the_settings():
    from qa.settings import Settings
    from qa.ui.app import GENERIC_EXAMPLES, example_questions

    assert example_questions(Settings(examples=["Who?", "When?"])) == ["Who?", "When?"]
    assert example_questions(Settings(examples=[])) == GENERIC_EXAMPLES


def test_login_comes_from_both_variables_or_none(monkeypatch):
    from qa.errors import QAError
    from qa.ui.login import login_from_env

    monkeypatch.delenv("QA_UI_USER", raising=False)
    monkeypatch.delenv("QA_UI_PASSWORD", raising=False)
    assert login_from_env() is None
    monkeypatch.setenv("QA_UI_USER", "ann")
    with pytest.raises(QAError, match="both"):
        login_from_env()
    monkeypatch.setenv("QA_UI_PASSWORD", "s3cret")
    assert login_from_env() == ("ann", "s3cret")


# The running app ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(assistant, library, **launch):
    from qa.conversation import Assistants
    from qa.ui.app import build_app

    port = free_port()
    demo = build_app(Assistants(assistant), library)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **launch)
    return demo, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def app_url(assistant, library):
    demo, url = serve(assistant, library)
    yield url
    demo.close()


class ScriptedLLM:
    """Replies by kind of request (answer, follow-up rewrite, relevance verdict), each from its own queue."""

    name = "scripted"

    def __init__(self, answers: list[str], rewrites: list[str]) -> None:
        self.answers, self.rewrites = list(answers), list(rewrites)
        self.calls: list[str] = []

    def chat(self, messages, schema=None, on_token=None) -> str:
        props = (schema or {}).get("properties", {})
        kind = "answer" if "sentences" in props else "rewrite" if "question" in props else "verdict"
        self.calls.append(kind)
        reply = {"answer": self.answers, "rewrite": self.rewrites}.get(kind, ['{"verdict": "yes"}'])
        text = reply.pop(0) if kind != "verdict" else reply[0]
        for i in range(0, len(text), 8):
            if on_token:
                on_token(text[i : i + 8])
        return text


@pytest.fixture
def scripted_app(embedder, tmp_path):
    """The app over its own index of seeds/ (uploads land in tmp_path), with a scripted LLM."""
    from qa.assistant import Assistant
    from qa.library import Library
    from qa.settings import Settings

    settings = Settings(index_dir=tmp_path / "index", seeds_dir=ROOT / "seeds", model_dir=ROOT / "models")
    llm = ScriptedLLM(
        answers=[
            json.dumps({"sentences": [
                {"evidence": [1], "text": "Around 7,000 Iranian and Iraqi fighters have arrived in Syria."},
                {"evidence": [1], "text": "Purple elephants guarded Damascus."},
            ]}),
            json.dumps({"sentences": [
                {"evidence": [1], "text": "At least 300 fighters crossed late on Sunday, two Iraqi security sources said."}
            ]}),
        ],
        rewrites=['{"question": "How many fighters did Iraq send into Syria, according to Iraqi security sources?"}'],
    )
    library = Library(settings, embedder=embedder)
    library.ingest([settings.seeds_dir])
    assistant = Assistant(settings, llm=llm, embedder=embedder, store=library.store)
    demo, url = serve(assistant, library)
    yield url, assistant, library, llm
    demo.close()


@pytest.mark.integration
def test_ask_api_returns_the_cli_json(app_url, library):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    result = client.predict(DAMASCUS, api_name="/ask")
    assert result["abstained"] is False, result.get("abstain_reason")
    assert "7,000" in result["text"]
    assert result["citations"]
    for c in result["citations"]:
        doc = library.document(c["doc_id"])
        assert doc.text[c["start"] : c["end"]] == c["quote"]
    assert set(result) >= {"question", "text", "sentences", "citations", "model", "timings", "evidence"}


@pytest.mark.integration
def test_ask_api_reports_a_bad_question_as_a_message(app_url):
    from gradio_client import Client

    with pytest.raises(Exception, match="question is empty"):
        Client(app_url, verbose=False).predict("   ", api_name="/ask")


@pytest.mark.integration
def test_uploads_over_the_size_limit_are_refused_by_the_server_and_by_the_library(embedder, tmp_path):
    """The app, launched as `launch` launches it, refuses a file over QA_MAX_FILE_MB before storing it
    (HTTP 413, saying why); the library refuses one that reaches it another way."""
    import httpx

    from qa.assistant import Assistant
    from qa.library import Library
    from qa.settings import Settings
    from qa.ui.app import upload_limit

    settings = Settings(index_dir=tmp_path / "index", model_dir=ROOT / "models", seeds_dir=None, max_file_mb=0.05)
    library = Library(settings, embedder=embedder)
    assistant = Assistant(settings, llm=ScriptedLLM([], []), embedder=embedder)
    limit = upload_limit(settings)
    assert limit == 52428
    demo, url = serve(assistant, library, max_file_size=limit)
    try:
        over = httpx.post(f"{url}gradio_api/upload", files={"files": ("big.txt", b"x" * (limit + 1), "text/plain")})
        assert over.status_code == 413
        assert over.text == f"File size exceeded maximum allowed size of {limit} bytes."
        at_limit = httpx.post(f"{url}gradio_api/upload", files={"files": ("fits.txt", b"x" * limit, "text/plain")})
        assert at_limit.status_code == 200 and len(at_limit.json()) == 1
    finally:
        demo.close()

    big = tmp_path / "big.txt"
    big.write_bytes(b"Words. " * (limit // 7 + 1))
    result = library.upload([(big, "big.txt")])
    assert result.report is None and len(result.problems) == 1
    assert "over the 0.05 MB limit (QA_MAX_FILE_MB)" in result.problems[0]
    assert not uploads_dir(settings).exists() or not any(uploads_dir(settings).iterdir())


# Browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = "Debian chromium and chromium-driver are not installed (`make browser` installs them)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{message}; in CI the browser tests must run.")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="qa-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _wait(driver, seconds=60):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds)


def _ask(driver, question: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC

    box = _wait(driver).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-question textarea")))
    box.send_keys(question + Keys.ENTER)


def _quote_in_view(driver) -> bool:
    """The marked quote lies inside the viewer's visible box (scrolled into view)."""
    return driver.execute_script(
        """
        const mark = document.querySelector('#qa-viewer mark.quote');
        if (!mark) return false;
        let box = mark.parentElement;
        while (box && box !== document.body && !(box.scrollHeight > box.clientHeight &&
               ['auto', 'scroll'].includes(getComputedStyle(box).overflowY))) box = box.parentElement;
        const r = mark.getBoundingClientRect();
        const b = (box && box !== document.body) ? box.getBoundingClientRect() : {top: 0, bottom: innerHeight};
        return r.bottom > b.top && r.top < b.bottom;
        """
    )


@pytest.mark.browser
@pytest.mark.integration
def test_browser_answer_citation_opens_the_quote_in_the_article(app_url, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    browser.get(app_url)
    _ask(browser, DAMASCUS)
    cite = _wait(browser, 240).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-chat a.cite")))
    chat = browser.find_element(By.ID, "qa-chat").text
    assert "7,000" in chat
    meta = browser.find_element(By.CSS_SELECTOR, "#qa-chat .meta").text
    assert re.fullmatch(r"Qwen2\.5-Coder-1\.5B-Instruct Q4_K_M \(llama\.cpp, local\) · \d+\.\d s", meta), meta
    quote = cite.get_attribute("aria-label").split(": ", 1)[1]
    cite.click()
    mark = _wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#qa-viewer mark.quote")))
    assert " ".join(mark.text.split()) == " ".join(quote.split())
    _wait(browser, 10).until(lambda d: _quote_in_view(d))
    assert "Sources of answer 1" in browser.find_element(By.ID, "qa-sources").text
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "chat-citation.png"))


@pytest.mark.browser
@pytest.mark.integration
def test_browser_follow_up_keeps_each_answer_its_own_citations(scripted_app, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    url, assistant, library, llm = scripted_app
    browser.get(url)
    _ask(browser, DAMASCUS)
    _wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-chat a.cite[data-turn='0']")))
    removed = browser.find_element(By.CSS_SELECTOR, "#turn-0 .removed").text
    assert "Purple elephants guarded Damascus." in removed and "not supported" in removed
    _ask(browser, "And how many did Iraq send?")
    _wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-chat a.cite[data-turn='1']")))
    assert llm.calls.count("rewrite") == 1
    second = browser.find_element(By.ID, "turn-1").text
    assert "And how many did Iraq send?" in second  # the user's words are what is shown
    assert "searched for “How many fighters did Iraq send into Syria" in second

    # An old answer's [1] still opens that answer's own quote, and the newer one its own.
    browser.find_element(By.CSS_SELECTOR, "#qa-chat a.cite[data-turn='0']").click()
    _wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#qa-viewer mark.quote"), "7,000"))
    assert "Sources of answer 1" in browser.find_element(By.ID, "qa-sources").text
    browser.find_element(By.CSS_SELECTOR, "#qa-chat a.cite[data-turn='1']").click()
    _wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#qa-viewer mark.quote"), "300 fighters"))
    assert "Sources of answer 2" in browser.find_element(By.ID, "qa-sources").text

    # The same browser, opening the page again, finds the conversation where it left it.
    browser.get(url)
    _wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#qa-chat a.cite[data-turn='1']")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#qa-conversations input[type=radio]")) == 1
    assert DAMASCUS in browser.find_element(By.ID, "qa-conversations").text  # titled by its first question

    # A second visitor (another browser: no key of its own yet) starts with an empty conversation and an empty list.
    browser.execute_script("localStorage.clear()")
    browser.get(url)
    _wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-question textarea")))
    _wait(browser, 10).until(lambda d: d.execute_script("return localStorage.getItem('qa-browser-key')"))
    assert browser.find_elements(By.CSS_SELECTOR, "#qa-chat .turn") == []
    assert browser.find_elements(By.CSS_SELECTOR, "#qa-conversations input[type=radio]") == []


@pytest.mark.browser
@pytest.mark.integration
def test_browser_upload_indexes_a_file_and_explains_a_bad_one(scripted_app, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    url, assistant, library, _ = scripted_app
    good, empty = tmp_path / "Harbour report.md", tmp_path / "empty.txt"
    good.write_text("# Harbour report\n\nThe harbour of Tartus received 12 grain ships in May.\n", encoding="utf-8")
    empty.write_text("   \n", encoding="utf-8")
    browser.get(url)
    _wait(browser).until(EC.element_to_be_clickable((By.XPATH, "//button[@role='tab'][contains(., 'Documents')]"))).click()
    upload = _wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "input[type=file][multiple]")))
    upload.send_keys(f"{good}\n{empty}")
    _wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "Harbour report"))
    browser.find_element(By.XPATH, "//button[contains(., 'Upload and index')]").click()
    _wait(browser, 120).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "Indexed 1 documents"))
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "empty.txt has no text to index" in body  # the empty file, named, not a traceback
    assert "Traceback" not in body
    _wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "Harbour_report.md"))
    saved = uploads_dir(assistant.settings) / "Harbour_report.md"
    assert saved.read_text(encoding="utf-8") == good.read_text(encoding="utf-8")
    assert not (uploads_dir(assistant.settings) / "empty.txt").exists()  # not indexed, not kept
    assert any(d.title == "Harbour report" for d in library.documents())
    passages = assistant.retriever.retrieve("How many grain ships did Tartus receive?").passages
    assert any("grain ships" in p.text for p, _ in passages)  # searchable at once


@pytest.mark.browser
@pytest.mark.integration
def test_browser_sources_panel_settings_remove_and_reindex(scripted_app, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    url, assistant, library, llm = scripted_app
    browser.get(url)
    _ask(browser, DAMASCUS)
    _wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-sources a.cite")))

    # A quote in the sources panel opens the article at that quote, and is marked active.
    quote = browser.find_element(By.CSS_SELECTOR, "#qa-sources a.cite")
    quoted = quote.text.split("“", 1)[1].rsplit("”", 1)[0]
    quote.click()
    mark = _wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#qa-viewer mark.quote")))
    assert " ".join(mark.text.split()) == " ".join(quoted.split())
    assert browser.find_elements(By.CSS_SELECTOR, "#qa-sources a.cite.active")

    # Settings: choosing the hosted LLM without its settings says what to set and stays on local.
    browser.find_element(By.XPATH, "//button[contains(., 'Settings')]").click()
    _wait(browser).until(EC.element_to_be_clickable((By.XPATH, "//label[contains(., 'hosted')]"))).click()
    _wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "QA_HOSTED_BASE_URL"))
    _wait(browser).until(lambda d: d.find_element(By.XPATH, "//label[contains(., 'local')]//input").is_selected())

    # Documents: remove one, then re-index everything, which reads the seeds folder again.
    _wait(browser).until(EC.element_to_be_clickable((By.XPATH, "//button[@role='tab'][contains(., 'Documents')]"))).click()
    doomed = library.documents()[0]
    dropdown = _wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-remove-choice input")))
    dropdown.click()
    option = f"//ul[@role='listbox']/li[contains(., '{doomed.source}')]"
    _wait(browser).until(EC.element_to_be_clickable((By.XPATH, option))).click()
    browser.find_element(By.XPATH, "//button[contains(., 'Remove')]").click()
    _wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), f"Removed {doomed.source}"))
    assert doomed.doc_id not in {d.doc_id for d in library.documents()}
    browser.find_element(By.XPATH, "//button[contains(., 'Re-index everything')]").click()
    _wait(browser, 120).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "Re-indexed 2 documents (1 new"))
    assert doomed.doc_id in {d.doc_id for d in library.documents()}


@pytest.fixture
def dated_app(embedder, tmp_path):
    """The app over an empty index that takes links (loopback allowed), with a scripted LLM, and a loopback
    server holding a 2015 AFP report and a 2024 Reuters one."""
    from qa.assistant import Assistant
    from qa.library import Library
    from qa.settings import Settings
    from tests.servers import page_server
    from tests.test_links import HTML, article

    settings = Settings(index_dir=tmp_path / "index", model_dir=ROOT / "models", allow_private_urls=True)
    both = {"sentences": [
        {"evidence": [1], "text": "About 300 Iraqi fighters crossed into Syria late on Sunday."},
        {"evidence": [2], "text": "Around 7,000 Iraqi fighters have crossed into Syria since the spring."},
    ]}  # fmt: skip
    later = {"sentences": [{"evidence": [1], "text": "Around 7,000 Iraqi fighters have crossed into Syria since the spring."}]}
    llm = ScriptedLLM(answers=[json.dumps(both), json.dumps(later)], rewrites=[])
    routes = {
        "/afp": (200, HTML, article("Fighters cross into Syria", "About 300 Iraqi fighters crossed into Syria late on "
                                    "Sunday, two Iraqi security sources said.", "2015-03-02").replace(b"Valley News", b"AFP")),
        "/reuters": (200, HTML, article("Thousands of fighters in Syria", "Around 7,000 Iraqi fighters have crossed into "
                                        "Syria since the spring, officials said.", "2024-12-01").replace(b"Valley News", b"Reuters")),
    }  # fmt: skip
    library = Library(settings, embedder=embedder)
    with page_server(routes) as base:
        library.ingest_link(f"{base}/afp")  # the index exists before the app opens; the second page comes through the UI
        assistant = Assistant(settings, llm=llm, embedder=embedder, store=library.store)
        demo, url = serve(assistant, library)
        yield url, base, library
        demo.close()


@pytest.mark.browser
@pytest.mark.integration
def test_browser_shows_who_published_what_when_and_limits_by_date(dated_app, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    url, base, library = dated_app
    browser.get(url)
    _wait(browser).until(EC.element_to_be_clickable((By.XPATH, "//button[@role='tab'][contains(., 'Documents')]"))).click()
    link = _wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-link textarea, #qa-link input")))
    link.send_keys(f"{base}/reuters")
    browser.find_element(By.ID, "qa-link-add").click()
    _wait(browser, 120).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "Indexed 1 documents"))
    _wait(browser).until(EC.text_to_be_present_in_element((By.ID, "qa-documents"), "Reuters"))
    rows = browser.find_element(By.ID, "qa-documents").text
    assert rows.index("Reuters") < rows.index("AFP")  # newest first
    assert "2024-12-01" in rows and "2015-03-02" in rows

    browser.find_element(By.XPATH, "//button[@role='tab'][contains(., 'Chat')]").click()
    _ask(browser, "How many Iraqi fighters crossed into Syria?")
    _wait(browser, 120).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-chat a.cite")))
    answer = browser.find_element(By.ID, "turn-0").text
    assert "AFP, 2015-03-02: About 300 Iraqi fighters" in answer
    assert "Reuters, 2024-12-01: Around 7,000 Iraqi fighters" in answer
    sources = browser.find_element(By.ID, "qa-sources").text
    assert "AFP · 2015-03-02" in sources and "Reuters · 2024-12-01" in sources

    browser.find_element(By.XPATH, "//button[contains(., 'Limit to dates or sources')]").click()
    since = _wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-since textarea, #qa-since input")))
    since.send_keys("2030")
    _ask(browser, "How many Iraqi fighters crossed into Syria?")
    _wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "No indexed document is published from 2030-01-01"))
    assert "Traceback" not in browser.find_element(By.TAG_NAME, "body").text

    since.clear()
    since.send_keys("2024")
    _ask(browser, "How many Iraqi fighters crossed into Syria?")
    _wait(browser, 120).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-chat a.cite[data-turn='2']")))
    latest = browser.find_element(By.ID, "turn-2").text  # turn 1 is the refused one, shown with its message
    assert "7,000" in latest and "300" not in latest
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "chat-dates.png"))
