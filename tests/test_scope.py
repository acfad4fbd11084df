"""Limiting an answer to dates and sources: parsing what a user types, and which documents that admits."""

from datetime import date

import pytest

from qa.documents import Document
from qa.errors import BadQuestion
from qa.scope import Scope, day


def doc(doc_id: str, published: str | None = None, site: str | None = None, **more) -> Document:
    return Document(doc_id, f"/news/{doc_id}.html", f"news/{doc_id}.html", f"Title {doc_id}", "sha", 1,
                    published=published, site=site, **more)  # fmt: skip


@pytest.mark.parametrize(
    "value, last, expected",
    [
        ("2024", False, "2024-01-01"),
        ("2024", True, "2024-12-31"),
        ("2023-02", True, "2023-02-28"),
        ("2024-2", False, "2024-02-01"),
        (" 2015-03-02 ", False, "2015-03-02"),
        (date(2015, 3, 2), True, "2015-03-02"),
        ("", False, None),
        (None, True, None),
    ],
)
def test_a_date_may_be_a_year_a_month_or_a_day(value, last, expected):
    assert day(value, last=last) == expected


@pytest.mark.parametrize("value", ["yesterday", "2024-13", "2024-02-30", "24", "2024/05/01", "March 2024"])
def test_anything_else_is_a_clear_error(value):
    with pytest.raises(BadQuestion, match="YYYY, YYYY-MM or YYYY-MM-DD"):
        Scope.of(since=value)


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(BadQuestion, match="ends .* before it starts"):
        Scope.of("2024-06", "2024-05")
    assert Scope.of("2024-05", "2024-05") == Scope("2024-05-01", "2024-05-31")


def test_no_limits_is_an_empty_scope():
    assert not Scope.of(None, "", [" ", ""])
    assert Scope.of(sources=["Reuters"])


@pytest.mark.parametrize(
    "scope, admitted",
    [
        (Scope.of("2024"), {"reuters24", "bbc24"}),
        (Scope.of(until="2015-12"), {"afp15"}),
        (Scope.of("2015-03-02", "2015-03-02"), {"afp15"}),
        (Scope.of("2016", "2023"), set()),
        (Scope.of(sources=["reuters"]), {"reuters24"}),  # a publisher, case aside
        (Scope.of(sources=["afp15", "news/undated.html"]), {"afp15", "undated"}),  # an id, a file
        (Scope.of(sources=["Title bbc24"]), {"bbc24"}),  # a title
        (Scope.of("2024", sources=["AFP"]), set()),  # both limits apply
        (Scope.of(sources=["https://example.com/a"]), {"linked"}),  # a link
        (Scope(), {"reuters24", "bbc24", "afp15", "undated", "linked"}),
    ],
)
def test_which_documents_a_scope_admits(scope, admitted):
    docs = [
        doc("reuters24", "2024-12-01", "Reuters"),
        doc("bbc24", "2024-01-15", "BBC News"),
        doc("afp15", "2015-03-02", "AFP"),
        doc("undated"),  # outside every date range: "since 2024" means known to be from 2024 on
        doc("linked", url="https://example.com/a"),
    ]
    assert {d.doc_id for d in docs if scope.admits(d)} == admitted


def test_an_admitted_copy_brings_the_document_that_answers_for_it():
    docs = [doc("canon", "2015-03-02", "AFP"), doc("copy", "2024-01-01", "Yahoo", duplicate_of="canon")]
    assert Scope.of(sources=["Yahoo"]).doc_ids(docs) == {"canon"}
    assert Scope.of("2024").doc_ids(docs) == {"canon"}


def test_an_unreadable_stored_date_counts_as_unknown():
    assert not Scope.of("2000").admits(doc("odd", "someday"))


def test_the_scope_describes_itself_for_messages():
    assert Scope.of("2015", "2016").describe() == "published between 2015-01-01 and 2016-12-31"
    assert Scope.of(until="2016", sources=["AFP", "Reuters"]).describe() == "published up to 2016-12-31, from AFP, Reuters"
