"""Saved conversations: every question and its full Answer, in an SQLite file beside the index.

    from qa.history import History
    history = History.for_settings(settings)          # <index_dir>/history.sqlite3 unless history_path is set
    saved = history.create("local")
    history.add_turn(saved.id, "local", turn)         # the Turn's JSON, appended; the title is its question
    [s.title for s in history.conversations("local")]  # newest first

Each conversation has an owner: "user:<login>" for a signed-in user,
"browser:<id>" for a browser without a login, "local" for Python and the
command line. A call that names an owner sees only that owner's
conversations; another owner's conversation is reported exactly as a missing
one (`ConversationNotFound`), so an id never reveals that it exists. `owner`
None means every owner: people with the file in reach may read it all anyway.

Each turn is one row of JSON text (`Turn.to_dict()`), so adding a turn never
rewrites the others, and every call opens its own connection (WAL mode), so
one History serves a threaded web server.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from qa.citation_state import citation_state, citation_states  # noqa: F401  (part of this module's API)
from qa.errors import BadTitle, ConversationNotFound, HistoryUnavailable, QAError

if TYPE_CHECKING:
    from qa.conversation import Turn

SCHEMA_VERSION = 1
FILE_NAME = "history.sqlite3"
TITLE_CHARS = 80  # a title made from the first question
MAX_TITLE_CHARS = 200  # a title given by rename
_KIND = "qa conversation history"
_BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS qa_history (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0,
    touched INTEGER NOT NULL  -- order of the last change, file-wide: the clock may repeat or step back
);
CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations (owner, touched);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (conversation_id, position)
);
"""

_MOVE_ASIDE = "Move it aside (or set QA_HISTORY_PATH to another file) and a new, empty history is started there."


@dataclass(frozen=True)
class Saved:
    """One saved conversation as listed: who owns it, its title, when it was made and changed, how many turns."""

    id: str
    owner: str
    title: str
    created: str  # ISO 8601, UTC
    updated: str
    turns: int


