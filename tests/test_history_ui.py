"""Saved conversations in the chat UI: owners, the conversation list, marked citations, logins, and a browser run.

The handler tests build the real app over a real index and a real History in
a temporary folder; only the models are stand-ins (a hashed bag-of-words
embedder and a scripted LLM), so they run in seconds. The login test serves
that app with two users and drives its API with gradio_client. The browser
test asks the real local model two questions in headless Chromium, then
reloads the page, restarts the server on the same index and history, edits
the cited article and ingests it again.
"""

from __future__ import annotations

import json
import shutil
import zlib
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from qa.answer import Answer, AnswerSentence, Citation
from qa.conversation import Turn
from qa.errors import QAError
from qa.ui import render
from qa.ui.login import BROWSER_KEY, logins_from_env, new_browser_key, owner_of
from tests.test_ui import ROOT, DAMASCUS, ScriptedLLM, _ask, _wait, browser, free_port  # noqa: F401 (browser is a fixture)

KEY, OTHER_KEY = "browserkey-" + "a" * 16, "browserkey-" + "b" * 16
HARBOUR = (
    "Harbour report\n\nThe harbour of Tartus received twelve grain ships in May. "
    "The harbour master said the queue was the longest since the war began.\n"
)
SHIPS = "The harbour of Tartus received twelve grain ships in May."
QUEUE = "The harbour master said the queue was the longest since the war began."


def request(username: str | None = None) -> SimpleNamespace:
    """What the handlers read of a gr.Request: who is logged in (None without a login)."""
    return SimpleNamespace(username=username)


# Owners and logins ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "key", "owner"),
    [
        ("ann", None, "user:ann"),
        ("ann", KEY, "user:ann"),  # with a login the browser's key does not matter
        (None, KEY, f"browser:{KEY}"),
        ("", f"  {KEY} ", f"browser:{KEY}"),
    ],
)
def test_the_owner_is_the_login_else_the_browser(username, key, owner):
    assert owner_of(username, key) == owner


@pytest.mark.parametrize("key", [None, "", "short", "x" * 65, "a b" * 10, "../../" * 4, "<script>" * 3])
def test_without_a_login_an_unusable_key_owns_nothing(key):
    with pytest.raises(QAError, match="browser"):
        owner_of(None, key)


def test_new_browser_keys_are_usable_and_differ():
    keys = {new_browser_key() for _ in range(50)}
    assert len(keys) == 50 and all(BROWSER_KEY.fullmatch(k) for k in keys)


