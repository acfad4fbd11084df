"""Web pages and feeds by URL, from a real HTTP server on loopback: fetched, saved, extracted, indexed; every failure named."""

import json
import os
import subprocess
import time

import pytest

from qa.errors import QAError
from qa.ingest import web
from qa.library import Library
from tests.servers import BIN, page_server

QA = str(BIN / "qa")

pytestmark = pytest.mark.integration

HTML = {"Content-Type": "text/html; charset=utf-8"}
BODY = (
    "The river burst its banks overnight and hundreds of homes in the valley were flooded for the second time "
    "in a month, officials said on Sunday. Rescue teams worked through the night to reach people trapped upstairs."
)


def article(title: str, body: str, date: str = "2024-12-01", author: str = "Jane Doe") -> bytes:
    return f"""<!doctype html><html><head><title>{title} | Valley News</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Valley News">
<meta name="author" content="{author}"><meta property="article:published_time" content="{date}T08:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies to improve your experience on our site. Accept all cookies</div>
<article><h1>{title}</h1><p>{body}</p><p>The water began to fall on Monday morning, and the council opened two
shelters in the town hall for families who could not return home.</p></article>
<div class="related"><h2>Related stories</h2><ul><li><a href="/x">Storm warning issued for the coast</a></li></ul></div>
<footer>Copyright Valley News 2024. All rights reserved.</footer></body></html>""".encode()


def feed(base: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>{base}{path}</link><pubDate>{d}</pubDate>"
        f"<description>&lt;p&gt;{t}. {BODY}&lt;/p&gt;</description></item>"
        for t, path, d in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Valley News</title>'
        f"<link>{base}/</link>{entries}</channel></rss>"
    ).encode()


@pytest.fixture
def library(settings, embedder, tmp_path):
    s = settings.model_copy(update={"index_dir": tmp_path / "index", "allow_private_urls": True, "fetch_timeout_s": 3.0})
    return Library(s, embedder=embedder)


def test_a_page_by_url_is_indexed_with_its_metadata_and_without_boilerplate(library):
    with page_server({"/news/floods": (200, HTML, article("Floods hit the valley again", BODY))}) as base:
        report = library.ingest_link(f"{base}/news/floods")
    assert len(report.added) == 1 and not report.skipped
    (doc,) = library.documents()
    assert doc.url == f"{base}/news/floods" and doc.source == doc.url
    assert (doc.title, doc.site, doc.author, doc.published) == ("Floods hit the valley again", "Valley News", "Jane Doe", "2024-12-01")
    text = library.document(doc.doc_id).text
    assert BODY in text
    for noise in ("We use cookies", "Storm warning issued", "All rights reserved", "Sport"):
        assert noise not in text


def test_fetching_again_replaces_a_changed_page_and_skips_an_unchanged_one(library):
    pages = {"/a": (200, HTML, article("Floods hit the valley again", BODY))}
    with page_server(pages) as base:
        library.ingest_link(f"{base}/a")
        assert library.ingest_link(f"{base}/a").unchanged == [f"{base}/a"]
        pages["/a"] = (200, HTML, article("Floods hit the valley again", BODY.replace("hundreds", "thousands")))
        again = library.ingest_link(f"{base}/a")
    assert again.updated == [f"{base}/a"] and len(library.documents()) == 1
    assert "thousands of homes" in library.document(library.documents()[0].doc_id).text


def test_a_feed_ingests_every_entry_and_keeps_the_feed_text_when_a_page_fails(library):
    routes = {
        "/one": (200, HTML, article("Floods hit the valley again", BODY, "2024-12-01")),
        "/two": (200, HTML, article("Council opens shelters", BODY.replace("river", "stream"), "2024-12-02")),
        # /three is missing: the entry's own description stands in for it.
    }
    with page_server(routes) as base:
        routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, feed(base, [
            ("Floods hit the valley again", "/one", "Sun, 01 Dec 2024 08:00:00 GMT"),
            ("Council opens shelters", "/two", "Mon, 02 Dec 2024 08:00:00 GMT"),
            ("Roads closed after the flood", "/three", "Tue, 03 Dec 2024 08:00:00 GMT"),
        ]))
        report = library.ingest_link(f"{base}/feed.xml")
    assert len(report.added) == 3, report.to_dict()
    by_url = {d.url: d for d in library.documents()}
    assert by_url[f"{base}/three"].published == "2024-12-03"  # from the feed: the page could not be fetched
    assert by_url[f"{base}/three"].title == "Roads closed after the flood"
    assert by_url[f"{base}/two"].published == "2024-12-02"


