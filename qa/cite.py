"""Parse what the model wrote into sentences with the evidence numbers they cite.

The model is asked for JSON (`{"sentences": [{"evidence": [1], "text": "..."}]}`),
but hosted models without schema support, or a reply cut short, may give
plain text with [n] markers instead; both are read. Numbers outside 1..N are
dropped: an answer can never cite evidence it was not given.

>>> parse_reply('{"sentences": [{"evidence": [2, 9], "text": "At least 300 fighters crossed."}]}', 3)
[Draft(text='At least 300 fighters crossed.', cites=(2,))]
>>> parse_reply("Iraq sent 300 fighters [1][3]. They crossed at night [2].", 3)
[Draft(text='Iraq sent 300 fighters.', cites=(1, 3)), Draft(text='They crossed at night.', cites=(2,))]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from qa.split import sentence_spans

_MARKERS = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_PARTIAL_TEXT = re.compile(r'"text"\s*:\s*"((?:[^"\\]|\\.)*)("?)')


@dataclass(frozen=True)
class Draft:
    """A sentence the model proposed, with the evidence numbers it cited."""

    text: str
    cites: tuple[int, ...]


def _valid(numbers: list, n_evidence: int) -> tuple[int, ...]:
    out: list[int] = []
    for x in numbers:
        try:
            i = int(x)
        except (TypeError, ValueError):
            continue
        if 1 <= i <= n_evidence and i not in out:
            out.append(i)
    return tuple(out)


def strip_markers(text: str) -> tuple[str, list[int]]:
    """Remove [n] / [n, m] markers, returning the clean text and the numbers.

    >>> strip_markers("Seven died [1, 2].")
    ('Seven died.', [1, 2])
    """
    found = [int(x) for group in _MARKERS.findall(text) for x in re.split(r"[,;]", group)]
    clean = _MARKERS.sub("", text)
    clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
    return re.sub(r"\s{2,}", " ", clean).strip(), found


def _split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, 0, len(text))] if text.strip() else []


def _from_json(reply: str) -> list | None:
    start, end = reply.find("{"), reply.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(reply[start : end + 1])
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict) and isinstance(data.get("sentences"), list):
        return data["sentences"]
    return None


def parse_reply(reply: str, n_evidence: int) -> list[Draft]:
    """Sentences and their citations from a model reply (JSON or marked-up text)."""
    drafts: list[Draft] = []
    items = _from_json(reply)
    if items is not None:
        for item in items:
            if not isinstance(item, dict):
                continue
            text, inline = strip_markers(str(item.get("text", "")))
            listed = item.get("evidence", [])
            cites = _valid((listed if isinstance(listed, list) else [listed]) + inline, n_evidence)
            drafts.extend(Draft(s, cites) for s in _split_sentences(text))
        return [d for d in drafts if d.text]
    for sentence in _split_sentences(reply.strip()):
        text, found = strip_markers(sentence)
        if text:
            drafts.append(Draft(text, _valid(found, n_evidence)))
    return drafts


def partial_answer_text(reply_so_far: str) -> str:
    """The answer text visible so far in a streaming JSON (or plain) reply.

    >>> partial_answer_text('{"sentences": [{"evidence": [1], "text": "At least 30')
    'At least 30'
    """
    if not reply_so_far.lstrip().startswith("{"):
        return strip_markers(reply_so_far)[0]
    parts = []
    for body, _closed in _PARTIAL_TEXT.findall(reply_so_far):
        try:
            parts.append(json.loads(f'"{body}"'))
        except json.JSONDecodeError:
            parts.append(body.replace('\\"', '"'))
    return " ".join(p.strip() for p in parts if p.strip())
