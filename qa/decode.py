"""Writing a JSON reply with the local model where the program writes the JSON and the model the rest.

A reply under the answer schema, `{"sentences": [{"evidence": [2], "text": "..."}]}`,
is about 50 tokens, and a third of them (braces, keys, quotes) are fixed by the
schema. llama.cpp's grammar sampling spends a full model step on each of those
and checks the grammar against the whole vocabulary at every step. Here the
program writes every part the schema fixes and hands it to the model in one
batch with the next token the model chose; the model only chooses between the
schema's alternatives (an answer or none, which evidence numbers, one more
sentence or the end) and writes the sentences' words, greedy over the tokens
allowed there. The reply is the same text a grammar would allow, in the form
the prompt shows (one space after ':' and ',').

Written by hand because llama.cpp's grammar sampler cannot read the tokens a
grammar fixes in one batch, and the JSON-schema decoders that can (outlines,
guidance) bring their own model runtimes.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.errors import LLMUnavailable

OnToken = Callable[[str], None] | None

_FORBIDDEN_IN_STRING = set(b'"\\') | set(range(0x20))


def fits(schema: dict | None) -> bool:
    """Whether `schema` has the answer schema's shape: an object whose one key holds a list of objects of a
    list of enumerated integers and a string.

    >>> from qa.generate import answer_schema
    >>> fits(answer_schema(4)), fits({"type": "object", "properties": {"verdict": {"enum": ["yes", "no"]}}})
    (True, False)
    """
    try:
        (outer,) = schema["properties"].values()
        numbers, words = outer["items"]["properties"].values()
        return (
            outer["type"] == "array"
            and numbers["type"] == "array"
            and bool(numbers["items"]["enum"])
            and all(isinstance(n, int) for n in numbers["items"]["enum"])
            and words["type"] == "string"
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


@dataclass(frozen=True)
class Vocabulary:
    """A model's tokens as bytes, and which of them may stand inside a JSON string as they are."""

    texts: list[bytes]
    by_text: dict[bytes, int]
    in_string: np.ndarray  # bool per token: non-empty, no quote, backslash or control byte, not a special token
    sizes: np.ndarray  # bytes per token
    # Tokens that end a string and start what follows it, such as '."' or '"}': (token, the words before
    # the quote, the text from the quote on).
    closing: tuple[tuple[int, bytes, str], ...]

    @classmethod
    def of(cls, llama) -> Vocabulary:
        import llama_cpp

        vocab = llama._model.vocab
        texts: list[bytes] = []
        for token in range(llama.n_vocab()):
            special = llama_cpp.llama_vocab_is_control(vocab, token) or llama_cpp.llama_vocab_is_eog(vocab, token)
            texts.append(b"" if special else llama.detokenize([token]))
        return cls.of_texts(texts)

    @classmethod
    def of_texts(cls, texts: list[bytes]) -> Vocabulary:
        """From each token's bytes (b"" for a token that is never written, such as end-of-turn)."""
        by_text: dict[bytes, int] = {}
        for token, text in enumerate(texts):
            if text:
                by_text.setdefault(text, token)
        in_string = np.array([bool(t) and not (_FORBIDDEN_IN_STRING & set(t)) for t in texts])
        sizes = np.array([len(t) for t in texts])
        closing = []
        for token, text in enumerate(texts):
            words, quote, rest = text.partition(b'"')
            if quote and not (_FORBIDDEN_IN_STRING & set(words)):
                try:
                    closing.append((token, words, (quote + rest).decode("utf-8")))
                except UnicodeDecodeError:
                    continue
        return cls(texts, by_text, in_string, sizes, tuple(closing))