def test_logins_come_from_the_pair_the_list_and_the_file(monkeypatch, tmp_path):
    for name in ("QA_UI_USER", "QA_UI_PASSWORD", "QA_UI_USERS", "QA_UI_USERS_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert logins_from_env() == []
    monkeypatch.setenv("QA_UI_USERS", "ann:pw1, bob:p:w2,")
    assert logins_from_env() == [("ann", "pw1"), ("bob", "p:w2")]
    users = tmp_path / "users.txt"
    users.write_text("# who may log in\ncid:pw,with,commas\n\ndee : pw4\n", encoding="utf-8")
    monkeypatch.setenv("QA_UI_USERS_FILE", str(users))
    monkeypatch.setenv("QA_UI_USER", "eve")
    monkeypatch.setenv("QA_UI_PASSWORD", "pw5")
    assert logins_from_env() == [("eve", "pw5"), ("ann", "pw1"), ("bob", "p:w2"), ("cid", "pw,with,commas"), ("dee", "pw4")]


@pytest.mark.parametrize(
    ("users", "file_text", "message"),
    [
        ("ann:pw1,ann:pw2", None, "'ann' is named twice"),
        ("ann:pw1", "ann:other\n", "'ann' is named twice"),
        ("ann", None, "Entry 1 of QA_UI_USERS"),
        ("ann:pw1,:secret", None, "Entry 2 of QA_UI_USERS"),
        ("", "bob:\n", "Entry 1 of QA_UI_USERS_FILE"),
    ],
)
def test_bad_logins_are_refused_by_where_they_are_never_by_password(monkeypatch, tmp_path, users, file_text, message):
    for name in ("QA_UI_USER", "QA_UI_PASSWORD", "QA_UI_USERS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QA_UI_USERS", users)
    if file_text is not None:
        (tmp_path / "users.txt").write_text(file_text, encoding="utf-8")
        monkeypatch.setenv("QA_UI_USERS_FILE", str(tmp_path / "users.txt"))
    with pytest.raises(QAError, match=message) as raised:
        logins_from_env()
    assert "secret" not in str(raised.value) and "pw2" not in str(raised.value)


def test_a_missing_users_file_is_named(monkeypatch, tmp_path):
    monkeypatch.delenv("QA_UI_USERS", raising=False)
    monkeypatch.setenv("QA_UI_USERS_FILE", str(tmp_path / "absent.txt"))
    with pytest.raises(QAError, match="absent.txt"):
        logins_from_env()


# Marking in the chat ------------------------------------------------------------------------


def _answer_citing(*citations: Citation, text: str = "Twelve grain ships came.") -> Answer:
    sentence = AnswerSentence(text, [c.n for c in citations], True, 1.0)
    marked = text + "".join(f"[{c.n}]" for c in citations)
    return Answer("How many ships?", marked, [sentence], list(citations), False, "scripted", {"total_ms": 1200.0})


CITED = Citation(1, "d:0:x", "d", "a.txt", "Harbour", 0, 5, "Tw<e>l")
GONE = Citation(2, "e:0:y", "e", "b.txt", "Gone", 0, 4, "Gone")


class Elements(HTMLParser):
    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_citations_of_changed_and_removed_articles_are_marked_with_a_note():
    answer = _answer_citing(CITED, GONE).to_dict()
    plain = Elements(render.render_answer(0, answer)).found
    assert [a["class"] for t, a in plain if t == "a"] == ["cite", "cite"] and not any("title" in a for _, a in plain)

    html = render.render_answer(0, answer, {(0, 1): "changed", (0, 2): "removed"})
    links = [a for t, a in Elements(html).found if t == "a"]
    assert [a["class"] for a in links] == ["cite changed", "cite removed"]
    assert links[0]["title"] == "The article has changed since this answer; the quote is as it was."
    assert links[1]["title"] == "The article was removed since this answer; the quote is as it was."
    assert links[0]["data-quote"].startswith("“Tw<e>l” — Harbour") and links[0]["title"] in links[0]["data-quote"]
    assert links[0]["aria-label"] == "Source 1: Tw<e>l"  # the stored quote, still shown
    assert render.render_answer(3, answer, {(0, 1): "changed"}).count("cite changed") == 0  # another turn's state

    panel = Elements(render.render_sources(0, answer, active=2, states={(0, 1): "changed", (0, 2): "removed"})).found
    assert [a["class"] for t, a in panel if t == "a"] == ["cite changed", "cite removed active"]


def test_the_copy_button_carries_the_answers_markdown_as_an_escaped_attribute():
    turn = {"question": "<b>How many?</b>", "answer": _answer_citing(CITED).to_dict(), "error": ""}
    copy = "## Q: <b>How many?</b>\n\nTwelve \"grain\" ships came.[1]\n\n[1] “Tw<e>l” — Harbour"
    html = render.render_conversation([turn], None, {0: copy})
    buttons = [a for t, a in Elements(html).found if t == "button"]
    assert buttons == [{"type": "button", "class": "copy", "data-copy": copy, "title": "Copy this answer as Markdown"}]
    assert "<b>How many" not in html
    assert "<button" not in render.render_conversation([turn])  # no text to copy, no button
    streaming = {"question": "q", "answer": None, "streaming": "Twel"}
    assert "<button" not in render.render_conversation([streaming], None, {0: copy, 1: copy})


# The app's handlers ---------------------------------------------------------------------------


class Words:
    """A stand-in embedding model: hashed bag of words, 384 numbers like the real one. Instant and deterministic."""

    name = "hashed-words"

    def encode(self, texts, progress=False):
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().replace(".", " ").replace(",", " ").split():
                out[i, zlib.crc32(word.encode()) % 384] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def encode_in_context(self, texts, spans):
        return self.encode(texts), [self.encode([t[s:e] for s, e in sp]) for t, sp in zip(texts, spans)]


@pytest.fixture
def words_app(tmp_path):
    """The app over a real index of one article (stand-in models) and a real History, not served."""
    from qa.assistant import Assistant
    from qa.conversation import Assistants
    from qa.history import History
    from qa.library import Library
    from qa.settings import Settings
    from qa.ui.app import build_app

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", seeds_dir=None, model_dir=ROOT / "models")
    library = Library(settings, embedder=Words())
    library.ingest([articles])
    history = History(tmp_path / "history.sqlite3")
    answer = json.dumps({"sentences": [{"evidence": [1], "text": SHIPS}]})
    llm = ScriptedLLM(answers=[answer] * 4, rewrites=[])
    assistant = Assistant(settings, llm=llm, embedder=library.embedder, store=library.store)
    demo = build_app(Assistants(assistant), library, history=history)
    handlers = {fn.name: fn.fn for fn in demo.fns.values()}
    doc = library.documents()[0]
    return SimpleNamespace(app=demo, fn=handlers, library=library, history=history, doc=doc, articles=articles)


def _citation(doc, quote: str, n: int = 1) -> Citation:
    start = doc.text.index(quote)
    return Citation(n, f"{doc.doc_id}:0:x", doc.doc_id, doc.source, doc.title, start, start + len(quote), quote)


def _saved(app, owner: str, *turns: Turn) -> str:
    saved = app.history.create(owner)
    for turn in turns:
        app.history.add_turn(saved.id, owner, turn)
    return saved.id


def _full_doc(app):
    return app.library.document(app.doc.doc_id)


def _choices(update: dict) -> list[str]:
    return [value for _, value in update["choices"]]


def test_a_new_browser_gets_a_key_and_an_empty_list(words_app):
    key, chat_id, turns, chat, _, _, listed, title, download = words_app.fn["start"]("", request())
    assert BROWSER_KEY.fullmatch(key)
    assert chat_id is None and turns == [] and listed["choices"] == [] and title == ""
    assert 'class="empty"' in chat and download["visible"] is False
    assert words_app.fn["start"](key, request())[0] == key  # a browser keeps its key


def test_opening_the_page_lists_the_browsers_conversations_and_opens_the_latest(words_app):
    doc = _full_doc(words_app)
    older = _saved(words_app, f"browser:{KEY}", Turn("What came to Tartus?", _answer_citing(_citation(doc, SHIPS))))
    latest = _saved(words_app, f"browser:{KEY}", Turn("How long was the queue?", _answer_citing(_citation(doc, QUEUE))))
    _saved(words_app, f"browser:{OTHER_KEY}", Turn("Someone else's question?", error="x"))

    key, chat_id, turns, chat, sources, _, listed, title, _ = words_app.fn["start"](KEY, request())
    assert key == KEY and chat_id == latest and title == "How long was the queue?"
    assert _choices(listed) == [latest, older] and listed["value"] == latest
    assert [t["question"] for t in turns] == ["How long was the queue?"]
    assert "How long was the queue?" in chat and 'class="cite"' in chat and '<button type="button" class="copy"' in chat
    assert "Sources of answer 1" in sources and QUEUE in sources

    chat_id, turns, chat, *_ = words_app.fn["open_saved"](older, KEY, request())
    assert chat_id == older and "What came to Tartus?" in chat
    with pytest.warns(UserWarning, match="no longer saved"):
        assert words_app.fn["open_saved"](older, OTHER_KEY, request())[0] == {"__type__": "update"}  # not that browser's


def test_with_a_login_the_user_owns_the_conversations_whatever_the_browser(words_app):
    ann = _saved(words_app, "user:ann", Turn("Ann's question?", error="x"))
    _saved(words_app, f"browser:{KEY}", Turn("The browser's question?", error="x"))
    key, chat_id, *_, listed, _, _ = words_app.fn["start"](KEY, request("ann"))
    assert chat_id == ann and _choices(listed) == [ann]
    assert words_app.fn["start"](KEY, request("bob"))[1] is None  # bob has none


def test_rename_and_delete_act_only_on_the_owners_conversation(words_app):
    mine = _saved(words_app, f"browser:{KEY}", Turn("First question?", error="x"))
    theirs = _saved(words_app, f"browser:{OTHER_KEY}", Turn("Their question?", error="x"))
    rename, delete = words_app.fn["rename"], words_app.fn["delete"]

    listed, title = rename(mine, "  Harbour   queue ", KEY, request())
    assert title == "Harbour queue" and listed["value"] == mine and listed["choices"][0][0].startswith("Harbour queue · 1 question")
    skipped = ({"__type__": "update"}, {"__type__": "update"})
    with pytest.warns(UserWarning, match="title cannot be empty"):
        assert rename(mine, "   ", KEY, request()) == skipped
    with pytest.warns(UserWarning, match="No saved conversation"):  # the same words as for an id that never was
        assert rename(theirs, "Mine now", KEY, request()) == skipped
    with pytest.warns(UserWarning, match="Ask a question first"):
        assert rename(None, "No conversation yet", KEY, request()) == skipped
    assert words_app.history.get(theirs, f"browser:{OTHER_KEY}").title == "Their question?"
    assert words_app.history.get(mine, f"browser:{KEY}").title == "Harbour queue"

    with pytest.warns(UserWarning, match="No saved conversation"):
        assert delete(theirs, KEY, request())[0] == {"__type__": "update"}
    assert [s.id for s in words_app.history.conversations(f"browser:{OTHER_KEY}")] == [theirs]
    chat_id, turns, chat, *_, listed, title, _ = delete(mine, KEY, request())
    assert chat_id is None and turns == [] and listed["choices"] == [] and title == "" and 'class="empty"' in chat
    assert words_app.history.conversations(f"browser:{KEY}") == []


def test_old_citations_are_marked_when_their_article_changes_or_goes_and_never_mark_other_text(words_app):
    import gradio as gr

    doc = _full_doc(words_app)
    turn = Turn("What came to Tartus?", _answer_citing(_citation(doc, SHIPS), _citation(doc, QUEUE, n=2)))
    chat_id = _saved(words_app, f"browser:{KEY}", turn)

    def reopen():
        _, turns, chat, *_ = words_app.fn["open_saved"](chat_id, KEY, request())
        sources, viewer = words_app.fn["open_citation"](turns, gr.EventData(None, {"turn": 0, "n": 1}))
        return chat, sources, viewer

    chat, _, viewer = reopen()
    assert "cite changed" not in chat and "cite removed" not in chat
    assert f'<mark class="quote" id="qa-quote" data-n="1">{SHIPS}</mark>' in viewer

    # The first quoted sentence is edited (its length kept, so the second quote keeps its span) and the file
    # ingested again: the first citation is marked, the second is not.
    (words_app.articles / "harbour.txt").write_text(HARBOUR.replace("twelve", "eleven"), encoding="utf-8")
    words_app.library.ingest([words_app.articles])
    chat, sources, viewer = reopen()
    assert chat.count('class="cite changed"') == 1 and 'data-n="1" data-quote="“' + SHIPS in chat
    assert "cite changed active" in sources
    assert "<mark" not in viewer and render.NOTES["changed"] in viewer
    assert f'<blockquote class="was">“{SHIPS}”</blockquote>' in viewer  # the stored quote, as it was
    assert "eleven grain ships" in viewer  # the article as it is now, unmarked

    # The article is removed: both citations are marked, and the viewer shows the quote with the note.
    words_app.library.remove(doc.doc_id)
    chat, _, viewer = reopen()
    assert chat.count('class="cite removed"') == 2
    assert "<mark" not in viewer and render.NOTES["removed"] in viewer and f"“{SHIPS}”" in viewer


def test_asking_saves_each_turn_as_it_completes_and_follow_ups_continue_the_conversation(words_app):
    import asyncio

    async def ask(question, turns, chat_id):
        outputs = []
        async for out in words_app.fn["respond"](question, turns, "local", 4, "", "", [], chat_id, KEY, request()):
            outputs.append(out)
        return outputs[-1]

    chat, _, turns, _, chat_id, listed = asyncio.run(ask("How many grain ships did Tartus receive?", [], None))
    assert listed["value"] == chat_id and _choices(listed) == [chat_id]
    assert [t.question for t in words_app.history.turns(chat_id, f"browser:{KEY}")] == ["How many grain ships did Tartus receive?"]
    assert '<button type="button" class="copy"' in chat  # the finished answer has its Copy button

    _, _, turns, _, same, _ = asyncio.run(ask("And in which month?", turns, chat_id))
    assert same == chat_id and len(turns) == 2
    saved = words_app.history.turns(chat_id, f"browser:{KEY}")
    assert [t.to_dict()["answer"] for t in saved] == [t["answer"] for t in turns]  # each Answer in full


def test_export_buttons_and_the_api_answer_with_the_callers_own_conversation(words_app):
    import asyncio

    import gradio as gr

    doc = _full_doc(words_app)
    chat_id = _saved(words_app, f"browser:{KEY}", Turn("What came to Tartus?", _answer_citing(_citation(doc, SHIPS))))

    markdown = Path(words_app.fn["download_markdown"](chat_id, KEY, request())["value"])
    assert markdown.name == "What_came_to_Tartus.md"
    assert f"“{SHIPS}”" in markdown.read_text(encoding="utf-8")
    exported = json.loads(Path(words_app.fn["download_json"](chat_id, KEY, request())["value"]).read_text(encoding="utf-8"))
    assert exported["turns"][0]["answer"]["citations"][0]["quote"] == SHIPS
    with pytest.warns(UserWarning, match="No saved conversation"):
        assert words_app.fn["download_markdown"](chat_id, OTHER_KEY, request()) == {"__type__": "update"}

    api = words_app.fn
    assert [c["id"] for c in api["conversations"](KEY, request())] == [chat_id]
    assert api["conversations"](OTHER_KEY, request()) == []
    opened = api["conversation_api"](chat_id, KEY, request())
    assert opened["title"] == "What came to Tartus?" and opened["turns"][0]["answer"]["citations"][0]["quote"] == SHIPS
    assert opened["citation_states"] == [{"turn": 0, "n": 1, "state": "ok"}]
    assert SHIPS in api["export"](chat_id, "markdown", KEY, request())
    assert api["export"](chat_id, "md", KEY, request()) == api["export"](chat_id, "markdown", KEY, request())
    for call in (
        lambda: api["conversation_api"](chat_id, OTHER_KEY, request()),
        lambda: api["export"](chat_id, "json", OTHER_KEY, request()),
        lambda: api["export"](chat_id, "json", KEY, request("ann")),  # a login's conversations are the login's
        lambda: api["conversations"]("", request()),  # no login and no key: nobody's
        lambda: api["export"](chat_id, "pdf", KEY, request()),
        lambda: asyncio.run(api["ask_saved"]("How many ships?", "new", "", request=request())),  # saved under no one
        lambda: asyncio.run(api["ask_saved"]("How many ships?", chat_id, OTHER_KEY, request=request())),
    ):
        with pytest.raises(gr.Error):
            call()


# Logins over the API ---------------------------------------------------------------------------


def test_with_two_logins_neither_user_reaches_the_others_conversations_through_the_api(words_app):
    from gradio_client import Client

    port = free_port()
    words_app.app.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True,
                         auth=[("ann", "pw-ann"), ("bob", "pw-bob")])  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        ann = Client(url, auth=("ann", "pw-ann"), verbose=False)
        answer = ann.predict("How many grain ships did Tartus receive?", api_name="/ask_saved")
        chat_id = answer["conversation"]
        assert answer["citations"][0]["quote"] == SHIPS
        assert [c["id"] for c in ann.predict(api_name="/conversations")] == [chat_id]
        # A browser key passed with a login changes nothing: the conversations are the login's.
        assert [c["id"] for c in ann.predict(browser=KEY, api_name="/conversations")] == [chat_id]
        assert ann.predict(chat_id, api_name="/conversation")["turns"][0]["question"] == "How many grain ships did Tartus receive?"
        assert SHIPS in ann.predict(chat_id, "markdown", api_name="/export")
        follow_up = ann.predict("And in which month?", conversation=chat_id, api_name="/ask_saved")
        assert follow_up["conversation"] == chat_id
        assert len(ann.predict(chat_id, api_name="/conversation")["turns"]) == 2

        bob = Client(url, auth=("bob", "pw-bob"), verbose=False)
        assert bob.predict(api_name="/conversations") == []
        for args, name in (((chat_id,), "/conversation"), ((chat_id, "markdown"), "/export"), ((chat_id, "json"), "/export")):
            with pytest.raises(Exception, match="No saved conversation"):
                bob.predict(*args, api_name=name)
        with pytest.raises(Exception, match="No saved conversation"):
            bob.predict("And in May?", conversation=chat_id, api_name="/ask_saved")
        assert len(words_app.history.turns(chat_id, "user:ann")) == 2  # bob added nothing
        assert words_app.history.conversations("user:bob") == []
    finally:
        words_app.app.close()


