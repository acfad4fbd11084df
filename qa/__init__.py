"""Citation-first question answering over your own articles.

    from qa import ask
    answer = ask("How many fighters did Iraq send into Syria?")
    answer.text, answer.citations[0].quote

`Library` changes what is indexed, `Assistant` answers one question,
`Conversation` holds a chat with follow-ups, `History` keeps saved
conversations. Heavy libraries load on first use, not on import.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.answer import Answer
    from qa.assistant import Assistant
    from qa.conversation import Conversation
    from qa.history import History
    from qa.library import Library
    from qa.settings import Settings

__all__ = ["ask", "Assistant", "Answer", "Conversation", "History", "Library", "Settings", "default_assistant"]

_default = None
_default_lock = threading.Lock()

_LAZY = {
    "Answer": "qa.answer",
    "Assistant": "qa.assistant",
    "Conversation": "qa.conversation",
    "History": "qa.history",
    "Library": "qa.library",
    "Settings": "qa.settings",
}


def default_assistant() -> Assistant:
    """A process-wide Assistant built from Settings() (defaults, [tool.qa], qa.toml, QA_* environment)."""
    global _default
    with _default_lock:
        if _default is None:
            from qa.assistant import Assistant
            from qa.settings import Settings

            _default = Assistant(Settings())
        return _default


def ask(question: str, **kwargs) -> Answer:
    """Answer a question with verified citations, using the cached default Assistant.

    Raises IndexNotBuilt when nothing is indexed yet (`Library().ingest([...])` or `qa ingest FOLDER`).
    """
    return default_assistant().ask(question, **kwargs)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
