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
_OPENS_QUOTATION = {b" ", b":", b"("}  # a quote mark after one of these opens a quotation (see `Reader.string`)


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


class LlamaContext:
    """A llama.cpp context as the reader uses it: read tokens, get the scores after the last few, take some back."""

    def __init__(self, llama) -> None:
        self.llama = llama
        self._batch = None

    def tokenize(self, data: bytes, add_bos: bool = False, special: bool = False) -> list[int]:
        return self.llama.tokenize(data, add_bos=add_bos, special=special)

    @property
    def room(self) -> int:
        """How many more tokens the context holds."""
        return self.llama.n_ctx() - self.llama.n_tokens

    def read(self, tokens: Sequence[int], rows: int = 1) -> np.ndarray:
        """Read `tokens`; the scores after each of the last `rows` of them, one row each."""
        llama = self.llama
        n_vocab = llama.n_vocab()
        if rows == 1:
            llama.eval(tokens)
            return np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(1, n_vocab)).copy()
        if len(tokens) > llama.n_batch:  # more than one batch holds: the rows' tokens come in the last
            llama.eval(tokens[:-rows])
            tokens = tokens[-rows:]
        # `Llama.eval` asks llama.cpp for the last token's scores only (or every token's, for a context
        # made with logits_all, which then keeps them all); a guess needs the last few, in one batch.
        from llama_cpp._internals import LlamaBatch

        if self._batch is None:
            self._batch = LlamaBatch(n_tokens=llama.n_batch, embd=0, n_seq_max=1)
        start = llama.n_tokens
        llama._ctx.kv_cache_seq_rm(-1, start, -1)
        self._batch.set_batch(batch=list(tokens), n_past=start, logits_all=False)
        first = len(tokens) - rows
        for i in range(first, len(tokens)):
            self._batch.batch.logits[i] = True
        llama._ctx.decode(self._batch)
        llama.input_ids[start : start + len(tokens)] = tokens
        llama.n_tokens += len(tokens)
        return np.stack(
            [np.ctypeslib.as_array(llama._ctx.get_logits_ith(i), shape=(n_vocab,)) for i in range(first, len(tokens))]
        )

    def rewind(self, count: int) -> None:
        """Forget the last `count` tokens read (the next read overwrites them)."""
        self.llama.n_tokens -= count


