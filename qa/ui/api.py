"""The app's API endpoints, beside the page's own events: questions, and the caller's saved conversations.

    from gradio_client import Client
    client = Client("http://127.0.0.1:7860/")                     # Client(url, auth=("ann", "pw1")) with a login
    client.predict("How many fighters did Iraq send?", api_name="/ask")    # the JSON of `qa ask --json`
    saved = client.predict("How many fighters did Iraq send?", browser=KEY, api_name="/ask_saved")
    client.predict(saved["conversation"], "markdown", browser=KEY, api_name="/export")

Saved conversations belong to the login (`request.username`); without a
login, to the browser key the caller names, which the page keeps in the
browser for its own conversations (qa/ui/login.py). A caller reaches no other
owner's conversation: one it does not own reads as missing.
"""

# No `from __future__ import annotations`: Gradio reads the endpoints' type hints at run time.
from collections.abc import Callable
from dataclasses import asdict

from qa.conversation import Assistants, Conversation, Turn
from qa.errors import ModelBusy
from qa.scope import Scope
from qa.ui import notify
from qa.ui.login import owner_of
from qa.ui.saved import SavedChats
from qa.ui.turns import call_in_turn
from qa.waiting_line import WaitingLine


def add_endpoints(assistants: Assistants, saved: SavedChats, line: WaitingLine, fail: Callable[[Exception], str]) -> None:
    """Add /ask, /ask_saved, /conversations, /conversation and /export to the gr.Blocks being built.

    Questions wait in `line` like the chat's; `fail` gives the message shown for an error.
    """
    import gradio as gr

    def owner(request, key: str | None) -> str:
        return owner_of(getattr(request, "username", None), key)

    def chat_of(turns: list[dict]) -> Conversation:
        return Conversation(assistants, [Turn.from_dict(t) for t in turns])

    async def answer(question: str, limits: dict, conversation: str = "", browser: str = "", request=None) -> dict:
        """The answer's JSON; with `conversation` ("new" or a saved id), the turn saved there and its id added."""
        who, chat_id, chat = None, None, Conversation(assistants)
        if conversation:
            who = owner(request, browser)  # before the line: a caller with no owner, or not this one's, waits for nothing
            if conversation != "new":
                chat_id = conversation
                chat = chat_of(saved.open(who, chat_id).turns)
        chat.check(question)  # a bad question is refused before it waits in line
        Scope.of(**limits)
        try:
            reply = await call_in_turn(line, lambda: chat.ask(question, **limits).to_dict())
        except ModelBusy:
            raise
        except Exception:
            if who and chat.turns and chat.turns[-1].error:  # the failed turn is kept, as the chat keeps it
                saved.save(who, chat_id, chat.turns[-1], earlier=chat.turns[:-1])
            raise
        if who is None:
            return reply
        return {**reply, "conversation": saved.save(who, chat_id, chat.turns[-1], earlier=chat.turns[:-1])}

    async def ask(question: str, since: str = "", until: str = "", sources: list[str] | None = None) -> dict:
        """Answer a question from the indexed documents; the same JSON as `qa ask --json`.

        since and until (YYYY, YYYY-MM or YYYY-MM-DD) and sources (documents' ids or files, or publishers)
        limit the articles it answers from. When too many questions are waiting, or this one waited too
        long, the error begins "The assistant is busy": try again in a minute.
        """
        try:
            return await answer(question, {"since": since or None, "until": until or None, "sources": sources or None})
        except Exception as exc:
            raise notify.error(fail(exc)) from None

    async def ask_saved(
        question: str, conversation: str = "new", browser: str = "", since: str = "", until: str = "",
        sources: list[str] | None = None, request: gr.Request = None,
    ) -> dict:  # fmt: skip
        """Answer a question as /ask does, and save it: conversation "new" starts a saved conversation, a saved
        conversation's id continues it (follow-ups read its earlier turns). The reply is /ask's JSON with the
        conversation's id added as "conversation".

        Saved conversations belong to the login, or, without one, to the key given as browser.
        """
        try:
            limits = {"since": since or None, "until": until or None, "sources": sources or None}
            return await answer(question, limits, conversation or "new", browser, request)
        except Exception as exc:
            raise notify.error(fail(exc)) from None

    def conversations(browser: str = "", request: gr.Request = None) -> list[dict]:
        """Your saved conversations, the most recently changed first: id, title, created, updated, turns.

        With a login they are the login's; without one, those saved under the key given as browser.
        """
        try:
            return [asdict(s) for s in saved.conversations(owner(request, browser))]
        except Exception as exc:
            raise notify.error(fail(exc)) from None

    def conversation_api(conversation_id: str, browser: str = "", request: gr.Request = None) -> dict:
        """One of your saved conversations: id, title, created, updated, its turns (question, answer, error)
        and, for each citation, whether its article still holds the quote ("ok", "changed" or "removed")."""
        try:
            opened = saved.open(owner(request, browser), conversation_id)
            states = [{"turn": t, "n": n, "state": state} for (t, n), state in sorted(opened.states.items())]
            return {**asdict(opened.saved), "turns": opened.turns, "citation_states": states}
        except Exception as exc:
            raise notify.error(fail(exc)) from None

    def export(conversation_id: str, format: str = "markdown", browser: str = "", request: gr.Request = None) -> str:
        """One of your saved conversations as text: format "markdown" (quotes with their sources) or "json"."""
        try:
            return saved.export(owner(request, browser), conversation_id, format)
        except Exception as exc:
            raise notify.error(fail(exc)) from None

    gr.api(ask, api_name="ask", concurrency_limit=None)  # questions wait in `line`, which tells each its place
    gr.api(ask_saved, api_name="ask_saved", concurrency_limit=None)
    gr.api(conversations, api_name="conversations")
    gr.api(conversation_api, api_name="conversation")
    gr.api(export, api_name="export")
