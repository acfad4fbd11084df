"""A small error hierarchy. Each message says what happened and what to do.

Adapters (CLI, UI) turn these into exit codes or on-screen messages; nothing
below the adapters prints or exits.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class: a problem the user can act on, with a message saying how."""

    exit_code = 1


class BadQuestion(QAError):
    """The question is empty, too long or otherwise unusable."""

    exit_code = 2


class IndexNotBuilt(QAError):
    """There is no index to search yet."""

    exit_code = 2


class IndexVersionMismatch(QAError):
    """The index was built by a version of qa that stores things differently."""

    exit_code = 2


class IndexDamaged(QAError):
    """The index folder holds files that cannot be read as a qa index: damaged, or made by something else."""

    exit_code = 2


class IndexBusy(QAError):
    """Another process kept changing the index for longer than this one would wait."""


class DocumentNotFound(QAError):
    """No indexed document matches what the user named."""

    exit_code = 2


class ModelMissing(QAError):
    """A model file is absent or does not match its pinned checksum."""


class LLMUnavailable(QAError):
    """The LLM could not be reached, failed, or did not answer in time."""


class StoreUnavailable(QAError):
    """The vector store (embedded or server) could not be opened."""


class IngestError(QAError):
    """A document could not be ingested."""


class NothingInScope(QAError):
    """No indexed document is inside the dates and sources a question was limited to."""

    exit_code = 2


class ModelBusy(QAError):
    """The model is taken: too many questions are waiting for it, or this one waited past its deadline.

    Every message begins with `PREFIX`, so a client can tell "try again later" from a real failure.
    """

    PREFIX = "The assistant is busy"


class ConversationNotFound(QAError):
    """No saved conversation has that id, or it belongs to someone else (the message never says which)."""

    exit_code = 2


class HistoryUnavailable(QAError):
    """The file of saved conversations cannot be used: another format version, not a history file, or unreadable."""

    exit_code = 2


class BadTitle(QAError):
    """A conversation's new title is empty or too long."""

    exit_code = 2