def test_max_items_bounds_a_feed(library):
    with page_server({}) as base:
        items = [(f"Story {i}", f"/s{i}", "Sun, 01 Dec 2024 08:00:00 GMT") for i in range(5)]
        with page_server({"/feed.xml": (200, {"Content-Type": "application/rss+xml"}, feed(base, items))}) as feeds_base:
            report = library.ingest_link(f"{feeds_base}/feed.xml", max_items=2)
    assert len(report.added) == 2


def _failure(library, routes, path="/p", **settings) -> str:
    if settings:
        library.settings = library.settings.model_copy(update=settings)
    with page_server(routes) as base, pytest.raises(QAError) as caught:
        library.ingest_link(f"{base}{path}")
    return str(caught.value)


def test_each_failure_says_what_happened(library):
    assert "404" in _failure(library, {}) and "does not exist" in _failure(library, {})
    assert "500" in _failure(library, {"/p": (500, HTML, b"oops")})
    assert "not a web page or feed" in _failure(library, {"/p": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4")})
    loop = {"/p": (302, {"Location": "/q"}, b""), "/q": (302, {"Location": "/p"}, b"")}
    assert "redirects in a loop" in _failure(library, loop)
    assert "larger than" in _failure(library, {"/p": (200, HTML, b"x" * 3_000_000)}, fetch_max_mb=1.0)

    def slow():
        time.sleep(2)
        return 200, HTML, b"<html></html>"

    assert "did not answer within" in _failure(library, {"/p": slow}, fetch_timeout_s=0.5)


def test_private_addresses_are_refused_unless_allowed(library):
    library.settings = library.settings.model_copy(update={"allow_private_urls": False})
    message = _failure(library, {"/p": (200, HTML, article("T", BODY))})
    assert "loopback" in message and "QA_ALLOW_PRIVATE_URLS" in message
    assert library.documents() == []
    for address in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]/", "file:///etc/passwd"):
        with pytest.raises(QAError):
            web.fetch(address, allow_private=False)


def test_a_redirect_to_a_private_address_is_refused(library, monkeypatch):
    # 127.0.0.1 plays a public site here; 127.0.0.2 stays what it is.
    real = web.refused_address
    monkeypatch.setattr(web, "refused_address", lambda a: "" if a == "127.0.0.1" else real(a))
    library.settings = library.settings.model_copy(update={"allow_private_urls": False})
    with page_server({}) as inner:
        port = inner.rsplit(":", 1)[1]
        message = _failure(library, {"/p": (302, {"Location": f"http://127.0.0.2:{port}/secret"}, b"")})
    assert "127.0.0.2" in message and "loopback" in message


def test_cli_ingests_a_feed_url_given_as_a_string(settings, tmp_path):
    routes = {"/one": (200, HTML, article("Floods hit the valley again", BODY))}
    with page_server(routes) as base:
        routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, feed(base, [
            ("Floods hit the valley again", "/one", "Sun, 01 Dec 2024 08:00:00 GMT"),
            ("Roads closed after the flood", "/gone", "Tue, 03 Dec 2024 08:00:00 GMT"),
        ]))
        env = {**os.environ, "QA_INDEX_DIR": str(tmp_path / "ix"), "QA_MODEL_DIR": str(settings.model_dir),
               "QA_ALLOW_PRIVATE_URLS": "true"}
        page = subprocess.run([QA, "ingest", f"{base}/one"], capture_output=True, text=True, env=env, timeout=300)
        done = subprocess.run([QA, "ingest", f"{base}/feed.xml", "--max-items", "20", "--json"],
                              capture_output=True, text=True, env=env, timeout=300)
        refused = subprocess.run([QA, "ingest", f"{base}/feed.xml"], capture_output=True,
                                 text=True, env={**env, "QA_ALLOW_PRIVATE_URLS": "false"}, timeout=300)
    assert page.returncode == 0 and "1 new" in page.stdout, page.stderr
    assert done.returncode == 0, done.stderr
    reported = json.loads(done.stdout)
    assert reported["unchanged"] == [f"{base}/one"] and len(reported["added"]) == 1  # the page came in by itself first
    assert refused.returncode != 0 and "QA_ALLOW_PRIVATE_URLS" in refused.stderr and "Traceback" not in refused.stderr
    docs = subprocess.run([QA, "docs", "--json"], capture_output=True, text=True, env=env, timeout=120)
    published = sorted(d["published"] for d in json.loads(docs.stdout))
    assert published == ["2024-12-01", "2024-12-03"]


