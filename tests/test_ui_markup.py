"""Nothing runs from an article, a file name or an answer: hostile markup is shown as text everywhere in the UI.

Pure checks of the renderers and helpers against a table of payloads (parsed
the way a browser's parser reads them), then one headless-Chromium run that
uploads a hostile page and a hostile file name, pastes a hostile link, and
asks a scripted model whose answer quotes the markup.
"""

from __future__ import annotations

import ast
import html
import json
from html.parser import HTMLParser

import pytest

from qa.documents import Document
from qa.ui import render
from qa.ui.notify import notice_text
from tests.test_ui import ROOT, ScriptedLLM, _ask, _wait, browser, serve  # noqa: F401 (browser is a fixture)

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "<img src=x onerror=window.__pwned=1>",
    "javascript:window.__pwned=1",
    '"><svg onload=window.__pwned=1>',
    "'><iframe src='javascript:window.__pwned=1'></iframe>",
    '<a href="javascript:window.__pwned=1">click</a>',
    "[click](javascript:window.__pwned=1) **bold** `code` ${window.__pwned=1}",
    "&lt;b&gt;already escaped&lt;/b&gt; &amp; more",
]
# What the renderers themselves write; anything else in their output came from the data.
OWN_TAGS = {"div", "p", "span", "a", "strong", "b", "del", "mark", "ul", "li", "h3", "blockquote", "button"}


class Markup(HTMLParser):
    """The elements and visible text of an HTML fragment, as a browser's parser reads them."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)


def assert_inert(fragment: str) -> Markup:
    """Only the renderer's own elements, no event handler, and no link other than "#" or http(s)."""
    markup = Markup(fragment)
    for tag, attrs in markup.elements:
        assert tag in OWN_TAGS, f"<{tag}> in {fragment!r}"
        handlers = [name for name in attrs if name.startswith("on")]
        assert not handlers, f"<{tag} {handlers}> in {fragment!r}"
        assert not {"src", "style", "formaction"} & set(attrs), f"<{tag} {attrs}> in {fragment!r}"
        href = (attrs.get("href") or "#").strip().lower()
        assert href == "#" or href.startswith(("http://", "https://")), f"<a href={href!r}> in {fragment!r}"
    return markup


# Notifications ---------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_notice_text_shows_exactly_the_message(payload):
    shown = notice_text(payload)
    markup = Markup(shown)
    assert markup.elements == [] and markup.text == payload
    assert "<" not in shown and ">" not in shown and html.unescape(shown) == payload


def test_every_notification_goes_through_notify():
    """gr.Warning/gr.Info/gr.Error render HTML, so only qa/ui/notify.py may call them."""
    calls = []
    for path in sorted((ROOT / "qa").rglob("*.py")):
        if path == ROOT / "qa" / "ui" / "notify.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"Warning", "Info", "Error", "Success"}:
                if isinstance(node.value, ast.Name) and node.value.id in {"gr", "gradio"}:
                    calls.append(f"{path.relative_to(ROOT)}:{node.lineno} gr.{node.attr}")
    assert not calls, calls


# Markdown (the documents tab's status line) -------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS + ["# not a heading", "1. not a list\n- nor this", "a_b*c*_d_ | e | f"])
def test_markdown_text_is_shown_as_typed(payload):
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(render.markdown_text(payload))
    markup = Markup(rendered)
    assert [tag for tag, _ in markup.elements] == ["p"], rendered
    assert markup.text.strip() == payload


def test_status_line_lists_problems_as_text():
    from markdown_it import MarkdownIt

    from qa.ui.app import _status

    problem = "<img src=x onerror=window.__pwned=1>.txt is 9.0 MB, over the 1 MB limit"
    rendered = MarkdownIt("commonmark", {"html": True}).render(_status("Indexed [1](javascript:x) documents.", [problem]))
    markup = Markup(rendered)
    assert [tag for tag, _ in markup.elements] == ["p", "ul", "li"], rendered
    assert "Indexed [1](javascript:x) documents." in markup.text and f"⚠ {problem}" in markup.text


# Chat, sources panel and article viewer -----------------------------------------


def _answer(payload: str, **overrides) -> dict:
    citation = {
        "n": 1, "passage_id": "d:0:x", "doc_id": "d", "source": f"up/{payload}.txt", "title": payload,
        "author": payload, "site": payload, "published": "2024-12-01", "url": "javascript:window.__pwned=1",
        "start": 0, "end": len(payload), "quote": payload,
    }  # fmt: skip
    answer = {
        "question": payload, "text": payload, "model": payload, "timings": {"total_ms": 10.0},
        "search_question": f"{payload}?", "abstained": False, "abstain_reason": "", "citations": [citation],
        "sentences": [
            {"text": payload, "citations": [1], "supported": True, "score": 1.0, "attribution": payload},
            {"text": payload, "citations": [1], "supported": False, "score": 0.0, "reason": payload},
        ],
    }  # fmt: skip
    return {**answer, **overrides}