# The browser, with the real model ------------------------------------------------------------------


class Server:
    """The app served on one port; `restart` stops it and serves a new app (new Library, new History
    object) over the same index and history file on the same port, as `qa chat` started again would."""

    def __init__(self, settings, llm, embedder) -> None:
        self.settings, self.llm, self.embedder = settings, llm, embedder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.demo = None

    def start(self) -> None:
        from qa.assistant import Assistant
        from qa.conversation import Assistants
        from qa.history import History
        from qa.library import Library
        from qa.ui.app import build_app

        self.library = Library(self.settings, embedder=self.embedder)
        self.history = History.for_settings(self.settings)
        assistant = Assistant(self.settings, llm=self.llm, embedder=self.embedder, store=self.library.store)
        self.demo = build_app(Assistants(assistant), self.library, history=self.history)
        self.demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=self.port, quiet=True)

    def stop(self) -> None:
        if self.demo is not None:
            self.demo.close()
            self.demo = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def history_server(assistant, embedder, tmp_path):
    """The real models over a fresh index of a copy of seeds/ (so an article can be edited), with its history."""
    from qa.library import Library
    from qa.settings import Settings

    articles = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", articles)
    settings = Settings(index_dir=tmp_path / "index", seeds_dir=articles, model_dir=ROOT / "models", llm_timeout_s=600)
    Library(settings, embedder=embedder).ingest([articles])
    server = Server(settings, assistant.llm, embedder)
    server.start()
    yield server
    server.stop()


