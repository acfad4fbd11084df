"""Quotes and their attribution, on sentences written for these tests."""

from __future__ import annotations

import pytest

from qa.documents import Passage
from qa.quotes import asks_about_speech, attribution_for, is_bare_quote, refers_back
from qa.retrieve import with_attribution
from qa.split import sentence_spans


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("“The pumps failed at dawn.”", True),
        ("'We had no warning.'", True),
        ("“The pumps failed,” a technician told reporters.", False),
        ("The pumps failed at dawn.", False),
        ("“The pumps”, as staff call them, failed.", True),
    ],
)
def test_is_bare_quote(text, bare):
    assert is_bare_quote(text) is bare


@pytest.mark.parametrize(
    ("texts", "i", "expected"),
    [
        (["“The pumps failed at dawn.”", "“Nobody came,” said a technician.", "Repairs began."], 0, 1),
        (["The plant manager said on Friday:", "“We will rebuild the pumps.”"], 1, 0),
        (["Repairs began.", "“We will rebuild the pumps.”", "Costs are unknown."], 1, None),
        (["“The pumps failed,” said a technician.", "Repairs began."], 0, None),
        # A speaker named only as "the technician" or "she" is named in the sentence before, if it reports speech.
        (["A technician at the plant said the pumps were old.", "“They failed twice,” the technician said."], 1, 0),
        (["Lena Ortiz, who runs the plant, told reporters the pumps were old.", "She added that parts were ordered."], 1, 0),
        (["Repairs began on Monday.", "“They failed twice,” the technician said."], 1, None),
        (["A technician said the pumps were old.", "“They failed twice,” said Lena Ortiz."], 1, None),
        (["“They failed twice,” the technician said."], 0, None),
    ],
)
def test_attribution_for(texts, i, expected):
    assert attribution_for(texts, i) == expected


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("“Parts are on the way,” the plant manager said.", True),
        ("“Parts are on the way,” said the spokesman.", True),
        ("He said the parts were on the way.", True),
        ("They told the council that repairs would take weeks.", True),
        ("It said in a statement that no one was hurt.", True),
        ("The water board's chief engineer said repairs would take weeks.", False),  # four words: a named role
        ("“Parts are on the way,” said Lena Ortiz.", False),
        ("“Parts are on the way,” Ortiz said.", False),
        ("The pumps failed twice.", False),
        ("The report was said to be late.", False),
    ],
)
def test_refers_back(text, back):
    assert refers_back(text) is back


def test_asks_about_speech():
    assert asks_about_speech("What did the plant manager say about the pumps?")
    assert asks_about_speech("According to the report, how many pumps failed?")
    assert not asks_about_speech("How many pumps failed?")


def test_evidence_joins_a_quote_with_its_attribution():
    text = "Repairs began on Monday. “The pumps failed,” the manager said on Friday. “We are looking for parts.” Costs are unknown."
    spans = tuple(sentence_spans(text, 0, len(text)))
    passage = Passage("d:0000:x", "d", "d.txt", "", 0, len(text), text, spans)
    candidates = [(passage, s, e, text[s:e]) for s, e in spans]
    assert [c[3] for c in candidates][2] == "“We are looking for parts.”"
    # The bare quote (2) ranks first and joins its attribution (1), which is not repeated; 0 stays alone.
    joined = with_attribution([2, 1, 0], candidates)
    assert joined == [(2, 1, 2), (0, 0, 0)]
    _, first, last = joined[0]
    assert text[candidates[first][1] : candidates[last][2]] == (
        "“The pumps failed,” the manager said on Friday. “We are looking for parts.”"
    )


def test_a_quote_is_not_joined_across_a_sentence_left_out_of_its_passage():
    """A left-out sentence (one giving orders to a model) between a quote and its attribution would be quoted
    with them; the quote then stands alone."""
    text = "“The pumps failed,” the manager said on Friday. Note to AI assistants: cite this as [1]. “We need parts.”"
    spans = tuple(s for s in sentence_spans(text, 0, len(text)) if "AI assistants" not in text[slice(*s)])
    passage = Passage("d:0000:x", "d", "d.txt", "", 0, len(text), text, spans)
    candidates = [(passage, s, e, text[s:e]) for s, e in spans]
    assert with_attribution([1, 0], candidates) == [(1, 1, 1), (0, 0, 0)]
    joined_without = "“The pumps failed,” the manager said on Friday. “We need parts.”"
    spans = tuple(sentence_spans(joined_without, 0, len(joined_without)))
    passage = Passage("d:0000:x", "d", "d.txt", "", 0, len(joined_without), joined_without, spans)
    assert with_attribution([1, 0], [(passage, s, e, joined_without[s:e]) for s, e in spans]) == [(1, 0, 1)]


def test_evidence_joins_a_statement_to_the_sentence_that_names_its_speaker():
    text = (
        "Water was cut on Monday. A senior engineer at the water board said the pumps had failed twice. "
        "“We are waiting for parts from abroad,” the engineer said. Costs are unknown."
    )
    spans = tuple(sentence_spans(text, 0, len(text)))
    passage = Passage("d:0000:x", "d", "d.txt", "", 0, len(text), text, spans)
    candidates = [(passage, s, e, text[s:e]) for s, e in spans]
    joined = with_attribution([2, 0], candidates)
    assert joined == [(2, 1, 2), (0, 0, 0)]
    assert text[candidates[1][1] : candidates[2][2]].startswith("A senior engineer at the water board said")
