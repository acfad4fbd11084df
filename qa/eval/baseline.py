"""The LlamaIndex baseline: CitationQueryEngine over our fused passages and our local model.

Everything but the answering scheme is held equal: the engine's retriever
returns exactly the passages our Retriever fused for the question, and its
LLM is the same `qa.llm` object behind a small `CustomLLM` adapter. The
engine re-chunks each passage into "Source n" chunks and writes [n] markers;
each cited chunk is mapped back to its character span in the stored source
text, so both systems are scored by the same metrics on real spans.

Import this module only when the baseline is asked for: it imports llama_index.
"""

from __future__ import annotations

import re
import time
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.query_engine import CitationQueryEngine
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from pydantic import PrivateAttr

from qa.answer import ABSTAIN_TEXT, Answer, AnswerSentence, Citation
from qa.cite import parse_reply
from qa.retrieve import Retrieval, Retriever

NAME = "llamaindex"
_SOURCE_HEADER = re.compile(r"^\s*Source \d+:\s*\n")
# CitationQueryEngine has no abstention of its own; its prompt asks the model to
# "indicate" when no source helps. These phrases are how such replies read.
_REFUSAL = re.compile(
    r"\b(?:(?:do|does|did)(?: not|n't) (?:mention|provide|specify|state|say|contain|include|know)"
    r"|not (?:mentioned|provided|specified|stated|available)|no (?:information|mention|details?)"
    r"|cannot (?:be )?(?:answer|determine)\w*|unable to (?:answer|determine|find)|none of the sources"
    r"|(?:is|are) not (?:helpful|relevant))\b",
    re.I,
)


_SOURCE_REF = re.compile(r"[\[(]?\b(?:Source (\d+)|Sources (\d+(?:\s*(?:,|and)\s*\d+)+))\b[\])]?")
_ACCORDING_TO = re.compile(r"\b(?:according to|as (?:stated|mentioned|reported) in)\s+(\[\d+\]),?\s*", re.I)
_TRAILING_MARKERS = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)")


def normalise_markers(reply: str) -> str:
    """Citations as [n] markers inside the sentence they belong to.

    Small models answer CitationQueryEngine's prompt with "[Source 2]",
    "According to Source 1, ..." or a marker after the full stop; all are
    citations of that source, so they are read as such.

    >>> normalise_markers("According to Source 1, 300 crossed. [Source 2]")
    '[1] 300 crossed [2].'
    >>> normalise_markers("Seven died (Sources 1 and 3).")
    'Seven died [1, 3].'
    """
    def ref(m: re.Match) -> str:
        return "[" + ", ".join(re.findall(r"\d+", m.group(1) or m.group(2))) + "]"

    text = _SOURCE_REF.sub(ref, reply)
    text = _ACCORDING_TO.sub(lambda m: m.group(1) + " ", text)
    return _TRAILING_MARKERS.sub(lambda m: " " + m.group(2).strip() + m.group(1), text)


def chunk_text(node_text: str) -> str:
    """The chunk as the source text has it: CitationQueryEngine's "Source n:" header removed.

    >>> chunk_text("Source 2:\\nAt least 300 fighters crossed.\\n")
    'At least 300 fighters crossed.'
    """
    return _SOURCE_HEADER.sub("", node_text, count=1).strip()


def locate(chunk: str, passage: str) -> tuple[int, int] | None:
    """[start, end) of chunk inside passage; whitespace may differ (the splitter may rejoin it).

    >>> locate("b  c", "a b c d"), locate("x", "a b")
    ((2, 5), None)
    """
    at = passage.find(chunk)
    if at >= 0:
        return at, at + len(chunk)
    parts = chunk.split()
    if not parts:
        return None
    m = re.search(r"\s+".join(map(re.escape, parts)), passage)
    return (m.start(), m.end()) if m else None


def is_refusal(text: str) -> bool:
    """True when a reply says the sources do not answer.

    >>> is_refusal("The sources do not mention the population of Aleppo."), is_refusal("At least 300 fighters crossed [1].")
    (True, False)
    """
    return not text.strip() or bool(_REFUSAL.search(text))


class FusedRetriever(BaseRetriever):
    """Our hybrid retriever as a llama-index retriever: one node per fused passage, same order."""

    def __init__(self, retriever: Retriever) -> None:
        super().__init__()
        self._inner = retriever
        self.last: Retrieval | None = None

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        self.last = self._inner.retrieve(query_bundle.query_str)
        keys = ["passage_id", "doc_id", "source", "start"]
        return [
            NodeWithScore(
                node=TextNode(
                    id_=p.passage_id,
                    text=p.text,
                    metadata={"passage_id": p.passage_id, "doc_id": p.doc_id, "source": p.source, "start": p.start},
                    excluded_llm_metadata_keys=keys,
                    excluded_embed_metadata_keys=keys,
                ),
                score=score,
            )
            for p, score in self.last.passages
        ]


