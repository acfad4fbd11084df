"""Reports: results.json, report.md (metrics side by side, per-question table) and PNG charts."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from qa.eval.metrics import METRICS, gate_counts
from qa.eval.questions import Question

_EXACTNESS_NOTE = "citation_exactness must be 1.0: every quote is the stored text at its span"


def fmt(name: str, value) -> str:
    """A metric value for a table: shares with three decimals, latencies in seconds.

    >>> fmt("citation_recall", 0.8333), fmt("latency_p50_ms", 5230.0), fmt("evidence_recall", None)
    ('0.833', '5.2 s', 'n/a')
    """
    if value is None:
        return "n/a"
    if name.endswith("_ms"):
        return f"{value / 1000:.1f} s"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def metrics_markdown(results) -> str:
    """One row per metric, one column per system."""
    head = "| metric | " + " | ".join(r.name for r in results) + " | what it counts |"
    rule = "|---|" + "---:|" * len(results) + "---|"
    rows = [head, rule]
    rows.append("| questions | " + " | ".join(str(r.metrics.get("questions", 0)) for r in results) + " | |")
    rows.append(
        "| errors ↓ | " + " | ".join(str(r.metrics.get("errors", 0)) for r in results)
        + " | questions that raised (timeout, crash) instead of answering; each counts as wrong |"
    )
    for name, (what, higher) in METRICS.items():
        if not any(name in r.metrics for r in results):
            continue
        arrow = "↑" if higher else "↓"
        what = what.replace("top k", f"top {results[0].metrics.get('k', 'k')}")
        rows.append(f"| {name} {arrow} | " + " | ".join(fmt(name, r.metrics.get(name)) for r in results) + f" | {what} |")
    return "\n".join(rows)


def grading_line(meta: dict) -> str:
    """Which checker graded ALCE citation support, and whether it is the one that filtered the answers.

    >>> grading_line({"grader": "llm-entailment", "checker": "lexical", "self_graded": False, "grader_undecided": 0})
    'Citation support graded by `llm-entailment`, independent of the `lexical` checker that filtered the answers.'
    """
    if meta.get("self_graded"):
        line = (f"Citation support graded by `{meta['grader']}`, the same checker that filtered the answers: "
                "self-graded, so citation recall is high by construction.")  # fmt: skip
    else:
        line = f"Citation support graded by `{meta['grader']}`, independent of the `{meta['checker']}` checker that filtered the answers."
    if meta.get("grader_undecided"):
        line += f" It could not decide {meta['grader_undecided']} time(s); each counted as not supported."
    return line


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _answer_cell(answer, score) -> str:
    if answer is None:
        return f"**error**: {_cell(score.error)}"
    parts = [_cell(answer.text)]
    if answer.abstained and answer.abstain_reason:
        parts.append(f"_({_cell(answer.abstain_reason)[:200]})_")
    for c in answer.citations:
        parts.append(f"[{c.n}] `{c.source.rsplit('/', 1)[-1]}` [{c.start}:{c.end}] “{_cell(c.quote)[:220]}”")
    return "<br>".join(parts)


def _verdict_cell(score) -> str:
    parts = ["✅ right" if score.correct else "❌ wrong"]
    if score.missing:
        parts.append("missing: " + ", ".join(m if isinstance(m, str) else " / ".join(m) for m in score.missing))
    for s in score.sentences:
        marks = "".join("✓" if p else "✗" for p in s.precise)
        parts.append(f"{'supported' if s.supported else 'UNSUPPORTED'} {marks} “{_cell(s.text)[:80]}”")
    if score.uncited_evidence:
        parts.append("gold not cited: " + "; ".join(f"“{_cell(q)[:60]}”" for q in score.uncited_evidence))
    if score.inexact:
        parts.append("inexact: " + "; ".join(score.inexact))
    ranks = ", ".join("–" if r is None else str(r) for r in score.retrieval_ranks)
    if ranks:
        parts.append(f"gold rank: {ranks}")
    return "<br>".join(parts)


def questions_markdown(results, questions: list[Question]) -> str:
    """Per question: the question, then each system's answer (with quotes) and verdicts."""
    head = "| # | question | " + " | ".join(f"{r.name} answer | {r.name} verdict" for r in results) + " |"
    rule = "|---|---|" + "---|---|" * len(results)
    rows = [head, rule]
    for i, q in enumerate(questions):
        kind = q.extra.get("kind", "")
        label = f"{_cell(q.question)}<br>_{q.id}{', ' + kind if kind else ''}{'' if q.answerable else ', unanswerable'}_"
        cells = []
        for r in results:
            cells += [_answer_cell(r.answers[i], r.scores[i]), _verdict_cell(r.scores[i])]
        rows.append(f"| {i + 1} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def by_kind(results, questions: list[Question]) -> dict[str, dict[str, tuple[int, int]]]:
    """{kind: {system: (right, total)}} for question files that label a kind."""
    table: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for r in results:
        for q, s in zip(questions, r.scores):
            kind = str(q.extra.get("kind") or ("answerable" if q.answerable else "unanswerable"))
            right, total = table[kind].get(r.name, (0, 0))
            table[kind][r.name] = (right + s.correct, total + 1)
    return dict(table)


def summary_dict(results, checker_report, meta: dict, failures: list[str]) -> dict:
    return {
        "meta": meta,
        "systems": {r.name: {"model": r.model, "metrics": r.metrics} for r in results},
        "checker": checker_report.to_dict() if checker_report else None,
        "failures": failures,
    }


def write(folder: Path, results, questions: list[Question], checker_report, meta: dict) -> list[Path]:
    """Write results.json, report.md and the charts into folder; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    data = summary_dict(results, checker_report, meta, [])
    data.pop("failures")
    for r in results:
        data["systems"][r.name]["gates"] = gate_counts(r.scores)
        data["systems"][r.name]["questions"] = [
            {**s.to_dict(), "answer_full": a.to_dict() if a else None} for s, a in zip(r.scores, r.answers)
        ]
    json_path = folder / "results.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    charts = _charts(folder, results, questions)

    kinds = by_kind(results, questions)
    lines = [
        "# Citation-checking report",
        "",
        f"{meta['questions']} questions from `{meta['questions_file']}`; support checker `{meta['checker']}`; "
        f"top_k = {meta['top_k']}; model settings {meta['settings']}.",
        "",
        grading_line(meta),
        "",
        "## Metrics",
        "",
        metrics_markdown(results),
        "",
        f"↑ higher is better, ↓ lower is better. {_EXACTNESS_NOTE}. ALCE citation recall/precision are "
        "averaged over answers that were not abstentions; the baseline's sentences are scored as written.",
        "",
    ]
    if checker_report:
        lines += [
            "## Support checker",
            "",
            f"Balanced accuracy **{checker_report.balanced_accuracy:.3f}** on {checker_report.pairs} hand-labelled pairs.",
            "",
            "| kind | right | total |",
            "|---|---:|---:|",
            *[f"| {k} | {r} | {t} |" for k, (r, t) in checker_report.by_kind.items()],
            "",
            *[f"- missed `{w['id']}` ({w['kind']}): {w['claim']} → {w['reason']}" for w in checker_report.wrong],
            "",
        ]
    lines += [
        "## Abstentions, by the gate that refused",
        "",
        "Right: the question was unanswerable. Wrong: an answerable question was refused. "
        "Right drafts: of the wrong ones, how many drafts the gate threw away held the expected answer.",
        "",
        "| system | gate | right | wrong | right drafts |",
        "|---|---|---:|---:|---:|",
        *[
            f"| {r.name} | {gate} | {c['right']} | {c['wrong']} | {c.get('right_drafts', 0)} |"
            for r in results
            for gate, c in gate_counts(r.scores).items()
        ],
        "",
        "## Answers right, by question kind",
        "",
        "| kind | " + " | ".join(r.name for r in results) + " |",
        "|---|" + "---:|" * len(results),
        *[
            f"| {kind} | " + " | ".join("{}/{}".format(*per.get(r.name, (0, 0))) for r in results) + " |"
            for kind, per in kinds.items()
        ],
        "",
        "## Charts",
        "",
        *[f"![{p.stem}]({p.name})" for p in charts],
        "",
        "## Questions",
        "",
        "Verdict marks: ✓/✗ per citation = ALCE precise or not; gold rank = rank of the first retrieved passage holding each gold quote.",
        "",
        questions_markdown(results, questions),
        "",
    ]
    md_path = folder / "report.md"
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return [md_path, json_path, *charts]


def _charts(folder: Path, results, questions: list[Question]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    paths = []
    names = [n for n in METRICS if not n.endswith("_ms") and any(r.metrics.get(n) is not None for r in results)]
    fig, ax = plt.subplots(figsize=(10, 4.8))
    width = 0.8 / len(results)
    x = np.arange(len(names))
    for i, r in enumerate(results):
        values = [r.metrics.get(n) or 0.0 for n in names]
        ax.bar(x + i * width - 0.4 + width / 2, values, width, label=r.name)
    ax.set_xticks(x, names, rotation=35, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share")
    ax.set_title("Metrics (false_refusal_rate: lower is better)")
    ax.legend()
    fig.tight_layout()
    paths.append(folder / "metrics.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    data = [[s.latency_ms / 1000 for s in r.scores] for r in results]
    ax.boxplot(data, showmeans=True)
    ax.set_xticks(range(1, len(results) + 1), [r.name for r in results])
    ax.set_ylabel("seconds per question")
    ax.set_title("Latency")
    fig.tight_layout()
    paths.append(folder / "latency.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    kinds = by_kind(results, questions)
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(kinds))
    for i, r in enumerate(results):
        shares = [per.get(r.name, (0, 1))[0] / max(per.get(r.name, (0, 1))[1], 1) for per in kinds.values()]
        ax.bar(x + i * width - 0.4 + width / 2, shares, width, label=r.name)
    ax.set_xticks(x, list(kinds), rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share answered right")
    ax.set_title("Answers right, by question kind")
    ax.legend()
    fig.tight_layout()
    paths.append(folder / "kinds.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths
