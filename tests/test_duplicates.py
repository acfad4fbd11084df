"""Duplicate detection: sketches of texts written for these tests."""

from __future__ import annotations

from qa.ingest.duplicates import NEAR, DuplicateFinder, similarity, sketch

STORY = (
    "The harbour authority in Port Elwen said on Tuesday that dredging of the main channel will start in April. "
    "The work, which will cost about 4 million euros, is meant to let larger grain ships dock at the eastern quay. "
    "Fishermen have warned that the dredging could disturb spawning grounds near the breakwater. "
    "A spokeswoman for the authority said an environmental survey had found no lasting harm. "
    "The channel was last dredged in 2009, when silt had reduced its depth to six metres. "
    "Shipping companies have welcomed the plan, saying delays at the quay cost them thousands each week."
)
REWORDED = STORY.replace("on Tuesday", "on Wednesday").replace(
    "Shipping companies have welcomed the plan", "Shipping firms welcomed the plan"
)
OTHER = (
    "The city council voted to close the old library on Market Street at the end of the year. "
    "Its books will move to the new cultural centre, which opens in the spring with a larger children's section. "
    "Campaigners had collected 3,000 signatures to keep the building open as a reading room. "
    "The council said the building needed repairs it could not afford."
)


def test_copies_and_rewordings_are_near_others_are_not():
    assert similarity(sketch(STORY), sketch(STORY.upper())) == 1.0
    assert similarity(sketch(STORY), sketch(REWORDED)) >= NEAR
    assert similarity(sketch(STORY), sketch(OTHER)) < 0.1
    # Half a story is not a copy of it.
    assert similarity(sketch(STORY), sketch(STORY[: len(STORY) // 2])) < NEAR


def test_finder_returns_copies_most_similar_first():
    finder = DuplicateFinder()
    finder.add("story", sketch(STORY))
    finder.add("other", sketch(OTHER))
    assert finder.copies_of(sketch(REWORDED)) == ["story"]
    assert finder.copies_of(sketch(STORY), exclude="story") == []
    finder.discard("story")
    assert finder.copies_of(sketch(REWORDED)) == []
