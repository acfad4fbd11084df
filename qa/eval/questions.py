"""Question files: one JSON object per line, validated with the line number of any bad record.

Format (see README "Test your own documents"):

    {"id": "q1", "question": "...", "answerable": true,
     "expected": ["300", ["seven", "7"]],
     "evidence": [{"source": "000_64f02bec46151ae5.txt", "quote": "At least 300 fighters"}]}

`expected` items must all appear in a right answer; an item that is a list is
met by any one of its alternatives. `evidence[].source` names a document by
its file name or any path suffix; `quote` must be an exact substring of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import QAError

Expected = str | tuple[str, ...]


class BadQuestionFile(QAError):
    """A question file is missing, not JSONL, or has a record that breaks the format."""

    exit_code = 2


@dataclass(frozen=True)
class GoldEvidence:
    source: str
    quote: str


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answerable: bool
    expected: tuple[Expected, ...] = ()
    evidence: tuple[GoldEvidence, ...] = ()
    line: int = 0
    extra: dict = field(default_factory=dict, compare=False)


_KNOWN = {"id", "question", "answerable", "expected", "evidence"}


def parse_question(record: object, line: int = 0) -> Question:
    """One validated Question from a decoded JSON record.

    >>> parse_question({"id": "a", "question": "Who?", "answerable": True, "expected": [["x", "y"]],
    ...                 "evidence": [{"source": "f.txt", "quote": "x"}]}).expected
    (('x', 'y'),)
    >>> parse_question({"id": "a", "question": "Who?"})
    Traceback (most recent call last):
    ...
    ValueError: missing "answerable" (true or false)
    """
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    qid, text, answerable = record.get("id"), record.get("question"), record.get("answerable")
    if not isinstance(qid, str) or not qid.strip():
        raise ValueError(f'"id" must be a non-empty string, got {qid!r}')
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f'"question" must be a non-empty string, got {text!r}')
    if not isinstance(answerable, bool):
        raise ValueError('missing "answerable" (true or false)' if answerable is None else f'"answerable" must be true or false, got {answerable!r}')
    expected_raw = record.get("expected", [])
    if not isinstance(expected_raw, list):
        raise ValueError(f'"expected" must be a list, got {expected_raw!r}')
    expected: list[Expected] = []
    for item in expected_raw:
        if isinstance(item, str) and item.strip():
            expected.append(item)
        elif isinstance(item, list) and item and all(isinstance(x, str) and x.strip() for x in item):
            expected.append(tuple(item))
        else:
            raise ValueError(f'each "expected" item must be a non-empty string or list of strings, got {item!r}')
    evidence_raw = record.get("evidence", [])
    if not isinstance(evidence_raw, list):
        raise ValueError(f'"evidence" must be a list, got {evidence_raw!r}')
    evidence = []
    for item in evidence_raw:
        if not isinstance(item, dict) or not isinstance(item.get("source"), str) or not isinstance(item.get("quote"), str):
            raise ValueError(f'each "evidence" item needs string "source" and "quote", got {item!r}')
        if not item["source"].strip() or not item["quote"].strip():
            raise ValueError(f'"evidence" source and quote must not be empty, got {item!r}')
        evidence.append(GoldEvidence(item["source"], item["quote"]))
    if answerable and not expected:
        raise ValueError('an answerable question needs at least one "expected" item')
    if not answerable and (expected or evidence):
        raise ValueError('an unanswerable question must have empty "expected" and "evidence"')
    extra = {k: v for k, v in record.items() if k not in _KNOWN}
    return Question(qid, text.strip(), answerable, tuple(expected), tuple(evidence), line, extra)


def parse_lines(lines: list[str], name: str = "<questions>") -> list[Question]:
    """Questions from JSONL lines; blank lines are skipped, ids must be unique."""
    out: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadQuestionFile(f"{name}, line {number}: not valid JSON ({exc.msg} at column {exc.colno}).") from None
        try:
            q = parse_question(record, number)
        except ValueError as exc:
            raise BadQuestionFile(f"{name}, line {number}: {exc}.") from None
        if q.id in seen:
            raise BadQuestionFile(f"{name}, line {number}: id {q.id!r} repeats line {seen[q.id]}; ids must be unique.")
        seen[q.id] = number
        out.append(q)
    if not out:
        raise BadQuestionFile(f"{name} has no questions. Write one JSON object per line (see README).")
    return out


def load_questions(path: Path) -> list[Question]:
    """Validated questions from a JSONL file, or BadQuestionFile naming the bad line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadQuestionFile(f"No question file at {path}. Pass --questions FILE (JSONL, see README).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadQuestionFile(f"Could not read {path}: {exc}.") from None
    return parse_lines(text.splitlines(), str(path))


def source_matches(source: str, name: str) -> bool:
    """True when a stored source path ends with the given file name or path suffix.

    >>> source_matches("seeds/000_a.txt", "000_a.txt"), source_matches("seeds/x000_a.txt", "000_a.txt")
    (True, False)
    """
    source, name = source.replace("\\", "/"), name.replace("\\", "/").lstrip("./")
    return source == name or source.endswith("/" + name)


def resolve_source(name: str, sources: list[str]) -> str | None:
    """The one stored source whose path ends with `name`; None when none or several do."""
    found = [s for s in sources if source_matches(s, name)]
    return found[0] if len(found) == 1 else None


def check_evidence(questions: list[Question], texts: dict[str, str]) -> list[str]:
    """Problems with gold evidence against the stored texts ({source: text}), one line each."""
    problems = []
    sources = list(texts)
    for q in questions:
        for ev in q.evidence:
            source = resolve_source(ev.source, sources)
            if source is None:
                matches = [s for s in sources if source_matches(s, ev.source)]
                why = "matches several documents" if matches else "is not in the index"
                problems.append(f"{q.id} (line {q.line}): evidence source {ev.source!r} {why}")
            elif ev.quote not in texts[source]:
                problems.append(f"{q.id} (line {q.line}): quote {ev.quote[:60]!r} is not an exact substring of {source}")
    return problems