class QALLM(CustomLLM):
    """A `qa.llm` LLM object as a llama-index completion model (one user message per prompt)."""

    context_window: int = 4096
    num_output: int = 320
    model_name: str = "qa"
    _inner: Any = PrivateAttr()

    def __init__(self, inner: Any, context_window: int, num_output: int) -> None:
        super().__init__(context_window=context_window, num_output=num_output, model_name=inner.name)
        self._inner = inner

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window, num_output=self.num_output, model_name=self.model_name, is_chat_model=False
        )

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._inner.chat([{"role": "user", "content": prompt}]))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):
        text = self._inner.chat([{"role": "user", "content": prompt}])
        yield CompletionResponse(text=text, delta=text)


class LlamaIndexBaseline:
    """`answer(question) -> Answer`, like our Assistant, from CitationQueryEngine."""

    name = NAME

    def __init__(self, assistant) -> None:
        settings = assistant.settings
        self.assistant = assistant
        self.retriever = FusedRetriever(assistant.retriever)
        self.llm = QALLM(assistant.llm, settings.context_tokens, settings.max_answer_tokens)
        self.engine = CitationQueryEngine(retriever=self.retriever, llm=self.llm)

    def answer(self, question: str) -> Answer:
        started = time.perf_counter()
        self.assistant.ensure_index()
        response = self.engine.query(question)
        total_ms = round((time.perf_counter() - started) * 1000, 1)
        retrieval = self.retriever.last
        return to_answer(
            question,
            str(response.response or ""),
            [n.node.get_content() for n in response.source_nodes],
            [n.node.metadata for n in response.source_nodes],
            retrieval,
            self.assistant.store.texts(sorted({p.doc_id for p, _ in retrieval.passages})) if retrieval else {},
            model=f"{self.llm.model_name} via llama-index CitationQueryEngine",
            timings={"total_ms": total_ms},
        )


def to_answer(
    question: str,
    reply: str,
    node_texts: list[str],
    node_meta: list[dict],
    retrieval: Retrieval | None,
    doc_texts: dict[str, str],
    model: str,
    timings: dict[str, float],
) -> Answer:
    """Map a CitationQueryEngine reply and its "Source n" nodes into an Answer with real spans.

    A cited chunk that cannot be found in its passage is kept with its own
    text as the quote and the passage's span, so exactness counts it as wrong.
    """
    passages = {p.passage_id: p for p, _ in retrieval.passages} if retrieval else {}
    spans: list[tuple[str, str, str, int, int, str]] = []  # passage_id, doc_id, source, start, end, quote
    for text, meta in zip(node_texts, node_meta):
        chunk = chunk_text(text)
        p = passages.get(meta.get("passage_id", ""))
        if p is None:
            spans.append((meta.get("passage_id", ""), meta.get("doc_id", ""), meta.get("source", ""), 0, 0, chunk))
            continue
        where = locate(chunk, p.text)
        start, end = (p.start + where[0], p.start + where[1]) if where else (p.start, p.end)
        quote = doc_texts.get(p.doc_id, "")[start:end] if where else chunk
        if where and quote != chunk:
            quote = chunk  # whitespace differed: the engine's chunk is what it claims to cite
        spans.append((p.passage_id, p.doc_id, p.source, start, end, quote))

    base = {
        "question": question,
        "model": model,
        "timings": timings,
        "evidence": [
            {"n": i, "passage_id": s[0], "source": s[2], "start": s[3], "end": s[4], "text": s[5]}
            for i, s in enumerate(spans, start=1)
        ],
        "retrieved": [
            {"passage_id": p.passage_id, "source": p.source, "start": p.start, "end": p.end, "score": score}
            for p, score in (retrieval.passages if retrieval else [])
        ],
        "prompt": "llama-index CITATION_QA_TEMPLATE",
        "search_question": question,
    }
    drafts = parse_reply(normalise_markers(reply), len(spans))
    if is_refusal(reply) or not drafts:
        return Answer(text=ABSTAIN_TEXT, sentences=[], citations=[], abstained=True,
                      abstain_reason=reply.strip() or "empty reply", **base)  # fmt: skip
    numbering: dict[int, int] = {}
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    for d in drafts:
        renumbered = []
        for n in d.cites:
            if n not in numbering:
                numbering[n] = len(numbering) + 1
                pid, _doc, source, start, end, quote = spans[n - 1]
                citations.append(Citation(numbering[n], pid, source, "", start, end, quote))
            renumbered.append(numbering[n])
        sentences.append(AnswerSentence(d.text, renumbered, True, 0.0, "as written by the model (not checked)"))
    text = " ".join(s.text + "".join(f"[{n}]" for n in s.citations) for s in sentences)
    return Answer(text=text, sentences=sentences, citations=citations, abstained=False, **base)
