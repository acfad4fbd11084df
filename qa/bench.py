"""`qa bench`: measured timings on this machine, printed with the machine's description.

Ingestion is timed on a fresh temporary index (model loading reported apart),
then every question is answered once and p50/p95 of the total, retrieval,
generation and verification times are reported. Nothing here asserts a
speed; the figures are for people.
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
    embedder = Embedder(settings.embed_batch_size)
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
        timings: dict[str, list[float]] = {"total_ms": [], "retrieve_ms": [], "generate_ms": [], "verify_ms": []}
        abstained = 0
        for record in records:
            answer = assistant.ask(record["question"])
            abstained += answer.abstained
            for key in timings:
                timings[key].append(answer.timings[key])
        results["questions"] = len(records)
        results["abstained"] = abstained
        results["latency_ms"] = {
            key: {
                "p50": round(percentile(v, 50)),
                "p95": round(percentile(v, 95)),
                "mean": round(statistics.fmean(v)),
            }
            for key, v in timings.items()
            if v
        }
    return results


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {results['threads']} threads used; Python {m['python']}",
        f"Model:   {results.get('model', '?')} (load {results.get('llm_load_s', '?')} s); "
        f"embedding model load {results['embedding_model_load_s']} s",
        f"Ingest:  {results['ingest']['documents']} documents, {results['ingest']['passages']} passages in "
        f"{results['ingest']['seconds']} s = {results['ingest']['passages_per_s']} passages/s",
        f"Answers: {results['questions']} questions ({results['abstained']} abstained)",
        f"{'':12}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}",
    ]
    for key, row in results["latency_ms"].items():
        lines.append(f"{key[:-3]:12}{row['p50']:>10}{row['p95']:>10}{row['mean']:>10}")
    return "\n".join(lines)
