"""The browser chat UI: a Gradio adapter over a Conversation and the document Library.

Each browser session keeps its own conversation in gr.State as plain turn
dicts (`Turn.to_dict()`: the question and its finished `Answer.to_dict()`),
so citations stay attached to the answer they belong to. Questions, from the
chat and the /ask API alike, take turns at the model in one bounded line
(qa/waiting_line.py): a waiting chat shows its place in the line, and a
question past the line's size or deadline is told the assistant is busy.
Changes to the documents run beside the questions, one at a time, so the
documents tab and the article viewer never wait for an answer. QAError
becomes an on-screen message, never a traceback.

Every finished turn (an answer or an error) is saved as it completes, under
its owner: the logged-in user, else the browser (qa/ui/login.py). The
conversation list shows the owner's saved conversations, newest first; a page
opened again opens the latest, and its old citations still open their quotes,
marked when the article has changed or gone since.

Rendering lives in qa/ui/render.py; the API endpoints in qa/ui/api.py;
answering in qa/conversation.py; saved conversations in qa/ui/saved.py over
qa/history.py; the documents in qa/library.py.
"""

# No `from __future__ import annotations`: Gradio reads the handlers' type
# hints (gr.EventData, the API's str -> dict) at run time, from local names.
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from qa.answer import Looking
from qa.assistant import Assistant
from qa.conversation import LLM_CHOICES, Assistants, Conversation, Turn
from qa.errors import ConversationNotFound, ModelBusy, QAError
from qa.history import History
from qa.ingest.web import is_url
from qa.library import Library
from qa.scope import Scope
from qa.settings import Settings
from qa.ui import api
from qa.ui import assets
from qa.ui import notify
from qa.ui import render
from qa.ui.login import BROWSER_KEY, logins_from_env, new_browser_key, owner_of
from qa.ui.saved import SavedChats
from qa.ui.turns import Waiting, in_turn
from qa.waiting_line import WaitingLine

if TYPE_CHECKING:
    import gradio as gr

log = logging.getLogger(__name__)

GENERIC_EXAMPLES = [
    "What is the main event these articles report?",
    "Who is quoted, and what did they say?",
    "How many people were killed?",
]
LIBRARY_SLOT = "library"  # concurrency group of the events that change the documents
# Gradio refuses events past this many waiting for a worker: a guard against floods of page events
# (questions never wait in Gradio's queue; they have their own line).
MAX_QUEUED_EVENTS = 200
# Where the page keeps its browser key (localStorage). Gradio sends the "secret" to every page in its config,
# so it hides nothing; it is fixed so that a restarted server still reads the key a browser kept.
BROWSER_KEY_STORAGE = "qa-browser-key"
BROWSER_KEY_SECRET = "qa-browser-key"


def example_questions(settings: Settings) -> list[str]:
    """The configured example questions (setting `examples`), else generic ones."""
    return list(settings.examples) or GENERIC_EXAMPLES


def upload_types() -> list[str]:
    """The file types the upload box accepts: whatever ingestion can read here."""
    from qa.ingest.readers import supported_suffixes

    return sorted(supported_suffixes())


def upload_limit(settings: Settings) -> int:
    """The largest upload the server accepts, in bytes: QA_MAX_FILE_MB, as ingestion counts it.

    Gradio refuses a larger file with HTTP 413 before it is stored. (Given as
    a number of bytes: Gradio's "<n>mb" strings take whole numbers only.)

    >>> upload_limit(Settings(max_file_mb=0.5, model_dir="/m", index_dir="/i"))
    524288
    """
    return int(settings.max_file_mb * 1024 * 1024)


