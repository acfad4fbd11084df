"""The Assistant: retrieval, generation and verification behind one `ask()`.

It keeps the embedding model, the store, the lexical index and the LLM loaded
across calls. CLI, UI, harness and `qa.ask()` are thin adapters over it.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from qa import prompts
from qa.answer import ABSTAIN_TEXT, Answer, AnswerSentence, Citation
from qa.cite import Draft, parse_reply, partial_answer_text
from qa.embed import Embedder
from qa.errors import BadQuestion, IndexNotBuilt, QAError
from qa.generate import answer_schema, build_messages
from qa.ingest import IngestReport, Ingestor, Progress
from qa.llm import LLM, make_llm
from qa.relevance import LLMJudge
from qa.retrieve import Evidence, Retriever
from qa.settings import Settings
from qa.store import Store
from qa.verify import LexicalChecker, SupportChecker, answers_question, expected_kind, matches_kind

log = logging.getLogger(__name__)

OnText = Callable[[str], None] | None


def check_question(question: object, max_chars: int) -> str:
    """The question, trimmed, or BadQuestion saying what is wrong with it."""
    if not isinstance(question, str) or not question.strip():
        raise BadQuestion("The question is empty. Type a question about your documents.")
    question = question.strip()
    if len(question) > max_chars:
        raise BadQuestion(
            f"The question is {len(question):,} characters long; the limit is {max_chars:,} "
            "(QA_MAX_QUESTION_CHARS). Ask something shorter."
        )
    return question


class Assistant:
    """Answers questions about the indexed documents with verified citations."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        llm: LLM | None = None,
        checker: SupportChecker | None = None,
        embedder: Embedder | None = None,
        store: Store | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder or Embedder(self.settings.embed_batch_size)
        self._store = store
        self._llm = llm
        self.checker = checker or LexicalChecker(self.embedder, self.settings.support_threshold)
        self.prompt = prompts.load("answer")
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()

    # Components, created on first use -------------------------------------------

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(
                self.settings.index_dir, self.settings.collection, self.embedder.name, self.settings.chroma_url
            )
        return self._store

    @property
    def llm(self) -> LLM:
        if self._llm is None:
            self._llm = make_llm(self.settings)
        return self._llm

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = Retriever(self.settings, self.store, self.embedder)
        return self._retriever

    # Documents ------------------------------------------------------------------

    def ingest(self, paths: list[Path] | None = None, progress: Progress | None = None) -> IngestReport:
        paths = paths or [self.settings.seeds_dir]
        return Ingestor(self.settings, self.store, self.embedder).ingest(paths, progress)

    def ensure_index(self) -> IngestReport | None:
        """Build the index from seeds_dir when it is empty; return the report if it did."""
        if self.store.count() > 0:
            return None
        seeds = self.settings.seeds_dir
        if not seeds.is_dir():
            raise IndexNotBuilt(
                f"The index at {self.store.where} is empty and there is no {seeds}/ folder to build it from. "
                "Run `qa ingest FOLDER` with your articles."
            )
        log.warning("The index is empty; building it from %s/ first.", seeds)
        report = self.ingest([seeds])
        self.store.require_built()
        return report

    # Questions ------------------------------------------------------------------

    def ask(self, question: str, on_text: OnText = None, top_k: int | None = None, search_question: str | None = None) -> Answer:
        """Answer `question` from the indexed documents.

        on_text, if given, receives the answer text as it streams (the whole
        text so far, each time it grows). search_question, if given, is used
        for retrieval instead of the question (a follow-up made standalone).
        """
        started = time.perf_counter()
        question = check_question(question, self.settings.max_question_chars)
        search_question = check_question(search_question or question, self.settings.max_question_chars)
        self.ensure_index()
        timings: dict[str, float] = {}

        t = time.perf_counter()
        retrieval = self.retriever.retrieve(search_question, top_k=top_k)
        timings["retrieve_ms"] = _ms(t)
        base = {
            "question": question,
            "model": self.llm.name,
            "evidence": [_evidence_dict(e) for e in retrieval.evidence],
            "retrieved": [
                {"passage_id": p.passage_id, "source": p.source, "start": p.start, "end": p.end, "score": s}
                for p, s in retrieval.passages
            ],
            "prompt": self.prompt.tag,
            "search_question": search_question,
        }
        if unknown := self.retriever.lexical.unknown_numbers(question):
            timings["generate_ms"] = timings["verify_ms"] = 0.0
            timings["total_ms"] = _ms(started)
            shown = ", ".join(sorted(unknown, key=float))
            return _abstain(base, timings, f"No document mentions the number {shown}, which the question takes as given.")
        if not retrieval.evidence or retrieval.best_similarity < self.settings.min_relevance:
            timings["generate_ms"] = timings["verify_ms"] = 0.0
            timings["total_ms"] = _ms(started)
            return _abstain(base, timings, "Nothing in the documents is close to this question.")

        timings["generate_ms"] = timings["verify_ms"] = 0.0
        answer = self._attempt(base, question, retrieval.evidence, on_text, timings)
        kind = expected_kind(question)
        if kind and not answer.abstained and not matches_kind(kind, _supported_text(answer), question):
            # A vague answer ("hundreds") to a question asking for a number or a date: try once
            # more on the evidence that states one; keep the vague answer if that fails.
            focused = [e for e in retrieval.evidence if matches_kind(kind, e.text, question)]
            if focused:
                focused = [dataclasses.replace(e, n=i) for i, e in enumerate(focused, start=1)]
                second = self._attempt(base, question, focused, on_text, timings)
                if not second.abstained and matches_kind(kind, _supported_text(second), question):
                    answer = second

        t = time.perf_counter()
        if not answer.abstained:
            text = _supported_text(answer)
            if not answers_question(question, text):
                answer = _abstain(base, {}, "The supported sentences do not give what the question asks for.", answer.sentences)
            elif self.settings.relevance_check and not LLMJudge(self.llm).answers(question, text):
                answer = _abstain(
                    base, {}, "The passages found are related but do not answer this exact question.", answer.sentences
                )
        timings["verify_ms"] += _ms(t)
        timings["total_ms"] = _ms(started)
        answer.timings = timings
        return answer

    def _attempt(self, base: dict, question: str, evidence: list[Evidence], on_text: OnText, timings: dict) -> Answer:
        """One generation over `evidence`, verified and assembled; adds to timings."""
        t = time.perf_counter()
        reply = self._generate(question, evidence, on_text)
        timings["generate_ms"] += _ms(t)
        t = time.perf_counter()
        sentences = [self._verify(d, evidence, question) for d in parse_reply(reply, len(evidence))]
        answer = self._assemble(base, sentences, evidence)
        timings["verify_ms"] += _ms(t)
        return answer

    def stream(self, question: str, **kwargs) -> Iterator[str | Answer]:
        """Yield the growing answer text while it is generated, then the final Answer.

        Errors (QAError) are raised in the caller's thread.
        """
        updates: queue.Queue = queue.Queue()
        result: dict = {}

        def run() -> None:
            try:
                result["answer"] = self.ask(question, on_text=updates.put, **kwargs)
            except BaseException as exc:  # re-raised below, in the caller's thread
                result["error"] = exc
            finally:
                updates.put(None)

        threading.Thread(target=run, daemon=True).start()
        while (item := updates.get()) is not None:
            yield item
        if "error" in result:
            raise result["error"]
        yield result["answer"]

    # Steps --------------------------------------------------------------------

    def _generate(self, question: str, evidence: list[Evidence], on_text: OnText) -> str:
        messages = build_messages(self.prompt, question, evidence)
        received: list[str] = []
        shown = [""]

        def on_token(piece: str) -> None:
            received.append(piece)
            if on_text:
                text = partial_answer_text("".join(received))
                if text != shown[0]:
                    shown[0] = text
                    on_text(text)

        return self.llm.chat(messages, schema=answer_schema(len(evidence)), on_token=on_token)

    def _verify(self, draft: Draft, evidence: list[Evidence], question: str) -> AnswerSentence:
        """Check a draft against its citations; re-attribute or trim citations where that helps."""
        by_n = {e.n: e for e in evidence}
        cites = list(draft.cites)
        verdict = self.checker.check(draft.text, [by_n[n].text for n in cites], question) if cites else None
        reason = ""
        if verdict is None or not verdict.supported:
            # The model may cite the wrong number for a true sentence; look for the evidence that does support it.
            best = None
            for e in evidence:
                v = self.checker.check(draft.text, [e.text], question)
                if v.supported and (best is None or v.score > best[1].score):
                    best = (e.n, v)
            if best is not None:
                cites, verdict = [best[0]], best[1]
                reason = "citation corrected: the model cited other evidence"
        if verdict is None or not verdict.supported:
            why = verdict.reason if verdict else "no citation"
            return AnswerSentence(draft.text, [], False, verdict.score if verdict else 0.0, why)
        # Drop citations the sentence does not need (ALCE citation precision).
        for n in list(cites):
            rest = [m for m in cites if m != n]
            if rest and self.checker.check(draft.text, [by_n[m].text for m in rest], question).supported:
                cites = rest
        return AnswerSentence(draft.text, cites, True, verdict.score, reason or verdict.reason)

    def _assemble(self, base: dict, sentences: list[AnswerSentence], evidence: list[Evidence]) -> Answer:
        supported = [s for s in sentences if s.supported]
        if not supported:
            reason = "The model found no answer in the documents." if not sentences else (
                "No sentence of the draft answer was supported by the passages it cited."
            )
            return _abstain(base, {}, reason, sentences)
        by_n = {e.n: e for e in evidence}
        texts = self.store.texts([by_n[n].doc_id for s in supported for n in s.citations])
        numbering: dict[int, int] = {}
        citations: list[Citation] = []
        final: list[AnswerSentence] = []
        for s in sentences:
            if not s.supported:
                final.append(s)
                continue
            renumbered = []
            for n in s.citations:
                e = by_n[n]
                if texts.get(e.doc_id, "")[e.start : e.end] != e.text:
                    raise QAError(f"Index inconsistency: passage {e.passage_id} no longer matches its source. Re-run `qa ingest`.")
                if n not in numbering:
                    numbering[n] = len(numbering) + 1
                    citations.append(Citation(numbering[n], e.passage_id, e.source, e.title, e.start, e.end, e.text))
                renumbered.append(numbering[n])
            final.append(AnswerSentence(s.text, renumbered, True, s.score, s.reason))
        text = " ".join(s.text + "".join(f"[{n}]" for n in s.citations) for s in final if s.supported)
        return Answer(text=text, sentences=final, citations=citations, abstained=False, timings={}, **base)


def _abstain(base: dict, timings: dict, reason: str, sentences: list[AnswerSentence] | None = None) -> Answer:
    return Answer(
        text=ABSTAIN_TEXT,
        sentences=sentences or [],
        citations=[],
        abstained=True,
        timings=timings,
        abstain_reason=reason,
        **base,
    )


def _supported_text(answer: Answer) -> str:
    return " ".join(s.text for s in answer.sentences if s.supported)


def _evidence_dict(e: Evidence) -> dict:
    return {"n": e.n, "passage_id": e.passage_id, "source": e.source, "start": e.start, "end": e.end, "text": e.text}


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