def _two_reports(library) -> str:
    """A 2015 and a 2024 report of the same crossing, from two publishers; returns the server's base URL."""
    routes = {
        "/afp": (200, HTML, article("Fighters cross into Syria", "About 300 Iraqi fighters crossed into Syria late on "
                                    "Sunday, two Iraqi security sources said. They travelled in buses to Damascus.",
                                    "2015-03-02", "Sam Reed").replace(b"Valley News", b"AFP")),
        "/reuters": (200, HTML, article("Thousands of fighters in Syria", "Around 7,000 Iraqi fighters have crossed "
                                        "into Syria since the spring, officials said on Monday. Most of them are in "
                                        "Damascus.", "2024-12-01", "Ana Cruz").replace(b"Valley News", b"Reuters")),
    }
    with page_server(routes) as base:
        for path in routes:
            library.ingest_link(f"{base}{path}")
    return base


def test_retrieval_keeps_to_the_dates_and_sources_asked_for(library):
    from qa.errors import NothingInScope
    from qa.retrieve import Retriever
    from qa.scope import Scope

    _two_reports(library)
    retriever = Retriever(library.settings, library.store, library.embedder)
    question = "How many Iraqi fighters crossed into Syria?"
    everything = retriever.retrieve(question)
    assert {e.site for e in everything.evidence} == {"AFP", "Reuters"}
    for scope, site in [(Scope.of("2024"), "Reuters"), (Scope.of(until="2015-12-31"), "AFP"),
                        (Scope.of(sources=["afp"]), "AFP"), (Scope.of("2010", "2030", ["Reuters"]), "Reuters")]:
        found = retriever.retrieve(question, scope=scope)
        assert found.evidence and {e.site for e in found.evidence} == {site}, scope
        assert {p.site for p, _ in found.passages} == {site}
    with pytest.raises(NothingInScope, match="No indexed document is published from 2030-01-01"):
        retriever.retrieve(question, scope=Scope.of("2030"))


def test_the_real_model_answers_from_dated_reports_saying_which_says_what(library):
    from qa.assistant import Assistant

    _two_reports(library)
    dated = Assistant(library.settings, embedder=library.embedder, store=library.store)  # the real local model
    question = "How many Iraqi fighters crossed into Syria?"
    answer = dated.ask(question)
    assert not answer.abstained, answer.abstain_reason
    texts = library.store.texts([c.doc_id for c in answer.citations])
    metadata = {d.doc_id: (d.site, d.published) for d in library.documents()}
    for c in answer.citations:
        assert texts[c.doc_id][c.start : c.end] == c.quote
        assert (c.site, c.published) == metadata[c.doc_id]  # the citation carries its article's own metadata
    labels = {"AFP": "AFP, 2015-03-02", "Reuters": "Reuters, 2024-12-01"}
    cited_sites = {c.site for c in answer.citations}
    for s in answer.sentences:
        if s.supported and len(cited_sites) > 1:  # both articles cited: each sentence says whose it is
            assert s.attribution in {labels[answer.citation(n).site] for n in s.citations}, answer.text
    assert all(s.attribution == "" for s in answer.sentences) or len(cited_sites) > 1
    only_2024 = dated.ask(question, since="2024")
    assert not only_2024.abstained and "7,000" in only_2024.text, only_2024.text
    assert {c.site for c in only_2024.citations} == {"Reuters"}


def test_cli_ask_keeps_to_the_dates_and_sources_given(library, tmp_path):
    env = {**os.environ, "QA_INDEX_DIR": str(library.settings.index_dir), "QA_MODEL_DIR": str(library.settings.model_dir),
           "QA_LLM_TIMEOUT_S": "600"}  # fmt: skip
    _two_reports(library)
    question = "How many Iraqi fighters crossed into Syria?"
    asked = subprocess.run([QA, "ask", "--since", "2024", "--until", "2024-12", "--source", "Reuters", "--json", question],
                           capture_output=True, text=True, env=env, timeout=600)  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["citations"] and {c["site"] for c in answer["citations"]} == {"Reuters"}
    assert {c["published"] for c in answer["citations"]} == {"2024-12-01"}
    plain = subprocess.run([QA, "ask", "--source", "AFP", question], capture_output=True, text=True, env=env, timeout=600)
    assert plain.returncode == 0 and "AFP · 2015-03-02" in plain.stdout, plain.stdout + plain.stderr
    for args, message in [(["--since", "someday"], "is not a date"), (["--since", "2030"], "No indexed document is published")]:
        bad = subprocess.run([QA, "ask", *args, question], capture_output=True, text=True, env=env, timeout=600)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
