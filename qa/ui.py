"""The browser chat UI: a thin Gradio adapter over Assistant.

Each browser session keeps its own conversation in gr.State: a list of turns,
each holding the question and its finished `Answer.to_dict()`, so citations
stay attached to the answer they belong to. Work that uses the models runs in
one queue slot ("assistant") and waits its turn instead of failing. QAError
becomes an on-screen message, never a traceback.

Rendering lives in qa/ui_render.py; retrieval and checking in Assistant.
"""

# No `from __future__ import annotations`: Gradio reads the handlers' type
# hints (gr.EventData, the API's str -> dict) at run time, from local names.
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from qa import ui_render as render
from qa.assistant import Assistant, check_question
from qa.documents import remove_upload, reindex_paths, save_upload, uploads_dir
from qa.errors import QAError
from qa.followup import standalone_question
from qa.llm import make_llm
from qa.settings import Settings

if TYPE_CHECKING:
    import gradio as gr

log = logging.getLogger(__name__)

DEV_QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "dev.jsonl"
GENERIC_EXAMPLES = [
    "What is the main event these articles report?",
    "Who is quoted, and what did they say?",
    "How many people were killed?",
]
MODEL_SLOT = "assistant"  # concurrency group of every event that uses the models
UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".pdf"]


def example_questions(path: Path = DEV_QUESTIONS, n: int = 4) -> list[str]:
    """A few questions from the dev set (three answerable, one not), else generic ones."""
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError):
        return GENERIC_EXAMPLES
    answerable = [r["question"] for r in rows if r.get("answerable")]
    other = [r["question"] for r in rows if not r.get("answerable")]
    picked = answerable[: n - 1] + other[:1]
    return picked or GENERIC_EXAMPLES


class _Assistants:
    """The configured assistant plus, made on first use, one per other LLM choice; all share store and embedder."""

    def __init__(self, base: Assistant) -> None:
        self.base = base
        self._by_llm: dict[str, Assistant] = {base.settings.llm: base}

    def get(self, llm: str) -> Assistant:
        """The assistant for "local" or "hosted"; LLMUnavailable when hosted is not configured."""
        if llm not in self._by_llm:
            settings = self.base.settings.model_copy(update={"llm": llm})
            self._by_llm[llm] = Assistant(
                settings,
                llm=make_llm(settings),  # the hosted one raises here, naming the missing variables
                checker=self.base.checker,
                embedder=self.base.embedder,
                store=self.base.store,
            )
        return self._by_llm[llm]