class Reader:
    """A llama.cpp context from a prompt on: reads fixed text in batches and picks the model's next tokens."""

    def __init__(self, llama, vocabulary: Vocabulary, *, max_tokens: int, timeout_s: float, on_token: OnToken) -> None:
        self.llama = llama
        self.vocab = vocabulary
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.on_token = on_token
        self.started = time.monotonic()
        self.written = 0  # output tokens read so far, fixed ones included
        self._pending: list[int] = []  # tokens chosen or fixed but not yet read by the model
        self._fixed = ""  # fixed text not yet tokenized
        self._bytes = bytearray()
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._logits: np.ndarray | None = None

    @property
    def text(self) -> str:
        return self._bytes.decode("utf-8", "replace")

    @property
    def spent(self) -> bool:
        """Whether the reply has used its tokens; what follows is closed as briefly as the schema allows."""
        return self.written >= self.max_tokens

    def read(self, tokens: Sequence[int]) -> None:
        """Read prompt tokens."""
        self._pending.extend(tokens)

    def fix(self, text: str) -> None:
        """Append text the schema fixes; the model reads it with whatever comes next, in one batch."""
        self._fixed += text
        self._emit(text.encode("utf-8"))

    def choose(self, options: Sequence[str], done: str = "") -> str:
        """Which option the model writes (greedy, token by token), having read all of it.

        `done` is the start of the options already written. No option may be a
        prefix of another: the choice ends when one option is left. For example,
        with the options ' [{"evidence": [' and ' []}', the model's next token may be
        ' [', ' []' or ' [{"' (any token that starts some option); after ' []' only
        one option is left, and '}' is fixed text.
        """
        while True:
            live = [o for o in options if o.startswith(done)]
            if not live:
                raise ValueError(f"No option starts with {done!r}: {options}")
            if len(live) == 1:
                self.fix(live[0][len(done) :])
                return live[0]
            allowed = {
                self.vocab.by_text[piece]
                for o in live
                for k in range(len(done) + 1, len(o) + 1)
                if (piece := o[len(done) : k].encode("utf-8")) in self.vocab.by_text
            }
            token = self._pick(np.fromiter(allowed, dtype=np.int64))
            done += self.vocab.texts[token].decode("utf-8")

    def string(self, max_bytes: int, closers: Sequence[str]) -> str:
        """The words of a JSON string the model writes, then which closer (each begins with '"') ends it."""
        start = len(self._bytes)
        ends = [(t, words, rest) for t, words, rest in self.vocab.closing if any(c.startswith(rest) for c in closers)]
        while True:
            size = len(self._bytes) - start
            if self.spent or size >= max_bytes:
                return self.choose(closers[:1])
            allowed = self.vocab.in_string & (self.vocab.sizes <= max_bytes - size)
            ids = np.flatnonzero(allowed)
            closing = [t for t, words, rest in ends if len(words) <= max_bytes - size and (size or words)]
            ids = np.concatenate([ids, np.array(closing, dtype=np.int64)])  # the string is never empty
            token = self._pick(ids)
            words, quote, rest = self.vocab.texts[token].partition(b'"')
            if quote:
                return self.choose(closers, done=(quote + rest).decode("utf-8"))

    def finish(self) -> str:
        """The whole reply. Its last fixed text is counted but never read: nothing depends on it."""
        self._tokenize_fixed()
        self._pending = []
        return self.text

    def _pick(self, allowed: np.ndarray) -> int:
        token = int(allowed[np.argmax(self._read_pending()[allowed])])
        self._pending.append(token)
        self.written += 1
        self._emit(self.vocab.texts[token])
        return token

    def _tokenize_fixed(self) -> None:
        if self._fixed:
            tokens = self.llama.tokenize(self._fixed.encode("utf-8"), add_bos=False, special=False)
            self._pending.extend(tokens)
            self.written += len(tokens)
            self._fixed = ""

    def _read_pending(self) -> np.ndarray:
        self._tokenize_fixed()
        if self._pending:
            self.llama.eval(self._pending)
            self._pending = []
            logits = self.llama._ctx.get_logits()  # the last token's row: only it was asked for
            self._logits = np.ctypeslib.as_array(logits, shape=(self.llama.n_vocab(),)).copy()
            if time.monotonic() - self.started > self.timeout_s:
                raise LLMUnavailable(
                    f"The local model did not finish within {self.timeout_s:g} s. "
                    "Raise QA_LLM_TIMEOUT_S or ask a shorter question."
                )
        return self._logits

    def _emit(self, data: bytes) -> None:
        self._bytes.extend(data)
        piece = self._utf8.decode(data)
        if piece and self.on_token:
            self.on_token(piece)


def write_sentences(reader: Reader, schema: dict) -> str:
    """A reply under a schema that `fits`, written by `reader`: the model picks, the program writes the JSON."""
    (key,) = schema["properties"]
    outer = schema["properties"][key]
    numbers_key, words_key = outer["items"]["properties"]
    numbers = outer["items"]["properties"][numbers_key]
    words = outer["items"]["properties"][words_key]
    enum = [str(n) for n in numbers["items"]["enum"]]
    most_numbers = numbers.get("maxItems", len(enum))
    most_sentences = outer.get("maxItems", 8)
    max_bytes = words.get("maxLength", 1000)  # counted in bytes: never more characters than maxLength

    opening = f'{{"{numbers_key}": ['
    # The choice between an answer and none starts at the space before the list, where the model
    # itself would choose between " [" and " []" (the grammar lets it), not after a "[" it never chose.
    reader.fix(f'{{"{key}":')
    if reader.choose([f" [{opening}", " []}"]) == " []}":
        return reader.finish()
    for count in range(1, most_sentences + 1):
        for used in range(1, most_numbers + 1):
            endings = [f'], "{words_key}": "'] + ([", "] if used < most_numbers else [])
            if reader.choose([n + e for n in enum for e in endings]).endswith('"'):
                break
        closers = ['"}]}'] + ([f'"}}, {opening}'] if count < most_sentences and not reader.spent else [])
        if reader.string(max_bytes, closers) == '"}]}':
            break
    return reader.finish()
