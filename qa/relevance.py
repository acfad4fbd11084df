"""Does a supported answer actually answer the question?

Support checking proves each sentence is true to its sources; it cannot tell
that a true sentence answers a different question ("What is the population of
Aleppo?" answered with a cited sentence about strikes on Aleppo). Two checks:
a rule for questions that plainly ask for a number or a time
(`verify.answers_question`), then a yes/no judgement by the LLM, constrained
to those two words.
"""

from __future__ import annotations

import json
import logging

from qa import prompts
from qa.errors import LLMUnavailable
from qa.llm import LLM

log = logging.getLogger(__name__)

VERDICT_SCHEMA = {
    "type": "object",
    "properties": {"verdict": {"type": "string", "enum": ["yes", "no"]}},
    "required": ["verdict"],
}


def parse_verdict(reply: str) -> bool | None:
    """True for yes, False for no, None when the reply says neither.

    >>> parse_verdict('{"verdict": "no"}'), parse_verdict("Yes."), parse_verdict("maybe")
    (False, True, None)
    """
    try:
        value = str(json.loads(reply).get("verdict", "")).lower()
    except (ValueError, AttributeError):
        value = reply.strip().lower()
    if value.startswith("yes"):
        return True
    if value.startswith("no"):
        return False
    return None


class LLMJudge:
    """Asks the LLM whether an answer gives what the question asks for."""

    def __init__(self, llm: LLM) -> None:
        self.llm = llm
        self.prompt = prompts.load("judge")

    def answers(self, question: str, answer: str) -> bool:
        messages = [
            {"role": "system", "content": self.prompt.render("system")},
            {"role": "user", "content": self.prompt.render("user", question=question, answer=answer)},
        ]
        try:
            verdict = parse_verdict(self.llm.chat(messages, schema=VERDICT_SCHEMA))
        except LLMUnavailable as exc:
            # The answer is already verified against its sources; a failed judgement keeps it.
            log.warning("Relevance check skipped: %s", exc)
            return True
        return verdict is not False
