"""The answer reply written by the program around the model's choices: a scripted stand-in for the model."""

from __future__ import annotations

import json
import string

import jsonschema
import numpy as np
import pytest

from qa import decode
from qa.errors import LLMUnavailable
from qa.generate import answer_schema

# Single characters, and the kinds of pieces a BPE vocabulary has: JSON punctuation runs and words.
PIECES = [
    '{"', '":', ' "', " [", " []", " []}", " [{", ' [{"', "]}", "],", "}]", '"}', '"}]', '"}]}', '"},', ", ",
    "sent", "ences", '."', '."}', '."}]}', "evid", "ence", "text", " rose", "Pro", "fits", " the", " The", "12", "\u00e9",
]
TEXTS = [b"", *(c.encode() for c in string.printable), *(p.encode() for p in PIECES)]


class ScriptedModel:
    """Stands in for a llama.cpp context: its next token is the longest that continues `target`.

    Where no allowed token continues the target, the longest that continues `second` wins, then the
    lowest-numbered allowed token, so a target the schema forbids shows what the reply does when the
    model wants something it may not write.
    """

    room = 10_000

    def __init__(self, target: str, prompt: str = "", second: str = "") -> None:
        self.target = target.encode()
        self.second = second.encode()
        self.prompt = prompt.encode()
        self.seen = bytearray()
        self.sizes: list[int] = []  # bytes of each token read, to take tokens back
        self.batches: list[int] = []

    def n_vocab(self) -> int:
        return len(TEXTS)

    def tokenize(self, data: bytes, add_bos: bool = False, special: bool = False) -> list[int]:
        tokens, at = [], 0
        while at < len(data):
            token = max((t for t, text in enumerate(TEXTS) if text and data.startswith(text, at)), key=lambda t: len(TEXTS[t]))
            tokens.append(token)
            at += len(TEXTS[token])
        return tokens

    def read(self, tokens: list[int], rows: int = 1) -> np.ndarray:
        self.batches.append(len(tokens))
        scores = []
        for i, token in enumerate(tokens):
            self.seen.extend(TEXTS[token])
            self.sizes.append(len(TEXTS[token]))
            if i >= len(tokens) - rows:
                scores.append(self._scores())
        return np.array(scores, dtype=np.float32)

    def rewind(self, count: int) -> None:
        for _ in range(count):
            del self.seen[len(self.seen) - self.sizes.pop() :]

    def _scores(self) -> list[float]:
        reply = bytes(self.seen[len(self.prompt) :])
        rest = self.target[len(reply) :] if self.target.startswith(reply) else b""
        other = self.second[len(reply) :] if self.second.startswith(reply) else b""
        return [
            len(text) if text and rest.startswith(text) else len(text) - 50 if text and other.startswith(text) else -100 - token / 1000
            for token, text in enumerate(TEXTS)
        ]


def _write(
    target: str, n_evidence: int = 3, max_tokens: int = 300, timeout_s: float = 60, prompt: str = "", second: str = ""
) -> tuple[str, ScriptedModel, decode.Reader]:
    model = ScriptedModel(target, prompt, second)
    reader = decode.Reader(model, decode.Vocabulary.of_texts(TEXTS), max_tokens=max_tokens, timeout_s=timeout_s, on_token=None)
    reader.read(model.tokenize(prompt.encode()))
    schema = answer_schema(n_evidence)
    reply = decode.write_sentences(reader, schema)
    jsonschema.validate(json.loads(reply), schema)
    return reply, model, reader


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
    reply, _, _ = _write(target)
    assert reply == target


def test_the_schema_fixed_text_is_read_in_batches_not_one_model_step_each():
    target = '{"sentences": [{"evidence": [2], "text": "Profits rose 12%."}]}'
    _, model, _ = _write(target)
    steps = len(model.batches)
    one_token_steps = sum(1 for b in model.batches if b == 1)
    assert steps < len(model.tokenize(target.encode())) - 5
    assert max(model.batches) > 1 and one_token_steps < steps


ANSWER = '{"sentences": [{"evidence": [2], "text": "The profits rose 12% the sent evidence."}]}'


def test_words_found_in_the_prompt_are_guessed_and_read_in_one_batch(monkeypatch):
    prompt = "[2] The profits rose 12% the sent evidence.\n"
    reply, model, reader = _write(ANSWER, prompt=prompt)
    assert reply == ANSWER
    assert reader.kept >= 8
    monkeypatch.setattr(decode.Reader, "GUESS_TOKENS", 0)
    unguessed, slower, _ = _write(ANSWER, prompt=prompt)
    assert unguessed == ANSWER
    assert len(model.batches) < len(slower.batches)


def test_a_wrong_guess_is_taken_back_and_the_reply_is_the_models():
    prompt = "[2] The profits rose 15% the sent evidence.\n"  # the prompt goes on differently from the reply
    reply, model, reader = _write(ANSWER, prompt=prompt)
    assert reply == ANSWER
    assert 0 < reader.kept < reader.guessed
    assert bytes(model.seen).endswith(b"12% the sent evidence")  # nothing of a refused guess stays read


def test_a_guess_stops_where_the_reply_must_end():
    prompt = "[2] The profits rose 12% the sent evidence.\n"
    reply, _, reader = _write(ANSWER, prompt=prompt, max_tokens=28)
    (sentence,) = json.loads(reply)["sentences"]
    assert reader.kept and reader.written <= 28 + 1  # the closing quote, counted but never read
    assert "The profits rose 12% the sent evidence.".startswith(sentence["text"]) and sentence["text"] != "The profits rose 12% the sent evidence."


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


@pytest.mark.parametrize(
    ("wanted", "instead"),
    [
        ('He told the Times: "We won."', "He told the Times: 'We won.'"),
        ('He told the Times:"We won."', "He told the Times:'We won.'"),
        ('It warned of an "absolute crisis" in 2004.', "It warned of an 'absolute crisis' in 2004."),
        ('The head ("Hashd") spoke.', "The head ('Hashd') spoke."),
    ],
)
def test_a_quote_mark_that_opens_a_quotation_does_not_end_the_sentence(wanted, instead):
    # A bare quote mark would end the JSON string and cut the sentence before the quotation; after a space,
    # a colon or a bracket it is written as a single quote mark, and the model (here its `second` reply, the
    # one it goes on with once it reads that mark) writes the quotation.
    def reply(text: str) -> str:
        return '{"sentences": [{"evidence": [1], "text": "' + text + '"}]}'

    written, _, _ = _write(reply(wanted), second=reply(instead))
    assert json.loads(written)["sentences"][0]["text"] == instead


def test_a_sentence_that_reaches_its_longest_ends_before_the_word_that_does_not_fit():
    # 298 bytes, then " the", which would pass the 300 allowed: the sentence ends at "rose", not on " t".
    words = "The" + " rose" * 59
    reply, _, _ = _write('{"sentences": [{"evidence": [1], "text": "' + words + ' the end."}]}')
    assert json.loads(reply)["sentences"][0]["text"] == words


def test_a_reply_that_runs_out_of_tokens_is_closed_not_cut():
    reply, _, _ = _write('{"sentences": [{"evidence": [1], "text": "' + "The " * 100 + '"}]}', max_tokens=30)
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