def _article(payload: str, doc: bool = True, moved: bool = False) -> str:
    answer = _answer(payload)
    text = f"{payload} said the notice. {payload}"
    citation = {**answer["citations"][0], "start": 1 if moved else 0}
    document = Document("d", "/up/x.txt", "x.txt", payload, "sha", 1, text) if doc else None
    return render.render_article(citation, document)


RENDERED = {
    "question": lambda p: render.render_conversation([{"question": p, "answer": None, "streaming": "", "error": ""}]),
    "streaming answer": lambda p: render.render_turn(0, {"question": "q", "answer": None, "streaming": p}),
    "waiting for the model": lambda p: render.render_turn(0, {"question": "q", "answer": None, "waiting": p}),
    "error": lambda p: render.render_turn(0, {"question": "q", "answer": None, "streaming": "", "error": p}),
    "looking at": lambda p: render.render_looking([{"text": p, "source": p, "site": p, "published": "2024-12-01"}]),
    "answer": lambda p: render.render_answer(0, _answer(p)),
    "abstention": lambda p: render.render_answer(0, _answer(p, abstained=True, abstain_reason=p, citations=[])),
    "sources panel": lambda p: render.render_sources(0, _answer(p), active=1),
    "article": _article,
    "article that changed": lambda p: _article(p, moved=True),
    "article no longer indexed": lambda p: _article(p, doc=False),
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("where", RENDERED)
def test_renderers_show_markup_as_text(where, payload):
    markup = assert_inert(RENDERED[where](payload))
    assert payload in markup.text


def test_only_web_addresses_are_shown_as_where_an_article_lives():
    """A `javascript:` url from a page's metadata is neither a link nor shown as its address."""
    hostile = _answer("x")
    web = _answer("x", citations=[{**hostile["citations"][0], "url": "https://example.org/a"}])
    assert "javascript" not in render.render_sources(0, hostile) and "up/x.txt" in render.render_sources(0, hostile)
    assert "javascript" not in _article("x")
    assert "https://example.org/a" in render.render_sources(0, web)
    assert "https://example.org/a" in render.render_article(web["citations"][0], None)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_document_lists_are_plain_text_for_gradio_to_show(payload):
    """The documents table and the dropdowns show their strings as text, so they get them unescaped."""
    doc = Document("d", "/up/x.txt", f"up/{payload}.txt", payload, "sha", 1, site=payload, url="javascript:x")
    assert render.document_rows([doc])[0][:4] == [payload, payload, "", f"up/{payload}.txt"]  # not the javascript: url
    assert render.document_choices([doc]) == [(f"{payload} — up/{payload}.txt", "d")]
    assert render.source_choices([doc]) == [(f"Publisher: {payload}", payload), (f"{payload} — {payload}", "d")]


# Serving beyond this machine ------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "login", "warned"),
    [
        ("127.0.0.1", None, False),
        ("localhost", None, False),
        ("::1", None, False),
        ("0.0.0.0", None, True),
        ("::", None, True),
        ("192.168.1.20", None, True),
        ("my-server.example.org", None, True),
        ("", None, True),
        ("0.0.0.0", ("ann", "s3cret"), False),
    ],
)
def test_serving_beyond_this_machine_without_a_login_warns(host, login, warned):
    from qa.ui.app import exposure_warning

    warning = exposure_warning(host, 7860, login)
    assert bool(warning) == warned
    if warned:
        assert "QA_UI_USER" in warning and "QA_UI_PASSWORD" in warning and "7860" in warning


@pytest.mark.parametrize(("args", "warned"), [(["--host", "0.0.0.0"], True), ([], False)])
def test_qa_chat_warns_before_serving_to_the_network(tmp_path, args, warned):
    """`qa chat` prints the warning first; an empty index then stops it before any model or server starts."""
    from tests.test_cli import run

    env = {"QA_UI_USER": "", "QA_UI_PASSWORD": "", "QA_INDEX_DIR": str(tmp_path / "index"), "QA_SEEDS_DIR": ""}
    result = run("chat", "--port", "1", *args, env=env, timeout=120)
    assert result.returncode == 2 and "index" in result.stderr and "is empty" in result.stderr, result.stderr
    assert ("without a login" in result.stderr) == warned, result.stderr
    assert not (tmp_path / "index").exists()


# Browser ------------------------------------------------------------------------

