"""Conversations: chat turns, follow-ups made standalone, and one assistant per LLM choice.

Any front end can hold a conversation: the browser UI, `qa chat --cli`, or
Python:

    from qa import Conversation
    chat = Conversation()
    chat.ask("Who sent fighters into Syria?").text
    chat.ask("How many did they send?").search_question   # 'How many fighters did Iraq send into Syria?'

Each turn keeps its own Answer, so an old answer's [n] still resolves to its
own quote however long the conversation grows. The rewritten follow-up is
used only to search; the user still sees, and the model still answers, what
they typed.

A conversation is saved, with every Answer in full, to the history beside the
index (`qa.history`), and loaded again to go on with it, wherever it began:

    chat.save()                                   # its id; later saves add only the new turns
    chat = Conversation.load(chat_id)             # e.g. an id from `qa history list`
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qa.answer import Answer, Citation, Looking
from qa.assistant import Assistant
from qa.errors import QAError
from qa.followup import standalone_question
from qa.llm import make_llm
from qa.question import check_question

if TYPE_CHECKING:
    from qa.history import History

LLM_CHOICES = ("local", "hosted")


class Assistants:
    """The configured assistant plus, made on first use, one per other LLM choice.

    All share the embedding model, the store and the support checker.
    """

    def __init__(self, base: Assistant) -> None:
        self.base = base
        self.settings = base.settings
        self._by_llm: dict[str, Assistant] = {base.settings.llm: base}
        self._lock = threading.Lock()

    def get(self, llm: str | None = None) -> Assistant:
        """The assistant for "local" or "hosted"; LLMUnavailable, naming what to set, when hosted is not configured."""
        llm = llm or self.settings.llm
        if llm not in LLM_CHOICES:
            raise QAError(f"Unknown LLM choice '{llm}'; choose one of: {', '.join(LLM_CHOICES)}.")
        with self._lock:
            if llm not in self._by_llm:
                settings = self.settings.model_copy(update={"llm": llm})
                self._by_llm[llm] = Assistant(
                    settings,
                    llm=make_llm(settings),  # the hosted one raises here, naming the missing variables
                    checker=self.base.checker,
                    embedder=self.base.embedder,
                    store=self.base.store,
                )
            return self._by_llm[llm]

    def describe(self, llm: str | None = None) -> str:
        """Which model answers for this choice, in words."""
        llm = llm or self.settings.llm
        if llm == "hosted":
            return f"Model: {self.settings.hosted_model} at {self.settings.hosted_base_url}"
        return f"Model: {self.settings.local_model} (llama.cpp, on this machine)"


@dataclass
class Turn:
    """One question and what became of it: its Answer, or the error that stopped it."""

    question: str
    answer: Answer | None = None
    error: str = ""

    @property
    def search_question(self) -> str:
        return self.answer.search_question if self.answer else ""

    def to_dict(self) -> dict:
        return {"question": self.question, "answer": self.answer.to_dict() if self.answer else None, "error": self.error}

    @classmethod
    def from_dict(cls, data: dict) -> Turn:
        answer = data.get("answer")
        return cls(data["question"], Answer.from_dict(answer) if answer else None, data.get("error", ""))


@dataclass
class Conversation:
    """A chat with the documents: each `ask` sees the earlier turns to resolve follow-ups."""

    assistants: Assistants | None = field(default=None, repr=False, compare=False)
    turns: list[Turn] = field(default_factory=list)
    id: str | None = None  # the saved conversation's id; None until saved
    title: str = ""  # set from the first question when saved untitled
    # Where it is saved, as whom, and how many of `turns` are stored there (None: ask the history).
    _history: History | None = field(default=None, init=False, repr=False, compare=False)
    _owner: str | None = field(default=None, init=False, repr=False, compare=False)
    _stored: int | None = field(default=None, init=False, repr=False, compare=False)
    _saving: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.assistants is None:
            from qa import default_assistant

            self.assistants = Assistants(default_assistant())
        elif not isinstance(self.assistants, Assistants):  # one Assistant: the others are made from it
            self.assistants = Assistants(self.assistants)

    def check(self, question: object) -> str:
        """The question trimmed, or BadQuestion saying what is wrong with it."""
        return check_question(question, self.assistants.settings.max_question_chars)

    def ask(self, question: str, *, llm: str | None = None, top_k: int | None = None, **limits) -> Answer:
        """Answer the next question of the conversation; `limits` are `Assistant.ask`'s since, until and sources."""
        answer = None
        for item in self.stream(question, llm=llm, top_k=top_k, **limits):
            answer = item
        return answer

    def stream(
        self, question: str, *, llm: str | None = None, top_k: int | None = None, **limits
    ) -> Iterator[str | Looking | Answer]:
        """Add a turn and yield its evidence (`Looking`), its growing answer text, then its Answer.

        The first item is "" as soon as the turn is added (before any model
        call). An error is recorded on the turn (`Turn.error`) and raised.
        """
        question = self.check(question)
        history = [(t.question, t.answer.text) for t in self.turns if t.answer]
        turn = Turn(question)
        self.turns.append(turn)
        yield ""
        try:
            assistant = self.assistants.get(llm)
            search = standalone_question(assistant.llm, question, history)
            for item in assistant.stream(question, top_k=top_k, search_question=search, **limits):
                if isinstance(item, Answer):
                    turn.answer = item
                yield item
        except QAError as exc:
            turn.error = str(exc)
            raise
        except Exception as exc:
            turn.error = f"Unexpected error ({type(exc).__name__}: {exc})."
            raise

    def citation(self, turn: int, n: int) -> Citation:
        """Citation [n] of answer `turn` (0-based); QAError when there is no such citation."""
        try:
            if turn < 0 or n < 1:
                raise IndexError(turn, n)
            answer = self.turns[turn].answer
            return answer.citation(n)
        except (AttributeError, IndexError, TypeError):
            raise QAError("That citation is no longer in this conversation.") from None

    def to_dict(self) -> dict:
        return {"turns": [t.to_dict() for t in self.turns]}

    @classmethod
    def from_dict(cls, data: dict, assistants: Assistants | Assistant | None = None) -> Conversation:
        return cls(assistants, [Turn.from_dict(t) for t in data.get("turns", [])])

    # Saving and loading ------------------------------------------------------------

    def _history_or(self, history: History | None) -> History:
        if history is not None:
            return history
        if self._history is None:
            from qa.history import History

            self._history = History.for_settings(self.assistants.settings)
        return self._history

    def save(self, history: History | None = None, owner: str | None = None) -> str:
        """Store the turns not stored yet and return the conversation's id.

        The first save creates the conversation in `history` (default: the one
        beside the assistants' index, `History.for_settings`), owned by `owner`
        (default "local"); later saves append only the new turns, as the owner
        it was saved or loaded as unless another is named. A last turn still
        being answered (no answer, no error yet) waits for the next save.
        Raises ConversationNotFound when the saved conversation was deleted or
        is not `owner`'s.
        """
        with self._saving:
            history = self._history_or(history)
            if self.id is None:
                self._owner = owner or "local"
                saved = history.create(self._owner, self.title)
                self.id, self._stored = saved.id, 0
            elif owner is not None:
                self._owner = owner
            if self._stored is None:  # an id given by hand: the history knows how many turns it holds
                self._stored = history.get(self.id, self._owner).turns
            done = max((i + 1 for i, t in enumerate(self.turns) if t.answer is not None or t.error), default=0)
            for turn in self.turns[self._stored : done]:
                history.add_turn(self.id, self._owner, turn)
                self._stored += 1
            self.title = history.get(self.id, self._owner).title
            self._history = history
            return self.id

    @classmethod
    def load(
        cls,
        conversation_id: str,
        history: History | None = None,
        owner: str | None = None,
        assistants: Assistants | Assistant | None = None,
    ) -> Conversation:
        """The saved conversation, ready for its next question and `save()`.

        `owner` None opens anyone's (Python and the command line run with the
        file in reach); a named owner opens only their own, else
        ConversationNotFound. Loading reads no model.
        """
        chat = cls(assistants)
        history = chat._history_or(history)
        turns = history.turns(conversation_id, owner)
        saved = history.get(conversation_id, owner)
        chat.turns, chat.id, chat.title = turns, saved.id, saved.title
        chat._history, chat._owner, chat._stored = history, owner, len(turns)
        return chat