class Reader:
    """A model context from a prompt on: reads fixed text in batches and picks the model's next tokens.

    While the model writes a sentence's words, the reader guesses the next few tokens by finding the
    last ones written earlier in the prompt (an answer quotes its evidence) and reads the guess in the
    same batch as the token before it; it keeps the guessed tokens the model would have picked anyway,
    greedy over what is allowed there, so the reply is the one token-by-token reading would give
    (up to the last digits of the scores of a token read in a batch). A batch of a few tokens costs
    less than a model step for each, so each kept token saves part of a step. (llama-cpp-python's own
    prompt-lookup decoding needs a context that keeps every token's scores, which made replies slower
    here, and cannot keep a guess to the tokens the schema allows at each place.)
    """

    # The longest guess read at once. On 2 CPU cores a batch of n tokens costs about as much as
    # n/2 + 1 single steps, and each guessed row's scores a little more, so short guesses pay best:
    # over 11 answer replies, the time after the prompt went 15.4 s -> 13.5 (2), 13.3 (3), 13.7 (4), 15.4 s (8);
    # over 22, three runs each in turns, 32.8 -> 28.4 s (3), and the whole replies 125.2 -> 117.8 s.
    GUESS_TOKENS = 3
    MATCH_TOKENS = (3, 2)  # how many of the last tokens must be found before, tried longest first

    def __init__(self, context, vocabulary: Vocabulary, *, max_tokens: int, timeout_s: float, on_token: OnToken) -> None:
        self.context = context
        self.vocab = vocabulary
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.on_token = on_token
        self.started = time.monotonic()
        self.written = 0  # output tokens read so far, fixed ones included
        self.guessed = 0  # tokens read as guesses
        self.kept = 0  # guessed tokens the model would have picked, so kept
        self._history: list[int] = []  # every token read or to be read, prompt included: where guesses come from
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
        self._history.extend(tokens)

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
        """The words of a JSON string the model writes, then which closer (each begins with '"') ends it.

        A quote mark the model writes after a space, a colon or a bracket opens a quotation ('told the Times:
        "We ...', 'warned of an "absolute crisis"'); it never ends a sentence. Taken as the end of the string,
        it would cut the sentence there, so it is written as a single quote mark and the model goes on with
        the quotation it began."""
        start = len(self._bytes)
        ends = [(t, words, rest) for t, words, rest in self.vocab.closing if any(c.startswith(rest) for c in closers)]

        def opens_quotation(words: bytes) -> bool:
            before = words[-1:] or (bytes(self._bytes[-1:]) if len(self._bytes) > start else b"")
            return before in _OPENS_QUOTATION

        def allowed(room: int | None = None) -> np.ndarray:
            """What may come next, where it fits in `room` bytes (the room left when None)."""
            size = len(self._bytes) - start
            room = max_bytes - size if room is None else room
            ids = np.flatnonzero(self.vocab.in_string & (self.vocab.sizes <= room))
            closing = [t for t, words, rest in ends if len(words) + opens_quotation(words) <= room and (size or words)]
            return np.concatenate([ids, np.array(closing, dtype=np.int64)])  # the string is never empty

        while True:
            if not self.spent and len(self._bytes) - start < max_bytes:
                self._read_guess(allowed)
            if self.spent or len(self._bytes) - start >= max_bytes:
                return self.choose(closers[:1])
            token = self._best(allowed(max_bytes))
            words, quote, rest = self.vocab.texts[token].partition(b'"')
            opening = bool(quote) and opens_quotation(words)
            if len(words) + opening > max_bytes - (len(self._bytes) - start):
                # What the model writes next does not fit: the sentence ends here, not on a piece that fits.
                return self.choose(closers[:1])
            if opening:
                self.fix((words + b"'").decode("utf-8", "replace"))
                continue
            self._take(token)
            if quote:
                return self.choose(closers, done=(quote + rest).decode("utf-8"))

    def finish(self) -> str:
        """The whole reply. Its last fixed text is counted but never read: nothing depends on it."""
        self._tokenize_fixed()
        self._pending = []
        return self.text

    def _pick(self, allowed: np.ndarray) -> int:
        return self._take(self._best(allowed))

    def _best(self, allowed: np.ndarray) -> int:
        """The allowed token the model scores highest next."""
        return int(allowed[np.argmax(self._read_pending()[allowed])])

    def _take(self, token: int) -> int:
        self._pending.append(token)
        self._history.append(token)
        self.written += 1
        self._emit(self.vocab.texts[token])
        return token

    def _guess(self) -> list[int]:
        """The tokens that followed the last place where the last few tokens were read before, as far as they
        may stand in a string; none where they were not read before."""
        history = self._history
        for n in self.MATCH_TOKENS:
            if len(history) <= n:
                continue
            tail = history[-n:]
            for at in range(len(history) - n - 1, -1, -1):
                if history[at : at + n] == tail:
                    guess = []
                    for token in history[at + n : at + n + self.GUESS_TOKENS]:
                        if not self.vocab.in_string[token]:
                            break
                        guess.append(token)
                    return guess
        return []

    def _read_guess(self, allowed: Callable[[], np.ndarray]) -> None:
        """Read the pending tokens and a guess of what follows in one batch; keep the guessed tokens the model
        picks itself (`allowed()`: what it may pick next), and take back the rest."""
        self._tokenize_fixed()
        guess = self._guess()[: max(0, self.max_tokens - self.written)]
        if not guess or not self._pending or len(self._pending) + len(guess) > self.context.room:
            return
        rows = self.context.read(self._pending + guess, rows=len(guess) + 1)
        self._pending = []
        self.guessed += len(guess)
        kept = 0
        for token, row in zip(guess, rows):
            ids = allowed()
            if int(ids[np.argmax(row[ids])]) != token:
                break
            kept += 1
            self._history.append(token)
            self.written += 1
            self._emit(self.vocab.texts[token])
        self.context.rewind(len(guess) - kept)
        self.kept += kept
        self._logits = rows[kept]
        self._check_time()

    def _tokenize_fixed(self) -> None:
        if self._fixed:
            tokens = self.context.tokenize(self._fixed.encode("utf-8"), add_bos=False, special=False)
            self._pending.extend(tokens)
            self._history.extend(tokens)
            self.written += len(tokens)
            self._fixed = ""

    def _read_pending(self) -> np.ndarray:
        self._tokenize_fixed()
        if self._pending:
            self._logits = self.context.read(self._pending)[-1]
            self._pending = []
            self._check_time()
        return self._logits

    def _check_time(self) -> None:
        if time.monotonic() - self.started > self.timeout_s:
            raise LLMUnavailable(
                f"The local model did not finish within {self.timeout_s:g} s. "
                "Raise QA_LLM_TIMEOUT_S or ask a shorter question."
            )

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
