"""Saved pages from eight news sites, with ground truth from a public extraction benchmark
(tests/data/pages/README.md): body kept, boilerplate dropped, title, author and date right;
indexed, their citations exact."""

import json
import re
from pathlib import Path

import pytest

from qa.ingest.readers import extract

PAGES = Path(__file__).parent / "data" / "pages"
TRUTH = json.loads((PAGES / "pages.json").read_text(encoding="utf-8"))
BODIES = json.loads((PAGES / "ground_truth.json").read_text(encoding="utf-8"))


def flat(text: str) -> str:
    return " ".join(text.split())


def names(author: str | None) -> set[str]:
    """A byline's people, case aside, however they are joined ("A and B", "A, B", "A; B")."""
    return {n.strip().casefold() for n in re.split(r",|;|\band\b", author or "", flags=re.IGNORECASE) if n.strip()}


@pytest.fixture(scope="module")
def extracted():
    return {p["file"]: extract(PAGES / p["file"], (PAGES / p["file"]).read_bytes(), p["url"]) for p in TRUTH}


def test_the_fixtures_cover_six_sites_or_more():
    assert len({p["site_host"] for p in TRUTH}) >= 6
    for p in TRUTH:
        for snippet in p["body_snippets"]:
            assert flat(snippet) in flat(BODIES[p["file"]]["articleBody"])
        for snippet in p["boilerplate_snippets"]:
            assert flat(snippet).casefold() not in flat(BODIES[p["file"]]["articleBody"]).casefold()


@pytest.mark.parametrize("page", TRUTH, ids=[p["file"] for p in TRUTH])
def test_a_news_page_gives_its_article_and_nothing_else(page, extracted):
    got = extracted[page["file"]]
    text = flat(got.text)
    assert not got.note, got.note  # the article extractor found the story; no fallback
    for snippet in page["body_snippets"]:
        assert flat(snippet) in text
    for snippet in page["boilerplate_snippets"]:
        assert flat(snippet) not in text
    assert got.title == page["title"]
    assert names(got.author) == names(page["author"])
    assert got.published == page["published"]
    assert got.site and got.url == page["url"]


@pytest.mark.integration
def test_indexed_pages_carry_their_metadata_and_exact_citations(settings, embedder, tmp_path):
    from qa.library import Library
    from qa.retrieve import Retriever

    library = Library(settings.model_copy(update={"index_dir": tmp_path / "index"}), embedder=embedder)
    report = library.ingest(sorted(PAGES.glob("*.html")))
    assert len(report.added) == len(TRUTH) and not report.skipped
    by_file = {Path(d.path).name: d for d in library.documents()}
    retriever = Retriever(library.settings, library.store, embedder)
    for page in TRUTH:
        doc = by_file[page["file"]]
        assert (doc.title, doc.published) == (page["title"], page["published"])
        text = library.document(doc.doc_id).text
        # Ask with the page's own first sentence: its evidence is found, and every span is exact.
        found = retriever.retrieve(page["body_snippets"][0])
        assert any(e.doc_id == doc.doc_id for e in found.evidence), page["file"]
        for e in found.evidence:
            if e.doc_id == doc.doc_id:
                assert text[e.start : e.end] == e.text
                assert (e.site, e.published) == (doc.site, doc.published)