def build_app(
    assistants: Assistants, library: Library, line: WaitingLine | None = None, history: History | None = None
) -> "gr.Blocks":
    """The Gradio app: chat with saved conversations, documents and settings, plus the API.

    line: where questions wait for the model (default: one sized by the settings' queue_size and queue_timeout_s).
    history: where conversations are saved (default: `History.for_settings`, beside the index).
    """
    import gradio as gr

    settings = assistants.settings
    line = WaitingLine.from_settings(settings) if line is None else line
    saved = SavedChats(History.for_settings(settings) if history is None else history, library)

    def fail(exc: Exception) -> str:
        """The message to show for exc; unexpected errors are logged with their traceback."""
        if isinstance(exc, QAError):
            return str(exc)
        log.exception("Unexpected error in the UI")
        return f"Unexpected error ({type(exc).__name__}: {exc}). The server log has the details."

    def chat_of(turns: list[dict]) -> Conversation:
        return Conversation(assistants, [Turn.from_dict(t) for t in turns])

    def owner(request: "gr.Request | None", key: str | None) -> str:
        """The caller's owner: its login, else its browser key (QAError when it has neither)."""
        return owner_of(getattr(request, "username", None), key)

    def shown_chat(turns: list[dict], marks: dict | None = None) -> str:
        """The chat's HTML, each finished answer with its Copy button."""
        return render.render_conversation(turns, marks, SavedChats.copies(turns, marks))

    def last_sources(turns: list[dict], marks: dict | None = None) -> str:
        answered = [i for i, t in enumerate(turns) if t.get("answer")]
        if not answered:
            return render.render_sources(None, None)
        return render.render_sources(answered[-1], turns[answered[-1]]["answer"], states=marks)

    def list_update(who: str | None, value: str | None):
        """The conversation list: `who`'s conversations (none when unknown), `value` chosen."""
        return gr.update(choices=saved.choices(who) if who else [], value=value)

    # Chat ---------------------------------------------------------------------

    async def respond(
        question: str, turns: list[dict], llm: str, top_k: float, since: str, until: str, only: list[str] | None,
        chat_id: str | None, key: str | None, request: gr.Request,
    ):  # fmt: skip
        chat = chat_of(turns)
        limits = {"since": since or None, "until": until or None, "sources": only or None}
        try:
            asked = chat.check(question)
            Scope.of(**limits)
        except QAError as exc:
            notify.warn(str(exc))
            yield (gr.skip(),) * 6
            return
        try:
            marks = saved.states(turns)  # what became of the articles the earlier answers cite
        except Exception as exc:
            log.warning("Could not check the earlier citations: %s", exc)
            marks = {}
        copies = SavedChats.copies(turns, marks)
        shown: list[dict] = []
        looking: list[dict] = []
        cleared = ""  # empty the question box once the turn shows, then leave it to the user
        try:
            async for item in in_turn(line, lambda: chat.stream(question, llm=llm, top_k=int(top_k), **limits)):
                if isinstance(item, Waiting):
                    shown = [*turns, {"question": asked, "answer": None, "error": "", "waiting": item.message()}]
                    yield render.render_conversation(shown, marks, copies), cleared, shown, gr.skip(), gr.skip(), gr.skip()
                    cleared = gr.skip()
                    continue
                if isinstance(item, Looking):
                    looking = item.evidence
                shown = [t.to_dict() for t in chat.turns]
                if isinstance(item, (str, Looking)):
                    shown[-1]["looking"] = looking
                    shown[-1]["streaming"] = item if isinstance(item, str) else ""
                    yield render.render_conversation(shown, marks, copies), cleared, shown, gr.skip(), gr.skip(), gr.skip()
                    cleared = gr.skip()
        except ModelBusy as exc:  # the turn never began: say so in the chat, and put the question back to try again
            shown = [*turns, {"question": asked, "answer": None, "error": str(exc)}]
            yield render.render_conversation(shown, marks, copies), question, shown, gr.skip(), gr.skip(), gr.skip()
            return
        except Exception as exc:  # shown in the chat and as a toast, never as a traceback
            shown = [t.to_dict() for t in chat.turns]
            if len(shown) <= len(turns):  # it failed before the turn began: show the question with the error
                shown = [*turns, {"question": asked, "answer": None, "error": ""}]
            shown[-1]["error"] = fail(exc)
            notify.warn(shown[-1]["error"])
            chat_id, listed = save(chat, turns, chat_id, key, request)
            yield render.render_conversation(shown, marks, copies), gr.skip(), shown, gr.skip(), chat_id, listed
            return
        chat_id, listed = save(chat, turns, chat_id, key, request)
        index = len(shown) - 1
        sources = render.render_sources(index, shown[index]["answer"], states=marks)
        yield shown_chat(shown, marks), gr.skip(), shown, sources, chat_id, listed

    def save(chat: Conversation, before: list[dict], chat_id: str | None, key: str, request) -> tuple:
        """Save the conversation's new last turn; (its id, the list's update), or skips when it cannot be saved."""
        if len(chat.turns) <= len(before):  # no turn was added
            return gr.skip(), gr.skip()
        try:
            who = owner(request, key)
            chat_id = saved.save(who, chat_id, chat.turns[-1], earlier=chat.turns[:-1])
            return chat_id, list_update(who, chat_id)
        except Exception as exc:  # the answer stands; only keeping it failed
            notify.warn(f"This answer is shown but was not saved: {fail(exc)}")
            return gr.skip(), gr.skip()

    def open_citation(turns: list[dict], evt: gr.EventData):
        chat = chat_of(turns)
        try:
            index, n = int(evt.turn), int(evt.n)
            citation = chat.citation(index, n)
            doc = library.document(citation.doc_id)
            state = saved.state(citation)
        except (AttributeError, TypeError, ValueError):
            notify.warn("That citation is no longer in this conversation.")
            return gr.skip(), gr.skip()
        except Exception as exc:
            notify.warn(fail(exc))
            return gr.skip(), gr.skip()
        answer = turns[index]["answer"]
        return (
            render.render_sources(index, answer, active=n, states={(index, n): state}),
            render.render_article(answer["citations"][n - 1], doc, state),
        )

    # Saved conversations --------------------------------------------------------

    def opened_views(who: str, chat_id: str | None) -> tuple:
        """(id, turns, chat, sources, viewer, list, title, download) for conversation `chat_id` of `who`; an empty
        chat for None. The last export's download is hidden: it was another conversation's, or an older state."""
        hidden = gr.update(value=None, visible=False)
        if chat_id is None:
            empty = render.render_conversation([])
            return None, [], empty, render.render_sources(None, None), render.EMPTY_ARTICLE, list_update(who, None), "", hidden
        opened = saved.open(who, chat_id)
        return (
            opened.saved.id, opened.turns, shown_chat(opened.turns, opened.states), last_sources(opened.turns, opened.states),
            render.EMPTY_ARTICLE, list_update(who, opened.saved.id), opened.saved.title, hidden,
        )  # fmt: skip

    skip_opened = (gr.skip(),) * 8  # for each of opened_views' outputs

    def start(key: str | None, request: gr.Request):
        """On opening the page: give a new browser its key, list its conversations and open the latest."""
        if not getattr(request, "username", None) and not BROWSER_KEY.fullmatch(key or ""):
            key = new_browser_key()
        try:
            who = owner(request, key)
            latest = saved.latest(who)
            return key, *opened_views(who, latest.saved.id if latest else None)
        except Exception as exc:
            notify.warn(fail(exc))
            return key, *skip_opened

    def open_saved(chat_id: str | None, key: str | None, request: gr.Request):
        if not chat_id:
            return skip_opened
        try:
            return opened_views(owner(request, key), chat_id)
        except ConversationNotFound:
            notify.warn("That conversation is no longer saved (deleted from another page?).")
            return (gr.skip(),) * 5 + (list_update(owner(request, key), None), gr.skip(), gr.skip())
        except Exception as exc:
            notify.warn(fail(exc))
            return skip_opened

    def clear(key: str | None, request: gr.Request):
        try:
            return opened_views(owner(request, key), None)
        except QAError:
            return opened_views(None, None)

    def rename(chat_id: str | None, title: str, key: str | None, request: gr.Request):
        if not chat_id:
            notify.warn("Ask a question first: a conversation is saved with its first answer.")
            return gr.skip(), gr.skip()
        try:
            who = owner(request, key)
            renamed = saved.rename(who, chat_id, title)
            return list_update(who, chat_id), renamed.title
        except Exception as exc:
            notify.warn(fail(exc))
            return gr.skip(), gr.skip()

    def delete(chat_id: str | None, key: str | None, request: gr.Request):
        if not chat_id:
            notify.warn("Choose a saved conversation to delete.")
            return skip_opened
        try:
            who = owner(request, key)
            saved.delete(who, chat_id)
            return opened_views(who, None)
        except Exception as exc:
            notify.warn(fail(exc))
            return skip_opened

    def export_file(format: str):
        def download(chat_id: str | None, key: str | None, request: gr.Request):
            if not chat_id:
                notify.warn("Ask a question first: there is nothing to export yet.")
                return gr.skip()
            try:
                return gr.update(value=str(saved.export_file(owner(request, key), chat_id, format)), visible=True)
            except Exception as exc:
                notify.warn(fail(exc))
                return gr.skip()

        download.__name__ = f"download_{format}"
        return download

    def choose_llm(llm: str):
        try:
            assistants.get(llm)
        except QAError as exc:
            notify.warn(str(exc))
            return gr.update(value=settings.llm), assistants.describe()
        return gr.skip(), assistants.describe(llm)

    # Documents ----------------------------------------------------------------

    def document_views():
        docs = library.documents()
        return (
            gr.update(value=render.document_rows(docs)),
            gr.update(choices=render.document_choices(docs), value=None),
            gr.update(choices=render.source_choices(docs)),
        )

    def refresh():
        try:
            return document_views()
        except Exception as exc:
            notify.warn(fail(exc))
            return gr.skip(), gr.skip(), gr.skip()

    def add_link(url: str, progress=gr.Progress()):
        url = (url or "").strip()
        if not url:
            notify.warn("Paste the address of a web page or a feed (https://...).")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        if not is_url(url):  # a path would make the server read its own files; uploads are for files
            refused = f"Only a web address (http:// or https://) can be added here, not {url!r}. Upload files instead."
            notify.warn(refused)
            return _status("", [refused]), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            report = library.ingest_link(url, progress=_progress(progress))
            views = document_views()
        except Exception as exc:
            notify.warn(fail(exc))
            return _status("", [fail(exc)]), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        problems = [f"{source}: {reason}" for source, reason in report.skipped]
        for p in problems:
            notify.warn(p)
        return _status(f"Indexed {report.summary()}.", problems), *views, ""

    def upload(files: list[str] | None, progress=gr.Progress()):
        if not files:
            notify.warn(f"Choose one or more files first ({', '.join(upload_types())}).")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            result = library.upload([(Path(f), Path(f).name) for f in files], progress=_progress(progress))
            views = document_views()
        except Exception as exc:
            notify.warn(fail(exc))
            return _status("", [fail(exc)]), gr.skip(), gr.skip(), gr.skip(), None
        message = f"Indexed {result.report.summary()}." if result.report else ""
        for p in result.problems:
            notify.warn(p)
        return _status(message, result.problems), *views, None

    def remove(doc_id: str | None):
        if not doc_id:
            notify.warn("Choose a document to remove.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            if library.document(doc_id) is None:
                return "That document is already gone.", *document_views()
            removal = library.remove(doc_id)
            note = "" if removal.file_deleted else " Re-index adds it back while its file is still in an indexed folder."
            return render.markdown_text(f"Removed {removal.document.source}.{note}"), *document_views()
        except Exception as exc:
            notify.warn(fail(exc))
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()

    def reindex(progress=gr.Progress()):
        try:
            report = library.reindex(progress=_progress(progress))
            if report is None:
                return "Nothing to re-index: no seeds folder, no uploads and no stored files on this machine.", *document_views()
            problems = [reason for _, reason in report.skipped]
            return _status(f"Re-indexed {report.summary()}.", problems), *document_views()
        except Exception as exc:
            notify.warn(fail(exc))
            return _status("", [fail(exc)]), gr.skip(), gr.skip(), gr.skip()

    # Layout -------------------------------------------------------------------

    private = {"api_visibility": "private"}
    # Questions wait in `line`, which tells each its place; Gradio holds none back, where it would wait unseen.
    question_work = {"concurrency_limit": None, **private}
    library_work = {"concurrency_limit": 1, "concurrency_id": LIBRARY_SLOT, **private}
    types = upload_types()

    with gr.Blocks(title="qa: answers with sources", analytics_enabled=False) as demo:
        turns = gr.State([])
        chat_id = gr.State(None)  # the open conversation's id once its first turn is saved
        browser = gr.BrowserState("", storage_key=BROWSER_KEY_STORAGE, secret=BROWSER_KEY_SECRET)
        gr.Markdown("## Ask your articles\nEvery sentence cites an exact quote; the assistant says so when the documents do not answer.")
        with gr.Tab("Chat"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=1, min_width=220):
                    clear_button = gr.Button("New conversation", size="sm", elem_id="qa-new")
                    saved_list = gr.Radio(
                        choices=[], value=None, label="Conversations", info="Newest first; click one to open it.",
                        elem_id="qa-conversations",
                    )  # fmt: skip
                    with gr.Accordion("Rename, delete, export", open=False, elem_id="qa-manage"):
                        title = gr.Textbox(label="Title", max_lines=1, elem_id="qa-title")
                        with gr.Row():
                            rename_button = gr.Button("Rename", size="sm", elem_id="qa-rename")
                            delete_button = gr.Button("Delete", size="sm", variant="stop", elem_id="qa-delete")
                        with gr.Row():
                            markdown_button = gr.Button("Export Markdown", size="sm", elem_id="qa-export-md")
                            json_button = gr.Button("Export JSON", size="sm", elem_id="qa-export-json")
                        exported = gr.File(label="Download", visible=False, interactive=False, elem_id="qa-export")
                with gr.Column(scale=3):
                    chat = gr.HTML(
                        render.render_conversation([]),
                        elem_id="qa-chat",
                        css_template=assets.CHAT_CSS,
                        js_on_load=assets.CITE_CLICK_JS,
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
                    gr.Examples(example_questions(settings), inputs=[question], label="Examples (click to use)")
                    with gr.Accordion("Settings", open=False):
                        llm = gr.Radio(
                            list(LLM_CHOICES),
                            value=settings.llm,
                            label="LLM",
                            info="hosted needs QA_HOSTED_BASE_URL and QA_HOSTED_MODEL (and an API key if the server wants one)",
                        )
                        top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages to retrieve (top-k)")
                        model = gr.Markdown(assistants.describe())
                    with gr.Accordion("Limit to dates or sources", open=False):
                        with gr.Row():
                            since = gr.Textbox(label="Published from", placeholder="YYYY, YYYY-MM or YYYY-MM-DD", elem_id="qa-since")
                            until = gr.Textbox(label="Published until", placeholder="YYYY, YYYY-MM or YYYY-MM-DD", elem_id="qa-until")
                        only = gr.Dropdown(
                            label="Only from these publishers or documents (empty: all)",
                            choices=[],
                            multiselect=True,
                            elem_id="qa-only",
                        )
                        gr.Markdown("Articles without a known date are left out when a date is set.")
                with gr.Column(scale=2):
                    sources = gr.HTML(
                        render.render_sources(None, None),
                        elem_id="qa-sources",
                        css_template=assets.SOURCES_CSS,
                        js_on_load=assets.CITE_CLICK_JS,
                        padding=True,
                        container=True,
                    )
                    viewer = gr.HTML(
                        render.EMPTY_ARTICLE,
                        elem_id="qa-viewer",
                        css_template=assets.ARTICLE_CSS,
                        js_on_load=assets.REVEAL_QUOTE_JS,
                        max_height=520,
                        padding=True,
                        container=True,
                    )
        with gr.Tab("Documents"):
            files = gr.File(
                file_count="multiple",
                file_types=types,
                label=f"Add articles ({', '.join(types)}; at most {settings.max_file_mb:g} MB each)",
            )
            with gr.Row():
                upload_button = gr.Button("Upload and index", variant="primary")
                reindex_button = gr.Button("Re-index everything")
            with gr.Row():
                link = gr.Textbox(
                    label="Add a link: a news page or an RSS/Atom feed",
                    placeholder="https://...",
                    scale=5,
                    elem_id="qa-link",
                )
                link_button = gr.Button("Fetch and index", scale=1, elem_id="qa-link-add")
            status = gr.Markdown()
            table = gr.Dataframe(headers=["Title", "Publisher", "Published", "File or link", "Passages", "Indexed"], interactive=False, wrap=True, elem_id="qa-documents")
            with gr.Row():
                doomed = gr.Dropdown(label="Document to remove", choices=[], scale=4, elem_id="qa-remove-choice")
                remove_button = gr.Button("Remove", variant="stop", scale=1)

        chat_outputs = [chat, question, turns, sources, chat_id, saved_list]
        ask_inputs = [question, turns, llm, top_k, since, until, only, chat_id, browser]
        question.submit(respond, ask_inputs, chat_outputs, **question_work)
        ask_button.click(respond, ask_inputs, chat_outputs, **question_work)
        chat.click(open_citation, [turns], [sources, viewer], **private)
        sources.click(open_citation, [turns], [sources, viewer], **private)
        opened = [chat_id, turns, chat, sources, viewer, saved_list, title, exported]
        demo.load(start, [browser], [browser, *opened], **private)
        saved_list.input(open_saved, [saved_list, browser], opened, **private)
        clear_button.click(clear, [browser], opened, **private)
        rename_button.click(rename, [chat_id, title, browser], [saved_list, title], **private)
        title.submit(rename, [chat_id, title, browser], [saved_list, title], **private)
        delete_button.click(delete, [chat_id, browser], opened, **private)
        markdown_button.click(export_file("markdown"), [chat_id, browser], [exported], **private)
        json_button.click(export_file("json"), [chat_id, browser], [exported], **private)
        llm.change(choose_llm, [llm], [llm, model], **private)
        views = [table, doomed, only]
        upload_button.click(upload, [files], [status, *views, files], **library_work)
        link_button.click(add_link, [link], [status, *views, link], **library_work)
        link.submit(add_link, [link], [status, *views, link], **library_work)
        remove_button.click(remove, [doomed], [status, *views], **library_work)
        reindex_button.click(reindex, None, [status, *views], **library_work)
        demo.load(refresh, None, views, **private)
        api.add_endpoints(assistants, saved, line, fail)

    demo.queue(default_concurrency_limit=4, max_size=MAX_QUEUED_EVENTS)
    return demo


def _progress(bar):
    def report(done: int, total: int, current: str) -> None:
        bar((done, total), desc=f"Indexing {Path(current).name}" if current else "Indexing", unit="files")

    return report


def _status(message: str, problems: list[str]) -> str:
    """Markdown for the documents tab's status line; what it quotes (file names, links, errors) shows as text."""
    lines = [render.markdown_text(message)] if message else []
    lines += [f"- ⚠ {render.markdown_text(p)}" for p in problems]
    return "\n".join(lines) or "Nothing was indexed."


def exposure_warning(host: str, port: int, login: object) -> str:
    """A warning to print when the UI would listen beyond this machine without a login; "" otherwise.

    login: the logins (a list of (user, password), or one pair); empty or None when there is none.

    The UI has no accounts of its own: whoever reaches the port can read every
    indexed document, add and remove documents, and use the model.

    >>> exposure_warning("127.0.0.1", 7860, None), exposure_warning("0.0.0.0", 7860, ("ann", "s3cret"))
    ('', '')
    >>> exposure_warning("0.0.0.0", 7860, None).split(":")[0]
    'Warning'
    """
    if login or _is_loopback(host):
        return ""
    return (
        f"Warning: the UI listens on {host or 'every address'} port {port} without a login. Anyone who can reach "
        "that port can read the indexed documents, add or remove documents and use the model. Set QA_UI_USER "
        "and QA_UI_PASSWORD (or QA_UI_USERS=\"ann:pw1,bob:pw2\") to require a login, or use --host 127.0.0.1 to "
        "keep it on this machine."
    )


def _is_loopback(host: str) -> bool:
    """True for an address or name that only this machine can reach ("localhost", 127.x.x.x, ::1).

    >>> [_is_loopback(h) for h in ("localhost", "127.0.0.2", "[::1]", "0.0.0.0", "", "::", "example.org")]
    [True, True, True, False, False, False, False]
    """
    import ipaddress

    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:  # a host name other than localhost may resolve to any address
        return False


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860, open_browser: bool = False) -> None:
    """Load the models, index the seeds folder if the index is empty, and serve the UI until interrupted.

    Logins come from QA_UI_USER/QA_UI_PASSWORD, QA_UI_USERS and QA_UI_USERS_FILE (qa/ui/login.py).
    """
    auth = logins_from_env() or None
    warning = exposure_warning(host, port, auth)
    if warning:
        print(warning, file=sys.stderr)
    library = Library(settings)
    report = library.ensure_index()  # logs that it is indexing the seeds when the index is empty
    if report is not None:
        print(f"Indexed {report.summary()}.", file=sys.stderr)
    history = History.for_settings(settings)  # a history file it cannot use stops it here, before the models load
    assistants = Assistants(Assistant(settings, embedder=library.embedder))
    print(f"Loading the models. {assistants.describe()} ...", file=sys.stderr)
    assistants.base.warm_up()
    demo = build_app(assistants, library, history=history)
    print(f"Open http://{host}:{port} (Ctrl+C stops it).", file=sys.stderr)
    demo.launch(
        server_name=host,
        server_port=port,
        inbrowser=open_browser,
        auth=auth,
        max_file_size=upload_limit(settings),
        show_error=False,
        quiet=True,
    )
