"""`qa bench`: measured timings on this machine, printed with the machine's description.

Ingestion is timed on a fresh temporary index (model loading reported apart),
then every question is answered once. Reported per stage, p50 and p95: the
total, the time until the evidence is ready (`first_evidence`), retrieval,
generation, verification (of which the yes/no judge), and the tokens the LLM
read, found already cached, and wrote. Abstentions are counted: an abstention
skips the model, so speed bought by abstaining more is not speed.
`--save FILE` keeps the figures; `--compare FILE` prints each figure beside a
saved run. Nothing here asserts a speed; the figures are for people.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from qa.eval.metrics import percentile
from qa.settings import Settings


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}


def run(settings: Settings, questions: Path, corpus: list[Path], limit: int | None = None) -> dict:
    from qa.assistant import Assistant
    from qa.embed import Embedder
    from qa.library import Library

    results: dict = {"machine": machine(), "threads": settings.threads, "settings": {"top_k": settings.top_k}}
    embedder = Embedder.from_settings(settings)
    t = time.perf_counter()
    embedder.encode(["warm up"])
    results["embedding_model_load_s"] = round(time.perf_counter() - t, 2)

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        bench_settings = settings.model_copy(update={"index_dir": Path(tmp), "chroma_url": None})
        library = Library(bench_settings, embedder=embedder)
        report = library.ingest(corpus or None)
        assistant = Assistant(bench_settings, embedder=embedder, store=library.store)
        results["ingest"] = {
            "documents": report.documents,
            "passages": report.passages,
            "seconds": round(report.seconds, 2),
            "passages_per_s": round(report.passages / report.seconds, 1) if report.seconds else None,
        }
        t = time.perf_counter()
        assistant.llm.warm_up()
        results["llm_load_s"] = round(time.perf_counter() - t, 2)
        results["model"] = assistant.llm.name

        records = [json.loads(line) for line in questions.read_text().splitlines() if line.strip()][:limit]
        timings: dict[str, list[float]] = {key: [] for key in TIMINGS}
        tokens: dict[str, list[float]] = {key: [] for key in TOKENS}
        abstained = 0
        for record in records:
            answer = assistant.ask(record["question"])
            abstained += answer.abstained
            for key in timings:
                timings[key].append(answer.timings.get(key, 0.0))
            for key in tokens:
                if key in answer.timings:
                    tokens[key].append(answer.timings[key])
        results["questions"] = len(records)
        results["abstained"] = abstained
        results["latency_ms"] = {key: _row(v) for key, v in timings.items() if v}
        results["tokens"] = {key: _row(v) for key, v in tokens.items() if v}
    return results


TIMINGS = ("total_ms", "first_evidence_ms", "retrieve_ms", "generate_ms", "verify_ms", "judge_ms")
TOKENS = ("llm_calls", "prompt_tokens", "cached_tokens", "output_tokens", "kept_tokens")


def _row(values: list[float]) -> dict:
    return {"p50": round(percentile(values, 50)), "p95": round(percentile(values, 95)), "mean": round(statistics.fmean(values))}


def compare(results: dict, baseline: dict) -> str:
    """Each figure beside the same figure of a saved run, with the change.

    >>> now = {"latency_ms": {"total_ms": {"p50": 4000, "p95": 6000}}, "ingest": {"passages_per_s": 60.0}, "abstained": 6}
    >>> before = {"latency_ms": {"total_ms": {"p50": 8000, "p95": 9000}}, "ingest": {"passages_per_s": 20.0}, "abstained": 6}
    >>> print(compare(now, before))
    total p50 8000 -> 4000 ms (-50%); total p95 9000 -> 6000 ms (-33%); ingest 20.0 -> 60.0 passages/s (x3.0); abstained 6 -> 6
    """
    parts = []
    for key in TIMINGS:
        for p in ("p50", "p95"):
            old = baseline.get("latency_ms", {}).get(key, {}).get(p)
            new = results.get("latency_ms", {}).get(key, {}).get(p)
            if old is not None and new is not None:
                change = f" ({(new - old) / old:+.0%})" if old else ""
                parts.append(f"{key[:-3].replace('_', ' ')} {p} {old} -> {new} ms{change}")
    old, new = baseline.get("ingest", {}).get("passages_per_s"), results.get("ingest", {}).get("passages_per_s")
    if old and new:
        parts.append(f"ingest {old} -> {new} passages/s (x{new / old:.1f})")
    if "abstained" in baseline:
        parts.append(f"abstained {baseline['abstained']} -> {results.get('abstained')}")
    return "; ".join(parts)


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {results['threads']} threads used; Python {m['python']}",
        f"Model:   {results.get('model', '?')} (load {results.get('llm_load_s', '?')} s); "
        f"embedding model load {results['embedding_model_load_s']} s",
        f"Ingest:  {results['ingest']['documents']} documents, {results['ingest']['passages']} passages in "
        f"{results['ingest']['seconds']} s = {results['ingest']['passages_per_s']} passages/s",
        f"Answers: {results['questions']} questions ({results['abstained']} abstained; compare abstentions before comparing speed)",
        f"{'':16}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}",
    ]
    for key, row in results["latency_ms"].items():
        lines.append(f"{key[:-3]:16}{row['p50']:>10}{row['p95']:>10}{row['mean']:>10}")
    if results.get("tokens"):
        lines.append(f"{'per answer':16}{'p50':>10}{'p95':>10}{'mean':>10}")
        for key, row in results["tokens"].items():
            lines.append(f"{key:16}{row['p50']:>10}{row['p95']:>10}{row['mean']:>10}")
    return "\n".join(lines)
