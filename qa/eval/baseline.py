"""The LlamaIndex baseline: CitationQueryEngine over our fused passages and our local model.

Everything but the answering scheme is held equal: the engine's retriever
returns exactly the passages our Retriever fused for the question
(`qa.integrations.llama_index.QARetriever`), and its LLM is the same
`qa.llm` object behind the `QALLM` adapter. The
engine re-chunks each passage into "Source n" chunks and writes [n] markers;
each cited chunk is mapped back to its character span in the stored source
text, so both systems are scored by the same metrics on real spans.

Import this module only when the baseline is asked for: it imports llama_index.
"""

from __future__ import annotations

import re
import time

from llama_index.core.query_engine import CitationQueryEngine

from qa.answer import Answer, AnswerSentence
from qa.citations import assemble, evidence_records, parse_reply, retrieved_records
from qa.documents import Passage
from qa.integrations.llama_index import QALLM, QARetriever
from qa.retrieve import Evidence, Retrieval

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


class LlamaIndexBaseline:
    """`answer(question) -> Answer`, like our Assistant, from CitationQueryEngine."""

    name = NAME

    def __init__(self, assistant) -> None:
        settings = assistant.settings
        self.assistant = assistant
        self.retriever = QARetriever(assistant)
        self.llm = QALLM(assistant.llm, settings.context_tokens, settings.max_answer_tokens)
        self.engine = CitationQueryEngine(retriever=self.retriever, llm=self.llm)

    def answer(self, question: str) -> Answer:
        started = time.perf_counter()
        self.assistant.store.require_built()
        response = self.engine.query(question)
        total_ms = round((time.perf_counter() - started) * 1000, 1)
        retrieval = self.retriever.last
        return to_answer(
            question,
            str(response.response or ""),
            [n.node.get_content() for n in response.source_nodes],
            [n.node.metadata for n in response.source_nodes],
            retrieval,
            model=f"{self.llm.model_name} via llama-index CitationQueryEngine",
            timings={"total_ms": total_ms},
        )


def to_answer(
    question: str,
    reply: str,
    node_texts: list[str],
    node_meta: list[dict],
    retrieval: Retrieval | None,
    model: str,
    timings: dict[str, float],
) -> Answer:
    """Map a CitationQueryEngine reply and its "Source n" nodes into an Answer with real spans.

    A cited chunk that cannot be found in its passage is kept with its own
    text as the quote and the passage's span, so exactness counts it as wrong.
    """
    passages = {p.passage_id: p for p, _ in retrieval.passages} if retrieval else {}
    shown: list[Evidence] = []
    for n, (text, meta) in enumerate(zip(node_texts, node_meta), start=1):
        chunk = chunk_text(text)
        p = passages.get(meta.get("passage_id", ""))
        if p is None:
            unknown = Passage(meta.get("passage_id", ""), meta.get("doc_id", ""), meta.get("source", ""), "", 0, 0, "", ())
            shown.append(Evidence(n, unknown, 0, 0, chunk, 0.0))
            continue
        where = locate(chunk, p.text)
        start, end = (p.start + where[0], p.start + where[1]) if where else (p.start, p.end)
        # The quote is the engine's chunk, as it claims to cite it; where whitespace differs from the
        # stored text, or the chunk is not in its passage at all, exactness counts the citation as wrong.
        shown.append(Evidence(n, p, start, end, chunk, 0.0))

    fields = {
        "question": question,
        "model": model,
        "timings": timings,
        "evidence": evidence_records(shown),
        "retrieved": retrieved_records(retrieval.passages if retrieval else []),
        "prompt": "llama-index CITATION_QA_TEMPLATE",
        "search_question": question,
    }
    drafts = parse_reply(normalise_markers(reply), len(shown))
    if is_refusal(reply) or not drafts:
        nothing = Answer(text="", sentences=[], citations=[], abstained=False, **fields)
        return nothing.refused("baseline_refusal", reply.strip() or "empty reply")
    sentences = [AnswerSentence(d.text, list(d.cites), True, 0.0, "as written by the model (not checked)") for d in drafts]
    return assemble(sentences, shown, **fields)
