"""Citation-first question answering over your own articles.

>>> from qa import ask                                    # doctest: +SKIP
>>> answer = ask("How many fighters did Iraq send into Syria?")  # doctest: +SKIP
>>> answer.text, answer.citations[0].quote                 # doctest: +SKIP

Heavy libraries load on first use, not on import.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.answer import Answer
    from qa.assistant import Assistant
    from qa.settings import Settings

__all__ = ["ask", "Assistant", "Answer", "Settings", "default_assistant"]

_default = None
_default_lock = threading.Lock()


def default_assistant() -> Assistant:
    """A process-wide Assistant built from Settings() (defaults, qa.toml, QA_* environment)."""
    global _default
    with _default_lock:
        if _default is None:
            from qa.assistant import Assistant
            from qa.settings import Settings

            _default = Assistant(Settings())
        return _default


def ask(question: str, **kwargs) -> Answer:
    """Answer a question with verified citations, using the cached default Assistant."""
    return default_assistant().ask(question, **kwargs)


def __getattr__(name: str):
    if name == "Assistant":
        from qa.assistant import Assistant

        return Assistant
    if name == "Answer":
        from qa.answer import Answer

        return Answer
    if name == "Settings":
        from qa.settings import Settings

        return Settings
    raise AttributeError(name)
