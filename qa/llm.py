"""Chat LLM backends: local llama.cpp, any OpenAI-compatible endpoint, and a fake.

One method, `chat()`, always streams internally and reports each piece of text
to `on_token`, so there is a single code path for streaming and non-streaming
callers. A JSON schema, when given, constrains the output (llama.cpp grammar
locally; `response_format` on hosted endpoints, with fallbacks for servers
that support less).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

from qa.errors import LLMUnavailable, ModelMissing
from qa.models import LOCAL_MODELS, assemble
from qa.settings import Settings

log = logging.getLogger(__name__)

Messages = list[dict[str, str]]
OnToken = Callable[[str], None] | None


class LLM(Protocol):
    name: str

    def chat(self, messages: Messages, schema: dict | None = None, on_token: OnToken = None) -> str: ...


def _collect(pieces: Iterable[str], on_token: OnToken, timeout_s: float, what: str) -> str:
    """Join streamed pieces, stopping with LLMUnavailable once timeout_s has passed."""
    started = time.monotonic()
    out: list[str] = []
    for piece in pieces:
        if piece:
            out.append(piece)
            if on_token:
                on_token(piece)
        if time.monotonic() - started > timeout_s:
            raise LLMUnavailable(
                f"{what} did not finish within {timeout_s:g} s. Raise QA_LLM_TIMEOUT_S or ask a shorter question."
            )
    return "".join(out)


class LocalLLM:
    """llama.cpp in-process, the model loaded once and shared by all calls."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.spec = LOCAL_MODELS[settings.local_model]
        self.name = f"{self.spec.name} (llama.cpp, local)"
        self._llama = None
        self._lock = threading.Lock()
        # Running totals; an answer's cost is the difference over its calls. `cached_tokens`: prompt
        # tokens not read again because they are the opening every prompt of that kind shares.
        # `kept_tokens`: output tokens read as a guess from the prompt and kept (qa/decode.py), of `guessed_tokens`.
        self.usage = {
            "llm_calls": 0,
            "prompt_tokens": 0,
            "cached_tokens": 0,
            "output_tokens": 0,
            "guessed_tokens": 0,
            "kept_tokens": 0,
        }
        # The context's state after the opening tokens of each kind of prompt (keyed by its system
        # message), and the kind the context holds now; see `_resume`.
        self._snapshots: dict[str, tuple[list[int], bytes]] = {}
        self._holding: str | None = None
        self._vocabulary = None  # qa.decode.Vocabulary, read from the model on first use

    def _load(self):
        if self._llama is None:
            path = assemble(self.spec, self.settings.model_dir)
            try:
                from llama_cpp import Llama
            except ImportError as exc:  # pragma: no cover - install problem
                raise LLMUnavailable(f"llama-cpp-python is not installed ({exc}). Run `make install`.") from exc
            try:
                self._llama = Llama(
                    model_path=str(path),
                    n_ctx=self.settings.context_tokens,
                    n_threads=self.settings.threads,
                    n_threads_batch=self.settings.threads,
                    chat_format=self.spec.chat_format,
                    seed=0,
                    verbose=False,
                )
            except ValueError as exc:
                raise ModelMissing(f"llama.cpp could not load {path}: {exc}. {self.spec.install_hint()}") from exc
        return self._llama

    def warm_up(self) -> None:
        with self._lock:
            self._load()

    def chat(self, messages: Messages, schema: dict | None = None, on_token: OnToken = None) -> str:
        from qa import decode

        with self._lock:  # a llama.cpp context serves one request at a time
            llama = self._load()
            if decode.fits(schema) and self.settings.temperature == 0:
                return self._write(llama, messages, schema, on_token)
            kwargs = {}
            if schema is not None:
                kwargs["response_format"] = {"type": "json_object", "schema": schema}
            with self._from_head(llama, messages) as before:
                stream = llama.create_chat_completion(
                    messages=messages,
                    temperature=self.settings.temperature,
                    max_tokens=self.settings.max_answer_tokens,
                    stream=True,
                    **kwargs,
                )
                pieces = (chunk["choices"][0]["delta"].get("content") or "" for chunk in stream)
                text = _collect(pieces, on_token, self.settings.llm_timeout_s, "The local model")
                self._count(llama, before, text)
            return text

    def _write(self, llama, messages: Messages, schema: dict, on_token: OnToken) -> str:
        """A reply under the answer schema, its JSON written by the program and its choices and words by the
        model (see qa/decode.py): a reply llama.cpp's grammar allows, in about a third fewer model steps."""
        from llama_cpp.llama_chat_format import format_chatml

        from qa import decode

        if self._vocabulary is None:
            self._vocabulary = decode.Vocabulary.of(llama)
        prompt = llama.tokenize(format_chatml(messages).prompt.encode("utf-8"), special=True)
        with self._from_head(llama, messages) as before:
            held = _shared_start(before, prompt)
            if held < len(before):  # not this kind's opening after all: read from where they part
                self._holding = None
                llama.n_tokens = held
            reader = decode.Reader(
                decode.LlamaContext(llama),
                self._vocabulary,
                max_tokens=self.settings.max_answer_tokens,
                timeout_s=self.settings.llm_timeout_s,
                on_token=on_token,
            )
            reader.read(prompt[held:])
            text = decode.write_sentences(reader, schema)
        self._add_usage(prompt=len(prompt), cached=held, output=reader.written, guessed=reader.guessed, kept=reader.kept)
        return text

    def choose(self, messages: Messages, lead: str, options: Sequence[str]) -> str:
        """Which of `options` the model writes next when its reply begins with `lead`, from one step's scores.

        A yes/no verdict asked for as JSON costs a generated token for every
        brace, key and quote (about 8 tokens, one model step each); here the
        reply up to the verdict is read with the prompt, in one batch, and only
        the next token is scored, restricted to the options' first tokens.
        """
        import numpy as np
        from llama_cpp import LogitsProcessorList
        from llama_cpp.llama_chat_format import format_chatml

        with self._lock:
            llama = self._load()
            firsts = [llama.tokenize(o.encode("utf-8"), add_bos=False, special=False)[0] for o in options]
            if len(set(firsts)) != len(firsts):
                raise ValueError(f"The options {options} begin with the same token.")
            allowed = np.full(llama.n_vocab(), -np.inf, dtype=np.float32)
            allowed[firsts] = 0.0

            def only_options(_ids, scores):
                return scores + allowed

            with self._from_head(llama, messages) as before:
                out = llama.create_completion(
                    format_chatml(messages).prompt + lead,
                    max_tokens=1,
                    temperature=0.0,
                    logits_processor=LogitsProcessorList([only_options]),
                )
                text = out["choices"][0]["text"]
                self._count(llama, before, text)
            written = {llama.detokenize([t]).decode("utf-8", "replace"): o for o, t in zip(options, firsts)}
            return written.get(text, text)

    # Each kind of prompt (keyed by its system message) begins with the same tokens: the system
    # message and the user turn's opening. Those are read once, alone, and their state kept; every
    # call of that kind starts from that state and reads the rest, and afterwards the context is
    # cut back to it. So a judge call between two answers does not make the next answer read its
    # instructions again, and a prompt is always read the same way (the same batches from the same
    # position): the same question and evidence get the same answer whatever was asked before.
    # (llama.cpp's own reuse of the longest common prefix with the previous prompt made the point
    # where reading started depend on that prompt, and with it the last digits of the scores.)
    # Written against the low-level state API because the library's LlamaRAMCache copies
    # n_tokens x vocabulary float logits with each state (about 300 MB for an answer prompt here),
    # where the KV cache of an instruction prefix is a few MB.
    _USER_TURN = "<|im_start|>user\n"

    @contextlib.contextmanager
    def _from_head(self, llama, messages: Messages) -> Iterator[list[int]]:
        """The context at the state after this kind's opening tokens (the tokens it holds are given), cut back
        to that state afterwards, whatever happened."""
        kind = hashlib.sha1(messages[0]["content"].encode("utf-8")).hexdigest() if messages else ""
        self._resume(llama, kind, messages)
        try:
            yield llama.input_ids[: llama.n_tokens].tolist()
        finally:
            self._cut_back(llama, kind)

    def _head(self, llama, messages: Messages) -> list[int]:
        """The tokens every prompt of this kind begins with (none when it has no user turn)."""
        from llama_cpp.llama_chat_format import format_chatml

        prompt = format_chatml(messages).prompt if messages else ""
        at = prompt.find(self._USER_TURN)
        if at < 0 or self.spec.chat_format != "chatml":
            return []
        head = llama.tokenize(prompt[: at + len(self._USER_TURN)].encode("utf-8"), special=True)
        full = llama.tokenize(prompt.encode("utf-8"), special=True)
        return head[: _shared_start(head, full)]

    def _resume(self, llama, kind: str, messages: Messages) -> None:
        """Put the context at the state after this kind's opening tokens, reading them if never read."""
        import llama_cpp

        if kind == self._holding:
            return
        if kind in self._snapshots:
            tokens, state = self._snapshots[kind]
            buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
            if llama_cpp.llama_state_set_data(llama._ctx.ctx, buffer, len(state)) == len(state):
                llama.input_ids[: len(tokens)] = tokens
                llama.n_tokens = len(tokens)
                self._holding = kind
                return
            log.warning("Could not restore the model's cached instructions; they will be read again.")
        head = self._head(llama, messages)
        llama.reset()
        if head:
            llama.eval(head)
        size = llama_cpp.llama_state_get_size(llama._ctx.ctx)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_get_data(llama._ctx.ctx, buffer, size)
        self._snapshots[kind] = (list(head), ctypes.string_at(buffer, written))
        self._holding = kind

    def _cut_back(self, llama, kind: str) -> None:
        """Forget everything after this kind's opening tokens, so the next call starts where this one did."""
        keep = len(self._snapshots[kind][0])
        llama._ctx.kv_cache_seq_rm(-1, keep, -1)
        llama.n_tokens = keep

    def _count(self, llama, before: list[int], text: str) -> None:
        output = len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)) if text else 0
        prompt = max(llama.n_tokens - output, 0)
        now = llama.input_ids[:prompt].tolist()
        cached = _shared_start(before, now)
        self._add_usage(prompt=prompt, cached=cached, output=output)

    def _add_usage(self, prompt: int, cached: int, output: int, guessed: int = 0, kept: int = 0) -> None:
        counts = {"llm_calls": 1, "prompt_tokens": prompt, "cached_tokens": cached, "output_tokens": output,
                  "guessed_tokens": guessed, "kept_tokens": kept}  # fmt: skip
        for key, value in counts.items():
            self.usage[key] += value


