"""`qa eval --retrieval-only`: how often retrieval finds the gold evidence, without the LLM.

Answer quality is capped by what the model is shown, so this is the first
thing to measure on a large corpus: ingest the documents with their
distractors (e.g. the 2,225 BBC articles), then score recall@k and MRR of the
gold quotes among the fused passages, the share of gold quotes inside the
evidence sentences shown to the model, and retrieval time. It takes seconds
per question instead of the LLM's many.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from qa.eval.metrics import first_rank, gold_spans, overlaps, percentile, reciprocal_rank, recall_at_k
from qa.eval.questions import Question


@dataclass
class RetrievalScore:
    id: str
    question: str
    ranks: list[int | None] = field(default_factory=list)  # per gold quote: rank among the fused passages
    shown: list[bool] = field(default_factory=list)  # per gold quote: inside an evidence sentence shown
    latency_ms: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def score_retrieval(question: Question, retrieval, texts: dict[str, str], k: int, latency_ms: float) -> RetrievalScore:
    """Where each gold quote of one question landed in one `Retrieval`."""
    passages = [(p.source, p.start, p.end) for p, _ in retrieval.passages[:k]]
    shown = [(e.source, e.start, e.end) for e in retrieval.evidence]
    score = RetrievalScore(question.id, question.question, latency_ms=latency_ms)
    for span in gold_spans(question, texts):
        score.ranks.append(first_rank(span, passages))
        score.shown.append(any(overlaps(span, e) for e in shown))
    return score


def evaluate_retrieval(
    retrieve: Callable[[str], object], questions: list[Question], texts: dict[str, str], k: int
) -> tuple[list[RetrievalScore], dict]:
    """Retrieve for every answerable question with gold evidence; (per-question scores, overall metrics)."""
    scores = []
    for q in questions:
        if not q.answerable or not q.evidence:
            continue
        started = time.perf_counter()
        retrieval = retrieve(q.question)
        scores.append(score_retrieval(q, retrieval, texts, k, (time.perf_counter() - started) * 1000))
    return scores, summarise_retrieval(scores, k)


def summarise_retrieval(scores: list[RetrievalScore], k: int) -> dict:
    """Overall recall@k, MRR, shown recall and retrieval latency.

    >>> s = [RetrievalScore("a", "q", [1], [True]), RetrievalScore("b", "q", [None, 4], [False, False])]
    >>> m = summarise_retrieval(s, 6)
    >>> m["retrieval_recall_at_k"], m["retrieval_mrr"], m["evidence_shown_recall"]
    (0.6666666666666666, 0.625, 0.3333333333333333)
    """
    ranks = [r for s in scores for r in s.ranks]
    shown = [x for s in scores for x in s.shown]
    latencies = [s.latency_ms for s in scores]
    return {
        "questions": len(scores),
        "retrieval_recall_at_k": recall_at_k(ranks, k),
        "retrieval_mrr": sum(reciprocal_rank(s.ranks) for s in scores) / len(scores) if scores else None,
        "evidence_shown_recall": sum(shown) / len(shown) if shown else None,
        "retrieval_p50_ms": percentile(latencies, 50),
        "retrieval_p95_ms": percentile(latencies, 95),
        "k": k,
    }


def markdown(scores: list[RetrievalScore], metrics: dict) -> str:
    """The overall figures, then each question whose gold evidence was missed."""
    k = metrics["k"]
    lines = [
        "| metric | value | what it counts |",
        "|---|---:|---|",
        f"| questions | {metrics['questions']} | answerable questions with gold evidence |",
        f"| retrieval_recall_at_k ↑ | {_f(metrics['retrieval_recall_at_k'])} | gold quotes overlapped by a passage in the top {k} |",
        f"| retrieval_mrr ↑ | {_f(metrics['retrieval_mrr'])} | mean reciprocal rank of the first passage holding gold evidence |",
        f"| evidence_shown_recall ↑ | {_f(metrics['evidence_shown_recall'])} | gold quotes inside the evidence sentences shown to the model |",
        f"| retrieval_p50_ms ↓ | {_f(metrics['retrieval_p50_ms'], 'ms')} | median retrieval time |",
        f"| retrieval_p95_ms ↓ | {_f(metrics['retrieval_p95_ms'], 'ms')} | 95th-percentile retrieval time |",
    ]
    missed = [s for s in scores if not all(r is not None and r <= k for r in s.ranks) or not all(s.shown)]
    if missed:
        lines += ["", "Missed gold evidence (rank among passages, – = not retrieved; shown to the model or not):"]
        for s in missed:
            ranks = ", ".join("–" if r is None else str(r) for r in s.ranks)
            shown = ", ".join("shown" if x else "not shown" for x in s.shown)
            lines.append(f"- {s.id}: rank {ranks}; {shown}: {s.question}")
    return "\n".join(lines)


def _f(value, unit: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} ms" if unit == "ms" else f"{value:.3f}"
