"""Build the answer prompt and its output schema from numbered evidence."""

from __future__ import annotations

from itertools import groupby

from qa.prompts import Prompt
from qa.retrieve import Evidence

MAX_SENTENCES = 3
MAX_SENTENCE_CHARS = 300


def answer_schema(n_evidence: int) -> dict:
    """JSON schema: a list of sentences, each listing evidence numbers (1..N) before its text.

    Evidence numbers come first so the model commits to a source before it
    writes; an empty list is how it abstains.
    """
    return {
        "type": "object",
        "properties": {
            "sentences": {
                "type": "array",
                "maxItems": MAX_SENTENCES,
                "items": {
                    "type": "object",
                    "properties": {
                        "evidence": {
                            "type": "array",
                            "items": {"type": "integer", "enum": list(range(1, n_evidence + 1))},
                            "minItems": 1,
                            "maxItems": 3,
                        },
                        "text": {"type": "string", "minLength": 1, "maxLength": MAX_SENTENCE_CHARS},
                    },
                    "required": ["evidence", "text"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["sentences"],
        "additionalProperties": False,
    }


def build_messages(prompt: Prompt, question: str, evidence: list[Evidence]) -> list[dict[str, str]]:
    """System and user messages; evidence grouped by document, blank line between groups."""
    groups = [list(g) for _, g in groupby(evidence, key=lambda e: e.doc_id)]
    return [
        {"role": "system", "content": prompt.render("system")},
        {"role": "user", "content": prompt.render("user", groups=groups, question=question)},
    ]