def _shared_start(a: Sequence[int], b: Sequence[int]) -> int:
    """How many tokens `a` and `b` share from their start.

    >>> _shared_start([1, 2, 3], [1, 2, 4, 5]), _shared_start([1, 2], [1, 2, 3])
    (2, 2)
    """
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


class HostedLLM:
    """Any OpenAI-compatible chat endpoint (base URL, model name, API key from the environment)."""

    # Tried in order; the first form a server accepts is remembered.
    _FORMATS = ("json_schema", "json_object_schema", "none")

    def __init__(self, settings: Settings) -> None:
        if not settings.hosted_base_url or not settings.hosted_model:
            raise LLMUnavailable(
                "The hosted LLM needs QA_HOSTED_BASE_URL (e.g. http://127.0.0.1:8080/v1) and QA_HOSTED_MODEL."
            )
        from openai import OpenAI

        self.settings = settings
        self.name = f"{settings.hosted_model} (hosted at {settings.hosted_base_url})"
        self._client = OpenAI(
            base_url=settings.hosted_base_url,
            api_key=settings.hosted_api_key() or "not-needed",
            timeout=settings.llm_timeout_s,
            max_retries=0,
        )
        self._format_index = 0

    def warm_up(self) -> None:
        pass

    def _response_format(self, schema: dict | None) -> dict | None:
        if schema is None:
            return None
        kind = self._FORMATS[self._format_index]
        if kind == "json_schema":
            return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": True}}
        if kind == "json_object_schema":
            return {"type": "json_object", "schema": schema}
        return None

    def chat(self, messages: Messages, schema: dict | None = None, on_token: OnToken = None) -> str:
        import openai

        url = self.settings.hosted_base_url
        while True:
            response_format = self._response_format(schema)
            try:
                stream = self._client.chat.completions.create(
                    model=self.settings.hosted_model,
                    messages=messages,
                    temperature=self.settings.temperature,
                    max_tokens=self.settings.max_answer_tokens,
                    stream=True,
                    **({"response_format": response_format} if response_format else {}),
                )
                return _collect(_deltas(stream), on_token, self.settings.llm_timeout_s, f"The LLM at {url}")
            except openai.APITimeoutError as exc:
                raise LLMUnavailable(
                    f"The LLM at {url} did not answer within {self.settings.llm_timeout_s:g} s. "
                    "Check the server, or raise QA_LLM_TIMEOUT_S."
                ) from exc
            except openai.APIConnectionError as exc:
                raise LLMUnavailable(
                    f"Could not reach the LLM at {url} ({_detail(exc)}). Is the server running, "
                    "and is QA_HOSTED_BASE_URL right?"
                ) from exc
            except openai.AuthenticationError as exc:
                raise LLMUnavailable(
                    f"The LLM at {url} rejected the API key read from ${self.settings.hosted_api_key_env}."
                ) from exc
            except openai.NotFoundError as exc:
                raise LLMUnavailable(
                    f"The LLM at {url} has no model '{self.settings.hosted_model}' (QA_HOSTED_MODEL)."
                ) from exc
            except openai.APIStatusError as exc:
                # Servers refuse response_formats they do not know in different ways (400, 422,
                # even 500 from llama.cpp's server); try the next, simpler form before giving up.
                if response_format is not None and self._format_index < len(self._FORMATS) - 1:
                    log.info("%s refused response_format %s; trying the next form", url, response_format["type"])
                    self._format_index += 1
                    continue
                raise LLMUnavailable(f"The LLM at {url} failed: {_detail(exc)}") from exc
            except openai.APIError as exc:
                raise LLMUnavailable(f"The LLM at {url} failed: {_detail(exc)}") from exc


def _deltas(stream) -> Iterator[str]:
    for chunk in stream:
        if chunk.choices:
            yield chunk.choices[0].delta.content or ""


def _detail(exc: Exception) -> str:
    text = str(exc).strip()
    return text[:300] if text else type(exc).__name__


class FakeLLM:
    """Replies from a queue, for tests of the logic around the model."""

    def __init__(self, replies: Iterable[str], name: str = "fake") -> None:
        self.replies = list(replies)
        self.name = name
        self.calls: list[Messages] = []

    def warm_up(self) -> None:
        pass

    def chat(self, messages: Messages, schema: dict | None = None, on_token: OnToken = None) -> str:
        self.calls.append(messages)
        if not self.replies:
            raise LLMUnavailable("FakeLLM has no replies left")
        reply = self.replies.pop(0)
        pieces = [reply[i : i + 8] for i in range(0, len(reply), 8)]
        return _collect(pieces, on_token, float("inf"), "fake")


def make_llm(settings: Settings) -> LLM:
    """The LLM the settings ask for."""
    return HostedLLM(settings) if settings.llm == "hosted" else LocalLLM(settings)
