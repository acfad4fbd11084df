"""Validate a support checker on hand-labelled (claim, evidence, supported) pairs.

Each line of the pairs file: {"id", "claim", "evidence": [{"source", "text"}],
"supported": bool, "kind"}; `kind` names the trap (swapped_number, wrong_name,
negation, wrong_citation, over_claim, paraphrase, ...). Every evidence text is
an exact substring of its source article, so the pairs test the checker on
what the assistant would really cite.
"""

from __future__ import annotations

import importlib
import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import QAError
from qa.eval.metrics import balanced_accuracy



@dataclass(frozen=True)
class Pair:
    id: str
    claim: str
    evidence: tuple[str, ...]
    sources: tuple[str, ...]
    supported: bool
    kind: str
    question: str = ""


@dataclass
class CheckerReport:
    checker: str
    pairs: int
    balanced_accuracy: float
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (right, total)
    wrong: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "checker": self.checker,
            "pairs": self.pairs,
            "balanced_accuracy": self.balanced_accuracy,
            "by_kind": {k: {"right": r, "total": t} for k, (r, t) in self.by_kind.items()},
            "wrong": self.wrong,
        }


def load_pairs(path: Path) -> list[Pair]:
    """The labelled pairs; QAError names the line of a malformed record."""
    path = Path(path)
    if not path.is_file():
        raise QAError(f"No support-pairs file at {path}.")
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            pairs.append(
                Pair(
                    id=str(r["id"]),
                    claim=str(r["claim"]),
                    evidence=tuple(str(e["text"]) for e in r["evidence"]),
                    sources=tuple(str(e["source"]) for e in r["evidence"]),
                    supported=bool(r["supported"]) if isinstance(r["supported"], bool) else _bad("supported"),
                    kind=str(r.get("kind", "")),
                    question=str(r.get("question", "")),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise QAError(f"{path}, line {number}: bad support pair ({exc}).") from None
    return pairs


def _bad(name: str):
    raise ValueError(f'"{name}" must be true or false')


def evaluate_checker(checker, pairs: list[Pair]) -> CheckerReport:
    """Run the checker on every pair: balanced accuracy, accuracy per kind, and the misses."""
    predictions, by_kind, wrong = [], {}, []
    for p in pairs:
        verdict = checker.check(p.claim, list(p.evidence), p.question)
        predictions.append(bool(verdict.supported))
        right, total = by_kind.get(p.kind, (0, 0))
        ok = verdict.supported == p.supported
        by_kind[p.kind] = (right + ok, total + 1)
        if not ok:
            wrong.append({"id": p.id, "kind": p.kind, "claim": p.claim, "label": p.supported, "reason": verdict.reason})
    accuracy = balanced_accuracy([p.supported for p in pairs], predictions)
    name = getattr(checker, "name", type(checker).__name__)
    return CheckerReport(name, len(pairs), accuracy, dict(sorted(by_kind.items())), wrong)


def load_checker(spec: str | None, embedder=None, threshold: float = 0.5, llm=None):
    """The default LexicalChecker, or an instance of `module:Class`.

    The class is built with whichever of `embedder`, `threshold` and `llm` its
    constructor accepts, so a checker that needs none takes no arguments.
    `llm` is a zero-argument callable, called only for a class that asks for it.
    """
    if not spec:
        from qa.verify import LexicalChecker

        return LexicalChecker(embedder, threshold)
    module_name, sep, class_name = spec.partition(":")
    if not sep or not module_name or not class_name:
        raise QAError(f"--checker {spec!r}: write module:Class, e.g. qa.verify:LexicalChecker")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise QAError(f"--checker {spec!r}: could not load it ({exc}).") from None
    params = inspect.signature(cls).parameters
    kwargs = {k: v for k, v in (("embedder", embedder), ("threshold", threshold)) if k in params}
    if "llm" in params:
        if llm is None:
            raise QAError(f"--checker {spec!r}: {class_name} needs an LLM and none is configured.")
        kwargs["llm"] = llm()
    checker = cls(**kwargs)
    if not callable(getattr(checker, "check", None)):
        raise QAError(f"--checker {spec!r}: {class_name} has no check(claim, evidence, question) method.")
    return checker