PAGE_NAME = "<img src=x onerror=window.__pwned=1> Tartus.html"
TITLE = "<img src=x onerror=window.__pwned=1> Harbour of Tartus report"
SITE = '"><svg onload=window.__pwned=1> Gazette'
NOTICE = "A notice pinned at the gate read <script>window.__pwned=1</script> and nobody knew who wrote it."
TIMETABLE = 'Its timetable pointed to <a href="javascript:window.__pwned=1">javascript:window.__pwned=1</a> instead.'
DRAWING = 'Under it someone had drawn <img src=x onerror="window.__pwned=1"> and "><svg onload=window.__pwned=1> in chalk.'
INVENTED = "<img src=x onerror=window.__pwned=1> Purple elephants guarded the harbour of Tartus."
# Gradio strips < > " from uploaded file names; what is left of the markup must still show as typed.
BIG_NAME = "&lt;b&gt;big&lt;b&gt; <svg onload=window.__pwned=1>.txt"  # no "/": it cannot be in a file name
BIG_SHOWN = "&lt;b&gt;big&lt;b&gt; svg onload=window.__pwned=1.txt"
LINK = "javascript:<img src=x onerror=window.__pwned=1>"


def hostile_page() -> str:
    paragraphs = [
        "The harbour of Tartus received twelve grain ships in May, the port authority said on Monday.",
        NOTICE,
        DRAWING,
        TIMETABLE,
        "The harbour master said the queue of ships was the longest since the war began, and that unloading took "
        "three days for each ship.",
    ]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{html.escape(TITLE)}</title>"
        f'<meta property="og:site_name" content="{html.escape(SITE)}">'
        '<meta property="og:url" content="javascript:window.__pwned=1">'
        f"</head><body><article><h1>{html.escape(TITLE)}</h1>{body}"
        '<p><a href="javascript:window.__pwned=1">Open the timetable</a></p></article></body></html>'
    )


@pytest.fixture
def hostile_app(embedder, tmp_path):
    """The app over an index of one harmless text, with a scripted model whose answer quotes markup."""
    from qa.assistant import Assistant
    from qa.library import Library
    from qa.settings import Settings

    settings = Settings(index_dir=tmp_path / "index", seeds_dir=None, model_dir=ROOT / "models", max_file_mb=0.05)
    start = tmp_path / "start"
    start.mkdir()
    (start / "oslo.txt").write_text(
        "Oslo weather\n\nSnow fell on Oslo for three days in January, and the city's trams ran late.\n", encoding="utf-8"
    )
    answer = {"sentences": [{"evidence": [1], "text": NOTICE}, {"evidence": [1], "text": INVENTED}]}
    llm = ScriptedLLM(answers=[json.dumps(answer)], rewrites=[])
    library = Library(settings, embedder=embedder)
    library.ingest([start])
    assistant = Assistant(settings, llm=llm, embedder=embedder, store=library.store)
    demo, url = serve(assistant, library)
    yield url, library
    demo.close()


PWNED_JS = """
const found = [];
if (typeof window.__pwned !== 'undefined') found.push('window.__pwned = ' + window.__pwned);
for (const el of document.querySelectorAll('*')) {
  for (const a of el.attributes) {
    const value = a.value.trim().toLowerCase();
    if (a.name.startsWith('on') && value.includes('__pwned')) found.push(el.tagName + ' ' + a.name);
    if (['href', 'src', 'action', 'formaction'].includes(a.name) && value.startsWith('javascript:'))
      found.push(el.tagName + ' ' + a.name + '=' + value);
  }
  if (el.tagName === 'SCRIPT' && el.textContent.includes('__pwned')) found.push('SCRIPT ' + el.textContent);
}
return found;
"""


def _no_script_ran(driver) -> None:
    assert driver.execute_script(PWNED_JS) == []


def _toasts(driver) -> str:
    from selenium.webdriver.common.by import By

    return "\n".join(t.text for t in driver.find_elements(By.CSS_SELECTOR, "[data-testid='toast-body']"))


def _dismiss_toasts(driver) -> None:
    """Close the notifications, which would otherwise cover the sources panel."""
    from selenium.webdriver.common.by import By

    for close in driver.find_elements(By.CSS_SELECTOR, "[data-testid='toast-close']"):
        if close.is_displayed():
            close.click()
    toasts = (By.CSS_SELECTOR, "[data-testid='toast-body']")
    _wait(driver, 10).until(lambda d: not any(t.is_displayed() for t in d.find_elements(*toasts)))