def _reopened(driver, turns: int) -> None:
    """Wait until the reloaded page shows the saved conversation: `turns` finished turns, listed and chosen."""
    from selenium.webdriver.common.by import By

    finished = f"#turn-{turns - 1} .a.answered, #turn-{turns - 1} .a.abstained, #turn-{turns - 1} .a.error"
    _wait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, finished))
    radios = driver.find_elements(By.CSS_SELECTOR, "#qa-conversations input[type=radio]")
    assert len(radios) == 1 and radios[0].is_selected()
    assert DAMASCUS in driver.find_element(By.ID, "qa-conversations").text
    assert len(driver.find_elements(By.CSS_SELECTOR, "#qa-chat .turn")) == turns


def _opens_its_quote(driver, n: str, quote: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    driver.find_element(By.CSS_SELECTOR, f"#qa-chat a.cite[data-turn='0'][data-n='{n}']").click()
    mark = _wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#qa-viewer mark.quote")))
    _wait(driver, 10).until(lambda d: mark.get_attribute("data-n") == n)
    assert " ".join(mark.text.split()) == " ".join(quote.split())


def _answers(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#qa-chat .turn .a")]


@pytest.mark.browser
@pytest.mark.integration
def test_browser_conversation_survives_reload_and_restart_and_marks_an_edited_article(history_server, browser):  # noqa: F811
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    server = history_server
    browser.get(server.url)
    _ask(browser, DAMASCUS)
    cite = _wait(browser, 600).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-chat a.cite[data-turn='0']")))
    n, quote = cite.get_attribute("data-n"), cite.get_attribute("aria-label").split(": ", 1)[1]
    _ask(browser, "How many fighters did Iraq send into Syria?")
    finished = "#turn-1 .a.answered, #turn-1 .a.abstained, #turn-1 .a.error"
    _wait(browser, 600).until(lambda d: d.find_elements(By.CSS_SELECTOR, finished))
    answers = _answers(browser)
    assert len(answers) == 2 and "7,000" in answers[0]

    # Reloaded, the page opens the saved conversation, both answers as they were, and the old [n] opens its quote.
    browser.refresh()
    _reopened(browser, 2)
    assert _answers(browser) == answers
    _opens_its_quote(browser, n, quote)

    # The Copy button copies the answer's Markdown, its quote exactly as cited.
    browser.execute_script(
        "window.__copied = null;"
        "navigator.clipboard.writeText = (text) => { window.__copied = text; return Promise.resolve(); };"
    )
    # (Clicked from the page's own script: a click by coordinates can land beside the button while the chat scrolls.)
    browser.execute_script("arguments[0].click()", browser.find_element(By.CSS_SELECTOR, "#turn-0 button.copy"))
    copied = _wait(browser, 10).until(lambda d: d.execute_script("return window.__copied"))
    assert copied.startswith(f"## Q: {DAMASCUS}") and f"“{quote}”" in copied

    # Export Markdown hands over a file holding the whole conversation.
    browser.find_element(By.XPATH, "//button[contains(., 'Rename, delete, export')]").click()
    _wait(browser).until(EC.element_to_be_clickable((By.ID, "qa-export-md"))).click()
    link = _wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#qa-export a[href]")))
    exported = httpx.get(link.get_attribute("href"), timeout=30).text
    assert exported.startswith(f"# {DAMASCUS}") and f"“{quote}”" in exported and exported.count("## Q: ") == 2

    # `qa chat` started again on the same index and history: the same, from the files.
    server.restart()
    browser.refresh()
    _reopened(browser, 2)
    assert _answers(browser) == answers
    _opens_its_quote(browser, n, quote)

    # The cited sentence is edited in its file, which is ingested again through the Library.
    saved = server.history.conversations(None)
    assert len(saved) == 1
    citation = server.history.turns(saved[0].id, None)[0].answer.citation(int(n))
    assert citation.quote == quote
    path = Path(server.library.document(citation.doc_id).path)
    edited = "Officials would not say how many fighters had come to the capital."
    path.write_text(path.read_text(encoding="utf-8").replace(quote, edited), encoding="utf-8")
    report = server.library.ingest([server.settings.seeds_dir])
    assert len(report.updated) == 1, report.summary()
    assert edited in server.library.document(citation.doc_id).text

    # The old citation is marked as changed, still shows its quote, and opens it with a note, marking nothing.
    browser.refresh()
    _reopened(browser, 2)
    marked = _wait(browser).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, f"#qa-chat a.cite.changed[data-turn='0'][data-n='{n}']"))
    )
    assert marked.get_attribute("title") == render.NOTES["changed"]
    assert marked.get_attribute("aria-label") == f"Source {n}: {quote}"
    assert marked.get_attribute("data-quote").startswith(f"“{quote}”")  # the hover text: the stored quote
    marked.click()
    note = _wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#qa-viewer .note.changed")))
    assert note.text == render.NOTES["changed"]
    assert " ".join(browser.find_element(By.CSS_SELECTOR, "#qa-viewer .was").text.split()) == f"“{' '.join(quote.split())}”"
    assert browser.find_elements(By.CSS_SELECTOR, "#qa-viewer mark") == []
    assert edited in browser.find_element(By.CSS_SELECTOR, "#qa-viewer .article-text").text  # shown, not marked
    assert "Traceback" not in browser.find_element(By.TAG_NAME, "body").text


def test_export_files_are_removed_once_they_are_old(words_app):
    import os
    import time

    from qa.ui.saved import EXPORT_KEEP_S, SavedChats

    saved = SavedChats(words_app.history, words_app.library)
    doc = _full_doc(words_app)
    chat_id = _saved(words_app, f"browser:{KEY}", Turn("What came to Tartus?", _answer_citing(_citation(doc, SHIPS))))
    old = saved.export_file(f"browser:{KEY}", chat_id, "md")
    long_ago = time.time() - EXPORT_KEEP_S - 60
    os.utime(old.parent, (long_ago, long_ago))
    recent = saved.export_file(f"browser:{KEY}", chat_id, "json")
    newest = saved.export_file(f"browser:{KEY}", chat_id, "md")
    assert not old.exists() and recent.exists() and newest.exists()
    assert newest.parent != old.parent and newest.read_text(encoding="utf-8").count(SHIPS) >= 1
