"""The Assistant: one question in, one checked Answer out, as an explicit pipeline.

check the question -> retrieve -> gates before generation -> generate ->
verify (where no drafted sentence is supported, a sentence it cited, word for word, if that sentence holds all
the draft adds to the question) -> assemble -> (one retry when the answer lacks the asked-for type) -> (a draft for each part
of a two-part question the answer left out, and for the other articles of a question about what several
say) -> gates after
generation -> (one more draft, without the sentences the first one used, when the yes/no check
or the subject check turns the answer down). It keeps the embedding model, the store, the lexical index and the
LLM loaded across calls; it never builds or changes the index (that is
`qa.library.Library`'s job). CLI, UI, conversations, the harness and
`qa.ask()` are thin adapters over it.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING

from qa import prompts
from qa.answer import Answer, Looking
from qa.citations import assemble, combine, evidence_records, parse_reply, require_exact, retrieved_records
from qa.embed import Embedder
from qa.gates import AFTER_GENERATION, BEFORE_GENERATION, Case, first_refusal
from qa.generate import Generator, OnText
from qa.asked import asked_type, supplies
from qa.parts import asks_each_article, missing_parts
from qa.question import answers_question, check_question
from qa.scope import Scope
from qa.settings import Settings
from qa.timing import Stopwatch
from qa.verify import LexicalChecker, LLMJudge, SupportChecker, quoted_instead, verify_sentence

if TYPE_CHECKING:
    from qa.llm import LLM
    from qa.retrieve import Evidence, Retriever
    from qa.store import Store

STAGES = ("retrieve", "generate", "verify", "judge")


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
        self.embedder = embedder or Embedder.from_settings(self.settings)
        self.checker = checker or LexicalChecker(self.embedder, self.settings.support_threshold)
        self.prompt = prompts.load("answer")
        self._store = store
        self._llm = llm
        self._retriever: Retriever | None = None
        self._generator: Generator | None = None
        self._judge: LLMJudge | None = None

    # Components, created on first use -------------------------------------------

    @property
    def store(self) -> Store:
        """The index, opened read-only: a missing index raises IndexNotBuilt and is never created."""
        if self._store is None:
            from qa.store import Store

            s = self.settings
            self._store = Store(s.index_dir, s.collection, self.embedder.name, s.chroma_url, create=False)
        return self._store

    @property
    def llm(self) -> LLM:
        if self._llm is None:
            from qa.llm import make_llm

            self._llm = make_llm(self.settings)
        return self._llm

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            from qa.retrieve import Retriever

            self._retriever = Retriever(self.settings, self.store, self.embedder)
        return self._retriever

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = Generator(self.llm, self.prompt)
        return self._generator

    @property
    def judge(self) -> LLMJudge | None:
        """The yes/no relevance judge, or None when `relevance_check` is off."""
        if self._judge is None and self.settings.relevance_check:
            self._judge = LLMJudge(self.llm)
        return self._judge

    def warm_up(self) -> None:
        """Load the models now rather than on the first question."""
        self.embedder.encode(["warm up"])
        warm_up = getattr(self.llm, "warm_up", None)
        if warm_up:
            warm_up()

    # Questions ------------------------------------------------------------------

    def ask(
        self,
        question: str,
        on_text: OnText = None,
        top_k: int | None = None,
        search_question: str | None = None,
        on_evidence: Callable[[Looking], None] | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        sources: Iterable[str] | None = None,
    ) -> Answer:
        """Answer `question` from the indexed documents.

        since, until and sources limit the answer to documents published in that range (YYYY, YYYY-MM or
        YYYY-MM-DD, inclusive; undated documents are left out of any range) and named by one of `sources`
        (a document's id, file or link, title or publisher).

        on_evidence, if given, receives the retrieved evidence as soon as it is
        ready, before the model is asked. on_text, if given, receives the answer
        text as it streams (the whole text so far, each time it grows). search_question, if given, is used
        for retrieval instead of the question (a follow-up made standalone).
        Raises BadQuestion for an unusable question or date, IndexNotBuilt when
        there is nothing to search and NothingInScope when the limits leave no document.
        """
        clock = Stopwatch(STAGES)
        scope = Scope.of(since, until, sources)
        question = check_question(question, self.settings.max_question_chars)
        search_question = check_question(search_question or question, self.settings.max_question_chars)
        self.store.require_built()

        usage_before = dict(getattr(self.llm, "usage", {}))
        with clock.stage("retrieve"):
            retrieval = self.retriever.retrieve(search_question, top_k=top_k, scope=scope or None)
        clock.mark("first_evidence")
        if on_evidence:
            on_evidence(Looking(evidence_records(retrieval.evidence)))
        fields = {
            "question": question,
            "model": self.llm.name,
            "timings": {},
            "evidence": evidence_records(retrieval.evidence),
            "retrieved": retrieved_records(retrieval.passages),
            "prompt": self.prompt.tag,
            "search_question": search_question,
        }
        case = Case(
            question,
            retrieval,
            self.settings.min_relevance,
            unknown_numbers=self.retriever.unknown_numbers(question, refresh=False),
            judge=clock.timed("judge", self.judge.decide) if self.judge else None,
        )
        if refusal := first_refusal(BEFORE_GENERATION, case):
            nothing = Answer(text="", sentences=[], citations=[], abstained=False, **fields)
            return self._finish(nothing.refused(*refusal), clock, usage_before)

        case.answer = self._draft(question, retrieval.evidence, on_text, clock, fields, quote_unsupported=True)
        case.answer = self._retry_typed(case, on_text, clock, fields)
        case.answer = self._complete_parts(case, on_text, clock, fields)
        case.answer = self._complete_articles(case, on_text, clock, fields)
        with clock.stage("verify"):
            refusal = first_refusal(AFTER_GENERATION, case)
        if refusal and refusal[0] in {"judge", "subject"}:
            case, refusal = self._redraft(case, refusal, on_text, clock, fields)
        return self._finish(case.answer.refused(*refusal) if refusal else case.answer, clock, usage_before)

    def stream(self, question: str, **kwargs) -> Iterator[Looking | str | Answer]:
        """Yield the retrieved evidence (`Looking`), the growing answer text while it is generated,
        then the final Answer.

        Errors (QAError) are raised in the caller's thread.
        """
        updates: queue.Queue = queue.Queue()
        result: dict = {}

        def run() -> None:
            try:
                result["answer"] = self.ask(question, on_text=updates.put, on_evidence=updates.put, **kwargs)
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

    def _draft(
        self, question: str, evidence: list[Evidence], on_text: OnText, clock: Stopwatch, fields: dict, quote_unsupported: bool = False
    ) -> Answer:
        """Generate over `evidence`, verify each sentence, assemble: the answer before the gates. With
        `quote_unsupported`, a draft none of whose sentences is supported is replaced by a sentence it cited,
        word for word, where one gives what the question asks for (`qa.verify.quoted_instead`)."""
        with clock.stage("generate"):
            reply = self.generator.generate(question, evidence, on_text)
        with clock.stage("verify"):
            drafts = parse_reply(reply, len(evidence))
            sentences = [verify_sentence(self.checker, d, evidence, question) for d in drafts]
            if quote_unsupported and not any(s.supported for s in sentences):
                asked = asked_type(question)

                def fits(text: str) -> bool:
                    return answers_question(question, text) and supplies(asked, text, question)

                sentences = quoted_instead(drafts, evidence, question, fits) or sentences
            answer = assemble(sentences, evidence, **{**fields, "evidence": evidence_records(evidence)})
            require_exact(answer.citations, self.store.texts([c.doc_id for c in answer.citations]))
        return answer

    def _retry_typed(self, case: Case, on_text: OnText, clock: Stopwatch, fields: dict) -> Answer:
        """An answer that does not give the type the question asks for (a vague "dozens of ships" for
        "how many", no name for "who") gets one more try on the sentences of the retrieved passages that
        state one (not only those first shown); the first answer stays if that try fails."""
        answer, question = case.answer, case.question
        asked = asked_type(question)
        cited = " ".join(c.quote for c in answer.citations)
        if not asked or not answer.supported_text() or supplies(asked, answer.supported_text(), question, True, cited):
            return answer
        if asked.kind == "reason":
            # Words of cause and purpose are in most news sentences ("to help", "after"), so the sentences
            # that have them are not the ones that answer: a second try there finds some other reason.
            return answer

        def states_one(text: str) -> bool:
            return supplies(asked, text, question, exact=True)

        with clock.stage("retrieve"):
            focused = self.retriever.focus(fields["search_question"], case.retrieval, states_one)
        if not focused or [e.text for e in focused] == [e.text for e in case.retrieval.evidence]:
            return answer
        second = self._draft(question, focused, on_text, clock, fields)
        cited = " ".join(c.quote for c in second.citations)
        if second.supported_text() and supplies(asked, second.supported_text(), question, True, cited):
            return second
        return answer

    def _complete_parts(self, case: Case, on_text: OnText, clock: Stopwatch, fields: dict) -> Answer:
        """A question that asks two things at once ("how many ..., and which organisation ...?") whose answer
        gives only the first gets a draft for each missing part, on the retrieved passages' sentences that state
        that part's type, ranked for that part's words; the sentences of it that supply the type are added to
        the answer. A part still missing stays missing (the gates and the reader see what was answered)."""
        answer, question = case.answer, case.question
        for part, asked in missing_parts(question, answer.supported_text(), " ".join(c.quote for c in answer.citations)):
            used = [c.quote for c in answer.citations]

            def states_it(text: str) -> bool:
                return supplies(asked, text, question, exact=True) and not any(text in q or q in text for q in used)

            with clock.stage("retrieve"):
                focused = self.retriever.focus(part, case.retrieval, states_it)
            if focused:
                given = f"{question} {answer.supported_text()}"  # a value not given yet
                answer = self._add_draft(answer, focused, lambda text: supplies(asked, text, given, exact=True), on_text, clock, fields)
        return answer

    def _complete_articles(self, case: Case, on_text: OnText, clock: Stopwatch, fields: dict) -> Answer:
        """A question about what several articles say ("What figures do the two reports give?") whose answer
        cites one article gets one more draft on the sentences of the other retrieved articles (of the type
        asked for, where the question asks for one); the sentences of it that cite them are added, each shown
        with its article's publisher and date where those differ."""
        answer, question = case.answer, case.question
        cited = {c.doc_id for c in answer.citations}
        if len(cited) != 1 or not asks_each_article(question):
            return answer
        asked = asked_type(question)

        def states_it(text: str) -> bool:
            return asked is None or supplies(asked, text, question, exact=True)

        elsewhere = dataclasses.replace(case.retrieval, passages=[(p, s) for p, s in case.retrieval.passages if p.doc_id not in cited])
        with clock.stage("retrieve"):
            others = self.retriever.focus(fields["search_question"], elsewhere, states_it) if elsewhere.passages else []
        return self._add_draft(answer, others, lambda text: True, on_text, clock, fields) if others else answer

    def _add_draft(
        self, answer: Answer, evidence: list[Evidence], adds: Callable[[str], bool], on_text: OnText, clock: Stopwatch, fields: dict
    ) -> Answer:
        """`answer` with the supported sentences of one more draft over `evidence` that `adds` admits; that draft's
        text streams after the answer's own."""
        so_far = answer.text
        second = self._draft(answer.question, evidence, on_text and (lambda text: on_text(f"{so_far} {text}")), clock, fields)
        keep = [s for s in second.sentences if s.supported and adds(s.text)]
        return combine(answer, second, keep) if keep else answer

    def _redraft(
        self, case: Case, refusal: tuple[str, str], on_text: OnText, clock: Stopwatch, fields: dict
    ) -> tuple[Case, tuple[str, str] | None]:
        """A draft the yes/no check or the subject check turned down gets one more draft on the evidence without
        the sentences it cited: a small model often copies a related sentence that shares the question's words
        and passes over the one that answers. After the subject check, that evidence is only the sentences
        about the question's subject (`qa.subject.on_subject`): the draft cited someone else's. The second
        draft faces every gate again; if any refuses, the first refusal stands."""
        from qa.retrieve import without_spans
        from qa.subject import on_subject

        used = case.answer.citations
        about = on_subject(case.question, [p for p, _ in case.retrieval.passages]) if refusal[0] == "subject" else None

        def keep(text: str) -> bool:
            return not any(text in c.quote for c in used) and (about is None or text in about)

        with clock.stage("retrieve"):
            rest = self.retriever.focus(fields["search_question"], case.retrieval, keep)
            rest = without_spans(rest, ((c.doc_id, c.start, c.end) for c in used))
        if not rest:
            return case, refusal
        second = dataclasses.replace(case, answer=self._draft(case.question, rest, on_text, clock, fields), _judgement=None)
        with clock.stage("verify"):
            if first_refusal(AFTER_GENERATION, second) is None:
                return second, None
        return case, refusal

    def _finish(self, answer: Answer, clock: Stopwatch, usage_before: dict) -> Answer:
        answer.timings = clock.finish()
        usage = getattr(self.llm, "usage", None)
        if usage is not None:  # tokens this answer cost, when the backend counts them
            answer.timings.update({k: float(v - usage_before.get(k, 0)) for k, v in usage.items()})
        return answer