def _options(driver, css: str) -> str:
    """The text of a dropdown's options (opened, read, closed)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC

    box = _wait(driver).until(EC.element_to_be_clickable((By.CSS_SELECTOR, f"{css} input")))
    box.click()
    listbox = _wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "ul[role='listbox']")))
    text = listbox.text
    box.send_keys(Keys.ESCAPE)
    return text


@pytest.mark.browser
@pytest.mark.integration
def test_browser_shows_hostile_markup_as_text_and_runs_none_of_it(hostile_app, browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    url, library = hostile_app
    page, big = tmp_path / PAGE_NAME, tmp_path / BIG_NAME
    page.write_text(hostile_page(), encoding="utf-8")
    big.write_text("Too big to keep. " * 4000, encoding="utf-8")
    browser.get(url)

    # Upload: the page is indexed, the oversized file is refused by (what is left of) its name, as text.
    _wait(browser).until(EC.element_to_be_clickable((By.XPATH, "//button[@role='tab'][contains(., 'Documents')]"))).click()
    upload = _wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "input[type=file][multiple]")))
    upload.send_keys(f"{page}\n{big}")
    _wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "Tartus"))
    assert "<img src=x onerror=window.__pwned=1> Tartus" in browser.find_element(By.TAG_NAME, "body").text
    browser.find_element(By.XPATH, "//button[contains(., 'Upload and index')]").click()
    _wait(browser, 120).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "Indexed 1 documents"))
    refused = f"{BIG_SHOWN} is 0.1 MB, over the 0.05 MB limit"
    _wait(browser).until(lambda d: refused in _toasts(d))
    assert refused in browser.find_element(By.TAG_NAME, "body").text  # the status line too
    assert any(d.title == TITLE and d.site == SITE for d in library.documents())  # the markup reached the index
    _wait(browser).until(EC.text_to_be_present_in_element((By.ID, "qa-documents"), TITLE))
    assert SITE in browser.find_element(By.ID, "qa-documents").text
    assert TITLE in _options(browser, "#qa-remove-choice")
    _no_script_ran(browser)

    # A hostile "link" is refused, and the message that quotes it is shown as text in the toast and the status line.
    link = _wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-link textarea, #qa-link input")))
    link.send_keys(LINK)
    browser.find_element(By.ID, "qa-link-add").click()
    _wait(browser, 60).until(lambda d: LINK in _toasts(d))
    _wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), f"can be added here, not '{LINK}'"))
    _no_script_ran(browser)
    _dismiss_toasts(browser)

    # The answer quotes the markup; the sentence it could not support carries markup of its own.
    browser.find_element(By.XPATH, "//button[@role='tab'][contains(., 'Chat')]").click()
    browser.find_element(By.XPATH, "//button[contains(., 'Limit to dates or sources')]").click()
    assert f"Publisher: {SITE}" in _options(browser, "#qa-only")
    _ask(browser, "What did the notice pinned at the gate of the Tartus harbour read?")
    cite = _wait(browser, 120).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-chat a.cite")))
    answer = browser.find_element(By.CSS_SELECTOR, "#turn-0 .answer-text").text
    assert NOTICE in answer
    assert INVENTED in browser.find_element(By.CSS_SELECTOR, "#turn-0 .removed").text
    sources = browser.find_element(By.ID, "qa-sources").text
    assert TITLE in sources and SITE in sources and "<script>window.__pwned=1</script>" in sources

    # The article viewer shows the page's text, markup and javascript: link included, as text.
    cite.click()
    mark = _wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#qa-viewer mark.quote")))
    assert " ".join(mark.text.split()) == NOTICE
    viewer = browser.find_element(By.ID, "qa-viewer").text
    assert TITLE in viewer and SITE in viewer and DRAWING in viewer and TIMETABLE in viewer
    assert "javascript" not in browser.find_element(By.CSS_SELECTOR, "#qa-viewer .file").text

    # A quote in the sources panel opens it too.
    browser.find_element(By.CSS_SELECTOR, "#qa-sources a.cite").click()
    _wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#qa-sources a.cite.active"))
    _no_script_ran(browser)

    # The saved conversation renamed to markup: the list shows the title as typed.
    _dismiss_toasts(browser)
    browser.find_element(By.XPATH, "//button[contains(., 'Rename, delete, export')]").click()
    title = _wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-title textarea, #qa-title input")))
    title.clear()
    title.send_keys(TITLE)
    browser.find_element(By.ID, "qa-rename").click()
    _wait(browser).until(EC.text_to_be_present_in_element((By.ID, "qa-conversations"), TITLE))
    assert browser.find_elements(By.CSS_SELECTOR, "#qa-conversations img, #qa-conversations script") == []
    _no_script_ran(browser)
    assert "Traceback" not in browser.find_element(By.TAG_NAME, "body").text
