"""`qa eval`: answer every question with each system, score, report, enforce floors."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qa.answer import Answer
from qa.errors import QAError
from qa.eval.metrics import QuestionScore, StoredTexts, parse_fail_under, score_answer, shortfalls, summarise
from qa.eval.questions import Question, check_evidence, load_questions
from qa.eval.support import CheckerReport, evaluate_checker, load_checker, load_pairs
from qa.llm import make_llm

log = logging.getLogger(__name__)


def say(message: str) -> None:
    """Progress goes to stderr, so stdout stays one table or one JSON object."""
    print(message, file=sys.stderr, flush=True)

BASELINES = ("llamaindex",)
OURS = "qa"


@dataclass
class SystemResult:
    """One system's answers, per-question scores and overall metrics."""

    name: str
    model: str = ""
    answers: list[Answer | None] = field(default_factory=list)
    scores: list[QuestionScore] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


def corpus_index_dir(settings, corpus: list[Path]) -> Path:
    """The index a corpus gets for evaluation: one per set of folders, under the data folder, reused across runs."""
    import hashlib

    roots = sorted(str(Path(c).resolve()) for c in corpus)
    key = hashlib.sha1("\n".join(roots).encode()).hexdigest()[:10]
    name = "-".join(Path(r).name for r in roots)[:60]
    return Path(settings.data_dir) / "eval-indexes" / f"{name}-{key}"


def stored_texts(library) -> StoredTexts:
    """{source: full stored text} for every document of a `Library`, with the copy that answers for each duplicate."""
    docs = library.documents()
    texts = library.texts([d.doc_id for d in docs])
    source_of = {d.doc_id: d.source for d in docs}
    out = StoredTexts({d.source: texts.get(d.doc_id, "") for d in docs})
    out.canonical = {d.source: source_of[d.duplicate_of] for d in docs if d.duplicate_of in source_of}
    return out


def disk_texts(library) -> dict[str, str]:
    """{source: text read again from its file on disk} for every document whose file still exists.

    Plain-text files are decoded from their bytes here, independently of
    ingestion; HTML, PDF and other formats go through the readers again (their
    spans index the extracted text). A file that changed since it was indexed
    is left out: its old spans no longer apply.
    """
    import hashlib

    from qa.ingest.readers import TEXT_SUFFIXES, extract

    out: dict[str, str] = {}
    for doc in library.documents():
        path = Path(doc.path)
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(raw).hexdigest() != doc.sha256:
            continue
        if path.suffix.lower() in TEXT_SUFFIXES:
            try:
                out[doc.source] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                out[doc.source] = raw.decode("cp1252", errors="replace")
        else:
            try:
                out[doc.source] = extract(path, raw).text
            except QAError:
                continue
    return out


def make_check(checker) -> Callable[[str, list[str]], bool]:
    """ALCE asks whether the cited passages entail the sentence; the question takes no part."""
    return lambda claim, evidence: bool(checker.check(claim, evidence, "").supported)


def evaluate(
    name: str,
    answer_fn: Callable[[str], Answer],
    questions: list[Question],
    texts: dict[str, str],
    checker,
    k: int,
    progress: Callable[[str], None] | None = None,
    disk: dict[str, str] | None = None,
) -> SystemResult:
    """Answer and score every question.

    An error on one question (a timeout, an index inconsistency, a crash) is
    recorded as that question's error and counted in `metrics["errors"]`; it
    is never scored as an ordinary wrong answer, and the run goes on.
    """
    result = SystemResult(name)
    for i, q in enumerate(questions, start=1):
        started = time.perf_counter()
        try:
            answer = answer_fn(q.question)
        except Exception as exc:  # noqa: BLE001 - any failure is reported per question, not fatal to the run
            if not isinstance(exc, QAError):
                log.warning("%s crashed on %s", name, q.id, exc_info=True)
                exc = f"{type(exc).__name__}: {exc}"
            elapsed = (time.perf_counter() - started) * 1000
            result.answers.append(None)
            result.scores.append(
                QuestionScore(q.id, q.question, q.answerable, "", False, False, list(q.expected),
                              evidence_total=len(q.evidence), uncited_evidence=[e.quote for e in q.evidence],
                              retrieval_ranks=[None] * len(q.evidence), latency_ms=elapsed, error=str(exc))  # fmt: skip
            )
            if progress:
                progress(f"[{name} {i}/{len(questions)}] {q.id}: ERROR: {exc}")
            continue
        result.model = result.model or answer.model
        score = score_answer(q, answer, texts, make_check(checker), k, disk)
        result.answers.append(answer)
        result.scores.append(score)
        if progress:
            verdict = "right" if score.correct else "WRONG"
            progress(f"[{name} {i}/{len(questions)}] {q.id}: {verdict} ({score.latency_ms / 1000:.1f} s) {answer.text[:90]}")
    result.metrics = summarise(result.scores, k)
    return result


