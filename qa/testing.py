"""Pytest helpers: assert that an Answer cites what it should, or abstains.

    from qa.testing import assert_cited, assert_abstains

    def test_fighters(assistant):
        answer = assistant.ask("How many fighters crossed from Iraq?")
        assert_cited(answer, evidence=["At least 300 fighters"], expected=["300"])

    def test_unanswerable(assistant):
        assert_abstains(assistant.ask("What is the population of Aleppo?"))

A failure names the sentence, the citation and why it failed: a quote that is
not the source text at its span, a span the model was not shown, gold evidence that no citation covers,
expected text missing from the answer, or a sentence its citations do not
support.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qa.answer import Answer
from qa.citations import quote_matches, was_shown
from qa.eval.metrics import missing_expected
from qa.eval.questions import source_matches

__all__ = ["assert_cited", "assert_abstains", "CitationAssertionError"]


class CitationAssertionError(AssertionError):
    """An answer failed a citation assertion; the message lists every problem."""


def _describe(answer: Answer) -> str:
    lines = [f"question: {answer.question}", f"answer:   {answer.text}"]
    for c in answer.citations:
        lines.append(f"  [{c.n}] {c.source} [{c.start}:{c.end}] “{c.quote}”")
    for s in answer.sentences:
        if not s.supported:
            lines.append(f"  (removed as unsupported: “{s.text}” — {s.reason})")
    if answer.abstained:
        lines.append(f"  (abstained: {answer.abstain_reason})")
    return "\n".join(lines)


def _fail(problems: list[str], answer: Answer) -> None:
    raise CitationAssertionError("\n".join(["", *[f"- {p}" for p in problems], "", _describe(answer)]))


def _gold(evidence) -> list[tuple[str | None, str]]:
    out = []
    for item in evidence or []:
        if isinstance(item, str):
            out.append((None, item))
        elif isinstance(item, Mapping) and "quote" in item:
            out.append((item.get("source"), item["quote"]))
        else:
            raise TypeError(f"evidence items are quotes or {{'source', 'quote'}} dicts, got {item!r}")
    return out


def assert_cited(
    answer: Answer,
    evidence: Sequence[str | Mapping[str, str]] = (),
    expected: Sequence[str | Sequence[str]] = (),
    texts: Mapping[str, str] | None = None,
    checker=None,
) -> None:
    """Fail unless the answer is given (not an abstention), says every expected item,
    cites each gold evidence quote, and every citation is sound.

    evidence: quotes, or {"source": "file.txt", "quote": "..."} dicts; a quote is
      covered when a citation of a matching source contains it or overlaps it.
    expected: strings that must appear (case, punctuation and 7,000/7000 ignored);
      an item that is a list is met by any one of its alternatives.
    texts: {source: full text}; when given, each citation's quote must equal
      texts[source][start:end], and gold quotes are located there. Without it,
      the quote must at least occur in the citation and agree with its span length.
    checker: a SupportChecker; when given, each sentence must be supported by
      the union of its citations (ALCE citation recall).
    """
    problems: list[str] = []
    if answer.abstained:
        _fail([f"expected an answer, but it abstained ({answer.abstain_reason or 'no reason given'})"], answer)
    for c in answer.citations:
        if answer.evidence and not was_shown(c, answer.evidence):
            problems.append(f"citation [{c.n}] cites {c.source}[{c.start}:{c.end}], which the model was not shown")
        if c.end - c.start != len(c.quote):
            problems.append(f"citation [{c.n}] quote is {len(c.quote)} characters but its span [{c.start}:{c.end}] is {c.end - c.start}")
        if texts is not None:
            source_text = next((t for s, t in texts.items() if s == c.source or source_matches(c.source, s)), None)
            if source_text is None:
                problems.append(f"citation [{c.n}] names {c.source}, which is not among the given texts")
            elif not quote_matches(source_text, c.start, c.end, c.quote):
                problems.append(
                    f"citation [{c.n}] quote not verbatim: {c.source}[{c.start}:{c.end}] is "
                    f"“{source_text[c.start:c.end]}”, the citation says “{c.quote}”"
                )
    for item in missing_expected(answer.text, list(_tuples(expected))):
        shown = item if isinstance(item, str) else " or ".join(item)
        problems.append(f"expected text missing: “{shown}” is not in the answer")
    for source, quote in _gold(evidence):
        if not any(_covers(c, source, quote, texts) for c in answer.citations):
            where = f" from {source}" if source else ""
            problems.append(f"gold evidence not cited: no citation covers “{quote}”{where}")
    if checker is not None:
        by_n = {c.n: c for c in answer.citations}
        for s in answer.sentences:
            if not s.supported:
                continue
            cited = [by_n[n].quote for n in s.citations if n in by_n]
            verdict = checker.check(s.text, cited, answer.question)
            if not verdict.supported:
                marks = "".join(f"[{n}]" for n in s.citations)
                problems.append(f"unsupported sentence: “{s.text}” {marks} — {verdict.reason}")
    if problems:
        _fail(problems, answer)


def _tuples(expected):
    for item in expected:
        yield item if isinstance(item, str) else tuple(item)


def _covers(c, source: str | None, quote: str, texts: Mapping[str, str] | None) -> bool:
    if source and not source_matches(c.source, source):
        return False
    if c.quote and (quote in c.quote or c.quote in quote):
        return True
    if texts is None:
        return False
    source_text = next((t for s, t in texts.items() if s == c.source or source_matches(c.source, s)), "")
    at = source_text.find(quote)
    return at >= 0 and c.start < at + len(quote) and at < c.end


def assert_abstains(answer: Answer) -> None:
    """Fail unless the answer abstained and presents no cited sentence."""
    problems = []
    if not answer.abstained:
        problems.append("expected an abstention, but it answered")
    if answer.citations:
        problems.append(f"an abstention must cite nothing; it has {len(answer.citations)} citation(s)")
    if problems:
        _fail(problems, answer)