def build_app(assistant: Assistant) -> "gr.Blocks":
    """The Gradio app for `assistant`: chat, documents and settings, plus the /ask API."""
    import gradio as gr

    settings = assistant.settings
    assistants = _Assistants(assistant)

    def fail(exc: Exception) -> str:
        """The message to show for exc; unexpected errors are logged with their traceback."""
        if isinstance(exc, QAError):
            return str(exc)
        log.exception("Unexpected error in the UI")
        return f"Unexpected error ({type(exc).__name__}: {exc}). The server log has the details."

    # Chat ---------------------------------------------------------------------

    def respond(question: str, turns: list[dict], llm: str, top_k: float):
        try:
            question = check_question(question, settings.max_question_chars)
        except QAError as exc:
            gr.Warning(str(exc))
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        turn = {"question": question, "answer": None, "streaming": "", "error": ""}
        turns = turns + [turn]
        index = len(turns) - 1
        yield render.render_conversation(turns), "", turns, gr.skip()
        try:
            chosen = assistants.get(llm)
            history = [(t["question"], t["answer"]["text"]) for t in turns[:-1] if t.get("answer")]
            search = standalone_question(chosen.llm, question, history)
            for item in chosen.stream(question, top_k=int(top_k), search_question=search):
                if isinstance(item, str):
                    turn["streaming"] = item
                    yield render.render_conversation(turns), gr.skip(), turns, gr.skip()
                else:
                    turn["answer"] = item.to_dict()
        except Exception as exc:  # shown in the chat and as a toast, never as a traceback
            turn["error"] = fail(exc)
            gr.Warning(turn["error"])
            yield render.render_conversation(turns), gr.skip(), turns, gr.skip()
            return
        sources = render.render_sources(index, turn["answer"])
        yield render.render_conversation(turns), gr.skip(), turns, sources

    def open_citation(turns: list[dict], evt: gr.EventData):
        try:
            index, n = int(evt.turn), int(evt.n)
            if index < 0 or n < 1:
                raise IndexError(index, n)
            answer = turns[index]["answer"]
            citation = answer["citations"][n - 1]
        except (AttributeError, KeyError, IndexError, TypeError, ValueError):
            gr.Warning("That citation is no longer in this conversation.")
            return gr.skip(), gr.skip()
        try:
            doc = assistant.store.document(render.doc_id_of(citation["passage_id"]))
        except Exception as exc:
            gr.Warning(fail(exc))
            return gr.skip(), gr.skip()
        return render.render_sources(index, answer, active=n), render.render_article(citation, doc)

    def clear():
        return render.render_conversation([]), [], render.render_sources(None, None), render.EMPTY_ARTICLE

    def choose_llm(llm: str):
        try:
            chosen = assistants.get(llm)
        except QAError as exc:
            gr.Warning(str(exc))
            return gr.update(value=settings.llm), model_note(assistant)
        return gr.skip(), model_note(chosen)

    def model_note(a: Assistant) -> str:
        if a.settings.llm == "hosted":
            return f"Model: {a.settings.hosted_model} at {a.settings.hosted_base_url}"
        return f"Model: {a.settings.local_model} (llama.cpp, on this machine)"

    # Documents ----------------------------------------------------------------

    def document_views():
        docs = assistant.store.documents()
        return gr.update(value=render.document_rows(docs)), gr.update(choices=render.document_choices(docs), value=None)

    def refresh():
        try:
            return document_views()
        except Exception as exc:
            gr.Warning(fail(exc))
            return gr.skip(), gr.skip()

    def upload(files: list[str] | None, progress=gr.Progress()):
        if not files:
            gr.Warning("Choose one or more files first (.txt, .md, .html, .pdf).")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        saved, problems = [], []
        for f in files:
            try:
                saved.append(save_upload(Path(f), Path(f).name, uploads_dir(settings), settings.max_file_mb))
            except QAError as exc:
                problems.append(str(exc))
        message = ""
        try:
            if saved:
                report = assistant.ingest(saved, progress=_progress(progress))
                indexed = {d.path for d in assistant.store.documents()}
                for path, reason in report.skipped:
                    if str(Path(path).resolve()) not in indexed:
                        Path(path).unlink(missing_ok=True)  # kept, re-index would only skip it again
                    problems.append(reason)
                message = f"Indexed {report.summary()}."
            table, choices = document_views()
        except Exception as exc:
            gr.Warning(fail(exc))
            return _status(message, [fail(exc)] + problems), gr.skip(), gr.skip(), None
        for p in problems:
            gr.Warning(p)
        return _status(message, problems), table, choices, None

    def remove(doc_id: str | None):
        if not doc_id:
            gr.Warning("Choose a document to remove.")
            return gr.skip(), gr.skip(), gr.skip()
        try:
            doc = assistant.store.document(doc_id)
            if doc is None:
                return "That document is already gone.", *document_views()
            assistant.store.delete_document(doc_id)
            deleted = remove_upload(doc, settings)
            note = "" if deleted else " Re-index adds it back while its file is still in an indexed folder."
            return f"Removed {doc.source}.{note}", *document_views()
        except Exception as exc:
            gr.Warning(fail(exc))
            return gr.skip(), gr.skip(), gr.skip()

    def reindex(progress=gr.Progress()):
        try:
            paths = reindex_paths(settings, assistant.store.documents())
            if not paths:
                return "Nothing to re-index: no seeds folder, no uploads and no stored files on this machine.", *document_views()
            report = assistant.ingest(paths, progress=_progress(progress))
            problems = [reason for _, reason in report.skipped]
            return _status(f"Re-indexed {report.summary()}.", problems), *document_views()
        except Exception as exc:
            gr.Warning(fail(exc))
            return fail(exc), gr.skip(), gr.skip()

    # API ----------------------------------------------------------------------

    def ask(question: str) -> dict:
        """Answer a question from the indexed documents; the same JSON as `qa ask --json`."""
        try:
            return assistant.ask(question).to_dict()
        except Exception as exc:
            raise gr.Error(fail(exc)) from None

    # Layout -------------------------------------------------------------------

    private = {"api_visibility": "private"}
    model_work = {"concurrency_limit": 1, "concurrency_id": MODEL_SLOT, **private}

    with gr.Blocks(title="qa: answers with sources", analytics_enabled=False) as demo:
        turns = gr.State([])
        gr.Markdown("## Ask your articles\nEvery sentence cites an exact quote; the assistant says so when the documents do not answer.")
        with gr.Tab("Chat"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chat = gr.HTML(
                        render.render_conversation([]),
                        elem_id="qa-chat",
                        css_template=render.CHAT_CSS,
                        js_on_load=render.CITE_CLICK_JS,
                        min_height=240,
                        max_height=560,
                        autoscroll=True,
                        padding=True,
                        container=True,
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="Ask a question; follow-ups may refer to earlier answers.",
                            show_label=False,
                            scale=5,
                            max_lines=4,
                            elem_id="qa-question",
                            autofocus=True,
                        )
                        ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                    gr.Examples(example_questions(), inputs=[question], label="Examples (click to use)")
                    with gr.Accordion("Settings", open=False):
                        llm = gr.Radio(
                            ["local", "hosted"],
                            value=settings.llm,
                            label="LLM",
                            info="hosted needs QA_HOSTED_BASE_URL and QA_HOSTED_MODEL (and an API key if the server wants one)",
                        )
                        top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages to retrieve (top-k)")
                        model = gr.Markdown(model_note(assistant))
                    clear_button = gr.Button("New conversation", size="sm")
                with gr.Column(scale=2):
                    sources = gr.HTML(
                        render.render_sources(None, None),
                        elem_id="qa-sources",
                        css_template=render.SOURCES_CSS,
                        js_on_load=render.CITE_CLICK_JS,
                        padding=True,
                        container=True,
                    )
                    viewer = gr.HTML(
                        render.EMPTY_ARTICLE,
                        elem_id="qa-viewer",
                        css_template=render.ARTICLE_CSS,
                        js_on_load=render.REVEAL_QUOTE_JS,
                        max_height=520,
                        padding=True,
                        container=True,
                    )
        with gr.Tab("Documents"):
            files = gr.File(
                file_count="multiple",
                file_types=UPLOAD_TYPES,
                label=f"Add articles (.txt, .md, .html, .pdf; at most {settings.max_file_mb:g} MB each)",
            )
            with gr.Row():
                upload_button = gr.Button("Upload and index", variant="primary")
                reindex_button = gr.Button("Re-index everything")
            status = gr.Markdown()
            table = gr.Dataframe(headers=["Title", "File", "Passages"], interactive=False, wrap=True)
            with gr.Row():
                doomed = gr.Dropdown(label="Document to remove", choices=[], scale=4)
                remove_button = gr.Button("Remove", variant="stop", scale=1)

        chat_outputs = [chat, question, turns, sources]
        question.submit(respond, [question, turns, llm, top_k], chat_outputs, **model_work)
        ask_button.click(respond, [question, turns, llm, top_k], chat_outputs, **model_work)
        chat.click(open_citation, [turns], [sources, viewer], **private)
        sources.click(open_citation, [turns], [sources, viewer], **private)
        clear_button.click(clear, None, [chat, turns, sources, viewer], **private)
        llm.change(choose_llm, [llm], [llm, model], **private)
        upload_button.click(upload, [files], [status, table, doomed, files], **model_work)
        remove_button.click(remove, [doomed], [status, table, doomed], **model_work)
        reindex_button.click(reindex, None, [status, table, doomed], **model_work)
        demo.load(refresh, None, [table, doomed], **private)
        gr.api(ask, api_name="ask", concurrency_limit=1, concurrency_id=MODEL_SLOT)

    demo.queue(default_concurrency_limit=4)
    return demo


def _progress(bar):
    def report(done: int, total: int, current: str) -> None:
        bar((done, total), desc=f"Indexing {Path(current).name}" if current else "Indexing", unit="files")

    return report


def _status(message: str, problems: list[str]) -> str:
    lines = [message] if message else []
    lines += [f"- ⚠ {p}" for p in problems]
    return "\n".join(lines) or "Nothing was indexed."


def login_from_env() -> tuple[str, str] | None:
    """(user, password) from QA_UI_USER / QA_UI_PASSWORD, None when neither is set."""
    user, password = os.environ.get("QA_UI_USER", ""), os.environ.get("QA_UI_PASSWORD", "")
    if not user and not password:
        return None
    if not user or not password:
        raise QAError("Set both QA_UI_USER and QA_UI_PASSWORD to require a login, or neither.")
    return user, password


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860, open_browser: bool = False) -> None:
    """Load the models, index seeds/ if the index is empty, and serve the UI until interrupted."""
    assistant = Assistant(settings)
    auth = login_from_env()
    report = assistant.ensure_index()  # logs that it is indexing seeds/ when the index is empty
    if report is not None:
        print(f"Indexed {report.summary()}.", file=sys.stderr)
    print(f"Loading the model: {assistant.llm.name} ...", file=sys.stderr)
    warm_up = getattr(assistant.llm, "warm_up", None)
    if warm_up:
        warm_up()
    demo = build_app(assistant)
    print(f"Open http://{host}:{port} (Ctrl+C stops it).", file=sys.stderr)
    demo.launch(
        server_name=host,
        server_port=port,
        inbrowser=open_browser,
        auth=auth,
        max_file_size=f"{settings.max_file_mb:g}mb",
        show_error=False,
        quiet=True,
    )