def main(
    settings,
    questions: Path | None,
    report_dir: Path | None = None,
    json_out: bool = False,
    baseline: str | None = None,
    fail_under: list[str] | None = None,
    limit: int | None = None,
    checker: str | None = None,
    checker_only: bool = False,
    pairs: Path | None = None,
    assistant=None,
    library=None,
    grader: str = "llm",
    retrieval_only: bool = False,
    corpus: list[Path] | None = None,
    attacks: Path | None = None,
) -> int:
    """Run the harness; return the exit code (1 when a --fail-under floor is not met).

    `checker` is the support checker the assistant filters with, scored on
    `pairs`; `grader` grades ALCE citation support: "llm" (the entailment
    grader, independent of the filter), "checker" (the filter itself, which
    the report marks as self-graded) or a `module:Class`. `corpus`, when
    given, is indexed into an index of its own (see `corpus_index_dir`) and
    the questions are asked of it. `attacks` runs the planted-instruction
    attacks of that file over the one `corpus` folder instead (see qa.eval.attacks).
    """
    try:
        floors = parse_fail_under(fail_under or [])
    except ValueError as exc:
        raise QAError(str(exc)) from None
    if baseline is not None and baseline not in BASELINES:
        raise QAError(f"--baseline {baseline!r} is not known; choose from: {', '.join(BASELINES)}.")
    if limit is not None and limit < 1:
        raise QAError(f"--limit must be at least 1, got {limit}.")

    if attacks:
        return _run_attacks(settings, attacks, corpus or [], report_dir, json_out, assistant)
    qs = None
    if not checker_only:
        qs = load_questions(questions)
        qs = qs[:limit] if limit else qs

    from qa.assistant import Assistant
    from qa.library import Library

    if corpus:
        settings = settings.model_copy(update={"index_dir": corpus_index_dir(settings, corpus), "chroma_url": None})
        library = Library(settings, embedder=assistant.embedder if assistant else None)
        say(f"Indexing {', '.join(str(c) for c in corpus)} into {settings.index_dir} (unchanged files are reused)...")
        say(f"Indexed {library.ingest(list(corpus)).summary()}.")
    library = library or Library(settings, embedder=assistant.embedder if assistant else None)
    made: dict = {}  # the one LLM of this run, made only if a checker asks for it before the assistant exists

    def llm_factory():
        if "llm" not in made:
            made["llm"] = assistant.llm if assistant else make_llm(settings)
        return made["llm"]

    judge = load_checker(checker, library.embedder, settings.support_threshold, llm_factory)
    checker_report: CheckerReport | None = None
    if pairs:
        checker_report = evaluate_checker(judge, load_pairs(Path(pairs)))
        say(f"Support checker {checker_report.checker}: balanced accuracy {checker_report.balanced_accuracy:.3f} "
            f"on {checker_report.pairs} labelled pairs ({pairs}).")  # fmt: skip
    elif checker_only:
        raise QAError("--checker-only needs labelled pairs: pass --pairs FILE (e.g. tests/data/support_pairs.jsonl).")
    if checker_only:
        return _finish_checker_only(checker_report, floors, json_out)

    library.ensure_index()
    assistant = assistant or Assistant(
        settings, llm=made.get("llm"), checker=judge if checker else None, embedder=library.embedder
    )
    grading = None if retrieval_only else load_grader(grader, judge, assistant, settings)
    texts = stored_texts(library)
    if problems := check_evidence(qs, texts):
        raise QAError(
            f"{questions}: {len(problems)} gold evidence problem(s) against the index at {library.where}:\n  "
            + "\n  ".join(problems[:10])
            + "\nIngest the documents the questions name (`qa ingest FOLDER`) or fix the quotes."
        )
    k = settings.top_k
    if retrieval_only:
        return _finish_retrieval_only(assistant, qs, texts, k, floors, json_out, report_dir)
    disk = disk_texts(library)
    results = [evaluate(OURS, assistant.ask, qs, texts, grading, k, say, disk)]
    if baseline == "llamaindex":
        say("Loading the llama-index baseline...")
        from qa.eval.baseline import LlamaIndexBaseline

        system = LlamaIndexBaseline(assistant)
        results.append(evaluate(system.name, system.answer, qs, texts, grading, k, say, disk))
    for r in results:
        if checker_report:
            r.metrics["checker_balanced_accuracy"] = checker_report.balanced_accuracy
    if undecided := getattr(grading, "undecided", 0):
        say(f"The grader could not decide {undecided} time(s); each counted as not supported.")

    from qa.eval import report

    meta = {
        "questions_file": str(questions),
        "questions": len(qs),
        "checker": getattr(judge, "name", type(judge).__name__),
        "grader": getattr(grading, "name", type(grading).__name__),
        "self_graded": grading is judge,
        "grader_undecided": getattr(grading, "undecided", 0),
        "top_k": k,
        "settings": {"local_model": settings.local_model, "llm": settings.llm, "evidence_sentences": settings.evidence_sentences},
    }
    if report_dir:
        written = report.write(Path(report_dir), results, qs, checker_report, meta)
        say(f"Report written: {', '.join(str(p) for p in written)}")
    failures = shortfalls(results[0].metrics, floors)
    if floors and results[0].metrics.get("errors"):
        failures.append(f"errors = {results[0].metrics['errors']}: questions that raised instead of answering")
    if json_out:
        print(json.dumps(report.summary_dict(results, checker_report, meta, failures), ensure_ascii=False))
    else:
        print(report.metrics_markdown(results))
        print("\n" + report.grading_line(meta))
    for f in failures:
        print(f"FAIL: {f} (--fail-under)", file=sys.stderr)
    return 1 if failures else 0


