"""The answer reply written by the program around the model's choices: a scripted stand-in for the model."""

from __future__ import annotations

import ctypes
import json
import string
from types import SimpleNamespace

import jsonschema
import numpy as np
import pytest

from qa import decode
from qa.errors import LLMUnavailable
from qa.generate import answer_schema

# Single characters, and the kinds of pieces a BPE vocabulary has: JSON punctuation runs and words.
PIECES = [
    '{"', '":', " [", " []", " []}", " [{", ' [{"', "]}", "],", "}]", '"}', '"}]', '"}]}', '"},', ", ",
    "sent", "ences", '."', '."}', '."}]}', "evid", "ence", "text", " rose", "Pro", "fits", " the", " The", "12", "\u00e9",
]
TEXTS = [b"", *(c.encode() for c in string.printable), *(p.encode() for p in PIECES)]


class ScriptedModel:
    """Stands in for a llama.cpp context: its next token is the longest that continues `target`.

    Where no allowed token continues the target, the lowest-numbered allowed token wins, so a target
    the schema forbids shows what the reply does when the model wants something it may not write.
    """

    def __init__(self, target: str) -> None:
        self.target = target.encode()
        self.read = bytearray()
        self.batches: list[int] = []
        self.logits = np.zeros(len(TEXTS), dtype=np.float32)
        self._ctx = SimpleNamespace(get_logits=lambda: self.logits.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))

    def n_vocab(self) -> int:
        return len(TEXTS)

    def tokenize(self, data: bytes, add_bos: bool = False, special: bool = False) -> list[int]:
        tokens, at = [], 0
        while at < len(data):
            token = max((t for t, text in enumerate(TEXTS) if text and data.startswith(text, at)), key=lambda t: len(TEXTS[t]))
            tokens.append(token)
            at += len(TEXTS[token])
        return tokens

    def eval(self, tokens: list[int]) -> None:
        self.batches.append(len(tokens))
        self.read.extend(b"".join(TEXTS[t] for t in tokens))
        rest = self.target[len(self.read) :] if self.target.startswith(bytes(self.read)) else b""
        self.logits[:] = [
            len(text) if text and rest.startswith(text) else -100 - token / 1000 for token, text in enumerate(TEXTS)
        ]


def _write(target: str, n_evidence: int = 3, max_tokens: int = 300, timeout_s: float = 60) -> tuple[str, ScriptedModel]:
    model = ScriptedModel(target)
    reader = decode.Reader(model, decode.Vocabulary.of_texts(TEXTS), max_tokens=max_tokens, timeout_s=timeout_s, on_token=None)
    schema = answer_schema(n_evidence)
    reply = decode.write_sentences(reader, schema)
    jsonschema.validate(json.loads(reply), schema)
    return reply, model


@pytest.mark.parametrize(
    "target",
    [
        '{"sentences": []}',
        '{"sentences": [{"evidence": [2], "text": "Profits rose 12%."}]}',
        '{"sentences": [{"evidence": [1, 3], "text": "The café opened."}, {"evidence": [2], "text": "It closed."}]}',
        '{"sentences": [{"evidence": [1, 2, 3], "text": "A"}]}',
    ],
)
def test_a_reply_the_schema_allows_is_written_as_the_model_chose_it(target):
    reply, _ = _write(target)
    assert reply == target


def test_the_schema_fixed_text_is_read_in_batches_not_one_model_step_each():
    target = '{"sentences": [{"evidence": [2], "text": "Profits rose 12%."}]}'
    _, model = _write(target)
    steps = len(model.batches)
    one_token_steps = sum(1 for b in model.batches if b == 1)
    assert steps < len(model.tokenize(target.encode())) - 5
    assert max(model.batches) > 1 and one_token_steps < steps


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ('{"sentences": [{"evidence": [7], "text": "Seven is not evidence."}]}', "a number past the evidence"),
        ('{"sentences": [{"evidence": [1, 2, 3, 1], "text": "Four numbers."}]}', "more numbers than allowed"),
        ('{"sentences": [{"evidence": [1], "text": "' + "word " * 80 + '"}]}', "text longer than allowed"),
        ('{"sentences": [{"evidence": [1], "text": "a line\nbreak and a \\"quote\\""}]}', "a control character"),
        ('{"sentences": [{"evidence": [1], "text": ""}]}', "empty text"),
        ('{"sentences": [' + ', '.join(['{"evidence": [1], "text": "x"}'] * 5) + "]}", "more sentences than allowed"),
        ("Sure! Here is the answer.", "no JSON at all"),
    ],
)
def test_whatever_the_model_wants_the_reply_fits_the_schema(target, why):
    _write(target)  # validated against the schema inside


def test_a_reply_that_runs_out_of_tokens_is_closed_not_cut():
    reply, _ = _write('{"sentences": [{"evidence": [1], "text": "' + "The " * 100 + '"}]}', max_tokens=30)
    (sentence,) = json.loads(reply)["sentences"]
    assert sentence["text"].startswith("The The")


def test_a_slow_model_stops_with_a_clear_error():
    with pytest.raises(LLMUnavailable, match="QA_LLM_TIMEOUT_S"):
        _write('{"sentences": [{"evidence": [1], "text": "Slow."}]}', timeout_s=-1)


def test_only_the_answer_schema_is_written_this_way():
    assert decode.fits(answer_schema(5))
    assert not decode.fits(None)
    assert not decode.fits({"type": "object", "properties": {"verdict": {"type": "string", "enum": ["yes", "no"]}}})
    assert not decode.fits({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "string"}}}})
