"""Citations, from the model's reply to the finished Answer.

1. Parse: what the model wrote becomes sentences with the evidence numbers
   they cite. The model is asked for JSON
   (`{"sentences": [{"evidence": [1], "text": "..."}]}`), but hosted models
   without schema support, or a reply cut short, may give plain text with [n]
   markers instead; both are read. Numbers outside 1..N are dropped: an
   answer can never cite evidence it was not given.
2. Assemble: checked sentences are renumbered [1..k] in order of first use and
   each number resolves to its evidence's exact span (`assemble`).
3. Check: `quote_matches` is the one comparison of a quote with the stored
   text at its span; `require_exact` applies it to every citation of an answer.

>>> parse_reply('{"sentences": [{"evidence": [2, 9], "text": "At least 300 fighters crossed."}]}', 3)
[Draft(text='At least 300 fighters crossed.', cites=(2,))]
>>> parse_reply("Iraq sent 300 fighters [1][3]. They crossed at night [2].", 3)
[Draft(text='Iraq sent 300 fighters.', cites=(1, 3)), Draft(text='They crossed at night.', cites=(2,))]
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from qa.answer import Answer, AnswerSentence, Citation, render_sentences
from qa.attribution import different_figures, needs_labels, sentence_label
from qa.errors import QAError
from qa.split import sentence_spans

_MARKERS = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_PARTIAL_TEXT = re.compile(r'"text"\s*:\s*"((?:[^"\\]|\\.)*)("?)')


@dataclass(frozen=True)
class Draft:
    """A sentence the model proposed, with the evidence numbers it cited."""

    text: str
    cites: tuple[int, ...]


def _valid(numbers: list, n_evidence: int) -> tuple[int, ...]:
    out: list[int] = []
    for x in numbers:
        try:
            i = int(x)
        except (TypeError, ValueError):
            continue
        if 1 <= i <= n_evidence and i not in out:
            out.append(i)
    return tuple(out)


def strip_markers(text: str) -> tuple[str, list[int]]:
    """Remove [n] / [n, m] markers, returning the clean text and the numbers.

    >>> strip_markers("Seven died [1, 2].")
    ('Seven died.', [1, 2])
    """
    found = [int(x) for group in _MARKERS.findall(text) for x in re.split(r"[,;]", group)]
    clean = _MARKERS.sub("", text)
    clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
    return re.sub(r"\s{2,}", " ", clean).strip(), found


def _split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, 0, len(text))] if text.strip() else []


def _from_json(reply: str) -> list | None:
    start, end = reply.find("{"), reply.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(reply[start : end + 1])
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict) and isinstance(data.get("sentences"), list):
        return data["sentences"]
    return None


def parse_reply(reply: str, n_evidence: int) -> list[Draft]:
    """Sentences and their citations from a model reply (JSON or marked-up text)."""
    drafts: list[Draft] = []
    items = _from_json(reply)
    if items is not None:
        for item in items:
            if not isinstance(item, dict):
                continue
            text, inline = strip_markers(str(item.get("text", "")))
            listed = item.get("evidence", [])
            cites = _valid((listed if isinstance(listed, list) else [listed]) + inline, n_evidence)
            drafts.extend(Draft(s, cites) for s in _split_sentences(text))
        return [d for d in drafts if d.text]
    for sentence in _split_sentences(reply.strip()):
        text, found = strip_markers(sentence)
        if text:
            drafts.append(Draft(text, _valid(found, n_evidence)))
    return drafts


def partial_answer_text(reply_so_far: str) -> str:
    """The answer text visible so far in a streaming JSON (or plain) reply.

    >>> partial_answer_text('{"sentences": [{"evidence": [1], "text": "At least 30')
    'At least 30'
    """
    if not reply_so_far.lstrip().startswith("{"):
        return strip_markers(reply_so_far)[0]
    parts = []
    for body, _closed in _PARTIAL_TEXT.findall(reply_so_far):
        try:
            parts.append(json.loads(f'"{body}"'))
        except json.JSONDecodeError:
            parts.append(body.replace('\\"', '"'))
    return " ".join(p.strip() for p in parts if p.strip())


# Assembling the Answer ----------------------------------------------------------


class Quotable(Protocol):
    """A numbered span of a stored document, as shown to the model (e.g. `retrieve.Evidence`)."""

    n: int
    start: int
    end: int
    text: str

    @property
    def passage_id(self) -> str: ...
    @property
    def doc_id(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def title(self) -> str: ...


_ORIGIN = ("published", "author", "site", "url", "page")


def origin_of(e: Quotable) -> dict:
    """The article metadata a quote carries (published, author, site, url, page), None where unknown."""
    passage = getattr(e, "passage", e)
    return {key: getattr(passage, key, None) for key in _ORIGIN}


def evidence_records(evidence: Sequence[Quotable]) -> list[dict]:
    """What the model was shown, numbered as it saw it, for `Answer.evidence`."""
    return [
        {
            "n": e.n,
            "passage_id": e.passage_id,
            "source": e.source,
            "start": e.start,
            "end": e.end,
            "text": e.text,
            "title": e.title,
            **origin_of(e),
        }
        for e in evidence
    ]


def retrieved_records(passages) -> list[dict]:
    """The fused passages, best first, for `Answer.retrieved`: (passage, score) pairs."""
    return [
        {"passage_id": p.passage_id, "source": p.source, "start": p.start, "end": p.end, "score": score}
        for p, score in passages
    ]


def joined(cited: Sequence[Quotable]) -> list[Quotable]:
    """The items a sentence cites, in order, where two are neighbouring sentences of one passage with only
    space between them shown as one span that covers both (its text is the passage's text there).

    A sentence that needs two neighbouring sentences ("British Airways blamed fuel prices." and "The
    airline made a profit of £75m.") is backed by the two read together; as one quote, the name and the
    figure are checked in one place, where two quotes each left half of the claim unbacked.

    >>> from qa.documents import Passage
    >>> from qa.retrieve import Evidence
    >>> p = Passage("d:0:x", "d", "a.txt", "", 0, 35, "Kim won. She ran 10.2 s. Rain fell.", ())
    >>> won, ran, rain = (Evidence(n, p, s, e, p.text[s:e], 0.0) for n, (s, e) in enumerate([(0, 8), (9, 24), (25, 35)], 1))
    >>> [x.text for x in joined([ran, won])], [x.text for x in joined([won, rain])]
    (['Kim won. She ran 10.2 s.'], ['Kim won.', 'Rain fell.'])
    """
    items = list(cited)
    joining = True
    while joining:  # a joined span may join a further neighbour: look again
        joining = False
        for i, j in itertools.permutations(range(len(items)), 2):
            if (both := _one_span(items[i], items[j])) is not None:
                items[min(i, j)] = both
                del items[max(i, j)]
                joining = True
                break
    return items


def _one_span(first: Quotable, second: Quotable):
    """`first` and `second` as one item when `second` follows `first` in its passage with only space between."""
    passage = getattr(first, "passage", None)
    if passage is None or getattr(second, "passage", None) is None or first.passage_id != second.passage_id:
        return None
    if not first.start < first.end <= second.start:
        return None
    if passage.text_at(first.end, second.start).strip():  # as retrieve._next_to joins a quote and its speaker
        return None
    return dataclasses.replace(first, end=second.end, text=passage.text_at(first.start, second.end))


def assemble(sentences: Sequence[AnswerSentence], shown: Sequence[Quotable], **fields) -> Answer:
    """The Answer: supported sentences' evidence numbers renumbered 1..k in order of first use.

    Each number resolves to a Citation of the span of the evidence `shown`
    under that number, or of neighbouring items a sentence cites together
    (`joined`). Unsupported sentences are kept, uncited. `fields` are
    the Answer's other fields (question, model, timings, evidence, retrieved,
    prompt, search_question).

    >>> from types import SimpleNamespace as E
    >>> shown = [E(n=1, passage_id="d:0:x", doc_id="d", source="a.txt", title="", start=0, end=4, text="Four"),
    ...          E(n=2, passage_id="d:1:y", doc_id="d", source="a.txt", title="", start=5, end=8, text="two")]
    >>> a = assemble([AnswerSentence("Two.", [2, 1], True, 1.0)], shown, question="q", model="m", timings={})
    >>> a.text, [(c.n, c.quote) for c in a.citations]
    ('Two.[1][2]', [(1, 'two'), (2, 'Four')])
    """
    by_n = {e.n: e for e in shown}
    numbering: dict[tuple[str, int, int], int] = {}  # each span once
    citations: list[Citation] = []
    final: list[AnswerSentence] = []
    for s in sentences:
        if not s.supported:
            final.append(s)
            continue
        renumbered = []
        for e in joined([by_n[n] for n in s.citations]):
            key = (e.doc_id, e.start, e.end)
            if key not in numbering:
                numbering[key] = len(numbering) + 1
                citations.append(
                    Citation(
                        numbering[key], e.passage_id, e.doc_id, e.source, e.title, e.start, e.end, e.text, **origin_of(e)
                    )
                )
            renumbered.append(numbering[key])
        final.append(AnswerSentence(s.text, renumbered, True, s.score, s.reason))
    docs_of = [(s.text, {citations[n - 1].doc_id for n in s.citations}) for s in final if s.supported]
    if needs_labels(citations) or different_figures(docs_of):
        final = [
            dataclasses.replace(s, attribution=sentence_label([citations[n - 1] for n in s.citations])) if s.supported else s
            for s in final
        ]
    return Answer(text=render_sentences(final), sentences=final, citations=citations, abstained=False, **fields)


def combine(first: Answer, second: Answer, keep: Sequence[AnswerSentence]) -> Answer:
    """`first` with the sentences `keep` of `second` added after its own, every citation renumbered and the
    same span cited under one number; `evidence` lists what both drafts were shown.

    >>> from types import SimpleNamespace as E
    >>> a = [E(n=1, passage_id="d:0:x", doc_id="d", source="a.txt", title="", start=0, end=4, text="Four")]
    >>> b = [E(n=1, passage_id="d:1:y", doc_id="d", source="a.txt", title="", start=5, end=8, text="two")]
    >>> one = assemble([AnswerSentence("Four.", [1], True, 1.0)], a, question="q", model="m", timings={})
    >>> two = assemble([AnswerSentence("Two.", [1], True, 1.0)], b, question="q", model="m", timings={})
    >>> both = combine(one, two, two.sentences)
    >>> both.text, [(c.n, c.quote) for c in both.citations]
    ('Four.[1] Two.[2]', [(1, 'Four'), (2, 'two')])
    """
    shown: dict[tuple[str, int, int], Citation] = {}  # each span once, under its new number

    def number(c: Citation) -> int:
        key = (c.doc_id, c.start, c.end)
        if key not in shown:
            shown[key] = dataclasses.replace(c, n=len(shown) + 1)
        return shown[key].n

    sentences = [
        dataclasses.replace(s, citations=[number(first.citation(n)) for n in s.citations]) if s.supported else s
        for s in first.sentences
    ]
    sentences += [dataclasses.replace(s, citations=[number(second.citation(n)) for n in s.citations]) for s in keep]
    offset = len(first.evidence)
    evidence = first.evidence + [{**e, "n": e["n"] + offset} for e in second.evidence]
    fields = {f: getattr(first, f) for f in ("question", "model", "timings", "retrieved", "prompt", "search_question")}
    return assemble(sentences, list(shown.values()), evidence=evidence, **fields)


def was_shown(c: Citation, evidence: Sequence[Mapping]) -> bool:
    """Whether a citation's span is one the model was shown (`Answer.evidence` records), or shown neighbouring
    spans of one passage with only space between them, cited as one (`joined`).

    >>> shown = [{"passage_id": "p", "start": 0, "end": 8}, {"passage_id": "p", "start": 9, "end": 24}]
    >>> cite = lambda s, e, q: Citation(1, "p", "d", "a.txt", "", s, e, q)
    >>> was_shown(cite(0, 24, "Kim won. She ran 10.2 s."), shown), was_shown(cite(0, 6, "Kim wo"), shown)
    (True, False)
    """
    reached = {c.start}  # where the shown spans cited so far end
    for start, end in sorted((e["start"], e["end"]) for e in evidence if e["passage_id"] == c.passage_id):
        if end <= c.end and any(r <= start and not c.quote[r - c.start : start - c.start].strip() for r in reached):
            reached.add(end)
    return c.end in reached


# Exactness ------------------------------------------------------------------------


def quote_matches(text: str, start: int, end: int, quote: str) -> bool:
    """True when `quote` is exactly `text[start:end]`: the one exactness check.

    >>> quote_matches("One two three", 4, 7, "two"), quote_matches("One two", 4, 9, "two")
    (True, False)
    """
    return 0 <= start <= end <= len(text) and text[start:end] == quote


def require_exact(citations: Sequence[Citation], texts: Mapping[str, str]) -> None:
    """Raise QAError unless every citation's quote is its document's stored text at its span.

    `texts` maps doc_id to the full stored text.
    """
    for c in citations:
        if not quote_matches(texts.get(c.doc_id, ""), c.start, c.end, c.quote):
            raise QAError(
                f"Index inconsistency: passage {c.passage_id} no longer matches its source. Re-run `qa ingest`."
            )