def _run_attacks(settings, attacks_file: Path, corpus: list[Path], report_dir, json_out: bool, assistant) -> int:
    """Each attack's question asked of the clean corpus and of a copy with the attacks planted."""
    from qa.assistant import Assistant
    from qa.eval import attacks as attack_eval
    from qa.library import Library

    if len(corpus) != 1:
        raise QAError("--attacks needs the one folder its articles come from: --corpus FOLDER (e.g. tests/data/bbc).")
    found = attack_eval.load_attacks(Path(attacks_file))
    clean_dir = Path(corpus[0])
    copy = attack_eval.plant(clean_dir, found, attack_eval.planted_copy_dir(settings.data_dir, clean_dir, attacks_file))
    embedder = assistant.embedder if assistant else None
    asked = []
    for folder in (clean_dir, copy):
        folder_settings = settings.model_copy(
            update={"index_dir": corpus_index_dir(settings, [folder]), "chroma_url": None}
        )
        library = Library(folder_settings, embedder=embedder)
        embedder = library.embedder
        say(f"Indexing {folder} into {folder_settings.index_dir} (unchanged files are reused)...")
        say(f"Indexed {library.ingest([folder]).summary()}.")
        llm = asked[0].llm if asked else (assistant.llm if assistant else None)
        asked.append(Assistant(folder_settings, llm=llm, embedder=embedder))
    scores, metrics = attack_eval.run(found, asked[0].ask, asked[1].ask, say)
    if report_dir:
        written = attack_eval.write(Path(report_dir), scores, metrics)
        say(f"Report written: {', '.join(str(p) for p in written)}")
    if json_out:
        print(json.dumps({"metrics": metrics, "attacks": [dataclasses.asdict(s) for s in scores]}, ensure_ascii=False))
    else:
        print(attack_eval.markdown(scores, metrics))
    return 0


def load_grader(spec: str, checker, assistant, settings):
    """The checker that grades ALCE citation support (see `main`)."""
    if spec == "checker":
        return checker
    if spec == "llm":
        from qa.eval.grader import EntailmentGrader

        return EntailmentGrader(assistant.llm)
    if ":" in spec:
        return load_checker(spec, assistant.embedder, settings.support_threshold, lambda: assistant.llm)
    raise QAError(f"--grader {spec!r}: choose llm, checker or module:Class.")


def _finish_retrieval_only(assistant, qs, texts, k, floors, json_out, report_dir) -> int:
    from qa.eval import retrieval

    unknown = set(floors) - {"retrieval_recall_at_k", "retrieval_mrr", "evidence_shown_recall"}
    if unknown:
        raise QAError(f"--retrieval-only measures retrieval only, not {', '.join(sorted(unknown))}.")
    say(f"Retrieving for {sum(q.answerable and bool(q.evidence) for q in qs)} answerable questions (no LLM)...")
    scores, metrics = retrieval.evaluate_retrieval(assistant.retriever.retrieve, qs, texts, k)
    failures = shortfalls(metrics, floors)
    data = {"metrics": metrics, "questions": [s.to_dict() for s in scores], "failures": failures}
    if report_dir:
        Path(report_dir).mkdir(parents=True, exist_ok=True)
        (Path(report_dir) / "retrieval.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        (Path(report_dir) / "retrieval.md").write_text(retrieval.markdown(scores, metrics) + "\n", encoding="utf-8")
    print(json.dumps(data, ensure_ascii=False) if json_out else retrieval.markdown(scores, metrics))
    for f in failures:
        print(f"FAIL: {f} (--fail-under)", file=sys.stderr)
    return 1 if failures else 0


def _finish_checker_only(checker_report: CheckerReport, floors: dict[str, float], json_out: bool) -> int:
    metrics = {"checker_balanced_accuracy": checker_report.balanced_accuracy}
    unknown = set(floors) - set(metrics)
    if unknown:
        raise QAError(f"--checker-only measures only checker_balanced_accuracy, not {', '.join(sorted(unknown))}.")
    failures = shortfalls(metrics, floors)
    if json_out:
        print(json.dumps({**checker_report.to_dict(), "failures": failures}, ensure_ascii=False))
    else:
        print("| kind | right | total |\n|---|---:|---:|")
        for kind, (right, total) in checker_report.by_kind.items():
            print(f"| {kind} | {right} | {total} |")
        print(f"\nBalanced accuracy: {checker_report.balanced_accuracy:.3f}")
        for w in checker_report.wrong:
            print(f"  missed {w['id']} ({w['kind']}, labelled {'supported' if w['label'] else 'unsupported'}): "
                  f"{w['claim']} -> {w['reason']}")  # fmt: skip
    for f in failures:
        print(f"FAIL: {f} (--fail-under)", file=sys.stderr)
    return 1 if failures else 0
