"""Make a follow-up question standalone, so retrieval can search for it.

"How many did they send?" after a question about Iraqi fighters searches
badly; "How many fighters did Iraq send into Syria?" searches well. The
rewritten question is used only for retrieval: the user still sees, and the
model still answers, what they typed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from qa import prompts
from qa.citations import strip_markers
from qa.llm import LLM, Messages

log = logging.getLogger(__name__)

MAX_TURNS = 3  # older turns rarely hold the referent and cost prompt time
MAX_CHARS = 300

SCHEMA = {
    "type": "object",
    "properties": {"question": {"type": "string", "minLength": 1, "maxLength": MAX_CHARS}},
    "required": ["question"],
    "additionalProperties": False,
}


def build_messages(question: str, history: Sequence[tuple[str, str]], prompt: prompts.Prompt | None = None) -> Messages:
    """System and user messages for the rewrite; answers lose their [n] markers.

    >>> m = build_messages("And Iran?", [("Who sent fighters?", "Iraq sent 300 fighters [1].")])
    >>> m[1]["content"].splitlines()[1:]
    ['User: Who sent fighters?', 'Assistant: Iraq sent 300 fighters.', '', 'Last question: And Iran?']
    """
    prompt = prompt or prompts.load("followup")
    turns = [{"question": q, "answer": strip_markers(a)[0]} for q, a in list(history)[-MAX_TURNS:]]
    return [
        {"role": "system", "content": prompt.render("system")},
        {"role": "user", "content": prompt.render("user", history=turns, question=question)},
    ]


def parse_reply(reply: str) -> str:
    """The rewritten question from the model's JSON reply, or "" when it is unusable.

    >>> parse_reply('{"question": " How many fighters did Iraq send? "}')
    'How many fighters did Iraq send?'
    >>> parse_reply('not json'), parse_reply('{"question": ""}')
    ('', '')
    """
    try:
        data = json.loads(reply)
    except (json.JSONDecodeError, TypeError):
        return ""
    value = data.get("question") if isinstance(data, dict) else None
    if not isinstance(value, str):
        return ""
    value = " ".join(value.split())
    return value if 0 < len(value) <= MAX_CHARS else ""


def standalone_question(llm: LLM, question: str, history: Sequence[tuple[str, str]]) -> str:
    """`question` rewritten to stand on its own, given earlier (question, answer) turns.

    No history means nothing to resolve: the LLM is not called. Any failure
    (model error, bad JSON, empty or overlong output) returns `question`
    unchanged, since a plain search for the follow-up still works, only worse.
    """
    if not history:
        return question
    try:
        reply = llm.chat(build_messages(question, history), schema=SCHEMA)
    except Exception as exc:  # a failed rewrite must never fail the question itself
        log.warning("Could not rewrite the follow-up question (%s); searching for it as typed.", exc)
        return question
    rewritten = parse_reply(reply)
    if not rewritten:
        log.warning("The follow-up rewrite gave no usable question (%r); searching for it as typed.", reply[:200])
        return question
    return rewritten
