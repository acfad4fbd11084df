"""The result type: an answer that carries its evidence.

`Answer.text` holds only supported sentences, each followed by [n] markers;
`Answer.citations[n-1]` resolves marker n to a source span whose text is
exactly `quote`. Sentences that failed the support check stay in
`Answer.sentences` with `supported=False` and no citations, so callers can
show what was removed and why, but they are never presented as cited.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from qa.documents import byline

ABSTAIN_TEXT = "The documents do not say."


@dataclass(frozen=True)
class Citation:
    n: int
    passage_id: str
    doc_id: str
    source: str
    title: str
    start: int
    end: int
    quote: str
    # The cited article's own metadata (None when it does not say) and, for a PDF, the page.
    published: str | None = None
    author: str | None = None
    site: str | None = None
    url: str | None = None
    page: int | None = None

    @property
    def text(self) -> str:
        """The quote, under the name an evidence item gives its text: a citation can be shown again (`citations.combine`)."""
        return self.quote

    def byline(self) -> str:
        """ "Reuters · 2024-12-01", either part left out when unknown."""
        return byline(self.site, self.published)


@dataclass(frozen=True)
class Looking:
    """The evidence retrieved for a question, reported before the answer is written.

    `evidence` holds `Answer.evidence`-style records (n, source, start, end,
    text), best first; a stream yields this once, before any answer text.
    """

    evidence: list[dict]


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    citations: list[int]
    supported: bool
    score: float
    reason: str = ""
    # "AFP, 2015-03-02": the cited articles' publisher and date, from their metadata (see qa/attribution.py);
    # shown before the sentence, never part of the text the support check reads.
    attribution: str = ""


@dataclass
class Answer:
    question: str
    text: str
    sentences: list[AnswerSentence]
    citations: list[Citation]
    abstained: bool
    model: str
    timings: dict[str, float]
    abstain_reason: str = ""
    abstain_gate: str = ""  # the named gate that refused to answer (see qa/gates.py)
    evidence: list[dict] = field(default_factory=list)  # what the LLM was shown, numbered as it saw it
    retrieved: list[dict] = field(default_factory=list)  # fused passages, best first
    prompt: str = ""
    search_question: str = ""  # the question used for retrieval (differs for follow-ups)

    def citation(self, n: int) -> Citation:
        return self.citations[n - 1]

    def supported_text(self) -> str:
        """The sentences that passed the support check, without markers."""
        return " ".join(s.text for s in self.sentences if s.supported)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Answer:
        data = dict(data)
        data["sentences"] = [AnswerSentence(**s) for s in data.get("sentences", [])]
        data["citations"] = [Citation(**c) for c in data.get("citations", [])]
        return cls(**data)

    def refused(self, gate: str, reason: str) -> Answer:
        """This answer turned into an abstention by `gate`; its sentences stay for the record."""
        return dataclasses.replace(
            self, text=ABSTAIN_TEXT, citations=[], abstained=True, abstain_reason=reason, abstain_gate=gate
        )

    def render(self) -> str:
        """The answer followed by its numbered sources, for a terminal."""
        lines = [self.text]
        if self.abstained and self.abstain_reason:
            lines.append(f"({self.abstain_reason})")
        for c in self.citations:
            about = " · ".join(filter(None, [c.byline(), c.author, f"p. {c.page}" if c.page else "", c.url]))
            lines.append(f"[{c.n}] {c.source}{f' ({about})' if about else ''} [{c.start}:{c.end}] “{c.quote}”")
        removed = [s for s in self.sentences if not s.supported]
        for s in removed:
            lines.append(f"(removed, not supported by its sources: “{s.text}” — {s.reason})")
        return "\n".join(lines)


def render_sentences(
    sentences: Sequence[AnswerSentence],
    marker: Callable[[int], str] = lambda n: f"[{n}]",
    text: Callable[[str], str] = str,
    label: Callable[[str], str] | None = None,
) -> str:
    """The supported sentences, each followed by its citation markers: the one way an answer is written out.

    `marker`, `text` and `label` (a sentence's article label) change the form (HTML links and escaping in the UI).

    >>> s = [AnswerSentence("300 crossed.", [1, 2], True, 1.0), AnswerSentence("Purple.", [], False, 0.0)]
    >>> render_sentences(s)
    '300 crossed.[1][2]'
    >>> render_sentences(s, marker=lambda n: f"<{n}>", text=str.upper)
    '300 CROSSED.<1><2>'
    >>> render_sentences([AnswerSentence("300 crossed.", [1], True, 1.0, attribution="AFP, 2015-03-02")])
    'AFP, 2015-03-02: 300 crossed.[1]'
    """
    label = label or (lambda attribution: text(f"{attribution}: "))
    return " ".join(
        (label(s.attribution) if s.attribution else "") + text(s.text) + "".join(marker(n) for n in s.citations)
        for s in sentences
        if s.supported
    )