def title_from(question: str, limit: int = TITLE_CHARS) -> str:
    """A conversation's title from its first question: one line, at most `limit` characters, cut at a word.

    >>> title_from("  How many fighters\\ndid Iraq send?  ")
    'How many fighters did Iraq send?'
    >>> title_from("Which armed groups did most of the fighters belong to, and how did they cross?", limit=40)
    'Which armed groups did most of the…'
    """
    text = " ".join(str(question).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut[limit // 2 :]:  # the cut falls inside a word: end before it
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:") + "…"


def clean_title(title: object) -> str:
    """A title given by a user, on one line; BadTitle, quoting it, when it is empty or too long.

    >>> clean_title("  Iraq\\n fighters ")
    'Iraq fighters'
    """
    if not isinstance(title, str) or not title.strip():
        raise BadTitle(f"A conversation's title cannot be empty (got {title!r}); give a few words, e.g. \"Iraq fighters\".")
    text = " ".join(title.split())
    if len(text) > MAX_TITLE_CHARS:
        raise BadTitle(
            f"The title “{text[:40]}…” is {len(text)} characters long; keep it to {MAX_TITLE_CHARS} or fewer."
        )
    return text


def history_path(settings) -> Path:
    """Where the settings keep saved conversations: `history_path`, else `<index_dir>/history.sqlite3`."""
    path = getattr(settings, "history_path", None)
    return Path(path).expanduser() if path else Path(settings.index_dir) / FILE_NAME


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def not_found(conversation_id: object) -> ConversationNotFound:
    """The one error for an unknown id and for another owner's conversation: it never tells the two apart."""
    return ConversationNotFound(
        f"No saved conversation has the id {conversation_id!r}. Choose one from the list of saved conversations"
        " (`qa history list` on the command line)."
    )


class History:
    """The saved conversations in one SQLite file; safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        """Open the file at `path`, creating it (and its folders) when absent.

        Raises HistoryUnavailable, naming the file and what to do, when it is
        not a history file, was written in another format version, or cannot
        be opened.
        """
        self.path = Path(path).expanduser()
        if self.path.is_dir():
            raise HistoryUnavailable(f"The conversation history {self.path} is a folder; name a file (QA_HISTORY_PATH).")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryUnavailable(f"Cannot create the folder for the conversation history {self.path} ({exc}).") from None
        self._prepare()

    @classmethod
    def for_settings(cls, settings) -> History:
        """The history that goes with these settings: `history_path`, else `<index_dir>/history.sqlite3`."""
        return cls(history_path(settings))

    def __repr__(self) -> str:
        return f"History({str(self.path)!r})"

    # The file ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self, doing: str) -> Iterator[sqlite3.Connection]:
        """A connection of its own, closed afterwards; SQLite's failures become HistoryUnavailable."""
        db = None
        try:
            db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
            yield db
        except sqlite3.Error as exc:
            raise HistoryUnavailable(
                f"Could not {doing} in the conversation history {self.path} ({exc}). If another program is "
                "writing to it, try again; if the file is damaged, move it aside and a new, empty history is started there."
            ) from None
        finally:
            if db is not None:
                db.close()

    @contextlib.contextmanager
    def _writing(self, doing: str) -> Iterator[sqlite3.Connection]:
        """A connection inside one write transaction, taken at once so concurrent writers queue instead of failing."""
        with self._connection(doing) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _prepare(self) -> None:
        """Create the tables in a new file, or check that an existing file is a history of this version."""
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)) as db:
                tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if not tables:
                    with contextlib.suppress(sqlite3.Error):  # a file system without shared memory keeps its journal
                        db.execute("PRAGMA journal_mode = WAL")
                    db.executescript(
                        "BEGIN IMMEDIATE;"
                        + _SCHEMA
                        + f"INSERT OR IGNORE INTO qa_history VALUES ('kind', '{_KIND}');"
                        + f"INSERT OR IGNORE INTO qa_history VALUES ('schema_version', '{SCHEMA_VERSION}');"
                        + "COMMIT;"
                    )
                    tables = {"qa_history"}
                if "qa_history" not in tables:
                    listed = ", ".join(sorted(tables)[:5])
                    raise HistoryUnavailable(
                        f"{self.path} is not a qa conversation history: it is another program's database "
                        f"(tables: {listed}). {_MOVE_ASIDE}"
                    )
                meta = dict(db.execute("SELECT key, value FROM qa_history"))
        except sqlite3.DatabaseError as exc:
            code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
            if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
                raise HistoryUnavailable(
                    f"{self.path} is not a qa conversation history: SQLite cannot read it ({exc}). {_MOVE_ASIDE}"
                ) from None
            raise HistoryUnavailable(
                f"The conversation history {self.path} cannot be opened ({exc}). Check that the file and its folder "
                "can be written, or set QA_HISTORY_PATH to another file."
            ) from None
        version = meta.get("schema_version")
        if meta.get("kind") != _KIND or version is None:
            raise HistoryUnavailable(f"{self.path} is not a qa conversation history (it has no version record). {_MOVE_ASIDE}")
        if version != str(SCHEMA_VERSION):
            raise HistoryUnavailable(
                f"The conversation history {self.path} is in format version {version}; this version of qa reads "
                f"version {SCHEMA_VERSION}. Open it with the version of qa that wrote it, or move it aside "
                f"(e.g. rename it to {self.path.name}.v{version}) and a new, empty history is started there."
            )

    # Conversations ---------------------------------------------------------------------

    def create(self, owner: str, title: str = "") -> Saved:
        """A new, empty conversation of `owner`; an empty title is set from its first question."""
        if not isinstance(owner, str) or not owner.strip():
            raise QAError(f"A saved conversation needs an owner such as 'local' or 'user:ann', not {owner!r}.")
        title = " ".join(str(title or "").split())[:MAX_TITLE_CHARS]
        now = _now()
        conversation_id = secrets.token_hex(9)  # not token_urlsafe: an id starting with "-" reads as an option
        with self._writing("save a new conversation") as db:
            db.execute(
                "INSERT INTO conversations (id, owner, title, created, updated, turns, touched) "
                "VALUES (?, ?, ?, ?, ?, 0, (SELECT COALESCE(MAX(touched), 0) + 1 FROM conversations))",
                (conversation_id, owner, title, now, now),
            )
        return Saved(conversation_id, owner, title, now, now, 0)

    def conversations(self, owner: str | None) -> list[Saved]:
        """The conversations of `owner` (None: everyone's), the most recently changed first."""
        with self._connection("list the conversations") as db:
            rows = db.execute(
                "SELECT id, owner, title, created, updated, turns FROM conversations "
                "WHERE ? IS NULL OR owner = ? ORDER BY touched DESC",
                (owner, owner),
            ).fetchall()
        return [Saved(*row) for row in rows]

    def get(self, conversation_id: str, owner: str | None) -> Saved:
        """The conversation, if `owner` (None: anyone) owns it; else ConversationNotFound."""
        with self._connection("read a conversation") as db:
            return self._get(db, conversation_id, owner)

    def _get(self, db: sqlite3.Connection, conversation_id: object, owner: str | None) -> Saved:
        if not isinstance(conversation_id, str):
            raise not_found(conversation_id)
        row = db.execute(
            "SELECT id, owner, title, created, updated, turns FROM conversations WHERE id = ? AND (? IS NULL OR owner = ?)",
            (conversation_id, owner, owner),
        ).fetchone()
        if row is None:
            raise not_found(conversation_id)
        return Saved(*row)

    def turns(self, conversation_id: str, owner: str | None) -> list[Turn]:
        """The conversation's turns in the order they were asked; ConversationNotFound as `get`."""
        from qa.conversation import Turn

        with self._connection("read a conversation") as db:
            self._get(db, conversation_id, owner)
            rows = db.execute(
                "SELECT json FROM turns WHERE conversation_id = ? ORDER BY position", (conversation_id,)
            ).fetchall()
        return [Turn.from_dict(json.loads(text)) for (text,) in rows]

    def add_turn(self, conversation_id: str, owner: str | None, turn: Turn) -> None:
        """Append `turn` (its `to_dict()` as JSON) after the stored ones.

        Sets the title from its question when the title is empty, and makes
        the conversation the most recently changed. ConversationNotFound as `get`.
        """
        text = json.dumps(turn.to_dict(), ensure_ascii=False)
        with self._writing("save a turn") as db:
            saved = self._get(db, conversation_id, owner)
            db.execute(
                "INSERT INTO turns (conversation_id, position, json) VALUES (?, ?, ?)", (saved.id, saved.turns, text)
            )
            db.execute(
                "UPDATE conversations SET turns = turns + 1, updated = ?, title = ?, "
                "touched = (SELECT MAX(touched) + 1 FROM conversations) WHERE id = ?",
                (_now(), saved.title or title_from(turn.question), saved.id),
            )

    def rename(self, conversation_id: str, owner: str | None, title: str) -> Saved:
        """Give the conversation a new title (BadTitle when empty or too long); its place in the list stays."""
        title = clean_title(title)
        with self._writing("rename a conversation") as db:
            saved = self._get(db, conversation_id, owner)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, saved.id))
        return Saved(saved.id, saved.owner, title, saved.created, saved.updated, saved.turns)

    def delete(self, conversation_id: str, owner: str | None) -> None:
        """Delete the conversation and its turns; ConversationNotFound as `get`."""
        with self._writing("delete a conversation") as db:
            saved = self._get(db, conversation_id, owner)
            db.execute("DELETE FROM turns WHERE conversation_id = ?", (saved.id,))
            db.execute("DELETE FROM conversations WHERE id = ?", (saved.id,))
