"""Parsing model replies into sentences and citation numbers."""

import pytest

from qa.cite import Draft, parse_reply, partial_answer_text, strip_markers


@pytest.mark.parametrize(
    "reply, n, expected",
    [
        ('{"sentences": [{"evidence": [1, 2], "text": "Seven died."}]}', 3, [Draft("Seven died.", (1, 2))]),
        ('{"sentences": [{"evidence": [4, 0, 2, 2], "text": "X."}]}', 3, [Draft("X.", (2,))]),
        ('{"sentences": []}', 3, []),
        ('{"sentences": [{"evidence": [1], "text": "A one. B two."}]}', 2, [Draft("A one.", (1,)), Draft("B two.", (1,))]),
        ('{"sentences": [{"evidence": [1], "text": "Seven died [2]."}]}', 2, [Draft("Seven died.", (1, 2))]),
        ('Sure! {"sentences": [{"evidence": [1], "text": "Y."}]} done', 1, [Draft("Y.", (1,))]),
        ("Iraq sent 300 fighters [1][3]. They crossed at night [2].", 3,
         [Draft("Iraq sent 300 fighters.", (1, 3)), Draft("They crossed at night.", (2,))]),
        ("Nothing cited here.", 3, [Draft("Nothing cited here.", ())]),
        ('{"sentences": [{"evidence": "2", "text": "Odd."}]}', 3, [Draft("Odd.", (2,))]),
        ('{"sentences": [{"evidence": [1], "text": ""}]}', 3, []),
        ("", 3, []),
    ],
)
def test_parse_reply(reply, n, expected):
    assert parse_reply(reply, n) == expected


def test_strip_markers():
    assert strip_markers("A [1], B [2; 3].") == ("A, B.", [1, 2, 3])


@pytest.mark.parametrize(
    "partial, visible",
    [
        ('{"sentences": [{"evidence": [1], "text": "At le', "At le"),
        ('{"sentences": [{"evidence": [1], "text": "A."}, {"evidence": [2], "text": "B', "A. B"),
        ('{"sentences": [{"evid', ""),
        ("Plain text [1] so far", "Plain text so far"),
        ('{"sentences": [{"evidence": [1], "text": "He said \\"yes\\""', 'He said "yes"'),
    ],
)
def test_partial_answer_text(partial, visible):
    assert partial_answer_text(partial) == visible
