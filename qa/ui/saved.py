"""The chat's saved conversations: what the UI's conversation list, export buttons and API ask of the History.

Every call names its owner (qa/ui/login.py), and History answers only with
that owner's conversations, so one user, or one browser, never reaches
another's. Turns travel as the chat's turn dicts (`Turn.to_dict()`), with the
state of each cited article (qa.history.citation_states) beside them.

    saved = SavedChats(History.for_settings(settings), library)
    conversation_id = saved.save("user:ann", None, turn)   # creates the conversation on its first turn
    opened = saved.open("user:ann", conversation_id)        # title, turn dicts, citation states
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from qa.conversation import Turn
from qa.errors import ConversationNotFound, QAError
from qa.export import answer_markdown, to_json, to_markdown
from qa.history import History, Saved, citation_state, citation_states
from qa.library import Library

States = dict[tuple[int, int], str]
FORMATS = {"markdown": ".md", "md": ".md", "json": ".json"}  # md: the command line's name for Markdown


def label(saved: Saved) -> str:
    """How the list shows a conversation: its title, how many questions, when it last changed (History keeps UTC).

    >>> label(Saved("c1", "user:ann", "Fighters", "2026-11-20T09:00:00Z", "2026-11-22T14:03:11Z", 2))
    'Fighters · 2 questions · 2026-11-22 14:03 UTC'
    """
    questions = "1 question" if saved.turns == 1 else f"{saved.turns} questions"
    return f"{saved.title or 'Untitled'} · {questions} · {saved.updated[:16].replace('T', ' ')} UTC"


def file_name(title: str, suffix: str) -> str:
    """A safe file name for an export of the conversation titled `title`.

    >>> file_name("What did <they> say?/..", ".md")
    'What_did_they_say.md'
    >>> file_name("", ".json")
    'conversation.json'
    """
    stem = re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_")[:60]
    return f"{stem or 'conversation'}{suffix}"


@dataclass
class Opened:
    """A saved conversation as the chat shows it."""

    saved: Saved
    turns: list[dict]
    states: States = field(default_factory=dict)


EXPORT_KEEP_S = 3600  # an export's file stays this long for its download (the page copies it), then goes


class SavedChats:
    """An owner's conversations in `history`, with their citations checked against `library`."""

    def __init__(self, history: History, library: Library) -> None:
        self.history = history
        self.library = library
        self._exports: Path | None = None

    def conversations(self, owner: str) -> list[Saved]:
        return self.history.conversations(owner)

    def choices(self, owner: str) -> list[tuple[str, str]]:
        """(label, id) pairs for the conversation list, newest first."""
        return [(label(s), s.id) for s in self.history.conversations(owner)]

    def open(self, owner: str, conversation_id: str) -> Opened:
        """The conversation's turns and the state of each article they cite; ConversationNotFound if not the owner's."""
        saved = self.history.get(conversation_id, owner)
        turns = self.history.turns(conversation_id, owner)
        return Opened(saved, [t.to_dict() for t in turns], citation_states(turns, self.library))

    def latest(self, owner: str) -> Opened | None:
        """The owner's most recently changed conversation, opened; None when there is none."""
        for saved in self.history.conversations(owner):
            try:
                return self.open(owner, saved.id)
            except ConversationNotFound:  # deleted from another page meanwhile
                continue
        return None

    def states(self, turns: list[dict]) -> States:
        """What became of each article the turns cite (finished answers only)."""
        return citation_states([Turn.from_dict(t) for t in turns], self.library)

    def state(self, citation) -> str:
        return citation_state(citation, self.library)

    def save(self, owner: str, conversation_id: str | None, turn: Turn, earlier: list[Turn] = ()) -> str:
        """Add `turn` to the conversation and return its id; a new conversation (holding `earlier` first) when
        there is none yet or it was deleted meanwhile."""
        if conversation_id:
            try:
                self.history.add_turn(conversation_id, owner, turn)
                return conversation_id
            except ConversationNotFound:
                pass
        saved = self.history.create(owner)  # titled by its first question
        for t in [*earlier, turn]:
            self.history.add_turn(saved.id, owner, t)
        return saved.id

    def rename(self, owner: str, conversation_id: str, title: str) -> Saved:
        return self.history.rename(conversation_id, owner, title)

    def delete(self, owner: str, conversation_id: str) -> None:
        self.history.delete(conversation_id, owner)

    def export(self, owner: str, conversation_id: str, format: str) -> str:
        """The conversation as Markdown (its changed or removed citations marked) or JSON."""
        if format not in FORMATS:
            raise QAError(f"Unknown export format {format!r}; choose one of: {', '.join(FORMATS)}.")
        opened = self.open(owner, conversation_id)
        turns = [Turn.from_dict(t) for t in opened.turns]
        if format == "json":
            return to_json(opened.saved.title, turns)
        return to_markdown(opened.saved.title, turns, opened.states)

    def export_file(self, owner: str, conversation_id: str, format: str) -> Path:
        """The export written to a file of its own in a temporary folder, for the page to download."""
        text = self.export(owner, conversation_id, format)
        title = self.history.get(conversation_id, owner).title
        if self._exports is None:
            self._exports = Path(tempfile.mkdtemp(prefix="qa-export-"))
            atexit.register(shutil.rmtree, self._exports, True)  # nothing is left in the temp folder at exit
        self._forget_exports(older_than_s=EXPORT_KEEP_S)
        folder = Path(tempfile.mkdtemp(dir=self._exports))  # one folder per file: two exports never share a path
        path = folder / file_name(title, FORMATS[format])
        path.write_text(text, encoding="utf-8")
        return path

    def _forget_exports(self, older_than_s: float) -> None:
        """Remove the export files written more than `older_than_s` ago."""
        cutoff = time.time() - older_than_s
        for folder in self._exports.iterdir():
            try:
                if folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:  # removed meanwhile by another request
                continue

    @staticmethod
    def copies(turns: list[dict], states: States | None = None) -> dict[int, str]:
        """turn -> that answer as Markdown, for its Copy button (finished answers only)."""
        return {
            i: answer_markdown(Turn.from_dict(t), states, turn_index=i)
            for i, t in enumerate(turns)
            if t.get("answer") is not None and not t.get("error")
        }
