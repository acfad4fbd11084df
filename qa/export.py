"""A conversation written out: Markdown for people, JSON for programs.

Markdown: a heading per question, the answer with its [n] markers, then one
line per citation:

    [1] “At least 300 fighters crossed.” — Iraq sends fighters, BBC News, 2015-03-02, chars 120–150 of seeds/a.txt

The quote is written exactly as stored, character for character, between “
and ”, so `open(source).read()[start:end]` gives it back; a note follows
when the article has changed or was removed since (`qa.citation_state`).
JSON: `{"title": ..., "turns": [Turn.to_dict(), ...]}`, every Answer in full.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.answer import Answer, Citation
    from qa.conversation import Turn

STATE_NOTES = {
    "changed": "(the article has changed since)",
    "removed": "(the article was removed)",
}


def citation_line(c: Citation, state: str | None = None) -> str:
    """One citation: marker, the exact quote, where it is from, its span and source; a note unless its state is ok.

    >>> from qa.answer import Citation
    >>> c = Citation(2, "d:0:x", "d", "seeds/a.txt", "Iraq sends fighters", 4, 7, "two", "2015-03-02", site="BBC")
    >>> citation_line(c)
    '[2] “two” — Iraq sends fighters, BBC, 2015-03-02, chars 4–7 of seeds/a.txt'
    >>> citation_line(Citation(1, "d:0:y", "d", "b.txt", "", 0, 3, "One"), "removed")
    '[1] “One” — b.txt, chars 0–3 of b.txt (the article was removed)'
    """
    about = [c.title or c.source, c.site, c.published, f"p. {c.page}" if c.page else None, c.url]
    line = f"[{c.n}] “{c.quote}” — " + ", ".join(part for part in about if part)
    line += f", chars {c.start}–{c.end} of {c.source}"
    note = STATE_NOTES.get(state or "")
    return f"{line} {note}" if note else line


def _heading(question: str) -> str:
    return "## Q: " + " ".join(question.split())


def _answer_body(answer: Answer, states: Mapping[tuple[int, int], str], turn_index: int) -> list[str]:
    blocks = []
    if answer.search_question and answer.search_question != answer.question:
        blocks.append(f"(searched for “{answer.search_question}”)")
    if answer.abstained:
        why = f": {answer.abstain_reason}" if answer.abstain_reason else ""
        blocks.append(f"{answer.text}\n\n(The assistant did not answer from the documents{why})")
    else:
        blocks.append(answer.text)
    blocks.extend(citation_line(c, states.get((turn_index, c.n))) for c in answer.citations)
    removed = [s for s in answer.sentences if not s.supported]
    blocks.extend(f"(removed, not supported by its sources: “{s.text}” — {s.reason or 'no reason given'})" for s in removed)
    seconds = answer.timings.get("total_ms")
    blocks.append(f"— {answer.model}" + (f", {seconds / 1000:.1f} s" if seconds is not None else ""))
    return blocks


def answer_markdown(turn: Turn, states: Mapping[tuple[int, int], str] | None = None, turn_index: int = 0) -> str:
    """One question and its answer as Markdown (a copy button, or one answer exported).

    `states` are `citation_states(...)` of the whole conversation; `turn_index`
    is this turn's place in it, from 0. A turn that failed says why; one
    still being answered says so.

    >>> from qa.conversation import Turn
    >>> print(answer_markdown(Turn("Who?", error="The model did not answer in time.")), end="")
    ## Q: Who?
    <BLANKLINE>
    No answer: The model did not answer in time.
    """
    blocks = [_heading(turn.question)]
    if turn.answer is not None:
        blocks.extend(_answer_body(turn.answer, states or {}, turn_index))
    elif turn.error:
        blocks.append(f"No answer: {turn.error}")
    else:
        blocks.append("No answer: the question was stopped before it was answered.")
    return "\n\n".join(blocks) + "\n"


def to_markdown(title: str, turns: Sequence[Turn], states: Mapping[tuple[int, int], str] | None = None) -> str:
    """The whole conversation as Markdown: its title, then every turn in order."""
    parts = [f"# {' '.join(title.split()) or 'Conversation'}\n"]
    parts.extend(answer_markdown(turn, states, i) for i, turn in enumerate(turns))
    return "\n".join(parts)


def to_json(title: str, turns: Sequence[Turn]) -> str:
    """`{"title": ..., "turns": [{"question", "answer": Answer.to_dict() or None, "error"}]}`, indented."""
    return json.dumps({"title": title, "turns": [t.to_dict() for t in turns]}, ensure_ascii=False, indent=1)
